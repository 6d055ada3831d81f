//! Payouts and balance summaries: holds on `held` / `available`, every debit
//! blocked by them, the requester's and the admin's transitions, listings,
//! idempotency, summaries computed by hand, and exact outcomes under
//! concurrency.

use std::collections::{BTreeSet, HashMap};

use jobpay::proto::pb;
use tokio::task::JoinSet;
use tonic::{Code, Request, Status};
use tonic_types::StatusExt;

use crate::on_both_backends;
use crate::support::{
    Backend, Cents, Replica, TestApp, as_admin, as_profile, assert_error, assert_invalid,
    with_bearer,
};

fn payout_request(amount: &str, currency_code: &str) -> pb::RequestPayoutRequest {
    pb::RequestPayoutRequest {
        amount: amount.into(),
        currency_code: currency_code.into(),
        ..Default::default()
    }
}

fn withdraw(amount: &str) -> pb::WithdrawRequest {
    pb::WithdrawRequest {
        amount: amount.into(),
        ..Default::default()
    }
}

fn transfer(to_profile_id: i64, amount: &str) -> pb::TransferRequest {
    pb::TransferRequest {
        to_profile_id,
        amount: amount.into(),
        ..Default::default()
    }
}

/// A payout of `amount` in the platform currency, requested by `profile`.
async fn request(app: &TestApp, profile: i64, amount: &str) -> pb::Payout {
    request_in(app, profile, amount, "").await
}

async fn request_in(app: &TestApp, profile: i64, amount: &str, currency: &str) -> pb::Payout {
    app.payouts()
        .request_payout(as_profile(profile, payout_request(amount, currency)))
        .await
        .expect("RequestPayout")
        .into_inner()
}

async fn complete(app: &TestApp, id: i64) -> pb::Payout {
    app.admin()
        .complete_payout(as_admin(pb::CompletePayoutRequest { id }))
        .await
        .expect("CompletePayout")
        .into_inner()
}

async fn cancel(app: &TestApp, profile: i64, id: i64) -> pb::Payout {
    app.payouts()
        .cancel_payout(as_profile(profile, pb::CancelPayoutRequest { id }))
        .await
        .expect("CancelPayout")
        .into_inner()
}

async fn get_payout(app: &TestApp, profile: i64, id: i64) -> pb::Payout {
    app.payouts()
        .get_payout(as_profile(profile, pb::GetPayoutRequest { id }))
        .await
        .expect("GetPayout")
        .into_inner()
}

