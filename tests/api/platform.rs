//! Health checks and server reflection, as grpcurl, buf curl and Kubernetes
//! probes use them.

use jobpay::proto::pb;
use tokio_stream::StreamExt;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, as_profile};

async fn health_is_serving_overall_and_per_service(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let mut health = HealthClient::new(app.channel());
    for service in [
        "",
        "jobpay.v1.ContractService",
        "jobpay.v1.JobService",
        "jobpay.v1.BalanceService",
        "jobpay.v1.AdminService",
    ] {
        let response = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(response.status(), ServingStatus::Serving, "{service:?}");
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "nope.v1.Nothing".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);
}

async fn reflection_v1_and_v1alpha_describe_the_api(backend: Backend) {
    let app = TestApp::empty(backend).await;
    {
        use tonic_reflection::pb::v1::ServerReflectionRequest;
        use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
        let mut client = ServerReflectionClient::new(app.channel());
        let requests = tokio_stream::iter(vec![
            ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::ListServices(String::new())),
            },
            ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::FileContainingSymbol(
                    "jobpay.v1.JobService".into(),
                )),
            },
        ]);
        let mut responses = client
            .server_reflection_info(requests)
            .await
            .unwrap()
            .into_inner();
        let first = responses.next().await.unwrap().unwrap();
        let Some(MessageResponse::ListServicesResponse(list)) = first.message_response else {
            panic!("unexpected {first:?}");
        };
        let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
        for expected in [
            "jobpay.v1.ContractService",
            "jobpay.v1.JobService",
            "jobpay.v1.BalanceService",
            "jobpay.v1.AdminService",
            "grpc.health.v1.Health",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
        let second = responses.next().await.unwrap().unwrap();
        let Some(MessageResponse::FileDescriptorResponse(files)) = second.message_response else {
            panic!("unexpected {second:?}");
        };
        use prost::Message;
        let descriptor =
            prost_types::FileDescriptorProto::decode(files.file_descriptor_proto[0].as_slice())
                .unwrap();
        assert_eq!(descriptor.name(), "jobpay/v1/job_service.proto");
        // Comments travel with the descriptors, for client authors.
        let comments: String = descriptor
            .source_code_info
            .unwrap()
            .location
            .into_iter()
            .map(|l| l.leading_comments().to_owned())
            .collect();
        assert!(comments.contains("Pays for a job"), "{comments}");
    }
    {
        use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
        use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;
        let mut client = ServerReflectionClient::new(app.channel());
        let requests = tokio_stream::iter(vec![ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        }]);
        let mut responses = client
            .server_reflection_info(requests)
            .await
            .unwrap()
            .into_inner();
        let first = responses.next().await.unwrap().unwrap();
        let Some(MessageResponse::ListServicesResponse(list)) = first.message_response else {
            panic!("unexpected {first:?}");
        };
        assert!(
            list.service
                .iter()
                .any(|s| s.name == "jobpay.v1.BalanceService")
        );
    }
}

