//! Start-up against a database that is not there yet, health that follows
//! the database, graceful shutdown, migrations under replicas, TLS.

use std::time::{Duration, Instant};

use jobpay::proto::pb;
use jobpay::proto::pb::admin_service_client::AdminServiceClient;
use jobpay::proto::pb::balance_service_client::BalanceServiceClient;
use jobpay::proto::pb::contract_service_client::ContractServiceClient;
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement, TransactionTrait};
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;

use crate::support::{
    PgDatabase, PrivatePostgres, Server, admin_key_sha256, as_admin, as_profile, exec, free_port,
    new_client_profile, run_jobpay,
};

/// Calls answer quickly when the database is away: no waiting on the pool.
async fn assert_unavailable_fast(server: &Server) {
    let started = Instant::now();
    let status = BalanceServiceClient::new(server.channel().await)
        .get_balance(as_profile(1, pb::GetBalanceRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert_eq!(
        status.get_details_error_info().unwrap().reason,
        "DATABASE_UNAVAILABLE"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_waits_for_the_database_then_serves() {
    let postgres = PrivatePostgres::start_new();
    let url = postgres.url("postgres");
    postgres.stop();
    let server = Server::start(
        &[
            "--demo",
            "--database-url",
            &url,
            "--db-connect-retries",
            "100",
            "--db-connect-interval",
            "200ms",
        ],
        &[],
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(server.health("").await, Some(ServingStatus::NotServing));
    assert_eq!(
        server.health("jobpay.v1.BalanceService").await,
        Some(ServingStatus::NotServing)
    );
    assert_unavailable_fast(&server).await;
    // Alive, though not ready.
    assert_eq!(
        server.health("liveness").await,
        Some(ServingStatus::Serving)
    );
    let attempts = server
        .stderr()
        .iter()
        .filter(|l| l.contains("database not reachable"))
        .count();
    assert!(
        attempts >= 2,
        "each attempt is logged: {:?}",
        server.stderr()
    );

    postgres.start();
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(15))
        .await;
    let balance = BalanceServiceClient::new(server.channel().await)
        .get_balance(as_profile(1, pb::GetBalanceRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(balance.balance, "1150.00");
}

#[test]
fn start_up_gives_up_after_its_retries() {
    let port = free_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let started = Instant::now();
    let (status, _, err) = run_jobpay(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &url,
            "--db-connect-retries",
            "3",
            "--db-connect-interval",
            "100ms",
        ],
        &[],
    );
    assert!(!status.success());
    assert!(err.contains("not reachable after 3 attempts"), "{err}");
    assert_eq!(
        err.matches("attempt=").count(),
        3,
        "each attempt is logged: {err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_follows_the_database_without_a_restart() {
    let postgres = PrivatePostgres::start_new();
    let server = Server::start(
        &[
            "--demo",
            "--database-url",
            &postgres.url("postgres"),
            "--health-check-interval",
            "200ms",
        ],
        &[],
    );
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(15))
        .await;

    postgres.stop();
    server
        .wait_for_health(ServingStatus::NotServing, Duration::from_secs(5))
        .await;
    assert_eq!(
        server.health("jobpay.v1.JobService").await,
        Some(ServingStatus::NotServing)
    );
    assert_unavailable_fast(&server).await;

    postgres.start();
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(10))
        .await;
    let mut balances = BalanceServiceClient::new(server.channel().await);
    // The pool replaces its dead connections on the way.
    let mut answer = balances
        .get_balance(as_profile(2, pb::GetBalanceRequest::default()))
        .await;
    if answer.is_err() {
        answer = balances
            .get_balance(as_profile(2, pb::GetBalanceRequest::default()))
            .await;
    }
    assert_eq!(answer.unwrap().into_inner().balance, "231.11");
}

/// Holds an exclusive lock on `profiles`, so that writes to it wait: a way
/// to keep a call in flight for as long as a test needs.
struct TableLock {
    release: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl TableLock {
    async fn hold(url: &str) -> TableLock {
        TableLock::on(url, "profiles").await
    }

    async fn on(url: &str, table: &'static str) -> TableLock {
        let db = Database::connect(url).await.unwrap();
        let (locked, is_locked) = tokio::sync::oneshot::channel();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let tx = db.begin().await.unwrap();
            tx.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"),
            ))
            .await
            .unwrap();
            let _ = locked.send(());
            let _ = released.await;
            tx.rollback().await.unwrap();
        });
        is_locked.await.unwrap();
        TableLock {
            release: Some(release),
            task,
        }
    }

    async fn release(mut self) {
        let _ = self.release.take().unwrap().send(());
        let _ = (&mut self.task).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_calls_and_exits_zero() {
    let database = PgDatabase::create().await;
    let key_hash = admin_key_sha256();
    let mut server = Server::start(
        &["--database-url", &database.url, "--shutdown-timeout", "20s"],
        &[("JOBPAY_ADMIN_KEY_SHA256", &key_hash)],
    );
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(15))
        .await;
    let mut watch = HealthClient::new(server.channel().await)
        .watch(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );

    let lock = TableLock::hold(&database.url).await;
    let mut admin = AdminServiceClient::new(server.channel().await);
    let in_flight =
        tokio::spawn(async move { admin.create_profile(as_admin(new_client_profile())).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!in_flight.is_finished(), "the call waits on the lock");

    server.signal("TERM");
    // Health turns NOT_SERVING at once.
    let next = tokio::time::timeout(Duration::from_secs(2), watch.next())
        .await
        .expect("a health update")
        .unwrap()
        .unwrap();
    assert_eq!(next.status(), ServingStatus::NotServing);
    drop(watch);
    // No new calls: new connections are refused.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = tonic::transport::Channel::from_shared(server.url())
        .unwrap()
        .connect_timeout(Duration::from_millis(500))
        .connect()
        .await;
    assert!(refused.is_err(), "no new connections during shutdown");
    assert!(server.child.try_wait().unwrap().is_none(), "still draining");

    lock.release().await;
    let created = in_flight
        .await
        .unwrap()
        .expect("the in-flight call completes");
    assert_eq!(created.into_inner().first_name, "Grace");
    let status = server.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "exit {status}");
}

/// jobpay reaches PostgreSQL over TLS when the URL asks for it
/// (`sslmode`, `sslrootcert`): against a server that refuses plaintext,
/// migrate and serve work with `verify-full` and fail with `disable`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls_with_a_self_signed_certificate() {
    let (postgres, root_cert) = PrivatePostgres::start_new_tls_only();
    let tls_url = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        postgres.url("postgres"),
        root_cert.display()
    );
    let (status, out, err) = run_jobpay(&["migrate", "--database-url", &tls_url], &[]);
    assert!(status.success(), "{out}{err}");
    assert!(out.contains("applied"), "{out}");
    let plain = format!("{}?sslmode=disable", postgres.url("postgres"));
    let (status, out, err) = run_jobpay(&["audit", "--database-url", &plain], &[]);
    assert!(!status.success(), "plaintext must be refused: {out}{err}");
    // Without the root certificate the self-signed one does not verify.
    let unverified = format!("{}?sslmode=verify-full", postgres.url("postgres"));
    let (status, _, _) = run_jobpay(&["audit", "--database-url", &unverified], &[]);
    assert!(!status.success(), "an unknown certificate must be refused");
    let server = Server::start(&["--database-url", &tls_url, "--demo"], &[]);
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(20))
        .await;
    let mut balances = BalanceServiceClient::new(server.channel().await);
    let balance = balances
        .get_balance(as_profile(1, pb::GetBalanceRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(balance.balance, "1150.00");
    std::fs::remove_file(root_cert).ok();
}

/// `jobpay serve --demo` on `database` with `extra` arguments, once SERVING.
async fn serving_demo(database: &PgDatabase, extra: &[&str]) -> Server {
    let mut args = vec!["--database-url", database.url.as_str(), "--demo"];
    args.extend_from_slice(extra);
    let server = Server::start(&args, &[]);
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(20))
        .await;
    server
}

