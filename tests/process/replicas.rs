//! Several server processes on one database, and a crash in the middle of a
//! load: money stays exact.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jobpay::money::Minor;
use jobpay::proto::pb;
use jobpay::proto::pb::admin_service_client::AdminServiceClient;
use jobpay::proto::pb::balance_service_client::BalanceServiceClient;
use jobpay::proto::pb::contract_service_client::ContractServiceClient;
use jobpay::proto::pb::job_service_client::JobServiceClient;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use tokio::task::JoinSet;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_types::StatusExt;

use crate::support::{
    PgDatabase, Server, admin_key_sha256, as_admin, as_profile, new_client_profile, run_jobpay,
};

async fn serve(database: &PgDatabase) -> Server {
    let key_hash = admin_key_sha256();
    let server = Server::start(
        &["--database-url", &database.url, "--log-level", "warn"],
        &[("JOBPAY_ADMIN_KEY_SHA256", &key_hash)],
    );
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(20))
        .await;
    server
}

/// A client holding `amount`, and its contractor: funded the way a real
/// client is, against an outstanding job worth four times the amount that
/// is never paid.
async fn funded_client(channel: &Channel, amount: Minor) -> (i64, i64) {
    let mut admin = AdminServiceClient::new(channel.clone());
    let client = admin
        .create_profile(as_admin(new_client_profile()))
        .await
        .expect("CreateProfile (client)")
        .into_inner()
        .id;
    let contractor = admin
        .create_profile(as_admin(pb::CreateProfileRequest {
            r#type: pb::ProfileType::Contractor.into(),
            ..new_client_profile()
        }))
        .await
        .expect("CreateProfile (contractor)")
        .into_inner()
        .id;
    let mut contracts = ContractServiceClient::new(channel.clone());
    let contract = contracts
        .create_contract(as_profile(
            client,
            pb::CreateContractRequest {
                contractor_id: contractor,
                terms: "funding".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("CreateContract")
        .into_inner()
        .id;
    contracts
        .start_contract(as_profile(
            contractor,
            pb::StartContractRequest { id: contract },
        ))
        .await
        .expect("StartContract");
    JobServiceClient::new(channel.clone())
        .create_job(as_profile(
            client,
            pb::CreateJobRequest {
                contract_id: contract,
                description: "funding".into(),
                price: Minor::new(amount.get() * 4).format(2),
            },
        ))
        .await
        .expect("CreateJob");
    BalanceServiceClient::new(channel.clone())
        .deposit(as_profile(
            client,
            pb::DepositRequest {
                profile_id: client,
                amount: amount.format(2),
                ..Default::default()
            },
        ))
        .await
        .expect("Deposit");
    (client, contractor)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storm_split_across_two_server_processes_is_exact() {
    let database = PgDatabase::create().await;
    // Both start together and migrate under the advisory lock.
    let (a, b) = tokio::join!(serve(&database), serve(&database));
    let channels = [a.channel().await, b.channel().await];
    let (client, _) = funded_client(&channels[0], Minor::new(1_000_000)).await;

    let mut tasks = JoinSet::new();
    for i in 0..10_000 {
        let mut balances = BalanceServiceClient::new(channels[i % 2].clone());
        tasks.spawn(async move {
            balances
                .withdraw(as_profile(
                    client,
                    pb::WithdrawRequest {
                        amount: "2.00".into(),
                        request_id: String::new(),
                        ..Default::default()
                    },
                ))
                .await
                .map(drop)
        });
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for result in tasks.join_all().await {
        let key = match result {
            Ok(()) => "OK".to_owned(),
            Err(status) => format!(
                "{:?}/{}",
                status.code(),
                status
                    .get_details_error_info()
                    .map(|i| i.reason)
                    .unwrap_or_else(|| status.message().to_owned())
            ),
        };
        *counts.entry(key).or_default() += 1;
    }
    assert_eq!(
        counts,
        HashMap::from([
            ("OK".to_owned(), 5_000),
            ("FailedPrecondition/INSUFFICIENT_FUNDS".to_owned(), 5_000)
        ])
    );
    let balance = BalanceServiceClient::new(channels[1].clone())
        .get_balance(as_profile(client, pb::GetBalanceRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .balance;
    assert_eq!(balance, "0.00");
    let (status, out, _) = run_jobpay(&["audit", "--database-url", &database.url], &[]);
    assert!(status.success(), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_transfers_loses_nothing_acknowledged() {
    let database = PgDatabase::create().await;
    let server = serve(&database).await;
    let channel = server.channel().await;
    let mut profiles = Vec::new();
    for _ in 0..3 {
        let (client, contractor) = funded_client(&channel, Minor::new(50_000)).await;
        profiles.extend([client, contractor]);
    }

    // Transfers with request ids, until the server dies under them.
    let acknowledged = Arc::new(Mutex::new(HashSet::<String>::new()));
    let mut load = JoinSet::new();
    for worker in 0..8usize {
        let channel = channel.clone();
        let profiles = profiles.clone();
        let acknowledged = Arc::clone(&acknowledged);
        load.spawn(async move {
            let mut balances = BalanceServiceClient::new(channel);
            for n in 0usize.. {
                let from = profiles[(worker + n) % profiles.len()];
                let to = profiles[(worker + n + 1 + n % 3) % profiles.len()];
                let to = if to == from {
                    profiles[(worker + n + 1) % profiles.len()]
                } else {
                    to
                };
                let request_id = uuid::Uuid::new_v4().to_string();
                let result = balances
                    .transfer(as_profile(
                        from,
                        pb::TransferRequest {
                            to_profile_id: to,
                            amount: format!("{}.{:02}", n % 7, n % 100),
                            request_id: request_id.clone(),
                            ..Default::default()
                        },
                    ))
                    .await;
                match result {
                    Ok(_) => {
                        acknowledged.lock().unwrap().insert(request_id);
                    }
                    Err(status)
                        if status.code() == tonic::Code::FailedPrecondition
                            || status.code() == tonic::Code::InvalidArgument => {}
                    Err(_) => return n,
                }
            }
            unreachable!()
        });
    }
    // Kill it mid-load, once a good number of calls went through.
    let started = std::time::Instant::now();
    while acknowledged.lock().unwrap().len() < 100 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the load is stuck"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut server = server;
    server.child.kill().expect("kill -9");
    server.child.wait().unwrap();
    let calls: usize = load.join_all().await.into_iter().sum();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 100,
        "the load ran: {} of {calls}",
        acknowledged.len()
    );

    // Restarted, the ledger is consistent and has every acknowledged call.
    let restarted = serve(&database).await;
    drop(restarted);
    let (status, out, _) = run_jobpay(&["audit", "--database-url", &database.url], &[]);
    assert!(status.success(), "{out}");
    let db = Database::connect(&database.url).await.unwrap();
    let recorded: HashSet<String> = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT request_id FROM ledger_entries WHERE request_id IS NOT NULL".to_owned(),
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    let missing: Vec<&String> = acknowledged.difference(&recorded).collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not in the ledger: {missing:?}"
    );
}
