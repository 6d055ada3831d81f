//! Many currencies: the registry, per-currency money strings and rounding,
//! balances per (profile, currency), contracts and jobs in a currency, the
//! per-currency deposit limit, transfers, ledger filters and reports.

use jobpay::proto::pb;
use tonic::Code;
use tonic_types::StatusExt;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, as_admin, as_profile, assert_error, assert_invalid};

fn deposit(profile_id: i64, amount: &str, currency_code: &str) -> pb::DepositRequest {
    pb::DepositRequest {
        profile_id,
        amount: amount.into(),
        currency_code: currency_code.into(),
        ..Default::default()
    }
}

fn withdraw(amount: &str, currency_code: &str, rounding: pb::Rounding) -> pb::WithdrawRequest {
    pb::WithdrawRequest {
        amount: amount.into(),
        currency_code: currency_code.into(),
        rounding: rounding.into(),
        ..Default::default()
    }
}

fn transfer(to_profile_id: i64, amount: &str, currency_code: &str) -> pb::TransferRequest {
    pb::TransferRequest {
        to_profile_id,
        amount: amount.into(),
        currency_code: currency_code.into(),
        ..Default::default()
    }
}

/// A started contract in `currency_code` between a new client and a new
/// contractor: (client, contractor, contract id).
async fn contract_in(app: &TestApp, currency_code: &str) -> (i64, i64, pb::Contract) {
    let client = app.create_profile(pb::ProfileType::Client).await;
    let contractor = app.create_profile(pb::ProfileType::Contractor).await;
    let contract = app
        .contracts()
        .create_contract(as_profile(
            client,
            pb::CreateContractRequest {
                contractor_id: contractor,
                terms: "paid in another currency".into(),
                currency_code: currency_code.into(),
            },
        ))
        .await
        .expect("CreateContract")
        .into_inner();
    app.contracts()
        .start_contract(as_profile(
            contractor,
            pb::StartContractRequest { id: contract.id },
        ))
        .await
        .expect("StartContract");
    (client, contractor, contract)
}

async fn job(app: &TestApp, client: i64, contract_id: i64, price: &str) -> pb::Job {
    app.jobs()
        .create_job(as_profile(
            client,
            pb::CreateJobRequest {
                contract_id,
                description: "work".into(),
                price: price.into(),
            },
        ))
        .await
        .expect("CreateJob")
        .into_inner()
}

