//! Refunds and reversals: every rule and refusal of DESIGN.md's "Refunds,
//! reversals and statements", the summary totals and the reports that
//! count them, idempotency, and reversals of one entry racing through two
//! replicas (each with its own ledger writer) that never exceed it.

use jobpay::proto::pb;
use tokio::task::JoinSet;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::on_both_backends;
use crate::support::{
    Backend, Cents, Replica, TestApp, as_admin, as_profile, assert_error, assert_invalid,
};

fn reverse_request(entry_id: i64, amount: &str, reason: &str) -> pb::ReverseLedgerEntryRequest {
    pb::ReverseLedgerEntryRequest {
        entry_id,
        amount: amount.into(),
        reason: reason.into(),
        ..Default::default()
    }
}

async fn reverse(
    app: &TestApp,
    entry_id: i64,
    amount: &str,
) -> Result<pb::ReverseLedgerEntryResponse, Status> {
    app.admin()
        .reverse_ledger_entry(as_admin(reverse_request(entry_id, amount, "")))
        .await
        .map(|r| r.into_inner())
}

fn refund_request(job_id: i64, amount: &str) -> pb::RefundJobPaymentRequest {
    pb::RefundJobPaymentRequest {
        job_id,
        amount: amount.into(),
        ..Default::default()
    }
}

async fn refund(
    app: &TestApp,
    caller: i64,
    job_id: i64,
    amount: &str,
) -> Result<pb::RefundJobPaymentResponse, Status> {
    app.jobs()
        .refund_job_payment(as_profile(caller, refund_request(job_id, amount)))
        .await
        .map(|r| r.into_inner())
}