async fn money_is_always_two_decimals_out(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let (client, _, _) = app.funded_client("0.5").await;
    assert_eq!(app.balance(client).await, "0.50");
    let response = app
        .balances()
        .withdraw(as_profile(
            client,
            pb::WithdrawRequest {
                amount: "0.05".into(),
                request_id: String::new(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.balance, "0.45");
    // The largest amount a request can carry is accepted as a price.
    let contracts = app
        .contracts()
        .list_contracts(as_profile(client, pb::ListContractsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let job = app
        .jobs()
        .create_job(as_profile(
            client,
            pb::CreateJobRequest {
                contract_id: contracts.contracts[0].id,
                description: "priceless".into(),
                price: "92233720368547758.07".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(job.price, "92233720368547758.07");
    // Outstanding totals beyond i64 do not break the deposit limit.
    let deposit = app
        .balances()
        .deposit(as_profile(
            client,
            pb::DepositRequest {
                profile_id: client,
                amount: "1000".into(),
                request_id: String::new(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deposit.balance, "1000.45");
}

on_both_backends!(
    health_is_serving_overall_and_per_service,
    reflection_v1_and_v1alpha_describe_the_api,
    money_is_always_two_decimals_out,
);

/// Every PostgreSQL socket this process holds: the peer is the test
/// server's port on loopback. Read from the process's own descriptors.
fn postgres_sockets() -> Vec<std::net::TcpStream> {
    use std::os::fd::BorrowedFd;
    let admin = crate::support::postgres_admin_url();
    let port: u16 = admin
        .rsplit_once('@')
        .map_or(admin.as_str(), |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .and_then(|host| host.rsplit_once(':'))
        .and_then(|(_, port)| port.parse().ok())
        .unwrap_or(5432);
    let mut sockets = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        if !is_socket {
            continue;
        }
        // SAFETY: the descriptor is open (just listed); it is only
        // duplicated here, and a descriptor closed meanwhile makes the
        // duplication fail, which skips it.
        let Ok(owned) = unsafe { BorrowedFd::borrow_raw(fd) }.try_clone_to_owned() else {
            continue;
        };
        let stream = std::net::TcpStream::from(owned);
        if stream
            .peer_addr()
            .is_ok_and(|peer| peer.port() == port && peer.ip().is_loopback())
        {
            sockets.push(stream);
        }
    }
    sockets
}

/// Every PostgreSQL socket of the process sets TCP_NODELAY, as libpq does:
/// the pool's, the ledger writer's, the health monitor's and the feed
/// lease's. Without it (sqlx-core 0.9.0 unpatched) a statement split into
/// TLS records waits ~40 ms for the server's delayed ACK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_postgres_socket_sets_tcp_nodelay() {
    let app = TestApp::with_demo_data(Backend::Postgres).await;
    // The pool (a read), the ledger writer (a movement), the health
    // monitor's and the feed lease's own connections.
    let (client, _, _) = app.funded_client("5.00").await;
    app.balances()
        .withdraw(as_profile(
            client,
            pb::WithdrawRequest {
                amount: "1.00".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    let mut health = app.store.health_probe();
    assert!(health.check().await, "the health probe connects");
    let mut lease = jobpay::store::feed::FeedLease::new(&app.store);
    lease.hold().await;
    let sockets = postgres_sockets();
    assert!(
        sockets.len() >= 4,
        "pool, writer, health and lease sockets expected, found {}",
        sockets.len()
    );
    let without: Vec<_> = sockets
        .iter()
        .filter(|s| !s.nodelay().unwrap_or(false))
        .map(|s| s.local_addr().ok())
        .collect();
    assert!(
        without.is_empty(),
        "{} of {} PostgreSQL sockets lack TCP_NODELAY: {without:?}",
        without.len(),
        sockets.len()
    );
    drop(lease);
}

/// SQLite, the embedded default, keeps a committed movement through a
/// power loss: WAL with `synchronous = FULL` (2) on the writer, and its
/// readers beside it refuse writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_commits_survive_power_loss() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = TestApp::empty(Backend::Sqlite).await;
    let pragma = |name: &str| Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}"));
    let synchronous = pragma("synchronous");
    let written = app
        .store
        .write(|tx| {
            let statement = synchronous.clone();
            Box::pin(async move {
                let row = tx.query_one_raw(statement).await?.unwrap();
                Ok(row.try_get_by_index::<i64>(0)?)
            })
        })
        .await
        .unwrap();
    assert_eq!(written, 2, "the writer's synchronous is FULL");
    let reader = app.store.reads();
    let row = reader
        .query_one_raw(pragma("journal_mode"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "wal");
    let row = reader
        .query_one_raw(synchronous.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 2);
    let refused = reader
        .execute_raw(Statement::from_string(
            DbBackend::Sqlite,
            "DELETE FROM profiles".to_owned(),
        ))
        .await;
    assert!(refused.is_err(), "a reader must refuse a write");
}
