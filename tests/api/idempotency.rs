use std::sync::Arc;

use jobpay::proto::pb;
use tokio::task::JoinSet;
use tonic::Code;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, as_profile, assert_error, assert_invalid};

const ID: &str = "6f1c2a4e-9a57-4c39-a7c2-0d9b6f0e1a11";

fn withdraw(amount: &str, request_id: &str) -> pb::WithdrawRequest {
    pb::WithdrawRequest {
        amount: amount.into(),
        request_id: request_id.into(),
        ..Default::default()
    }
}

async fn entries(app: &TestApp, caller: i64) -> Vec<pb::LedgerEntry> {
    app.balances()
        .list_ledger_entries(as_profile(caller, pb::ListLedgerEntriesRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .entries
}

async fn a_replay_returns_the_first_response_and_moves_nothing(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let first = app
        .balances()
        .withdraw(as_profile(6, withdraw("14", ID)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.balance, "1200.00");
    // Same parameters written differently ("14.00" is "14") are the same.
    for amount in ["14", "14.00"] {
        let again = app
            .balances()
            .withdraw(as_profile(6, withdraw(amount, ID)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(again, first);
    }
    assert_eq!(app.balance(6).await, "1200.00");
    let mine = entries(&app, 6).await;
    assert_eq!(mine.iter().filter(|e| e.request_id == ID).count(), 1);

    // PayJob replays return the paid job and the balance of the first call.
    let pay = async || {
        app.jobs()
            .pay_job(as_profile(
                1,
                pb::PayJobRequest {
                    job_id: 2,
                    request_id: "0b7e6f40-3a7c-4d58-9a3f-1d2c3b4a5e60".into(),
                },
            ))
            .await
    };
    let paid = pay().await.unwrap().into_inner();
    assert_eq!(pay().await.unwrap().into_inner(), paid);
    assert_eq!(paid.client_balance, "949.00");
    assert_eq!(app.balance(1).await, "949.00");

    // A request id belongs to its caller: another caller's same id is new.
    let other = app
        .balances()
        .withdraw(as_profile(7, withdraw("2", ID)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(other.balance, "20.00");
    assert!(app.audit().await.passed());
}

async fn reusing_an_id_for_other_parameters_is_refused(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    app.balances()
        .withdraw(as_profile(6, withdraw("14", ID)))
        .await
        .unwrap();
    let reused = assert_error(
        app.balances()
            .withdraw(as_profile(6, withdraw("15", ID)))
            .await,
        Code::InvalidArgument,
        "REQUEST_ID_REUSED",
    );
    assert!(reused.message().contains("request_id"));
    // Another method with the same id is other parameters too.
    assert_error(
        app.balances()
            .transfer(as_profile(
                6,
                pb::TransferRequest {
                    to_profile_id: 7,
                    amount: "14".into(),
                    request_id: ID.into(),
                    ..Default::default()
                },
            ))
            .await,
        Code::InvalidArgument,
        "REQUEST_ID_REUSED",
    );
    assert_eq!(app.balance(6).await, "1200.00");
    assert_eq!(app.balance(7).await, "22.00");
}

async fn a_failed_call_is_not_remembered(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    assert_error(
        app.balances()
            .withdraw(as_profile(4, withdraw("5", ID)))
            .await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    // Client 4 earns money; the same request id now succeeds.
    app.balances()
        .transfer(as_profile(
            1,
            pb::TransferRequest {
                to_profile_id: 4,
                amount: "10".into(),
                request_id: String::new(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    let ok = app
        .balances()
        .withdraw(as_profile(4, withdraw("5", ID)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ok.balance, "6.30");
}

async fn malformed_request_ids_are_invalid(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    for bad in [
        "42",
        "not-a-uuid",
        "6f1c2a4e-9a57-4c39-a7c2-0d9b6f0e1a1",
        "{}",
    ] {
        assert_invalid(
            app.balances()
                .withdraw(as_profile(6, withdraw("1", bad)))
                .await,
            "request_id",
        );
        assert_invalid(
            app.jobs()
                .pay_job(as_profile(
                    1,
                    pb::PayJobRequest {
                        job_id: 2,
                        request_id: bad.into(),
                    },
                ))
                .await,
            "request_id",
        );
    }
    assert_eq!(app.balance(6).await, "1214.00");
}

async fn concurrent_duplicates_move_money_once(backend: Backend) {
    let app = Arc::new(TestApp::with_demo_data(backend).await);
    // Two replicas on one database, so duplicates race in the database too.
    let second = Arc::new(app.second_replica().await);
    let mut calls = JoinSet::new();
    for i in 0..40 {
        let client = if i % 2 == 0 {
            app.balances()
        } else {
            second.balances()
        };
        calls.spawn(async move {
            let mut client = client;
            client
                .deposit(as_profile(
                    1,
                    pb::DepositRequest {
                        profile_id: 1,
                        amount: "50".into(),
                        request_id: ID.into(),
                        ..Default::default()
                    },
                ))
                .await
                .map(|r| r.into_inner().balance)
        });
    }
    let balances: Vec<String> = calls
        .join_all()
        .await
        .into_iter()
        .map(|r| r.expect("every duplicate succeeds with the first response"))
        .collect();
    assert!(balances.iter().all(|b| b == "1200.00"), "{balances:?}");
    assert_eq!(app.balance(1).await, "1200.00");
    let deposits = entries(&app, 1)
        .await
        .into_iter()
        .filter(|e| e.kind() == pb::LedgerEntryKind::Deposit)
        .count();
    assert_eq!(deposits, 1);
    assert!(app.audit().await.passed());
}

async fn expired_request_ids_are_purged(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    app.balances()
        .withdraw(as_profile(6, withdraw("14", ID)))
        .await
        .unwrap();
    // Within the time to live nothing is purged.
    let kept =
        jobpay::ledger::purge_expired_requests(&app.store, std::time::Duration::from_secs(3600))
            .await
            .unwrap();
    assert_eq!(kept, 0);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let purged =
        jobpay::ledger::purge_expired_requests(&app.store, std::time::Duration::from_millis(10))
            .await
            .unwrap();
    assert_eq!(purged, 1);
    // Once forgotten, the id names a new request.
    let again = app
        .balances()
        .withdraw(as_profile(6, withdraw("14", ID)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.balance, "1186.00");
}

on_both_backends!(
    expired_request_ids_are_purged,
    a_replay_returns_the_first_response_and_moves_nothing,
    reusing_an_id_for_other_parameters_is_refused,
    a_failed_call_is_not_remembered,
    malformed_request_ids_are_invalid,
    concurrent_duplicates_move_money_once,
);