/// A profile's entries, newest first.
async fn entries(app: &TestApp, profile: i64) -> Vec<pb::LedgerEntry> {
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

/// The newest entry of `kind` among `profile`'s.
async fn newest(app: &TestApp, profile: i64, kind: pb::LedgerEntryKind) -> pb::LedgerEntry {
    entries(app, profile)
        .await
        .into_iter()
        .find(|e| e.kind() == kind)
        .unwrap_or_else(|| panic!("profile {profile} has no {kind:?} entry"))
}

async fn summary(app: &TestApp, profile: i64) -> pb::BalanceSummary {
    app.balances()
        .get_balance_summary(as_profile(profile, pb::GetBalanceSummaryRequest::default()))
        .await
        .expect("GetBalanceSummary")
        .into_inner()
}

/// A contractor, a client holding exactly `price`, and the client's job of
/// `price`, paid: (client, contractor, job).
async fn paid_job(app: &TestApp, price: &str) -> (i64, i64, i64) {
    let contractor = app.create_profile(pb::ProfileType::Contractor).await;
    let (client, job) = app.client_with_job_of(contractor, price).await;
    app.jobs()
        .pay_job(as_profile(
            client,
            pb::PayJobRequest {
                job_id: job,
                ..Default::default()
            },
        ))
        .await
        .expect("PayJob");
    (client, contractor, job)
}

fn reversible_left(status: &Status) -> String {
    status
        .get_details_error_info()
        .and_then(|info| info.metadata.get("reversible").cloned())
        .unwrap_or_else(|| panic!("no reversible in {status:?}"))
}

async fn a_contractor_refunds_a_job_in_parts_and_never_above_its_price(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, contractor, job) = paid_job(&app, "100.00").await;
    let payment = newest(&app, client, pb::LedgerEntryKind::JobPayment).await;

    let first = refund(&app, contractor, job, "30.00")
        .await
        .expect("refund 30");
    let refunded = first.job.expect("job");
    assert!(refunded.paid, "a refunded job stays paid");
    assert_eq!(refunded.refunded, "30.00");
    let reversal = first.reversal.expect("reversal");
    assert_eq!(reversal.kind(), pb::LedgerEntryKind::Reversal);
    assert_eq!(reversal.reversal_of, payment.id);
    assert_eq!(reversal.amount, "30.00");
    assert_eq!(reversal.debit_profile_id, contractor);
    assert_eq!(reversal.credit_profile_id, client);
    assert_eq!(reversal.credit_balance_after, "30.00");
    assert_eq!(reversal.debit_balance_after, "70.00");
    assert!(reversal.id > payment.id);
    assert_eq!(first.contractor_balance, "70.00");
    assert_eq!(app.balance(client).await, "30.00");

    // Empty amount: the rest.
    let rest = refund(&app, contractor, job, "")
        .await
        .expect("refund the rest");
    assert_eq!(rest.reversal.unwrap().amount, "70.00");
    assert_eq!(rest.job.unwrap().refunded, "100.00");
    assert_eq!(rest.contractor_balance, "0.00");
    assert_eq!(app.balance(client).await, "100.00");

    let status = assert_error(
        refund(&app, contractor, job, "0.01").await,
        Code::FailedPrecondition,
        "REVERSAL_EXCEEDS_ENTRY",
    );
    assert_eq!(reversible_left(&status), "0.00");
    assert_error(
        refund(&app, contractor, job, "").await,
        Code::FailedPrecondition,
        "REVERSAL_EXCEEDS_ENTRY",
    );

    // The payment shows what was reversed of it, the reversals their origin.
    let listed = entries(&app, client).await;
    let original = listed.iter().find(|e| e.id == payment.id).unwrap();
    assert_eq!(original.reversed, "100.00");
    let reversals: Vec<_> = listed
        .iter()
        .filter(|e| e.kind() == pb::LedgerEntryKind::Reversal)
        .collect();
    assert_eq!(reversals.len(), 2);
    assert!(
        reversals
            .iter()
            .all(|e| e.reversal_of == payment.id && e.reversed == "0.00")
    );

    // Summary totals: the identity holds with reversed_in / reversed_out.
    assert_eq!(summary(&app, client).await.reversed_in, "100.00");
    assert_eq!(summary(&app, contractor).await.reversed_out, "100.00");
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn only_the_jobs_contractor_refunds_a_paid_job_with_the_money(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, contractor, job) = paid_job(&app, "100.00").await;
    let stranger = app.create_profile(pb::ProfileType::Contractor).await;

    assert_error(
        refund(&app, client, job, "1.00").await,
        Code::PermissionDenied,
        "WRONG_PARTY",
    );
    assert_error(
        refund(&app, stranger, job, "1.00").await,
        Code::NotFound,
        "JOB_NOT_FOUND",
    );
    // Not even a bad amount tells a stranger that the job exists.
    assert_error(
        refund(&app, stranger, job, "1.001").await,
        Code::NotFound,
        "JOB_NOT_FOUND",
    );
    assert_error(
        refund(&app, contractor, 999_999, "1.00").await,
        Code::NotFound,
        "JOB_NOT_FOUND",
    );
    assert_error(
        refund(&app, 999_999, job, "").await,
        Code::Unauthenticated,
        "UNKNOWN_PROFILE",
    );
    // An unpaid job of the same contract.
    let unpaid = app
        .jobs()
        .create_job(as_profile(
            client,
            pb::CreateJobRequest {
                contract_id: app
                    .jobs()
                    .list_unpaid_jobs(as_profile(client, pb::ListUnpaidJobsRequest::default()))
                    .await
                    .unwrap()
                    .into_inner()
                    .jobs[0]
                    .contract_id,
                description: "later".into(),
                price: "5.00".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .id;
    assert_error(
        refund(&app, contractor, unpaid, "").await,
        Code::FailedPrecondition,
        "JOB_NOT_PAID",
    );
    for bad in ["abc", "0", "0.00", "1.001", "-1"] {
        assert_invalid(refund(&app, contractor, job, bad).await, "amount");
    }
    assert_invalid(refund(&app, contractor, 0, "").await, "job_id");

    // The contractor spent what it earned: nothing to give back.
    app.balances()
        .withdraw(as_profile(
            contractor,
            pb::WithdrawRequest {
                amount: "100.00".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    let status = assert_error(
        refund(&app, contractor, job, "10.00").await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    assert_eq!(
        status.get_details_error_info().unwrap().metadata["available"],
        "0.00"
    );
    assert_eq!(app.balance(client).await, "0.00");
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn a_refund_is_idempotent_by_request_id(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, contractor, job) = paid_job(&app, "100.00").await;
    let id = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
    let call = |amount: &str| {
        let mut request = refund_request(job, amount);
        request.request_id = id.into();
        let mut jobs = app.jobs();
        async move {
            jobs.refund_job_payment(as_profile(contractor, request))
                .await
                .map(|r| r.into_inner())
        }
    };
    let first = call("10.00").await.expect("first");
    let again = call("10.00").await.expect("repeat");
    assert_eq!(first, again);
    assert_eq!(app.balance(client).await, "10.00");
    assert_error(
        call("11.00").await,
        Code::InvalidArgument,
        "REQUEST_ID_REUSED",
    );
}

async fn an_admin_reverses_each_reversible_kind_and_no_other(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, contractor, job) = paid_job(&app, "100.00").await;
    let _ = job;

    // A deposit, partly, with a reason: the client gives it back.
    let deposit = newest(&app, client, pb::LedgerEntryKind::Deposit).await;
    assert_eq!(deposit.reversed, "0.00");
    let done = app
        .admin()
        .reverse_ledger_entry(as_admin(reverse_request(deposit.id, "", "charged back")))
        .await;
    // The client spent the deposit on the job: nothing available.
    assert_error(done, Code::FailedPrecondition, "INSUFFICIENT_FUNDS");

    // The job payment, by an admin: a refund too.
    let payment = newest(&app, client, pb::LedgerEntryKind::JobPayment).await;
    let done = app
        .admin()
        .reverse_ledger_entry(as_admin(reverse_request(payment.id, "40.00", "disputed")))
        .await
        .expect("reverse the payment")
        .into_inner();
    let reversal = done.reversal.unwrap();
    assert_eq!(reversal.reason, "disputed");
    assert_eq!(reversal.reversal_of, payment.id);
    assert_eq!(done.original.unwrap().reversed, "40.00");
    let paid_job = app
        .jobs()
        .list_unpaid_jobs(as_profile(client, pb::ListUnpaidJobsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .jobs;
    assert!(paid_job.iter().all(|j| j.id != job), "stays paid");

    // Now the client has 40: the deposit can be reversed by that much.
    let done = reverse(&app, deposit.id, "40.00")
        .await
        .expect("reverse deposit");
    let reversal = done.reversal.unwrap();
    assert_eq!(reversal.debit_profile_id, client);
    assert_eq!(reversal.credit_profile_id, 0, "back outside the platform");
    assert_eq!(app.balance(client).await, "0.00");

    // A withdrawal returned: the money comes back in.
    let withdrawal = {
        app.balances()
            .withdraw(as_profile(
                contractor,
                pb::WithdrawRequest {
                    amount: "20.00".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap();
        newest(&app, contractor, pb::LedgerEntryKind::Withdrawal).await
    };
    let done = reverse(&app, withdrawal.id, "")
        .await
        .expect("return the withdrawal");
    let reversal = done.reversal.unwrap();
    assert_eq!(
        (reversal.debit_profile_id, reversal.credit_profile_id),
        (0, contractor)
    );
    assert_eq!(reversal.amount, "20.00");

    // A transfer, back from its receiver.
    app.balances()
        .transfer(as_profile(
            contractor,
            pb::TransferRequest {
                to_profile_id: client,
                amount: "5.00".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    let transfer = newest(&app, client, pb::LedgerEntryKind::Transfer).await;
    let done = reverse(&app, transfer.id, "")
        .await
        .expect("reverse the transfer");
    let reversal = done.reversal.unwrap();
    assert_eq!(
        (reversal.debit_profile_id, reversal.credit_profile_id),
        (client, contractor)
    );

    // A payout returned.
    let payout = app
        .payouts()
        .request_payout(as_profile(
            contractor,
            pb::RequestPayoutRequest {
                amount: "15.00".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let paid_out = app
        .admin()
        .complete_payout(as_admin(pb::CompletePayoutRequest { id: payout.id }))
        .await
        .unwrap()
        .into_inner();
    let before = app.balance(contractor).await;
    let done = reverse(&app, paid_out.ledger_entry_id, "15.00")
        .await
        .expect("return the payout");
    assert_eq!(done.reversal.unwrap().credit_profile_id, contractor);
    assert_eq!(
        Cents::parse(&app.balance(contractor).await).unwrap().get(),
        Cents::parse(&before).unwrap().get() + 1500
    );

    // Not reversible: a loan disbursement, a reversal.
    app.loans()
        .create_loan(as_admin(pb::CreateLoanRequest {
            borrower_id: client,
            amount: "12.00".into(),
            term_months: 12,
            annual_rate: "0.05".into(),
            ..Default::default()
        }))
        .await
        .expect("CreateLoan");
    let disbursement = newest(&app, client, pb::LedgerEntryKind::LoanDisbursement).await;
    let status = assert_error(
        reverse(&app, disbursement.id, "").await,
        Code::FailedPrecondition,
        "ENTRY_NOT_REVERSIBLE",
    );
    assert_eq!(
        status.get_details_error_info().unwrap().metadata["kind"],
        "LEDGER_ENTRY_KIND_LOAN_DISBURSEMENT"
    );
    let a_reversal = newest(&app, client, pb::LedgerEntryKind::Reversal).await;
    assert_error(
        reverse(&app, a_reversal.id, "").await,
        Code::FailedPrecondition,
        "ENTRY_NOT_REVERSIBLE",
    );

    // Refusals before the ledger.
    assert_error(
        reverse(&app, 999_999, "").await,
        Code::NotFound,
        "LEDGER_ENTRY_NOT_FOUND",
    );
    assert_error(
        reverse(&app, 999_999, "1.00").await,
        Code::NotFound,
        "LEDGER_ENTRY_NOT_FOUND",
    );
    assert_invalid(reverse(&app, 0, "").await, "entry_id");
    assert_invalid(reverse(&app, payment.id, "1.001").await, "amount");
    assert_invalid(
        app.admin()
            .reverse_ledger_entry(as_admin(reverse_request(payment.id, "", &"x".repeat(501))))
            .await,
        "reason",
    );
    assert_error(
        app.admin()
            .reverse_ledger_entry(tonic::Request::new(reverse_request(payment.id, "", "")))
            .await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn reports_count_prices_less_their_refunds(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, contractor, job) = paid_job(&app, "100.00").await;
    refund(&app, contractor, job, "30.00")
        .await
        .expect("refund");
    let range = |today: bool| pb::ListBestClientsRequest {
        start: "2000-01-01".into(),
        end: if today {
            "2100-01-01".into()
        } else {
            "2000-01-02".into()
        },
        limit: 10,
        ..Default::default()
    };
    let best = app
        .admin()
        .list_best_clients(as_admin(range(true)))
        .await
        .unwrap()
        .into_inner()
        .clients;
    let mine = best.iter().find(|c| c.id == client).expect("listed");
    assert_eq!(mine.paid, "70.00");
    let profession = app
        .admin()
        .get_best_profession(as_admin(pb::GetBestProfessionRequest {
            start: "2000-01-01".into(),
            end: "2100-01-01".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(profession.earned, "70.00");
}

/// 64 reversals of parts of one deposit, half through each replica: the
/// reversed total never exceeds the entry, every refusal says
/// REVERSAL_EXCEEDS_ENTRY, and the audit is clean.
async fn concurrent_reversals_through_two_replicas_never_exceed_the_entry(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let second = app.second_replica().await;
    let contractor = app.create_profile(pb::ProfileType::Contractor).await;
    // The client holds exactly its deposit of 25.00 (its job unpaid).
    let (client, _) = app.client_with_job_of(contractor, "25.00").await;
    let deposit = newest(&app, client, pb::LedgerEntryKind::Deposit).await;
    assert_eq!(deposit.amount, "25.00");
    let mut tasks = JoinSet::new();
    for i in 0..64 {
        let replica: &Replica = if i % 2 == 0 { &app.replica } else { &second };
        let mut admin = replica.admin();
        let id = deposit.id;
        tasks.spawn(async move {
            admin
                .reverse_ledger_entry(as_admin(reverse_request(id, "0.50", "")))
                .await
                .map(|r| r.into_inner())
        });
    }
    let results = tasks.join_all().await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
        let info = refused.get_details_error_info().unwrap();
        assert_eq!(info.reason, "REVERSAL_EXCEEDS_ENTRY", "{refused:?}");
    }
    assert_eq!(won, 50, "25.00 in parts of 0.50");
    let listed = entries(&app, client).await;
    let original = listed.iter().find(|e| e.id == deposit.id).unwrap();
    assert_eq!(original.reversed, "25.00");
    assert_eq!(app.balance(client).await, "0.00");
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

/// The same race on a job's payment, refunded by its contractor through
/// both replicas while an admin reverses it too.
async fn concurrent_refunds_and_reversals_of_one_payment_never_exceed_it(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let second = app.second_replica().await;
    let (client, contractor, job) = paid_job(&app, "20.00").await;
    let payment = newest(&app, client, pb::LedgerEntryKind::JobPayment).await;
    let mut tasks = JoinSet::new();
    for i in 0..64 {
        let replica: &Replica = if i % 2 == 0 { &app.replica } else { &second };
        let (mut jobs, mut admin) = (replica.jobs(), replica.admin());
        let entry = payment.id;
        tasks.spawn(async move {
            if i % 4 == 3 {
                admin
                    .reverse_ledger_entry(as_admin(reverse_request(entry, "0.50", "")))
                    .await
                    .map(drop)
            } else {
                jobs.refund_job_payment(as_profile(contractor, refund_request(job, "0.50")))
                    .await
                    .map(drop)
            }
        });
    }
    let results = tasks.join_all().await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 40);
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        let info = refused.get_details_error_info().unwrap();
        assert_eq!(info.reason, "REVERSAL_EXCEEDS_ENTRY", "{refused:?}");
    }
    assert_eq!(app.balance(client).await, "20.00");
    assert_eq!(app.balance(contractor).await, "0.00");
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

on_both_backends!(
    a_contractor_refunds_a_job_in_parts_and_never_above_its_price,
    only_the_jobs_contractor_refunds_a_paid_job_with_the_money,
    a_refund_is_idempotent_by_request_id,
    an_admin_reverses_each_reversible_kind_and_no_other,
    reports_count_prices_less_their_refunds,
    concurrent_reversals_through_two_replicas_never_exceed_the_entry,
    concurrent_refunds_and_reversals_of_one_payment_never_exceed_it,
);
