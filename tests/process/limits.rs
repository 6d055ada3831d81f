//! Deadlines, the default timeout, the concurrency limit and the message
//! size limit, exceeded on purpose.

use std::time::{Duration, Instant};

use jobpay::proto::pb;
use jobpay::proto::pb::admin_service_client::AdminServiceClient;
use jobpay::proto::pb::balance_service_client::BalanceServiceClient;
use jobpay::proto::pb::job_service_client::JobServiceClient;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement, TransactionTrait};
use tonic::{Code, Request};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_types::StatusExt;

use crate::support::{PgDatabase, Server, admin_key_sha256, as_admin, new_client_profile};

async fn serve(database: &PgDatabase, extra: &[&str]) -> Server {
    let key_hash = admin_key_sha256();
    let mut args = vec!["--demo", "--database-url", database.url.as_str()];
    args.extend_from_slice(extra);
    let server = Server::start(&args, &[("JOBPAY_ADMIN_KEY_SHA256", &key_hash)]);
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(15))
        .await;
    server
}

/// Keeps writes to `profiles` waiting while held.
async fn lock_profiles(url: &str) -> (sea_orm::DatabaseTransaction, sea_orm::DatabaseConnection) {
    let db = Database::connect(url).await.unwrap();
    let tx = db.begin().await.unwrap();
    tx.execute_raw(Statement::from_string(
        DbBackend::Postgres,
        "LOCK TABLE profiles IN ACCESS EXCLUSIVE MODE".to_owned(),
    ))
    .await
    .unwrap();
    (tx, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_are_honoured() {
    let database = PgDatabase::create().await;
    let server = serve(&database, &["--request-timeout", "700ms"]).await;
    let (lock, _db) = lock_profiles(&database.url).await;

    // The client's deadline (tonic's client may report its own expiry as
    // CANCELLED first; the server's verdict is in its log).
    let mut request = as_admin(new_client_profile());
    request.set_timeout(Duration::from_millis(200));
    let started = Instant::now();
    let status = AdminServiceClient::new(server.channel().await)
        .create_profile(request)
        .await
        .unwrap_err();
    assert!(
        matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled),
        "{status:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(650));
    let waiting = Instant::now();
    let finished = loop {
        let finished: Vec<String> = server
            .stderr()
            .into_iter()
            .filter(|l| l.contains("rpc finished") && l.contains("CreateProfile"))
            .collect();
        if !finished.is_empty() || waiting.elapsed() > Duration::from_secs(3) {
            break finished;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(finished.len(), 1, "{finished:?}");
    assert!(finished[0].contains("DEADLINE_EXCEEDED"), "{finished:?}");

    // No deadline sent: the server's default timeout applies.
    let started = Instant::now();
    let status = AdminServiceClient::new(server.channel().await)
        .create_profile(as_admin(new_client_profile()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_eq!(
        status.get_details_error_info().unwrap().reason,
        "DEADLINE_EXCEEDED"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(600) && took < Duration::from_secs(3),
        "{took:?}"
    );
    lock.rollback().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_limit_sheds_load() {
    let database = PgDatabase::create().await;
    let server = serve(&database, &["--concurrency-limit", "2"]).await;
    let (lock, _db) = lock_profiles(&database.url).await;
    let mut waiting = Vec::new();
    for _ in 0..2 {
        let mut admin = AdminServiceClient::new(server.channel().await);
        waiting.push(tokio::spawn(async move {
            admin.create_profile(as_admin(new_client_profile())).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let status = BalanceServiceClient::new(server.channel().await)
        .get_balance({
            let mut r = Request::new(pb::GetBalanceRequest::default());
            r.metadata_mut().insert("profile_id", "1".parse().unwrap());
            r
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert_eq!(
        status.get_details_error_info().unwrap().reason,
        "OVERLOADED"
    );
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "shed, not queued"
    );
    // Health probes are not subject to the limit.
    assert_eq!(server.health("").await, Some(ServingStatus::Serving));
    lock.rollback().await.unwrap();
    for call in waiting {
        assert!(call.await.unwrap().is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_messages_are_refused() {
    let database = PgDatabase::create().await;
    let server = serve(&database, &["--max-message-size", "2048"]).await;
    let mut jobs = JobServiceClient::new(server.channel().await);
    let request = |description: String| {
        let mut r = Request::new(pb::CreateJobRequest {
            contract_id: 2,
            description,
            price: "1".into(),
        });
        r.metadata_mut().insert("profile_id", "1".parse().unwrap());
        r
    };
    let status = jobs
        .create_job(request("x".repeat(4000)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert_eq!(
        status.get_details_error_info().unwrap().reason,
        "MESSAGE_TOO_LARGE"
    );
    assert!(status.message().contains("2048"), "{status:?}");
    // Within the limit is fine.
    assert!(jobs.create_job(request("x".repeat(1000))).await.is_ok());
}
