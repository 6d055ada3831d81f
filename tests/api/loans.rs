//! Installment loans: the installment formula through the API, made and
//! missed payments, one record per month, point-in-time debt, request ids
//! and concurrent records.

use std::collections::HashMap;

use jobpay::proto::pb;
use tokio::task::JoinSet;
use tonic::Code;
use tonic_types::StatusExt;

use crate::on_both_backends;
use crate::support::{
    Backend, TestApp, as_admin, as_profile, assert_error, assert_invalid, with_bearer,
};

fn ts(text: &str) -> prost_types::Timestamp {
    let at = chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339");
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

fn loan_request(borrower_id: i64, amount: &str, months: i32, rate: &str) -> pb::CreateLoanRequest {
    pb::CreateLoanRequest {
        borrower_id,
        amount: amount.into(),
        term_months: months,
        annual_rate: rate.into(),
        ..Default::default()
    }
}

fn payment(loan_id: i64, status: pb::LoanPaymentStatus, at: &str) -> pb::RecordLoanPaymentRequest {
    pb::RecordLoanPaymentRequest {
        loan_id,
        status: status.into(),
        payment_time: Some(ts(at)),
        ..Default::default()
    }
}

async fn create(app: &TestApp, request: pb::CreateLoanRequest) -> pb::Loan {
    app.loans()
        .create_loan(as_admin(request))
        .await
        .expect("CreateLoan")
        .into_inner()
}

async fn owed(app: &TestApp, loan_id: i64, at: &str) -> String {
    app.loans()
        .get_loan_balance(as_admin(pb::GetLoanBalanceRequest {
            loan_id,
            as_of: Some(ts(at)),
        }))
        .await
        .expect("GetLoanBalance")
        .into_inner()
        .outstanding
}

/// DESIGN.md's worked example: 1000.00 over 12 months at 5%, made on the
/// origination day, missed the next month, made the month after.
async fn the_worked_example_owes_what_it_should_at_every_date(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let borrower = app.create_profile(pb::ProfileType::Contractor).await;
    let mut request = loan_request(borrower, "1000.00", 12, "0.05");
    request.origination_time = Some(ts("2026-01-15T10:00:00Z"));
    let loan = create(&app, request).await;
    assert_eq!(
        (
            loan.installment.as_str(),
            loan.total_repayable.as_str(),
            loan.outstanding.as_str(),
            loan.currency_code.as_str(),
            loan.annual_rate.as_str()
        ),
        ("85.60", "1027.20", "1027.20", "USD", "0.05")
    );
    // Disbursed in the same transaction.
    assert_eq!(app.balance(borrower).await, "1000.00");

    let made = app
        .loans()
        .record_loan_payment(as_admin(payment(
            loan.id,
            pb::LoanPaymentStatus::Made,
            "2026-01-15T12:00:00Z",
        )))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(made.amount, "85.60");
    assert!(made.ledger_entry_id > 0);
    let missed = app
        .loans()
        .record_loan_payment(as_admin(payment(
            loan.id,
            pb::LoanPaymentStatus::Missed,
            "2026-02-15T12:00:00Z",
        )))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(missed.ledger_entry_id, 0);
    let mut third = payment(loan.id, pb::LoanPaymentStatus::Made, "2026-03-15T12:00:00Z");
    third.amount = "85.60".into();
    app.loans()
        .record_loan_payment(as_admin(third))
        .await
        .unwrap();
    assert_eq!(app.balance(borrower).await, "828.80");

    for (at, expected) in [
        ("2026-01-15T10:00:00Z", "1027.20"),
        ("2026-01-15T11:59:59Z", "1027.20"),
        ("2026-01-15T12:00:00Z", "941.60"),
        ("2026-02-20T00:00:00Z", "941.60"),
        ("2026-03-15T11:00:00Z", "941.60"),
        ("2026-03-20T00:00:00Z", "856.00"),
    ] {
        assert_eq!(owed(&app, loan.id, at).await, expected, "at {at}");
    }
    assert_invalid(
        app.loans()
            .get_loan_balance(as_admin(pb::GetLoanBalanceRequest {
                loan_id: loan.id,
                as_of: Some(ts("2026-01-15T09:59:59Z")),
            }))
            .await,
        "as_of",
    );
    let now = app
        .loans()
        .get_loan(as_admin(pb::GetLoanRequest { id: loan.id }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            now.outstanding.as_str(),
            now.payments_made,
            now.payments_missed
        ),
        ("856.00", 2, 1)
    );

    // Payments list by payment time; the ledger shows the movements.
    let payments = app
        .loans()
        .list_loan_payments(as_admin(pb::ListLoanPaymentsRequest {
            loan_id: loan.id,
            page_size: 2,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        payments
            .payments
            .iter()
            .map(|p| p.status)
            .collect::<Vec<_>>(),
        vec![
            pb::LoanPaymentStatus::Made as i32,
            pb::LoanPaymentStatus::Missed as i32
        ]
    );
    let rest = app
        .loans()
        .list_loan_payments(as_admin(pb::ListLoanPaymentsRequest {
            loan_id: loan.id,
            page_size: 2,
            page_token: payments.next_page_token,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.payments.len(), 1);
    assert!(rest.next_page_token.is_empty());
    let entries = app
        .balances()
        .list_ledger_entries(as_profile(
            borrower,
            pb::ListLedgerEntriesRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner()
        .entries;
    let kinds: Vec<i32> = entries.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            pb::LedgerEntryKind::LoanRepayment as i32,
            pb::LedgerEntryKind::LoanRepayment as i32,
            pb::LedgerEntryKind::LoanDisbursement as i32
        ]
    );
    assert_eq!(entries[2].debit_profile_id, 0);
    assert_eq!(entries[0].credit_profile_id, 0);
    assert_eq!(entries[1].id, made.ledger_entry_id);

    let summary = app
        .balances()
        .get_balance_summary(as_profile(
            borrower,
            pb::GetBalanceSummaryRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            summary.borrowed.as_str(),
            summary.repaid.as_str(),
            summary.balance.as_str()
        ),
        ("1000.00", "171.20", "828.80")
    );
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn payment_rules(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let borrower = app.create_profile(pb::ProfileType::Client).await;
    let mut request = loan_request(borrower, "100.00", 2, "0.12");
    request.origination_time = Some(ts("2026-01-31T23:00:00Z"));
    let loan = create(&app, request).await;
    let record = |request: pb::RecordLoanPaymentRequest| {
        let mut loans = app.loans();
        async move { loans.record_loan_payment(as_admin(request)).await }
    };
    // Not before the origination day, not in the future, a known status.
    assert_invalid(
        record(payment(
            loan.id,
            pb::LoanPaymentStatus::Made,
            "2026-01-30T23:59:59Z",
        ))
        .await,
        "payment_time",
    );
    assert_invalid(
        record(payment(
            loan.id,
            pb::LoanPaymentStatus::Made,
            "2999-01-01T00:00:00Z",
        ))
        .await,
        "payment_time",
    );
    assert_invalid(
        record(payment(
            loan.id,
            pb::LoanPaymentStatus::Unspecified,
            "2026-02-01T00:00:00Z",
        ))
        .await,
        "status",
    );
    let mut wrong = payment(loan.id, pb::LoanPaymentStatus::Made, "2026-02-01T00:00:00Z");
    wrong.amount = "50.01".into();
    let status = assert_invalid(record(wrong).await, "amount");
    let info = status.get_details_error_info().unwrap();
    assert_eq!(info.reason, "NOT_THE_INSTALLMENT");
    assert_eq!(info.metadata["installment"], loan.installment);
    assert_error(
        record(payment(
            999,
            pb::LoanPaymentStatus::Made,
            "2026-02-01T00:00:00Z",
        ))
        .await,
        Code::NotFound,
        "LOAN_NOT_FOUND",
    );
    // The origination day itself is fine, even before its hour.
    record(payment(
        loan.id,
        pb::LoanPaymentStatus::Missed,
        "2026-01-31T00:00:00Z",
    ))
    .await
    .unwrap();
    // One record per calendar month, made or missed.
    let twice = assert_error(
        record(payment(
            loan.id,
            pb::LoanPaymentStatus::Made,
            "2026-01-31T23:30:00Z",
        ))
        .await,
        Code::AlreadyExists,
        "LOAN_PAYMENT_ALREADY_RECORDED",
    );
    assert_eq!(
        twice.get_details_error_info().unwrap().metadata["month"],
        "2026-01"
    );
    // Made payments need the installment available; a refusal records
    // nothing, so the month stays open.
    app.balances()
        .withdraw(as_profile(
            borrower,
            pb::WithdrawRequest {
                amount: "60.00".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    let poor = assert_error(
        record(payment(
            loan.id,
            pb::LoanPaymentStatus::Made,
            "2026-02-10T00:00:00Z",
        ))
        .await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    assert_eq!(
        poor.get_details_error_info().unwrap().metadata["available"],
        "40.00"
    );
    record(payment(
        loan.id,
        pb::LoanPaymentStatus::Missed,
        "2026-02-10T00:00:00Z",
    ))
    .await
    .unwrap();
    // Two made payments repay a two-month loan; nothing after that.
    let (rich, _, _) = app.funded_client("500.00").await;
    app.balances()
        .transfer(as_profile(
            rich,
            pb::TransferRequest {
                to_profile_id: borrower,
                amount: "200.00".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    for at in ["2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"] {
        record(payment(loan.id, pb::LoanPaymentStatus::Made, at))
            .await
            .unwrap();
    }
    assert_error(
        record(payment(
            loan.id,
            pb::LoanPaymentStatus::Missed,
            "2026-05-01T00:00:00Z",
        ))
        .await,
        Code::FailedPrecondition,
        "LOAN_REPAID",
    );
    let now = app
        .loans()
        .get_loan(as_admin(pb::GetLoanRequest { id: loan.id }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            now.outstanding.as_str(),
            now.payments_made,
            now.payments_missed
        ),
        ("0.00", 2, 2)
    );
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn loans_are_validated_and_admin_only(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let borrower = app.create_profile(pb::ProfileType::Client).await;
    let create = |request: pb::CreateLoanRequest| {
        let mut loans = app.loans();
        async move { loans.create_loan(as_admin(request)).await }
    };
    for (request, field) in [
        (loan_request(0, "1.00", 12, "0.05"), "borrower_id"),
        (loan_request(borrower, "0", 12, "0.05"), "amount"),
        (loan_request(borrower, "1.001", 12, "0.05"), "amount"),
        (loan_request(borrower, "1.00", 0, "0.05"), "term_months"),
        (loan_request(borrower, "1.00", 601, "0.05"), "term_months"),
        (loan_request(borrower, "1.00", 12, "0"), "annual_rate"),
        (loan_request(borrower, "1.00", 12, "10.01"), "annual_rate"),
        (loan_request(borrower, "1.00", 12, "5%"), "annual_rate"),
        (loan_request(borrower, "1.00", 12, ""), "annual_rate"),
        // The largest amount at the largest rate over one month overflows.
        (
            loan_request(borrower, "92233720368547758.07", 1, "10"),
            "amount",
        ),
    ] {
        assert_invalid(create(request).await, field);
    }
    assert_invalid(
        create(loan_request(99_999, "1.00", 12, "0.05")).await,
        "borrower_id",
    );
    let mut future = loan_request(borrower, "1.00", 12, "0.05");
    future.origination_time = Some(ts("2999-01-01T00:00:00Z"));
    assert_invalid(create(future).await, "origination_time");
    let mut unknown = loan_request(borrower, "1.00", 12, "0.05");
    unknown.currency_code = "XYZ".into();
    assert_error(
        create(unknown).await,
        Code::InvalidArgument,
        "CURRENCY_NOT_SUPPORTED",
    );
    assert_error(
        app.loans()
            .create_loan(with_bearer(
                "wrong",
                loan_request(borrower, "1.00", 12, "0.05"),
            ))
            .await,
        Code::Unauthenticated,
        "WRONG_ADMIN_KEY",
    );
    assert_error(
        app.loans()
            .get_loan(as_profile(borrower, pb::GetLoanRequest { id: 1 }))
            .await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    // Nothing was lent.
    assert_eq!(app.balance(borrower).await, "0.00");

    // Long terms at the largest rate, BTC and whole-unit currencies.
    let long = create(loan_request(borrower, "100.00", 600, "10"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(long.installment, "83.33");
    let mut btc = loan_request(borrower, "0.5", 24, "0.08");
    btc.currency_code = "btc".into();
    let btc = create(btc).await.unwrap().into_inner();
    assert_eq!(
        (
            btc.installment.as_str(),
            btc.total_repayable.as_str(),
            btc.currency_code.as_str()
        ),
        ("0.02261364", "0.54272736", "BTC")
    );
    app.admin()
        .create_currency(as_admin(pb::CreateCurrencyRequest {
            code: "JPY".into(),
            precision: 0,
        }))
        .await
        .unwrap();
    let mut yen = loan_request(borrower, "1000000", 12, "0.05");
    yen.currency_code = "JPY".into();
    let yen = create(yen).await.unwrap().into_inner();
    assert_eq!(yen.installment, "85607");
    assert_eq!(app.balance_in(borrower, "JPY").await, "1000000");
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn outstanding_debt_at_any_instant(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let a = app.create_profile(pb::ProfileType::Client).await;
    let b = app.create_profile(pb::ProfileType::Contractor).await;
    let mut first = loan_request(a, "1000.00", 12, "0.05");
    first.origination_time = Some(ts("2025-01-10T00:00:00Z"));
    let first = create(&app, first).await;
    let mut second = loan_request(b, "120.00", 2, "0.12");
    second.origination_time = Some(ts("2025-06-01T00:00:00Z"));
    let second = create(&app, second).await;
    let mut euros = loan_request(b, "50.00", 2, "0.05");
    euros.currency_code = "EUR".into();
    euros.origination_time = Some(ts("2025-01-01T00:00:00Z"));
    create(&app, euros).await;
    app.loans()
        .record_loan_payment(as_admin(payment(
            first.id,
            pb::LoanPaymentStatus::Made,
            "2025-02-10T00:00:00Z",
        )))
        .await
        .unwrap();
    app.loans()
        .record_loan_payment(as_admin(payment(
            second.id,
            pb::LoanPaymentStatus::Made,
            "2025-07-01T00:00:00Z",
        )))
        .await
        .unwrap();
    let debt = |at: &'static str, currency: &'static str| {
        let mut loans = app.loans();
        async move {
            let r = loans
                .get_outstanding_debt(as_admin(pb::GetOutstandingDebtRequest {
                    as_of: Some(ts(at)),
                    currency_code: currency.into(),
                }))
                .await
                .unwrap()
                .into_inner();
            (r.value, r.volume, r.currency_code)
        }
    };
    let usd = |v: &str, n: i64| (v.to_owned(), n, "USD".to_owned());
    assert_eq!(debt("2024-12-31T00:00:00Z", "").await, usd("0.00", 0));
    assert_eq!(debt("2025-01-10T00:00:00Z", "").await, usd("1027.20", 1));
    assert_eq!(debt("2025-03-01T00:00:00Z", "").await, usd("941.60", 1));
    // The second loan (installment 60.90) owes 121.80 from June, 60.90
    // after its July payment.
    assert_eq!(debt("2025-06-15T00:00:00Z", "USD").await, usd("1063.40", 2));
    assert_eq!(debt("2025-07-01T00:00:00Z", "usd").await, usd("1002.50", 2));
    assert_eq!(
        debt("2025-07-01T00:00:00Z", "EUR").await,
        ("50.30".to_owned(), 1, "EUR".to_owned())
    );
    let (value, volume, _) = debt("2025-07-01T00:00:00Z", "BTC").await;
    assert_eq!((value.as_str(), volume), ("0.00000000", 0));
}

async fn request_ids_make_loans_and_payments_once(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let borrower = app.create_profile(pb::ProfileType::Client).await;
    let mut request = loan_request(borrower, "10.00", 3, "0.05");
    request.request_id = "7f1d1f2a-7c1e-4f2b-9a55-1f0c2d3e4f50".into();
    let once = create(&app, request.clone()).await;
    let again = create(&app, request.clone()).await;
    assert_eq!(once.id, again.id);
    assert_eq!(app.balance(borrower).await, "10.00");
    request.amount = "11.00".into();
    assert_error(
        app.loans().create_loan(as_admin(request)).await,
        Code::InvalidArgument,
        "REQUEST_ID_REUSED",
    );
    // Unset payment_time means now, and a retry is the same request.
    let record = pb::RecordLoanPaymentRequest {
        loan_id: once.id,
        status: pb::LoanPaymentStatus::Made.into(),
        request_id: "0c8a5c0e-2b7d-4b0e-8a4e-3f3c1f2e1d00".into(),
        ..Default::default()
    };
    let first = app
        .loans()
        .record_loan_payment(as_admin(record.clone()))
        .await
        .unwrap()
        .into_inner();
    let second = app
        .loans()
        .record_loan_payment(as_admin(record))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, second);
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn concurrent_records_of_one_month_leave_exactly_one(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let second = app.second_replica().await;
    let borrower = app.create_profile(pb::ProfileType::Client).await;
    let mut request = loan_request(borrower, "1000.00", 12, "0.05");
    request.origination_time = Some(ts("2026-01-01T00:00:00Z"));
    let loan = create(&app, request).await;
    let mut tasks = JoinSet::new();
    for i in 0..32 {
        let mut loans = if i % 2 == 0 {
            app.loans()
        } else {
            second.loans()
        };
        let status = if i % 3 == 0 {
            pb::LoanPaymentStatus::Missed
        } else {
            pb::LoanPaymentStatus::Made
        };
        let at = format!("2026-02-{:02}T12:00:00Z", 1 + i % 28);
        tasks.spawn(async move {
            loans
                .record_loan_payment(as_admin(payment(loan.id, status, &at)))
                .await
                .map(drop)
                .map_err(|s| {
                    s.get_details_error_info()
                        .map(|i| i.reason)
                        .unwrap_or_else(|| format!("{:?}", s.code()))
                })
        });
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for result in tasks.join_all().await {
        let key = match result {
            Ok(()) => "OK".to_owned(),
            Err(reason) => reason,
        };
        *counts.entry(key).or_default() += 1;
    }
    assert_eq!(
        counts,
        HashMap::from([
            ("OK".to_owned(), 1),
            ("LOAN_PAYMENT_ALREADY_RECORDED".to_owned(), 31)
        ])
    );
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn loans_list_by_borrower(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let a = app.create_profile(pb::ProfileType::Client).await;
    let b = app.create_profile(pb::ProfileType::Client).await;
    let mut ids = Vec::new();
    for borrower in [a, b, a, a] {
        ids.push(
            create(&app, loan_request(borrower, "1.00", 1, "0.01"))
                .await
                .id,
        );
    }
    let list = |borrower_id: i64, page_token: String| {
        let mut loans = app.loans();
        async move {
            loans
                .list_loans(as_admin(pb::ListLoansRequest {
                    borrower_id,
                    page_size: 2,
                    page_token,
                }))
                .await
                .unwrap()
                .into_inner()
        }
    };
    let page = list(a, String::new()).await;
    assert_eq!(
        page.loans.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![ids[0], ids[2]]
    );
    let next = list(a, page.next_page_token).await;
    assert_eq!(
        next.loans.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![ids[3]]
    );
    assert!(next.next_page_token.is_empty());
    assert_eq!(list(0, String::new()).await.loans.len(), 2);
    assert_error(
        app.loans()
            .get_loan(as_admin(pb::GetLoanRequest { id: 999 }))
            .await,
        Code::NotFound,
        "LOAN_NOT_FOUND",
    );
}

/// A loan taken over from an old book: payments before 1970 page like any.
async fn payments_before_1970_page_through(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let borrower = app.create_profile(pb::ProfileType::Client).await;
    let mut request = loan_request(borrower, "10.00", 3, "0.05");
    request.origination_time = Some(ts("1969-11-01T00:00:00Z"));
    let loan = create(&app, request).await;
    for at in [
        "1969-11-15T00:00:00Z",
        "1969-12-15T00:00:00Z",
        "1970-01-15T00:00:00Z",
    ] {
        app.loans()
            .record_loan_payment(as_admin(payment(
                loan.id,
                pb::LoanPaymentStatus::Missed,
                at,
            )))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = app
            .loans()
            .list_loan_payments(as_admin(pb::ListLoanPaymentsRequest {
                loan_id: loan.id,
                page_size: 1,
                page_token,
            }))
            .await
            .expect("every token it hands out is accepted")
            .into_inner();
        seen.extend(
            page.payments
                .iter()
                .map(|p| p.payment_time.unwrap().seconds),
        );
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(seen.len(), 3);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
}

on_both_backends!(
    payments_before_1970_page_through,
    the_worked_example_owes_what_it_should_at_every_date,
    payment_rules,
    loans_are_validated_and_admin_only,
    outstanding_debt_at_any_instant,
    request_ids_make_loans_and_payments_once,
    concurrent_records_of_one_month_leave_exactly_one,
    loans_list_by_borrower,
);