/// A money movement keeps its call's share of the concurrency limit until
/// it has run, even when the call itself gave up at its deadline: the
/// server never has more movements in progress than the limit allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_movement_keeps_its_permit_until_it_has_run() {
    use tonic_types::StatusExt;
    let database = PgDatabase::create().await;
    let server = serving_demo(&database, &["--concurrency-limit", "1"]).await;
    let mut balances = BalanceServiceClient::new(server.channel().await);
    // The ledger's batch reads profiles: it waits on this lock.
    let lock = TableLock::hold(&database.url).await;
    let mut withdraw = as_profile(
        1,
        pb::WithdrawRequest {
            amount: "10.00".into(),
            ..Default::default()
        },
    );
    withdraw.set_timeout(Duration::from_millis(800));
    let gave_up = balances.withdraw(withdraw).await.unwrap_err();
    // The server's answer, or the client's own timer if that fired first.
    assert!(
        matches!(
            gave_up.code(),
            tonic::Code::DeadlineExceeded | tonic::Code::Cancelled
        ),
        "{gave_up:?}"
    );
    // The movement still holds the only permit: the next call is shed.
    let shed = balances
        .get_balance(as_profile(2, pb::GetBalanceRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(shed.code(), tonic::Code::ResourceExhausted, "{shed:?}");
    assert_eq!(shed.get_details_error_info().unwrap().reason, "OVERLOADED");
    lock.release().await;
    // Once it has run, the permit is back; the movement was applied (it
    // was in a batch before the deadline).
    let mut answer = None;
    for _ in 0..50 {
        match balances
            .get_balance(as_profile(1, pb::GetBalanceRequest::default()))
            .await
        {
            Ok(balance) => {
                answer = Some(balance.into_inner().balance);
                break;
            }
            Err(status) => {
                assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    assert_eq!(answer.as_deref(), Some("1140.00"));
}

/// A pool saturated by calls waiting on locks is load, not an outage: the
/// health monitor has a connection of its own and stays SERVING.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saturated_pool_does_not_flip_health() {
    let database = PgDatabase::create().await;
    let key_hash = admin_key_sha256();
    let server = Server::start(
        &[
            "--database-url",
            &database.url,
            "--pool-size",
            "1",
            "--health-check-interval",
            "200ms",
        ],
        &[("JOBPAY_ADMIN_KEY_SHA256", &key_hash)],
    );
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(15))
        .await;
    let lock = TableLock::hold(&database.url).await;
    let mut admin = AdminServiceClient::new(server.channel().await);
    // Holds the pool's only connection, waiting on the lock.
    let in_flight =
        tokio::spawn(async move { admin.create_profile(as_admin(new_client_profile())).await });
    let mut health = HealthClient::new(server.channel().await);
    // Longer than the monitor's 2 s ping timeout, at 200 ms checks.
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let status = health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .status();
        assert_eq!(status, ServingStatus::Serving, "health during saturation");
    }
    assert!(!in_flight.is_finished(), "the call still waits on the lock");
    lock.release().await;
    let created = in_flight.await.unwrap().expect("the call completes");
    assert_eq!(created.into_inner().first_name, "Grace");
}

/// The ledger writer has a connection of its own: money keeps moving while
/// other calls hold every connection of the shared pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn movements_do_not_wait_for_the_shared_pool() {
    let database = PgDatabase::create().await;
    let server = serving_demo(&database, &["--pool-size", "1"]).await;
    let mut balances = BalanceServiceClient::new(server.channel().await);
    let withdraw = || {
        as_profile(
            1,
            pb::WithdrawRequest {
                amount: "1.00".into(),
                ..Default::default()
            },
        )
    };
    // Before the pool is taken: the platform currency is cached.
    let before = balances.withdraw(withdraw()).await.unwrap().into_inner();
    // A listing of contracts takes the pool's only connection and waits.
    let lock = TableLock::on(&database.url, "contracts").await;
    let mut contracts = ContractServiceClient::new(server.channel().await);
    let waiting = tokio::spawn(async move {
        contracts
            .list_contracts(as_profile(1, pb::ListContractsRequest::default()))
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the listing waits on the lock");
    let after = balances.withdraw(withdraw()).await.unwrap().into_inner();
    assert!(
        !waiting.is_finished(),
        "the withdrawal completed while the pool's connection was taken"
    );
    let cents = |text: &str| text.replace('.', "").parse::<i64>().unwrap();
    assert_eq!(cents(&before.balance) - cents(&after.balance), 100);
    lock.release().await;
    waiting.await.unwrap().expect("the listing completes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_timeout_bounds_the_drain() {
    let database = PgDatabase::create().await;
    let key_hash = admin_key_sha256();
    let mut server = Server::start(
        &[
            "--database-url",
            &database.url,
            "--shutdown-timeout",
            "500ms",
        ],
        &[("JOBPAY_ADMIN_KEY_SHA256", &key_hash)],
    );
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(15))
        .await;
    let lock = TableLock::hold(&database.url).await;
    let mut admin = AdminServiceClient::new(server.channel().await);
    let in_flight =
        tokio::spawn(async move { admin.create_profile(as_admin(new_client_profile())).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    server.signal("INT");
    let status = server.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "exit {status}");
    let took = signalled.elapsed();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert!(
        in_flight.await.unwrap().is_err(),
        "the abandoned call fails"
    );
    lock.release().await;
    // Nothing half-done: the abandoned insert rolled back.
    let db = Database::connect(&database.url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT COUNT(*) FROM profiles".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_migrate_once() {
    let database = PgDatabase::create().await;
    let url = database.url.clone();
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || run_jobpay(&["migrate", "--database-url", &url], &[]))
        })
        .collect();
    let mut applied = 0;
    for run in runs {
        let (status, out, err) = run.join().unwrap();
        assert!(status.success(), "{out}{err}");
        applied += out
            .trim()
            .strip_prefix("applied ")
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap();
    }
    assert_eq!(
        applied as usize,
        migration::Migrator::migrations().len(),
        "each migration applied exactly once"
    );
    let db = Database::connect(&url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT COUNT(*) FROM seaql_migrations".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.try_get_by_index::<i64>(0).unwrap() as usize,
        migration::Migrator::migrations().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_migrate_false_leaves_the_schema_alone() {
    let database = PgDatabase::create().await;
    let server = Server::start(&["--database-url", &database.url, "--migrate=false"], &[]);
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(15))
        .await;
    let db = Database::connect(&database.url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'profiles'"
                .to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0);
    assert!(
        server
            .stderr()
            .iter()
            .any(|l| l.contains("pending migrations not applied")),
        "{:?}",
        server.stderr()
    );
    exec(&database.url, "SELECT 1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_is_served_when_configured() {
    let dir = std::env::temp_dir().join(crate::support::unique("jobpay_tls"));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success());
    let sqlite = crate::support::SqliteFile::new();
    let server = Server::start(
        &[
            "--demo",
            "--database-url",
            &sqlite.url(),
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        &[],
    );
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(
            std::fs::read(&cert).unwrap(),
        ))
        .domain_name("localhost");
    let channel = tonic::transport::Channel::from_shared(format!(
        "https://localhost:{}",
        server.address.port()
    ))
    .unwrap()
    .tls_config(tls)
    .unwrap()
    .connect()
    .await
    .expect("TLS connection");
    let started = Instant::now();
    loop {
        let answer = BalanceServiceClient::new(channel.clone())
            .get_balance(as_profile(1, pb::GetBalanceRequest::default()))
            .await;
        match answer {
            Ok(balance) => {
                assert_eq!(balance.into_inner().balance, "1150.00");
                break;
            }
            Err(status) if status.code() == Code::Unavailable => {
                assert!(started.elapsed() < Duration::from_secs(15));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(status) => panic!("{status:?}"),
        }
    }
    // Plaintext is not spoken on a TLS port.
    let plain = BalanceServiceClient::new(
        tonic::transport::Channel::from_shared(server.url())
            .unwrap()
            .connect_lazy(),
    )
    .get_balance(as_profile(1, pb::GetBalanceRequest::default()))
    .await;
    assert!(plain.is_err());
    let _ = std::fs::remove_dir_all(dir);
}