async fn list_balances(app: &TestApp, profile: i64) -> Vec<(String, String)> {
    app.balances()
        .list_balances(as_profile(profile, pb::ListBalancesRequest::default()))
        .await
        .expect("ListBalances")
        .into_inner()
        .balances
        .into_iter()
        .map(|b| (b.currency_code, b.balance))
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

async fn currencies_are_data_with_their_precision(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let someone = app.create_profile(pb::ProfileType::Client).await;
    let list = |app: &TestApp| {
        let mut balances = app.balances();
        async move {
            balances
                .list_currencies(as_profile(someone, pb::ListCurrenciesRequest {}))
                .await
                .expect("ListCurrencies")
                .into_inner()
                .currencies
                .into_iter()
                .map(|c| (c.code, c.precision))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        list(&app).await,
        vec![("BTC".into(), 8), ("EUR".into(), 2), ("USD".into(), 2)]
    );
    let created = app
        .admin()
        .create_currency(as_admin(pb::CreateCurrencyRequest {
            code: "jpy".into(),
            precision: 0,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((created.code.as_str(), created.precision), ("JPY", 0));
    assert_eq!(list(&app).await[2], ("JPY".into(), 0));
    // Any letter case of an existing code exists.
    let exists = assert_error(
        app.admin()
            .create_currency(as_admin(pb::CreateCurrencyRequest {
                code: "Usd".into(),
                precision: 2,
            }))
            .await,
        Code::AlreadyExists,
        "CURRENCY_EXISTS",
    );
    assert!(exists.message().contains("USD"), "{exists:?}");
    for (code, precision, field) in [
        ("US", 2, "code"),
        ("TOOLONGCODE", 2, "code"),
        ("U$D", 2, "code"),
        ("", 2, "code"),
        ("ABC", 13, "precision"),
        ("ABC", -1, "precision"),
    ] {
        assert_invalid(
            app.admin()
                .create_currency(as_admin(pb::CreateCurrencyRequest {
                    code: code.into(),
                    precision,
                }))
                .await,
            field,
        );
    }
    assert_error(
        app.admin()
            .create_currency(tonic::Request::new(pb::CreateCurrencyRequest {
                code: "GBP".into(),
                precision: 2,
            }))
            .await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    // A currency created through one replica is usable through another.
    let second = app.second_replica().await;
    app.admin()
        .create_currency(as_admin(pb::CreateCurrencyRequest {
            code: "GBP".into(),
            precision: 2,
        }))
        .await
        .unwrap();
    let balance = second
        .balances()
        .get_balance(as_profile(
            someone,
            pb::GetBalanceRequest {
                currency_code: "gbp".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (balance.currency_code.as_str(), balance.balance.as_str()),
        ("GBP", "0.00")
    );
}

async fn unknown_currency_codes_are_refused_everywhere(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let check = |status: tonic::Status| {
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        let info = status.get_details_error_info().expect("ErrorInfo");
        assert_eq!(info.reason, "CURRENCY_NOT_SUPPORTED");
        let violations = status.get_details_bad_request().expect("BadRequest");
        assert_eq!(violations.field_violations[0].field, "currency_code");
        assert!(status.message().contains("XYZ") || status.message().contains("\"x\""));
    };
    check(
        app.balances()
            .get_balance(as_profile(
                1,
                pb::GetBalanceRequest {
                    currency_code: "XYZ".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err(),
    );
    check(
        app.balances()
            .deposit(as_profile(1, deposit(1, "1.00", "XYZ")))
            .await
            .unwrap_err(),
    );
    check(
        app.balances()
            .withdraw(as_profile(
                1,
                withdraw("1.00", "x", pb::Rounding::Unspecified),
            ))
            .await
            .unwrap_err(),
    );
    check(
        app.balances()
            .transfer(as_profile(1, transfer(2, "1.00", "XYZ")))
            .await
            .unwrap_err(),
    );
    check(
        app.contracts()
            .create_contract(as_profile(
                1,
                pb::CreateContractRequest {
                    contractor_id: 5,
                    terms: "t".into(),
                    currency_code: "XYZ".into(),
                },
            ))
            .await
            .unwrap_err(),
    );
    check(
        app.balances()
            .list_ledger_entries(as_profile(
                1,
                pb::ListLedgerEntriesRequest {
                    currency_code: "XYZ".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err(),
    );
    check(
        app.admin()
            .get_best_profession(as_admin(pb::GetBestProfessionRequest {
                start: "2020-01-01".into(),
                end: "2030-01-01".into(),
                currency_code: "XYZ".into(),
            }))
            .await
            .unwrap_err(),
    );
    // Nothing was written by any of them.
    assert_eq!(app.balance(1).await, "1150.00");
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

/// The README's multi-currency session: a EUR contract, a job, deposits up
/// to the 25% limit exactly, payment, a transfer that opens the receiver's
/// EUR balance, balances listed by code, entries filtered by currency.
async fn a_eur_contract_is_priced_funded_and_paid_in_eur(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let (client, contractor, contract) = contract_in(&app, "eur").await;
    assert_eq!(contract.currency_code, "EUR");
    let job = job(&app, client, contract.id, "100").await;
    assert_eq!(
        (job.price.as_str(), job.currency_code.as_str()),
        ("100.00", "EUR")
    );
    // A USD job of the same client does not raise the EUR limit.
    let (_, _, usd_contract) = contract_in(&app, "").await;
    assert_eq!(usd_contract.currency_code, "USD");

    // 25% of 100.00 EUR outstanding: 25.01 is refused, 25.00 allowed.
    let over = assert_error(
        app.balances()
            .deposit(as_profile(client, deposit(client, "25.01", "EUR")))
            .await,
        Code::FailedPrecondition,
        "DEPOSIT_LIMIT_EXCEEDED",
    );
    assert!(over.message().contains("25.00 EUR"), "{over:?}");
    let info = over.get_details_error_info().unwrap();
    assert_eq!(info.metadata["limit"], "25.00");
    assert_eq!(info.metadata["currency_code"], "EUR");
    // Nothing outstanding in USD for this client: no USD deposit at all.
    assert_error(
        app.balances()
            .deposit(as_profile(client, deposit(client, "0.01", "")))
            .await,
        Code::FailedPrecondition,
        "DEPOSIT_LIMIT_EXCEEDED",
    );
    for expected in ["25.00", "50.00", "75.00", "100.00"] {
        let response = app
            .balances()
            .deposit(as_profile(client, deposit(client, "25.00", "EUR")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (response.balance.as_str(), response.currency_code.as_str()),
            (expected, "EUR")
        );
    }
    assert_eq!(app.balance(client).await, "0.00", "USD untouched");

    let paid = app
        .jobs()
        .pay_job(as_profile(
            client,
            pb::PayJobRequest {
                job_id: job.id,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paid.client_balance, "0.00");
    assert_eq!(paid.job.unwrap().currency_code, "EUR");
    assert_eq!(app.balance_in(contractor, "EUR").await, "100.00");
    assert_eq!(app.balance_in(contractor, "USD").await, "0.00");

    // Transfer 40.50 EUR to demo client 1, who never held EUR.
    let sent = app
        .balances()
        .transfer(as_profile(contractor, transfer(1, "40.5", "EUR")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (sent.balance.as_str(), sent.currency_code.as_str()),
        ("59.50", "EUR")
    );
    assert_eq!(
        list_balances(&app, 1).await,
        pairs(&[("EUR", "40.50"), ("USD", "1150.00")])
    );
    // A currency never held answers 0 in it, and the platform currency is
    // always listed.
    assert_eq!(app.balance_in(1, "BTC").await, "0.00000000");
    assert_eq!(
        list_balances(&app, contractor).await,
        pairs(&[("EUR", "59.50"), ("USD", "0.00")])
    );
    let insufficient = assert_error(
        app.balances()
            .withdraw(as_profile(
                contractor,
                withdraw("59.51", "EUR", pb::Rounding::Unspecified),
            ))
            .await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    let info = insufficient.get_details_error_info().unwrap();
    assert_eq!(info.metadata["available"], "59.50");
    assert_eq!(info.metadata["required"], "59.51");
    assert_eq!(info.metadata["currency_code"], "EUR");

    // Entries carry their currency and can be filtered by it.
    let entries = |currency: &'static str| {
        let mut balances = app.balances();
        async move {
            balances
                .list_ledger_entries(as_profile(
                    1,
                    pb::ListLedgerEntriesRequest {
                        currency_code: currency.into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner()
                .entries
        }
    };
    let eur = entries("eur").await;
    assert_eq!(eur.len(), 1);
    assert_eq!(
        (
            eur[0].currency_code.as_str(),
            eur[0].amount.as_str(),
            eur[0].credit_balance_after.as_str()
        ),
        ("EUR", "40.50", "40.50")
    );
    assert!(
        entries("USD")
            .await
            .iter()
            .all(|e| e.currency_code == "USD")
    );
    assert_eq!(entries("").await.len(), entries("USD").await.len() + 1);

    // The admin reports count only the asked currency.
    let best = app
        .admin()
        .get_best_profession(as_admin(pb::GetBestProfessionRequest {
            start: "2000-01-01".into(),
            end: "2100-01-01".into(),
            currency_code: "EUR".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            best.profession.as_str(),
            best.earned.as_str(),
            best.currency_code.as_str()
        ),
        ("Tester", "100.00", "EUR")
    );
    let clients = app
        .admin()
        .list_best_clients(as_admin(pb::ListBestClientsRequest {
            start: "2000-01-01".into(),
            end: "2100-01-01".into(),
            limit: 5,
            currency_code: "eur".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(clients.currency_code, "EUR");
    assert_eq!(clients.clients.len(), 1);
    assert_eq!(
        (clients.clients[0].id, clients.clients[0].paid.as_str()),
        (client, "100.00")
    );
    let usd_best = app
        .admin()
        .get_best_profession(as_admin(pb::GetBestProfessionRequest {
            start: "2000-01-01".into(),
            end: "2100-01-01".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(usd_best.currency_code, "USD");
    assert_ne!(usd_best.profession, "Tester");

    // Profiles list every balance.
    let profiles = app
        .admin()
        .list_profiles(as_admin(pb::ListProfilesRequest {
            page_size: 2,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        profiles.profiles.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(!profiles.next_page_token.is_empty());
    let first = &profiles.profiles[0];
    assert_eq!(first.balance, "1150.00");
    assert_eq!(
        first
            .balances
            .iter()
            .map(|b| (
                b.currency_code.as_str(),
                b.balance.as_str(),
                b.available.as_str()
            ))
            .collect::<Vec<_>>(),
        vec![("EUR", "40.50", "40.50"), ("USD", "1150.00", "1150.00")]
    );
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn bitcoin_moves_with_eight_decimals(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, contractor, contract) = contract_in(&app, "BTC").await;
    let job = job(&app, client, contract.id, "0.5").await;
    assert_eq!(job.price, "0.50000000");
    assert_invalid(
        app.jobs()
            .create_job(as_profile(
                client,
                pb::CreateJobRequest {
                    contract_id: contract.id,
                    description: "x".into(),
                    price: "0.000000001".into(),
                },
            ))
            .await,
        "price",
    );
    let response = app
        .balances()
        .deposit(as_profile(client, deposit(client, "0.12345678", "btc")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.balance, "0.12345678");
    let nine = assert_invalid(
        app.balances()
            .deposit(as_profile(client, deposit(client, "0.123456789", "BTC")))
            .await,
        "amount",
    );
    assert!(nine.message().contains("8 decimals"), "{nine:?}");
    let sent = app
        .balances()
        .transfer(as_profile(
            client,
            transfer(contractor, "0.00000001", "BTC"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sent.balance, "0.12345677");
    assert_eq!(app.balance_in(contractor, "BTC").await, "0.00000001");
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn a_currency_without_decimals_moves_whole_units(backend: Backend) {
    let app = TestApp::empty(backend).await;
    app.admin()
        .create_currency(as_admin(pb::CreateCurrencyRequest {
            code: "JPY".into(),
            precision: 0,
        }))
        .await
        .unwrap();
    let (client, _, contract) = contract_in(&app, "JPY").await;
    let job = job(&app, client, contract.id, "400").await;
    assert_eq!(job.price, "400");
    for bad in ["1.5", "100.0"] {
        let status = assert_invalid(
            app.balances()
                .deposit(as_profile(client, deposit(client, bad, "JPY")))
                .await,
            "amount",
        );
        assert!(status.message().contains("whole number"), "{status:?}");
    }
    let response = app
        .balances()
        .deposit(as_profile(client, deposit(client, "100", "JPY")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.balance, "100");
    // Rounding reaches whole units too.
    let left = app
        .balances()
        .withdraw(as_profile(
            client,
            withdraw("2.5", "JPY", pb::Rounding::HalfAwayFromZero),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(left.balance, "97");
}

async fn rounding_is_exact_unless_asked(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, _, _) = app.funded_client("1000.00").await;
    let exact = assert_invalid(
        app.balances()
            .withdraw(as_profile(
                client,
                withdraw("100.111", "", pb::Rounding::Unspecified),
            ))
            .await,
        "amount",
    );
    assert!(exact.message().contains("2 decimals"), "{exact:?}");
    let after = |r: pb::WithdrawResponse| r.balance;
    let first = app
        .balances()
        .withdraw(as_profile(
            client,
            withdraw("100.111", "USD", pb::Rounding::HalfAwayFromZero),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after(first), "899.89", "100.111 moves 100.11");
    let second = app
        .balances()
        .withdraw(as_profile(
            client,
            withdraw("100.115", "USD", pb::Rounding::HalfAwayFromZero),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after(second), "799.77", "100.115 moves 100.12");
    let zero = assert_invalid(
        app.balances()
            .withdraw(as_profile(
                client,
                withdraw("0.004", "", pb::Rounding::HalfAwayFromZero),
            ))
            .await,
        "amount",
    );
    assert!(zero.message().contains("rounds to zero"), "{zero:?}");
    let mut unknown = withdraw("1.00", "", pb::Rounding::Unspecified);
    unknown.rounding = 7;
    assert_invalid(
        app.balances().withdraw(as_profile(client, unknown)).await,
        "rounding",
    );
    // Rounding works the same on transfers and deposits.
    let (other, _, _) = app.funded_client("10.00").await;
    let mut rounded_transfer = transfer(other, "0.005", "");
    rounded_transfer.rounding = pb::Rounding::HalfAwayFromZero.into();
    let sent = app
        .balances()
        .transfer(as_profile(client, rounded_transfer))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sent.balance, "799.76");
    assert_eq!(app.balance(other).await, "10.01");
    let mut rounded_deposit = deposit(other, "0.009", "");
    rounded_deposit.rounding = pb::Rounding::HalfAwayFromZero.into();
    let deposited = app
        .balances()
        .deposit(as_profile(other, rounded_deposit))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deposited.balance, "10.02");
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
}

async fn request_ids_tell_currencies_apart(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let (client, _, _) = app.funded_client_in("EUR", "10.00").await;
    app.balances()
        .deposit(as_profile(client, deposit(client, "0.01", "")))
        .await
        .expect_err("no USD outstanding");
    let id = "123e4567-e89b-12d3-a456-426614174000";
    let mut first = withdraw("1.00", "EUR", pb::Rounding::Unspecified);
    first.request_id = id.into();
    let once = app
        .balances()
        .withdraw(as_profile(client, first.clone()))
        .await
        .unwrap()
        .into_inner();
    let mut lower = first.clone();
    lower.currency_code = "eur".into();
    let again = app
        .balances()
        .withdraw(as_profile(client, lower))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(once, again);
    assert_eq!(app.balance_in(client, "EUR").await, "9.00");
    let mut in_usd = first;
    in_usd.currency_code = "USD".into();
    assert_error(
        app.balances().withdraw(as_profile(client, in_usd)).await,
        Code::InvalidArgument,
        "REQUEST_ID_REUSED",
    );
}

on_both_backends!(
    currencies_are_data_with_their_precision,
    unknown_currency_codes_are_refused_everywhere,
    a_eur_contract_is_priced_funded_and_paid_in_eur,
    bitcoin_moves_with_eight_decimals,
    a_currency_without_decimals_moves_whole_units,
    rounding_is_exact_unless_asked,
    request_ids_tell_currencies_apart,
);
