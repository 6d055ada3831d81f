use jobpay::proto::pb;
use tonic::Code;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, as_profile, assert_error, assert_invalid};

fn deposit(profile_id: i64, amount: &str) -> pb::DepositRequest {
    pb::DepositRequest {
        profile_id,
        amount: amount.to_owned(),
        request_id: String::new(),
        ..Default::default()
    }
}

fn withdraw(amount: &str) -> pb::WithdrawRequest {
    pb::WithdrawRequest {
        amount: amount.to_owned(),
        request_id: String::new(),
        ..Default::default()
    }
}

fn transfer(to_profile_id: i64, amount: &str) -> pb::TransferRequest {
    pb::TransferRequest {
        to_profile_id,
        amount: amount.to_owned(),
        request_id: String::new(),
        ..Default::default()
    }
}

async fn get_balance_returns_the_callers_balance(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let balance = app
        .balances()
        .get_balance(as_profile(2, pb::GetBalanceRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(balance.profile_id, 2);
    assert_eq!(balance.balance, "231.11");
    assert_eq!(app.balance(5).await, "64.00");
}

async fn deposit_is_limited_to_a_quarter_of_outstanding_jobs(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    // Client 1 owes job 2 (201.00): at most 50.25 per deposit.
    let over = assert_error(
        app.balances()
            .deposit(as_profile(1, deposit(1, "50.26")))
            .await,
        Code::FailedPrecondition,
        "DEPOSIT_LIMIT_EXCEEDED",
    );
    assert!(over.message().contains("50.25"), "{over:?}");
    let first = app
        .balances()
        .deposit(as_profile(1, deposit(1, "50.25")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.balance, "1200.25");
    // The limit is on each deposit against the outstanding total now.
    let second = app
        .balances()
        .deposit(as_profile(1, deposit(1, "50")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.balance, "1250.25");
    // Client 3 has no outstanding job: no deposit at all.
    assert_error(
        app.balances()
            .deposit(as_profile(3, deposit(3, "0.01")))
            .await,
        Code::FailedPrecondition,
        "DEPOSIT_LIMIT_EXCEEDED",
    );
    // Exactly 4 * amount == outstanding is allowed: client 4 owes 200.00.
    let exact = app
        .balances()
        .deposit(as_profile(4, deposit(4, "50.00")))
        .await
        .unwrap();
    assert_eq!(exact.into_inner().balance, "51.30");
    let entries = app
        .balances()
        .list_ledger_entries(as_profile(1, pb::ListLedgerEntriesRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert_eq!(entries[0].kind(), pb::LedgerEntryKind::Deposit);
    assert_eq!(entries[0].debit_profile_id, 0);
    assert_eq!(entries[0].credit_profile_id, 1);
    assert_eq!(entries[0].amount, "50.00");
    assert_eq!(entries[0].debit_balance_after, "");
    assert_eq!(entries[0].credit_balance_after, "1250.25");
    assert!(app.audit().await.passed());
}

async fn deposit_only_by_a_client_into_its_own_balance(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let call = async |caller, request| app.balances().deposit(as_profile(caller, request)).await;
    assert_error(
        call(1, deposit(2, "1")).await,
        Code::PermissionDenied,
        "DEPOSIT_NOT_ALLOWED",
    );
    assert_error(
        call(6, deposit(6, "1")).await,
        Code::PermissionDenied,
        "DEPOSIT_NOT_ALLOWED",
    );
    for amount in ["0", "-5", "5.555", "", "five"] {
        assert_invalid(call(1, deposit(1, amount)).await, "amount");
    }
    assert_invalid(call(1, deposit(0, "1")).await, "profile_id");
    assert_eq!(app.balance(1).await, "1150.00");
    assert_eq!(app.balance(2).await, "231.11");
}

async fn withdraw_never_goes_below_zero(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let poor = assert_error(
        app.balances()
            .withdraw(as_profile(4, withdraw("1.31")))
            .await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    assert!(poor.message().contains("1.30"));
    let rest = app
        .balances()
        .withdraw(as_profile(4, withdraw("1.3")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.balance, "0.00");
    // Contractors withdraw their earnings too.
    let earned = app
        .balances()
        .withdraw(as_profile(6, withdraw("14")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(earned.balance, "1200.00");
    assert_invalid(
        app.balances().withdraw(as_profile(6, withdraw("0"))).await,
        "amount",
    );
    let entry = app
        .balances()
        .list_ledger_entries(as_profile(4, pb::ListLedgerEntriesRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .entries
        .remove(0);
    assert_eq!(entry.kind(), pb::LedgerEntryKind::Withdrawal);
    assert_eq!((entry.debit_profile_id, entry.credit_profile_id), (4, 0));
    assert_eq!(entry.debit_balance_after, "0.00");
    assert!(app.audit().await.passed());
}

async fn transfer_moves_money_between_profiles(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let sent = app
        .balances()
        .transfer(as_profile(2, transfer(7, "31.11")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sent.balance, "200.00");
    assert_eq!(app.balance(7).await, "53.11");
    assert_error(
        app.balances()
            .transfer(as_profile(2, transfer(7, "200.01")))
            .await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    assert_invalid(
        app.balances()
            .transfer(as_profile(2, transfer(2, "1")))
            .await,
        "to_profile_id",
    );
    let status = assert_invalid(
        app.balances()
            .transfer(as_profile(2, transfer(999, "1")))
            .await,
        "to_profile_id",
    );
    assert!(
        status.message().contains("no profile has id 999"),
        "{status:?}"
    );
    assert_invalid(
        app.balances()
            .transfer(as_profile(2, transfer(7, "1.001")))
            .await,
        "amount",
    );
    assert_eq!(app.balance(2).await, "200.00");
    assert_eq!(app.balance(7).await, "53.11");
    let entry = app
        .balances()
        .list_ledger_entries(as_profile(7, pb::ListLedgerEntriesRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .entries
        .remove(0);
    assert_eq!(entry.kind(), pb::LedgerEntryKind::Transfer);
    assert_eq!((entry.debit_profile_id, entry.credit_profile_id), (2, 7));
    assert_eq!(entry.debit_balance_after, "200.00");
    assert_eq!(entry.credit_balance_after, "53.11");
    assert!(app.audit().await.passed());
}

async fn ledger_entries_are_newest_first_and_paginated(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    for amount in ["1", "2", "3"] {
        app.balances()
            .withdraw(as_profile(8, withdraw(amount)))
            .await
            .unwrap();
    }
    let mut token = String::new();
    let mut amounts = Vec::new();
    loop {
        let page = app
            .balances()
            .list_ledger_entries(as_profile(
                8,
                pb::ListLedgerEntriesRequest {
                    page_size: 2,
                    page_token: token,
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        amounts.extend(page.entries.iter().map(|e| e.amount.clone()));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    // Three withdrawals, newest first, then the opening balance.
    assert_eq!(amounts, vec!["3.00", "2.00", "1.00", "314.00"]);
    let opening = app
        .balances()
        .list_ledger_entries(as_profile(8, pb::ListLedgerEntriesRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .entries
        .pop()
        .unwrap();
    assert_eq!(opening.kind(), pb::LedgerEntryKind::Opening);
    assert_eq!(opening.credit_balance_after, "314.00");
    assert_invalid(
        app.balances()
            .list_ledger_entries(as_profile(
                8,
                pb::ListLedgerEntriesRequest {
                    page_size: -1,
                    page_token: String::new(),
                    ..Default::default()
                },
            ))
            .await,
        "page_size",
    );
}

on_both_backends!(
    get_balance_returns_the_callers_balance,
    deposit_is_limited_to_a_quarter_of_outstanding_jobs,
    deposit_only_by_a_client_into_its_own_balance,
    withdraw_never_goes_below_zero,
    transfer_moves_money_between_profiles,
    ledger_entries_are_newest_first_and_paginated,
);