/// (balance, held, available) of a profile in a currency, by GetBalance.
async fn holdings(app: &TestApp, profile: i64, currency: &str) -> (String, String, String) {
    let response = app
        .balances()
        .get_balance(as_profile(
            profile,
            pb::GetBalanceRequest {
                currency_code: currency.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("GetBalance")
        .into_inner();
    (response.balance, response.held, response.available)
}

fn triple(balance: &str, held: &str, available: &str) -> (String, String, String) {
    (balance.into(), held.into(), available.into())
}

async fn ledger_entries(app: &TestApp, profile: i64) -> Vec<pb::LedgerEntry> {
    app.balances()
        .list_ledger_entries(as_profile(
            profile,
            pb::ListLedgerEntriesRequest {
                page_size: 1000,
                ..Default::default()
            },
        ))
        .await
        .expect("ListLedgerEntries")
        .into_inner()
        .entries
}

/// Every payout of `profile`, newest first, through every page.
async fn all_payouts(app: &TestApp, profile: i64) -> Vec<pb::Payout> {
    let mut payouts = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = app
            .payouts()
            .list_payouts(as_profile(
                profile,
                pb::ListPayoutsRequest {
                    page_size: 1000,
                    page_token,
                },
            ))
            .await
            .expect("ListPayouts")
            .into_inner();
        payouts.extend(page.payouts);
        if page.next_page_token.is_empty() {
            return payouts;
        }
        page_token = page.next_page_token;
    }
}

/// The `state` metadata of a PAYOUT_NOT_REQUESTED refusal.
#[track_caller]
fn assert_not_requested<T: std::fmt::Debug>(result: Result<T, Status>, state: &str) {
    let status = assert_error(result, Code::FailedPrecondition, "PAYOUT_NOT_REQUESTED");
    let info = status.get_details_error_info().expect("ErrorInfo");
    assert_eq!(info.metadata["state"], state, "{status:?}");
}

/// Outcome counts by gRPC code and ErrorInfo reason.
fn tally<T>(results: Vec<Result<T, Status>>) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for result in results {
        *counts.entry(outcome(&result)).or_insert(0) += 1;
    }
    counts
}

fn outcome<T>(result: &Result<T, Status>) -> String {
    match result {
        Ok(_) => "OK".to_owned(),
        Err(status) => match status.get_details_error_info() {
            Some(info) => format!("{:?}/{}", status.code(), info.reason),
            None => format!("{:?}: {}", status.code(), status.message()),
        },
    }
}

async fn a_payout_request_holds_money_without_moving_it(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, contractor, _) = app.funded_client("100.00").await;
    let entries_before = ledger_entries(&app, client).await.len();

    let payout = request(&app, client, "30").await;
    assert!(payout.id > 0);
    assert_eq!(payout.profile_id, client);
    assert_eq!(
        (payout.amount.as_str(), payout.currency_code.as_str()),
        ("30.00", "USD")
    );
    assert_eq!(payout.state(), pb::PayoutState::Requested);
    assert_eq!(payout.ledger_entry_id, 0);
    assert_eq!(payout.external_id, "");
    assert!(payout.create_time.is_some());
    assert_eq!(payout.create_time, payout.update_time);

    // The balance stays, what is available drops.
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "30.00", "70.00")
    );
    let listed = app
        .balances()
        .list_balances(as_profile(client, pb::ListBalancesRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .balances;
    assert_eq!(
        listed,
        vec![pb::Balance {
            currency_code: "USD".into(),
            balance: "100.00".into(),
            held: "30.00".into(),
            available: "70.00".into(),
        }]
    );
    // No money moved: no ledger entry.
    assert_eq!(ledger_entries(&app, client).await.len(), entries_before);

    // More than is available (though within the balance) is refused.
    let short = assert_error(
        app.payouts()
            .request_payout(as_profile(client, payout_request("70.01", "")))
            .await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    let info = short.get_details_error_info().unwrap();
    assert_eq!(info.metadata["balance"], "100.00");
    assert_eq!(info.metadata["available"], "70.00");
    assert_eq!(info.metadata["required"], "70.01");
    // A currency never held has nothing available.
    let none = assert_error(
        app.payouts()
            .request_payout(as_profile(client, payout_request("0.01", "EUR")))
            .await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    let info = none.get_details_error_info().unwrap();
    assert_eq!(info.metadata["balance"], "0.00");
    assert_eq!(info.metadata["available"], "0.00");

    for bad in [
        "0",
        "0.00",
        "1.234",
        "",
        "-1",
        "+1",
        "1e2",
        " 1",
        "abc",
        "92233720368547758.08",
    ] {
        assert_invalid(
            app.payouts()
                .request_payout(as_profile(client, payout_request(bad, "")))
                .await,
            "amount",
        );
    }
    let unknown = assert_error(
        app.payouts()
            .request_payout(as_profile(client, payout_request("1.00", "XYZ")))
            .await,
        Code::InvalidArgument,
        "CURRENCY_NOT_SUPPORTED",
    );
    assert_invalid::<()>(Err(unknown), "currency_code");
    assert_invalid(
        app.payouts()
            .request_payout(as_profile(
                client,
                pb::RequestPayoutRequest {
                    amount: "1.00".into(),
                    request_id: "not-a-uuid".into(),
                    ..Default::default()
                },
            ))
            .await,
        "request_id",
    );
    // Caller identity is required.
    assert_error(
        app.payouts()
            .request_payout(Request::new(payout_request("1.00", "")))
            .await,
        Code::Unauthenticated,
        "MISSING_PROFILE_ID",
    );
    assert_error(
        app.payouts()
            .request_payout(as_profile(999_999, payout_request("1.00", "")))
            .await,
        Code::Unauthenticated,
        "UNKNOWN_PROFILE",
    );
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "30.00", "70.00"),
        "no refused request held anything"
    );

    // Any profile type may ask: a contractor, in a lower-case code.
    app.balances()
        .transfer(as_profile(client, transfer(contractor, "20.00")))
        .await
        .unwrap();
    let own = request_in(&app, contractor, "15.5", "usd").await;
    assert_eq!(
        (
            own.profile_id,
            own.amount.as_str(),
            own.currency_code.as_str()
        ),
        (contractor, "15.50", "USD")
    );
    assert!(own.id > payout.id);
    assert_eq!(
        holdings(&app, contractor, "").await,
        triple("20.00", "15.50", "4.50")
    );
    assert_eq!(
        holdings(&app, client, "").await,
        triple("80.00", "30.00", "50.00")
    );
    // Up to the last cent available.
    request(&app, contractor, "4.50").await;
    assert_eq!(
        holdings(&app, contractor, "").await,
        triple("20.00", "20.00", "0.00")
    );
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn holds_block_every_other_debit(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, contractor, _) = app.funded_client("100.00").await;
    let contract = app
        .contracts()
        .list_contracts(as_profile(client, pb::ListContractsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .contracts[0]
        .id;
    let new_job = |price: &'static str| {
        let mut jobs = app.jobs();
        async move {
            jobs.create_job(as_profile(
                client,
                pb::CreateJobRequest {
                    contract_id: contract,
                    description: "piece".into(),
                    price: price.into(),
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .id
        }
    };
    let pay = |job_id: i64| {
        let mut jobs = app.jobs();
        async move {
            jobs.pay_job(as_profile(
                client,
                pb::PayJobRequest {
                    job_id,
                    ..Default::default()
                },
            ))
            .await
        }
    };
    let (other, _, _) = app.funded_client("1.00").await;
    let payout = request(&app, client, "50.00").await;
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "50.00", "50.00")
    );

    // Each debit within the balance but beyond what is available.
    let sixty = new_job("60.00").await;
    let refusals = [
        pay(sixty).await.map(drop),
        app.balances()
            .withdraw(as_profile(client, withdraw("50.01")))
            .await
            .map(drop),
        app.balances()
            .transfer(as_profile(client, transfer(other, "50.01")))
            .await
            .map(drop),
    ];
    for (refusal, required) in refusals.into_iter().zip(["60.00", "50.01", "50.01"]) {
        let status = assert_error(refusal, Code::FailedPrecondition, "INSUFFICIENT_FUNDS");
        let info = status.get_details_error_info().unwrap();
        assert_eq!(info.metadata["balance"], "100.00", "{status:?}");
        assert_eq!(info.metadata["available"], "50.00", "{status:?}");
        assert_eq!(info.metadata["required"], required, "{status:?}");
    }
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "50.00", "50.00")
    );
    assert_eq!(app.balance(contractor).await, "0.00");
    assert_eq!(app.balance(other).await, "1.00");

    // Within what is available they go through.
    let twenty = new_job("20.00").await;
    let paid = pay(twenty).await.unwrap().into_inner();
    assert_eq!(paid.client_balance, "80.00");
    let left = app
        .balances()
        .withdraw(as_profile(client, withdraw("10.00")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(left.balance, "70.00");
    let sent = app
        .balances()
        .transfer(as_profile(client, transfer(other, "20.00")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sent.balance, "50.00");
    assert_eq!(
        holdings(&app, client, "").await,
        triple("50.00", "50.00", "0.00")
    );
    // Nothing left to spend, not even a cent, nor to hold again.
    assert_error(
        app.balances()
            .withdraw(as_profile(client, withdraw("0.01")))
            .await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    assert_error(
        app.payouts()
            .request_payout(as_profile(client, payout_request("0.01", "")))
            .await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    // Released, the hold can be spent.
    cancel(&app, client, payout.id).await;
    assert_eq!(
        holdings(&app, client, "").await,
        triple("50.00", "0.00", "50.00")
    );
    app.balances()
        .withdraw(as_profile(client, withdraw("50.00")))
        .await
        .unwrap();
    assert_eq!(app.balance(contractor).await, "20.00");
    assert_eq!(app.balance(other).await, "21.00");
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn the_requester_cancels_and_only_sees_its_own_payouts(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, _, _) = app.funded_client("100.00").await;
    let (stranger, _, _) = app.funded_client("10.00").await;
    let payout = request(&app, client, "40.00").await;
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "40.00", "60.00")
    );

    // Another profile neither sees nor cancels it.
    for result in [
        app.payouts()
            .get_payout(as_profile(stranger, pb::GetPayoutRequest { id: payout.id }))
            .await,
        app.payouts()
            .cancel_payout(as_profile(
                stranger,
                pb::CancelPayoutRequest { id: payout.id },
            ))
            .await,
    ] {
        assert_error(result, Code::NotFound, "PAYOUT_NOT_FOUND");
    }
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "40.00", "60.00")
    );
    assert_eq!(
        holdings(&app, stranger, "").await,
        triple("10.00", "0.00", "10.00")
    );
    // Nor does anyone see a payout that does not exist.
    for result in [
        app.payouts()
            .get_payout(as_profile(client, pb::GetPayoutRequest { id: 999_999 }))
            .await,
        app.payouts()
            .cancel_payout(as_profile(client, pb::CancelPayoutRequest { id: 999_999 }))
            .await,
    ] {
        assert_error(result, Code::NotFound, "PAYOUT_NOT_FOUND");
    }
    for id in [0, -1] {
        assert_invalid(
            app.payouts()
                .get_payout(as_profile(client, pb::GetPayoutRequest { id }))
                .await,
            "id",
        );
        assert_invalid(
            app.payouts()
                .cancel_payout(as_profile(client, pb::CancelPayoutRequest { id }))
                .await,
            "id",
        );
    }
    assert_error(
        app.payouts()
            .cancel_payout(Request::new(pb::CancelPayoutRequest { id: payout.id }))
            .await,
        Code::Unauthenticated,
        "MISSING_PROFILE_ID",
    );

    let cancelled = cancel(&app, client, payout.id).await;
    assert_eq!(cancelled.id, payout.id);
    assert_eq!(cancelled.state(), pb::PayoutState::Cancelled);
    assert_eq!(cancelled.amount, "40.00");
    assert_eq!(cancelled.ledger_entry_id, 0);
    assert_eq!(cancelled.create_time, payout.create_time);
    assert!(
        cancelled.update_time.unwrap().seconds >= payout.create_time.unwrap().seconds,
        "{cancelled:?}"
    );
    assert_eq!(get_payout(&app, client, payout.id).await, cancelled);
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "0.00", "100.00")
    );
    // Final: cancelling again is refused and releases nothing more.
    assert_not_requested(
        app.payouts()
            .cancel_payout(as_profile(
                client,
                pb::CancelPayoutRequest { id: payout.id },
            ))
            .await,
        "PAYOUT_STATE_CANCELLED",
    );
    assert_not_requested(
        app.admin()
            .complete_payout(as_admin(pb::CompletePayoutRequest { id: payout.id }))
            .await,
        "PAYOUT_STATE_CANCELLED",
    );
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "0.00", "100.00")
    );
    // The whole balance can be held again.
    request(&app, client, "100.00").await;
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn an_admin_completes_or_cancels_requested_payouts(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, _, _) = app.funded_client("100.00").await;
    let payout = request(&app, client, "30.00").await;
    let second = request(&app, client, "25.00").await;
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "55.00", "45.00")
    );

    // Admin calls need the admin key.
    assert_error(
        app.admin()
            .complete_payout(Request::new(pb::CompletePayoutRequest { id: payout.id }))
            .await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    assert_error(
        app.admin()
            .complete_payout(with_bearer(
                "wrong",
                pb::CompletePayoutRequest { id: payout.id },
            ))
            .await,
        Code::Unauthenticated,
        "WRONG_ADMIN_KEY",
    );
    // A profile is not an admin, not even the requester.
    assert_error(
        app.admin()
            .complete_payout(as_profile(
                client,
                pb::CompletePayoutRequest { id: payout.id },
            ))
            .await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    assert_error(
        app.admin()
            .cancel_payout(Request::new(pb::AdminServiceCancelPayoutRequest {
                id: second.id,
            }))
            .await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    assert_error(
        app.admin()
            .list_payout_requests(Request::new(pb::ListPayoutRequestsRequest::default()))
            .await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    assert_error(
        app.admin()
            .get_balance_summary(Request::new(pb::AdminServiceGetBalanceSummaryRequest {
                profile_id: client,
                ..Default::default()
            }))
            .await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    assert_error(
        app.admin()
            .complete_payout(as_admin(pb::CompletePayoutRequest { id: 999_999 }))
            .await,
        Code::NotFound,
        "PAYOUT_NOT_FOUND",
    );
    assert_error(
        app.admin()
            .cancel_payout(as_admin(pb::AdminServiceCancelPayoutRequest {
                id: 999_999,
            }))
            .await,
        Code::NotFound,
        "PAYOUT_NOT_FOUND",
    );
    assert_invalid(
        app.admin()
            .complete_payout(as_admin(pb::CompletePayoutRequest { id: 0 }))
            .await,
        "id",
    );
    assert_invalid(
        app.admin()
            .cancel_payout(as_admin(pb::AdminServiceCancelPayoutRequest { id: -3 }))
            .await,
        "id",
    );
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "55.00", "45.00"),
        "no refused call changed anything"
    );

    // Completing: balance and held both drop by the amount, one entry.
    let entries_before = ledger_entries(&app, client).await;
    let paid = complete(&app, payout.id).await;
    assert_eq!(paid.id, payout.id);
    assert_eq!(paid.state(), pb::PayoutState::PaidOut);
    assert_eq!(paid.profile_id, client);
    assert_eq!(paid.amount, "30.00");
    assert!(paid.ledger_entry_id > 0);
    assert_eq!(paid.create_time, payout.create_time);
    assert_eq!(
        holdings(&app, client, "").await,
        triple("70.00", "25.00", "45.00")
    );
    let entries = ledger_entries(&app, client).await;
    assert_eq!(entries.len(), entries_before.len() + 1);
    let entry = &entries[0];
    assert_eq!(entry.id, paid.ledger_entry_id);
    assert_eq!(entry.kind(), pb::LedgerEntryKind::Payout);
    assert_eq!(
        (
            entry.debit_profile_id,
            entry.credit_profile_id,
            entry.job_id
        ),
        (client, 0, 0)
    );
    assert_eq!(
        (
            entry.amount.as_str(),
            entry.debit_balance_after.as_str(),
            entry.currency_code.as_str()
        ),
        ("30.00", "70.00", "USD")
    );
    assert!(entry.id > entries_before[0].id);
    // The requester sees it paid out.
    assert_eq!(get_payout(&app, client, payout.id).await, paid);

    // Paid out is final, for the admin and for the requester.
    assert_not_requested(
        app.admin()
            .complete_payout(as_admin(pb::CompletePayoutRequest { id: payout.id }))
            .await,
        "PAYOUT_STATE_PAID_OUT",
    );
    assert_not_requested(
        app.admin()
            .cancel_payout(as_admin(pb::AdminServiceCancelPayoutRequest {
                id: payout.id,
            }))
            .await,
        "PAYOUT_STATE_PAID_OUT",
    );
    assert_not_requested(
        app.payouts()
            .cancel_payout(as_profile(
                client,
                pb::CancelPayoutRequest { id: payout.id },
            ))
            .await,
        "PAYOUT_STATE_PAID_OUT",
    );
    assert_eq!(ledger_entries(&app, client).await.len(), entries.len());

    // An admin cancel releases the hold like the requester's.
    let cancelled = app
        .admin()
        .cancel_payout(as_admin(pb::AdminServiceCancelPayoutRequest {
            id: second.id,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.state(), pb::PayoutState::Cancelled);
    assert_eq!(cancelled.ledger_entry_id, 0);
    assert_eq!(
        holdings(&app, client, "").await,
        triple("70.00", "0.00", "70.00")
    );
    assert_not_requested(
        app.admin()
            .complete_payout(as_admin(pb::CompletePayoutRequest { id: second.id }))
            .await,
        "PAYOUT_STATE_CANCELLED",
    );
    assert_not_requested(
        app.admin()
            .cancel_payout(as_admin(pb::AdminServiceCancelPayoutRequest {
                id: second.id,
            }))
            .await,
        "PAYOUT_STATE_CANCELLED",
    );
    assert_eq!(ledger_entries(&app, client).await.len(), entries.len());

    // In another currency, with its own precision.
    let (eur_client, _, _) = app.funded_client_in("EUR", "10.00").await;
    let eur = request_in(&app, eur_client, "2.5", "eur").await;
    assert_eq!(
        (eur.amount.as_str(), eur.currency_code.as_str()),
        ("2.50", "EUR")
    );
    assert_eq!(
        holdings(&app, eur_client, "EUR").await,
        triple("10.00", "2.50", "7.50")
    );
    let eur_paid = complete(&app, eur.id).await;
    assert_eq!(eur_paid.currency_code, "EUR");
    assert_eq!(
        holdings(&app, eur_client, "EUR").await,
        triple("7.50", "0.00", "7.50")
    );
    assert_eq!(
        holdings(&app, eur_client, "").await,
        triple("0.00", "0.00", "0.00")
    );
    let eur_entry = &ledger_entries(&app, eur_client).await[0];
    assert_eq!(eur_entry.id, eur_paid.ledger_entry_id);
    assert_eq!(
        (
            eur_entry.amount.as_str(),
            eur_entry.debit_balance_after.as_str(),
            eur_entry.currency_code.as_str()
        ),
        ("2.50", "7.50", "EUR")
    );
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn list_payouts_pages_the_callers_own_newest_first(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, contractor, _) = app.funded_client("100.00").await;
    let (other, _, _) = app.funded_client("10.00").await;
    let mut mine = Vec::new();
    for amount in ["1.00", "2.00", "3.00", "4.00", "5.00"] {
        mine.push(request(&app, client, amount).await);
        // Someone else's payouts interleave and stay out of the list.
        request(&app, other, "0.10").await;
    }
    let cancelled = cancel(&app, client, mine[1].id).await;
    let paid = complete(&app, mine[3].id).await;

    let page = |page_token: String| {
        let mut payouts = app.payouts();
        async move {
            payouts
                .list_payouts(as_profile(
                    client,
                    pb::ListPayoutsRequest {
                        page_size: 2,
                        page_token,
                    },
                ))
                .await
                .unwrap()
                .into_inner()
        }
    };
    let first = page(String::new()).await;
    assert_eq!(first.payouts, vec![mine[4].clone(), paid.clone()]);
    assert!(!first.next_page_token.is_empty());
    let second = page(first.next_page_token).await;
    assert_eq!(second.payouts, vec![mine[2].clone(), cancelled.clone()]);
    assert!(!second.next_page_token.is_empty());
    let third = page(second.next_page_token).await;
    assert_eq!(third.payouts, vec![mine[0].clone()]);
    assert_eq!(third.next_page_token, "");

    // A page size of 0 means 50: everything at once, the same.
    let everything = app
        .payouts()
        .list_payouts(as_profile(client, pb::ListPayoutsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        everything.payouts.iter().map(|p| p.id).collect::<Vec<_>>(),
        mine.iter().rev().map(|p| p.id).collect::<Vec<_>>()
    );
    assert_eq!(everything.next_page_token, "");
    assert_eq!(
        everything
            .payouts
            .iter()
            .map(|p| p.state())
            .collect::<Vec<_>>(),
        vec![
            pb::PayoutState::Requested,
            pb::PayoutState::PaidOut,
            pb::PayoutState::Requested,
            pb::PayoutState::Cancelled,
            pb::PayoutState::Requested,
        ]
    );
    for listed in &everything.payouts {
        assert_eq!(&get_payout(&app, client, listed.id).await, listed);
    }
    let others = all_payouts(&app, other).await;
    assert_eq!(others.len(), 5);
    assert!(others.iter().all(|p| p.profile_id == other));
    // None yet: an empty list.
    let none = app
        .payouts()
        .list_payouts(as_profile(contractor, pb::ListPayoutsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(none.payouts.is_empty());
    assert_eq!(none.next_page_token, "");

    assert_invalid(
        app.payouts()
            .list_payouts(as_profile(
                client,
                pb::ListPayoutsRequest {
                    page_size: -1,
                    ..Default::default()
                },
            ))
            .await,
        "page_size",
    );
    assert_invalid(
        app.payouts()
            .list_payouts(as_profile(
                client,
                pb::ListPayoutsRequest {
                    page_token: "garbage!".into(),
                    ..Default::default()
                },
            ))
            .await,
        "page_token",
    );
    // Another list's token is not this list's.
    let ledger_token = app
        .balances()
        .list_ledger_entries(as_profile(
            client,
            pb::ListLedgerEntriesRequest {
                page_size: 1,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .next_page_token;
    assert!(!ledger_token.is_empty());
    assert_invalid(
        app.payouts()
            .list_payouts(as_profile(
                client,
                pb::ListPayoutsRequest {
                    page_token: ledger_token,
                    ..Default::default()
                },
            ))
            .await,
        "page_token",
    );
    assert_error(
        app.payouts()
            .list_payouts(Request::new(pb::ListPayoutsRequest::default()))
            .await,
        Code::Unauthenticated,
        "MISSING_PROFILE_ID",
    );
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn payout_requests_add_up_per_profile_and_currency(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    // Harry Potter (1): two requested, one cancelled, one paid out.
    request(&app, 1, "100.00").await;
    request(&app, 1, "50.50").await;
    let cancelled = request(&app, 1, "10.00").await;
    cancel(&app, 1, cancelled.id).await;
    let paid = request(&app, 1, "20.00").await;
    complete(&app, paid.id).await;
    // Mr Robot (2): one cent. John Snow (3): only a cancelled one.
    request(&app, 2, "0.11").await;
    let snow = request(&app, 3, "5.00").await;
    app.admin()
        .cancel_payout(as_admin(pb::AdminServiceCancelPayoutRequest {
            id: snow.id,
        }))
        .await
        .unwrap();
    // Linus Torvalds (6) and Aragorn (8), all he has.
    request(&app, 6, "1000").await;
    request(&app, 8, "314.00").await;
    // A new client with EUR only.
    let (eur_client, _, _) = app.funded_client_in("EUR", "10.00").await;
    request_in(&app, eur_client, "5.00", "EUR").await;
    request_in(&app, eur_client, "1.25", "EUR").await;

    let list = |currency_code: &'static str, page_size: i32, page_token: String| {
        let mut admin = app.admin();
        async move {
            admin
                .list_payout_requests(as_admin(pb::ListPayoutRequestsRequest {
                    currency_code: currency_code.into(),
                    page_size,
                    page_token,
                }))
                .await
                .map(|r| r.into_inner())
        }
    };
    let row = |profile_id: i64, full_name: &str, amount: &str, payout_count: i32, code: &str| {
        pb::PayoutRequestTotal {
            profile_id,
            full_name: full_name.into(),
            amount: amount.into(),
            payout_count,
            currency_code: code.into(),
        }
    };
    let first = list("USD", 2, String::new()).await.unwrap();
    assert_eq!(
        first.requests,
        vec![
            row(1, "Harry Potter", "150.50", 2, "USD"),
            row(2, "Mr Robot", "0.11", 1, "USD"),
        ]
    );
    assert!(!first.next_page_token.is_empty());
    let second = list("USD", 2, first.next_page_token).await.unwrap();
    assert_eq!(
        second.requests,
        vec![
            row(6, "Linus Torvalds", "1000.00", 1, "USD"),
            row(8, "Aragorn II Elessar Telcontarvalds", "314.00", 1, "USD"),
        ]
    );
    assert_eq!(second.next_page_token, "");
    // An empty code is the platform currency; codes are case-insensitive.
    let all = list("", 0, String::new()).await.unwrap();
    assert_eq!(all.requests.len(), 4);
    assert_eq!(all.requests[..2], first.requests[..]);
    assert_eq!(all.next_page_token, "");
    assert_eq!(list("usd", 0, String::new()).await.unwrap(), all);

    let eur = list("EUR", 0, String::new()).await.unwrap();
    assert_eq!(
        eur.requests,
        vec![row(eur_client, "Test Person", "6.25", 2, "EUR")]
    );
    assert!(
        list("BTC", 0, String::new())
            .await
            .unwrap()
            .requests
            .is_empty()
    );
    assert_error(
        list("XYZ", 0, String::new()).await,
        Code::InvalidArgument,
        "CURRENCY_NOT_SUPPORTED",
    );
    assert_invalid(list("USD", -1, String::new()).await, "page_size");
    assert_invalid(list("USD", 0, "garbage!".into()).await, "page_token");

    // Each row agrees with the profile's held.
    for request in all.requests {
        assert_eq!(
            holdings(&app, request.profile_id, "").await.1,
            request.amount
        );
    }
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn a_request_id_holds_once(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, contractor, _) = app.funded_client("100.00").await;
    let id = "123e4567-e89b-12d3-a456-426614174000";
    let with_id = |amount: &str, currency_code: &str| pb::RequestPayoutRequest {
        amount: amount.into(),
        currency_code: currency_code.into(),
        request_id: id.into(),
    };
    let first = app
        .payouts()
        .request_payout(as_profile(client, with_id("10.00", "")))
        .await
        .unwrap()
        .into_inner();
    // The same request (in any spelling of the same amount and currency)
    // answers the same payout.
    for (amount, currency) in [("10.00", ""), ("10", "USD"), ("10.0", "usd")] {
        let again = app
            .payouts()
            .request_payout(as_profile(client, with_id(amount, currency)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(again, first);
    }
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "10.00", "90.00")
    );
    assert_eq!(all_payouts(&app, client).await.len(), 1);

    // The same id with other parameters, or on another method, is refused.
    assert_error(
        app.payouts()
            .request_payout(as_profile(client, with_id("10.01", "")))
            .await,
        Code::InvalidArgument,
        "REQUEST_ID_REUSED",
    );
    assert_error(
        app.payouts()
            .request_payout(as_profile(client, with_id("10.00", "EUR")))
            .await,
        Code::InvalidArgument,
        "REQUEST_ID_REUSED",
    );
    assert_error(
        app.balances()
            .withdraw(as_profile(
                client,
                pb::WithdrawRequest {
                    amount: "10.00".into(),
                    request_id: id.into(),
                    ..Default::default()
                },
            ))
            .await,
        Code::InvalidArgument,
        "REQUEST_ID_REUSED",
    );
    // Even after the payout is cancelled, a replay holds nothing again.
    cancel(&app, client, first.id).await;
    let replay = app
        .payouts()
        .request_payout(as_profile(client, with_id("10.00", "")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replay.id, first.id);
    assert_eq!(
        holdings(&app, client, "").await,
        triple("100.00", "0.00", "100.00")
    );
    assert_eq!(all_payouts(&app, client).await.len(), 1);

    // The id is the caller's: another profile's same id is another request.
    app.balances()
        .transfer(as_profile(client, transfer(contractor, "20.00")))
        .await
        .unwrap();
    let theirs = app
        .payouts()
        .request_payout(as_profile(contractor, with_id("10.00", "")))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(theirs.id, first.id);
    assert_eq!(theirs.profile_id, contractor);
    assert_eq!(
        holdings(&app, contractor, "").await,
        triple("20.00", "10.00", "10.00")
    );

    // A refused request is not remembered: the same id succeeds later.
    let later = "123e4567-e89b-12d3-a456-426614174001";
    let big = pb::RequestPayoutRequest {
        amount: "15.00".into(),
        request_id: later.into(),
        ..Default::default()
    };
    assert_error(
        app.payouts()
            .request_payout(as_profile(contractor, big.clone()))
            .await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    app.payouts()
        .cancel_payout(as_profile(
            contractor,
            pb::CancelPayoutRequest { id: theirs.id },
        ))
        .await
        .unwrap();
    let granted = app
        .payouts()
        .request_payout(as_profile(contractor, big.clone()))
        .await
        .unwrap()
        .into_inner();
    let replayed = app
        .payouts()
        .request_payout(as_profile(contractor, big))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(granted, replayed);
    assert_eq!(
        holdings(&app, contractor, "").await,
        triple("20.00", "15.00", "5.00")
    );
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

/// The identity every summary satisfies.
#[track_caller]
fn assert_identity(summary: &pb::BalanceSummary) {
    let c = |text: &str| {
        Cents::parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .get()
    };
    assert_eq!(
        c(&summary.balance),
        c(&summary.opening)
            + c(&summary.deposited)
            + c(&summary.earned)
            + c(&summary.transferred_in)
            + c(&summary.borrowed)
            + c(&summary.reversed_in)
            - c(&summary.withdrawn)
            - c(&summary.spent)
            - c(&summary.transferred_out)
            - c(&summary.paid_out)
            - c(&summary.repaid)
            - c(&summary.reversed_out),
        "{summary:?}"
    );
    assert_eq!(
        c(&summary.available),
        c(&summary.balance) - c(&summary.held),
        "{summary:?}"
    );
    assert_eq!(summary.payout, summary.held, "{summary:?}");
}

/// A summary in USD with the given non-zero fields; the rest are "0.00".
fn usd_summary(profile_id: i64, fields: &[(&str, &str)]) -> pb::BalanceSummary {
    let mut summary = pb::BalanceSummary {
        profile_id,
        currency_code: "USD".into(),
        balance: "0.00".into(),
        held: "0.00".into(),
        available: "0.00".into(),
        opening: "0.00".into(),
        deposited: "0.00".into(),
        withdrawn: "0.00".into(),
        earned: "0.00".into(),
        spent: "0.00".into(),
        transferred_in: "0.00".into(),
        transferred_out: "0.00".into(),
        payout: "0.00".into(),
        paid_out: "0.00".into(),
        borrowed: "0.00".into(),
        repaid: "0.00".into(),
        reversed_in: "0.00".into(),
        reversed_out: "0.00".into(),
    };
    for (name, value) in fields {
        let slot = match *name {
            "balance" => &mut summary.balance,
            "held" => &mut summary.held,
            "available" => &mut summary.available,
            "opening" => &mut summary.opening,
            "deposited" => &mut summary.deposited,
            "withdrawn" => &mut summary.withdrawn,
            "earned" => &mut summary.earned,
            "spent" => &mut summary.spent,
            "transferred_in" => &mut summary.transferred_in,
            "transferred_out" => &mut summary.transferred_out,
            "payout" => &mut summary.payout,
            "paid_out" => &mut summary.paid_out,
            "borrowed" => &mut summary.borrowed,
            "repaid" => &mut summary.repaid,
            "reversed_in" => &mut summary.reversed_in,
            "reversed_out" => &mut summary.reversed_out,
            other => panic!("no summary field {other}"),
        };
        *slot = (*value).to_owned();
    }
    summary
}

async fn own_summary(app: &TestApp, profile: i64, currency: &str) -> pb::BalanceSummary {
    app.balances()
        .get_balance_summary(as_profile(
            profile,
            pb::GetBalanceSummaryRequest {
                currency_code: currency.into(),
            },
        ))
        .await
        .expect("GetBalanceSummary")
        .into_inner()
}

async fn admin_summary(app: &TestApp, profile_id: i64, currency: &str) -> pb::BalanceSummary {
    app.admin()
        .get_balance_summary(as_admin(pb::AdminServiceGetBalanceSummaryRequest {
            profile_id,
            currency_code: currency.into(),
        }))
        .await
        .expect("AdminService.GetBalanceSummary")
        .into_inner()
}

/// Both the profile's own summary and the admin's equal `expected`.
async fn assert_summary(app: &TestApp, currency: &str, expected: pb::BalanceSummary) {
    let own = own_summary(app, expected.profile_id, currency).await;
    assert_eq!(own, expected);
    assert_identity(&own);
    assert_eq!(admin_summary(app, expected.profile_id, currency).await, own);
}

async fn a_scripted_history_sums_up_by_kind(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    // Demo data enters as opening balances.
    assert_summary(
        &app,
        "",
        usd_summary(
            1,
            &[
                ("balance", "1150.00"),
                ("available", "1150.00"),
                ("opening", "1150.00"),
            ],
        ),
    )
    .await;

    // Client 1 owes job 2 (201.00 to contractor 6): a deposit of 50.25 is
    // the most allowed (4 * 50.25 = 201.00).
    app.balances()
        .deposit(as_profile(
            1,
            pb::DepositRequest {
                profile_id: 1,
                amount: "50.25".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    app.jobs()
        .pay_job(as_profile(
            1,
            pb::PayJobRequest {
                job_id: 2,
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    app.balances()
        .transfer(as_profile(1, transfer(2, "100.00")))
        .await
        .unwrap();
    app.balances()
        .transfer(as_profile(6, transfer(1, "30.50")))
        .await
        .unwrap();
    app.balances()
        .withdraw(as_profile(1, withdraw("29.75")))
        .await
        .unwrap();
    // 1150.00 + 50.25 - 201.00 - 100.00 + 30.50 - 29.75 = 900.00
    assert_eq!(app.balance(1).await, "900.00");
    let paid = request(&app, 1, "300.00").await;
    complete(&app, paid.id).await;
    request(&app, 1, "150.00").await;
    // A cancelled request leaves no trace in the summary.
    let dropped = request(&app, 1, "25.00").await;
    cancel(&app, 1, dropped.id).await;

    assert_summary(
        &app,
        "",
        usd_summary(
            1,
            &[
                ("balance", "600.00"),
                ("held", "150.00"),
                ("available", "450.00"),
                ("opening", "1150.00"),
                ("deposited", "50.25"),
                ("withdrawn", "29.75"),
                ("spent", "201.00"),
                ("transferred_in", "30.50"),
                ("transferred_out", "100.00"),
                ("payout", "150.00"),
                ("paid_out", "300.00"),
            ],
        ),
    )
    .await;
    assert_eq!(
        own_summary(&app, 1, "USD").await,
        own_summary(&app, 1, "").await
    );
    // The contractor earned the job's price.
    assert_summary(
        &app,
        "usd",
        usd_summary(
            6,
            &[
                ("balance", "1384.50"),
                ("available", "1384.50"),
                ("opening", "1214.00"),
                ("earned", "201.00"),
                ("transferred_out", "30.50"),
            ],
        ),
    )
    .await;
    assert_summary(
        &app,
        "",
        usd_summary(
            2,
            &[
                ("balance", "331.11"),
                ("available", "331.11"),
                ("opening", "231.11"),
                ("transferred_in", "100.00"),
            ],
        ),
    )
    .await;
    // A profile created later starts from nothing.
    let fresh = app.create_profile(pb::ProfileType::Contractor).await;
    assert_summary(&app, "", usd_summary(fresh, &[])).await;

    // A currency never held: all zeros, in that currency's precision.
    let zero = "0.00000000";
    let btc = pb::BalanceSummary {
        profile_id: 1,
        currency_code: "BTC".into(),
        balance: zero.into(),
        held: zero.into(),
        available: zero.into(),
        opening: zero.into(),
        deposited: zero.into(),
        withdrawn: zero.into(),
        earned: zero.into(),
        spent: zero.into(),
        transferred_in: zero.into(),
        transferred_out: zero.into(),
        payout: zero.into(),
        paid_out: zero.into(),
        borrowed: zero.into(),
        repaid: zero.into(),
        reversed_in: zero.into(),
        reversed_out: zero.into(),
    };
    assert_eq!(own_summary(&app, 1, "btc").await, btc);
    assert_eq!(admin_summary(&app, 1, "BTC").await, btc);

    // Refusals.
    assert_error(
        app.admin()
            .get_balance_summary(as_admin(pb::AdminServiceGetBalanceSummaryRequest {
                profile_id: 999_999,
                ..Default::default()
            }))
            .await,
        Code::NotFound,
        "PROFILE_NOT_FOUND",
    );
    assert_invalid(
        app.admin()
            .get_balance_summary(as_admin(pb::AdminServiceGetBalanceSummaryRequest {
                profile_id: 0,
                ..Default::default()
            }))
            .await,
        "profile_id",
    );
    assert_error(
        app.admin()
            .get_balance_summary(as_admin(pb::AdminServiceGetBalanceSummaryRequest {
                profile_id: 1,
                currency_code: "XYZ".into(),
            }))
            .await,
        Code::InvalidArgument,
        "CURRENCY_NOT_SUPPORTED",
    );
    assert_error(
        app.balances()
            .get_balance_summary(as_profile(
                1,
                pb::GetBalanceSummaryRequest {
                    currency_code: "XYZ".into(),
                },
            ))
            .await,
        Code::InvalidArgument,
        "CURRENCY_NOT_SUPPORTED",
    );
    assert_error(
        app.balances()
            .get_balance_summary(as_profile(999_999, pb::GetBalanceSummaryRequest::default()))
            .await,
        Code::Unauthenticated,
        "UNKNOWN_PROFILE",
    );
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn fifty_concurrent_requests_hold_exactly_what_is_available(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, _, _) = app.funded_client("200.00").await;
    let mut tasks = JoinSet::new();
    for _ in 0..50 {
        let mut payouts = app.payouts();
        tasks.spawn(async move {
            payouts
                .request_payout(as_profile(client, payout_request("10.00", "")))
                .await
                .map(drop)
        });
    }
    let counts = tally(tasks.join_all().await);
    assert_eq!(
        counts,
        HashMap::from([
            ("OK".to_owned(), 20),
            ("FailedPrecondition/INSUFFICIENT_FUNDS".to_owned(), 30)
        ])
    );
    assert_eq!(
        holdings(&app, client, "").await,
        triple("200.00", "200.00", "0.00")
    );
    let payouts = all_payouts(&app, client).await;
    assert_eq!(payouts.len(), 20);
    assert_eq!(
        payouts.iter().map(|p| p.id).collect::<BTreeSet<_>>().len(),
        20
    );
    assert!(
        payouts
            .iter()
            .all(|p| p.state() == pb::PayoutState::Requested && p.amount == "10.00")
    );
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

/// Completions by admins, cancels by admins and by the requester, all at
/// once on one payout: exactly one transition wins, through either replica.
async fn racing_transitions_of_one_payout_let_exactly_one_win(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let second = app.second_replica().await;
    let (client, _, _) = app.funded_client("100.00").await;
    let payout = request(&app, client, "60.00").await;
    let entries_before = ledger_entries(&app, client).await.len();
    let mut tasks = JoinSet::new();
    for i in 0..60 {
        let replica: &Replica = if i % 2 == 0 { &app.replica } else { &second };
        let (mut payouts, mut admin) = (replica.payouts(), replica.admin());
        let id = payout.id;
        tasks.spawn(async move {
            match i % 3 {
                0 => admin
                    .complete_payout(as_admin(pb::CompletePayoutRequest { id }))
                    .await
                    .map(|r| r.into_inner()),
                1 => admin
                    .cancel_payout(as_admin(pb::AdminServiceCancelPayoutRequest { id }))
                    .await
                    .map(|r| r.into_inner()),
                _ => payouts
                    .cancel_payout(as_profile(client, pb::CancelPayoutRequest { id }))
                    .await
                    .map(|r| r.into_inner()),
            }
        });
    }
    let results = tasks.join_all().await;
    let winners: Vec<pb::Payout> = results.iter().filter_map(|r| r.clone().ok()).collect();
    let counts = tally(results);
    assert_eq!(
        counts,
        HashMap::from([
            ("OK".to_owned(), 1),
            ("FailedPrecondition/PAYOUT_NOT_REQUESTED".to_owned(), 59)
        ])
    );
    let winner = &winners[0];
    assert_eq!(&get_payout(&app, client, payout.id).await, winner);
    let entries = ledger_entries(&app, client).await;
    match winner.state() {
        pb::PayoutState::PaidOut => {
            assert_eq!(
                holdings(&app, client, "").await,
                triple("40.00", "0.00", "40.00")
            );
            assert_eq!(entries.len(), entries_before + 1);
            assert_eq!(entries[0].id, winner.ledger_entry_id);
        }
        pb::PayoutState::Cancelled => {
            assert_eq!(
                holdings(&app, client, "").await,
                triple("100.00", "0.00", "100.00")
            );
            assert_eq!(entries.len(), entries_before);
        }
        other => panic!("the winner left the payout {other:?}"),
    }
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

/// A small deterministic generator, so a failing run can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// What one call of the mix did to the money on the platform: the cents
/// that left it (withdrawn or paid out).
type Left = Result<i64, Status>;

async fn a_random_mix_keeps_every_hold_exact(backend: Backend) {
    let calls = match backend {
        Backend::Postgres => 3_000,
        Backend::Sqlite => 600,
    };
    let app = TestApp::empty(backend).await;
    let second = app.second_replica().await;
    // Funds in proportion to the calls, so that the mix does not run dry
    // early and refusals stay a minority.
    let funds = Cents::new(calls as i64 * 100);
    let mut profiles = Vec::new();
    for _ in 0..4 {
        let (client, contractor, _) = app.funded_client(&funds.to_string()).await;
        let share = Cents::new(funds.get() / 4).to_string();
        app.balances()
            .transfer(as_profile(client, transfer(contractor, &share)))
            .await
            .unwrap();
        profiles.extend([client, contractor]);
    }
    let initial = Cents::new(4 * funds.get());
    // Payouts made before the mix, so that cancels and completions have
    // targets from the first call on.
    let mut known: Vec<(i64, i64)> = Vec::new();
    for i in 0..40 {
        let owner = profiles[i % profiles.len()];
        known.push((request(&app, owner, "5.00").await.id, owner));
    }
    let first_id = known[0].0;
    // Ids above the known ones are payouts made during the mix, or none.
    let id_span = (known.len() + calls / 3) as u64;

    let mut rng = Lcg(0x9a_7e_55);
    let mut tasks = JoinSet::new();
    for i in 0..calls {
        let replica: &Replica = if i % 2 == 0 { &app.replica } else { &second };
        let (mut payouts, mut admin, mut balances) =
            (replica.payouts(), replica.admin(), replica.balances());
        let from_index = rng.below(profiles.len() as u64) as usize;
        let from = profiles[from_index];
        let to = profiles
            [(from_index + 1 + rng.below(profiles.len() as u64 - 1) as usize) % profiles.len()];
        let amount = Cents::new(1 + rng.below(10_00) as i64);
        let random_id = first_id + rng.below(id_span) as i64;
        let (known_id, owner) = known[rng.below(known.len() as u64) as usize];
        let kind = rng.below(12);
        let coin = rng.below(2) == 0;
        tasks.spawn(async move {
            let amount_text = amount.to_string();
            let result: Left = match kind {
                0..=3 => payouts
                    .request_payout(as_profile(from, payout_request(&amount_text, "")))
                    .await
                    .map(|_| 0),
                4 | 5 => {
                    // Mostly one's own payout; sometimes a guess, which may
                    // be someone else's (NOT_FOUND).
                    let (caller, id) = if coin {
                        (owner, known_id)
                    } else {
                        (from, random_id)
                    };
                    payouts
                        .cancel_payout(as_profile(caller, pb::CancelPayoutRequest { id }))
                        .await
                        .map(|_| 0)
                }
                6 => admin
                    .complete_payout(as_admin(pb::CompletePayoutRequest { id: random_id }))
                    .await
                    .map(|r| Cents::parse(&r.into_inner().amount).unwrap().get()),
                7 => admin
                    .cancel_payout(as_admin(pb::AdminServiceCancelPayoutRequest {
                        id: random_id,
                    }))
                    .await
                    .map(|_| 0),
                8 | 9 => balances
                    .transfer(as_profile(from, transfer(to, &amount_text)))
                    .await
                    .map(|_| 0),
                _ => balances
                    .withdraw(as_profile(from, withdraw(&amount_text)))
                    .await
                    .map(|_| amount.get()),
            };
            (kind, result)
        });
    }

    let allowed: BTreeSet<&str> = [
        "OK",
        "FailedPrecondition/INSUFFICIENT_FUNDS",
        "FailedPrecondition/PAYOUT_NOT_REQUESTED",
        "NotFound/PAYOUT_NOT_FOUND",
    ]
    .into();
    let mut counts: HashMap<(&str, String), usize> = HashMap::new();
    let mut left = 0;
    for (kind, result) in tasks.join_all().await {
        let op = match kind {
            0..=3 => "RequestPayout",
            4 | 5 => "CancelPayout",
            6 => "Admin.CompletePayout",
            7 => "Admin.CancelPayout",
            8 | 9 => "Transfer",
            _ => "Withdraw",
        };
        let key = outcome(&result);
        assert!(allowed.contains(key.as_str()), "{op}: {key}");
        if let Ok(cents) = result {
            left += cents;
        }
        *counts.entry((op, key)).or_insert(0) += 1;
    }
    for op in [
        "RequestPayout",
        "CancelPayout",
        "Admin.CompletePayout",
        "Admin.CancelPayout",
        "Transfer",
        "Withdraw",
    ] {
        assert!(
            counts.contains_key(&(op, "OK".to_owned())),
            "no {op} succeeded: {counts:?}"
        );
    }

    // Every hold is the sum of its requested payouts; nothing is negative;
    // money only left through withdrawals and completed payouts.
    let mut total = 0;
    for &profile in &profiles {
        let (balance, held, available) = holdings(&app, profile, "").await;
        let (balance, held, available) = (
            Cents::parse(&balance).unwrap(),
            Cents::parse(&held).unwrap(),
            Cents::parse(&available).unwrap(),
        );
        assert!(balance >= Cents::ZERO && held >= Cents::ZERO && available >= Cents::ZERO);
        assert_eq!(available.get(), balance.get() - held.get());
        let requested: i64 = all_payouts(&app, profile)
            .await
            .iter()
            .filter(|p| p.state() == pb::PayoutState::Requested)
            .map(|p| Cents::parse(&p.amount).unwrap().get())
            .sum();
        assert_eq!(held, Cents::new(requested), "profile {profile}");
        total += balance.get();
    }
    assert_eq!(Cents::new(total), Cents::new(initial.get() - left));
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

on_both_backends!(
    a_payout_request_holds_money_without_moving_it,
    holds_block_every_other_debit,
    the_requester_cancels_and_only_sees_its_own_payouts,
    an_admin_completes_or_cancels_requested_payouts,
    list_payouts_pages_the_callers_own_newest_first,
    payout_requests_add_up_per_profile_and_currency,
    a_request_id_holds_once,
    a_scripted_history_sums_up_by_kind,
    fifty_concurrent_requests_hold_exactly_what_is_available,
    racing_transitions_of_one_payout_let_exactly_one_win,
    a_random_mix_keeps_every_hold_exact,
);
