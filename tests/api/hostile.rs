//! Hostile input through the real server: malformed, huge, negative and
//! out-of-range values in every field of every method, and wrong metadata.
//! Each call must answer a clear status (never INTERNAL, UNKNOWN or a
//! transport failure), with a message, ErrorInfo and, for a bad field, a
//! BadRequest violation naming it; afterwards the ledger still audits clean
//! and the demo data is untouched.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jobpay::proto::pb;
use prost_types::Timestamp;
use tonic::metadata::{AsciiMetadataValue, BinaryMetadataValue};
use tonic::{Code, Request, Status};
use tonic_types::StatusExt;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, as_admin, as_profile, with_bearer, with_profile_header};

/// 200 KB: well above every text limit, well below the 4 MiB message limit.
const HUGE: usize = 200 * 1024;

/// The longest value the tests send in a field whose refusal quotes it
/// back (currency codes, report bounds); see [`oversized_echoes`].
const ECHOED: usize = 1000;

/// Codes a malformed request must never produce.
const FORBIDDEN: [Code; 5] = [
    Code::Internal,
    Code::Unknown,
    Code::Unavailable,
    Code::Aborted,
    Code::DataLoss,
];

/// How long one call may take before it counts as a hang.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

type Call = Pin<Box<dyn Future<Output = Result<(), Status>> + Send>>;

/// What a hostile call must answer.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// INVALID_ARGUMENT with a BadRequest violation on this field.
    Invalid(&'static str),
    /// An error with this code.
    Code(Code),
    /// Some clear error, whichever (the first check to trip may vary).
    Fails,
    /// Success or a clear error: hostile but within range (a page size of
    /// i32::MAX is clamped, a date in year 0 is still a date).
    Answers,
}

use Expect::{Answers, Fails, Invalid};

struct Case {
    /// `Service.Method`, as in the protos.
    method: String,
    label: String,
    expect: Expect,
    call: Call,
}

/// `ContractService` from a `ContractServiceClient<Channel>`.
fn service_name<T>(_client: &T) -> String {
    let name = std::any::type_name::<T>();
    let name = name.split('<').next().unwrap_or(name);
    let name = name.rsplit("::").next().unwrap_or(name);
    name.strip_suffix("Client").unwrap_or(name).to_owned()
}

/// `GetContract` from `get_contract`.
fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Adds a case: `case!(cases, client, method, request, expect, "what")`.
macro_rules! case {
    ($cases:expr, $client:expr, $method:ident, $request:expr, $expect:expr, $what:expr $(,)?) => {{
        let mut client = $client;
        let request = $request;
        let method = format!("{}.{}", service_name(&client), camel(stringify!($method)));
        $cases.push(Case {
            label: format!("{method}: {}", $what),
            method,
            expect: $expect,
            call: Box::pin(async move { client.$method(request).await.map(drop) }),
        });
    }};
}

/// A value for a label: short ones as they are (escaped), long ones by size.
fn show(text: &str) -> String {
    if text.chars().count() <= 24 {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(8).collect();
        format!("{head:?}… ({} bytes)", text.len())
    }
}

fn ts(seconds: i64, nanos: i32) -> Option<Timestamp> {
    Some(Timestamp { seconds, nanos })
}

/// A page token as the server makes them, for another list or a bad id.
fn forged_token(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// Raw `authorization` metadata.
fn with_authorization<T>(value: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", value.parse().expect("metadata"));
    request
}

/// `profile_id` metadata made of arbitrary bytes (not UTF-8).
fn with_profile_bytes<T>(bytes: &[u8], message: T) -> Request<T> {
    let mut request = Request::new(message);
    let value = AsciiMetadataValue::try_from(bytes).expect("tonic accepts opaque octets");
    request.metadata_mut().insert("profile_id", value);
    request
}

/// Only a binary `profile_id-bin` header: not the `profile_id` the server
/// reads.
fn with_binary_profile<T>(message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert_bin(
        "profile_id-bin",
        BinaryMetadataValue::from_bytes(&[0x00, 0xff, 0x01]),
    );
    request
}

/// The wrong answers of one case, if any.
fn judge(
    expect: Expect,
    outcome: Result<Result<(), Status>, tokio::time::error::Elapsed>,
) -> Option<String> {
    let result = match outcome {
        Ok(result) => result,
        Err(_) => return Some(format!("no answer within {CALL_TIMEOUT:?}")),
    };
    let status = match result {
        Ok(()) => {
            return match expect {
                Answers => None,
                _ => Some(format!("succeeded, expected {expect:?}")),
            };
        }
        Err(status) => status,
    };
    let code = status.code();
    let brief = || format!("{code:?} {:?}", status.message());
    if FORBIDDEN.contains(&code) {
        return Some(format!("answered {} (expected {expect:?})", brief()));
    }
    if status.message().trim().is_empty() {
        return Some(format!("{code:?} with an empty message"));
    }
    match status.get_details_error_info() {
        Some(info) if info.domain == "jobpay" && !info.reason.is_empty() => {}
        other => return Some(format!("{} without a jobpay ErrorInfo: {other:?}", brief())),
    }
    let violations = status
        .get_details_bad_request()
        .map(|b| b.field_violations)
        .unwrap_or_default();
    if code == Code::InvalidArgument
        && !violations
            .iter()
            .any(|v| !v.field.is_empty() && !v.description.is_empty())
    {
        return Some(format!("{} without a BadRequest field violation", brief()));
    }
    match expect {
        Invalid(field) if code != Code::InvalidArgument => Some(format!(
            "answered {}, expected INVALID_ARGUMENT on {field}",
            brief()
        )),
        Invalid(field) if !violations.iter().any(|v| v.field == field) => Some(format!(
            "no violation on {field}: {:?}",
            violations
                .iter()
                .map(|v| format!("{}: {}", v.field, v.description))
                .collect::<Vec<_>>()
        )),
        Expect::Code(expected) if code != expected => {
            Some(format!("answered {}, expected {expected:?}", brief()))
        }
        _ => None,
    }
}

/// Every `Service.Method` declared in proto/jobpay/v1.
fn declared_methods() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("proto/jobpay/v1");
    let mut methods = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("proto dir") {
        let path = entry.expect("proto entry").path();
        if path.extension().is_none_or(|e| e != "proto") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("proto file");
        let mut service = None;
        for line in text.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("service ") {
                service = rest.split_whitespace().next().map(str::to_owned);
            } else if let (Some(rest), Some(service)) = (line.strip_prefix("rpc "), &service) {
                let name = rest.split('(').next().unwrap_or(rest).trim();
                methods.insert(format!("{service}.{name}"));
            }
        }
    }
    methods
}

/// What a hostile call must not change: every demo balance, and the
/// numbers of profiles, currencies, contracts, jobs, payouts and loans.
async fn snapshot(app: &TestApp) -> BTreeMap<String, String> {
    let mut seen = BTreeMap::new();
    for id in 1..=8 {
        seen.insert(format!("balance of {id}"), app.balance(id).await);
        let summary = app
            .balances()
            .get_balance_summary(as_profile(id, pb::GetBalanceSummaryRequest::default()))
            .await
            .expect("GetBalanceSummary")
            .into_inner();
        seen.insert(format!("summary of {id}"), format!("{summary:?}"));
        let contracts = app
            .contracts()
            .list_contracts(as_profile(
                id,
                pb::ListContractsRequest {
                    page_size: 1000,
                    ..Default::default()
                },
            ))
            .await
            .expect("ListContracts")
            .into_inner()
            .contracts;
        seen.insert(format!("contracts of {id}"), format!("{contracts:?}"));
        let jobs = app
            .jobs()
            .list_unpaid_jobs(as_profile(
                id,
                pb::ListUnpaidJobsRequest {
                    page_size: 1000,
                    ..Default::default()
                },
            ))
            .await
            .expect("ListUnpaidJobs")
            .into_inner()
            .jobs;
        seen.insert(format!("unpaid jobs of {id}"), format!("{jobs:?}"));
        let payouts = app
            .payouts()
            .list_payouts(as_profile(id, pb::ListPayoutsRequest::default()))
            .await
            .expect("ListPayouts")
            .into_inner()
            .payouts;
        seen.insert(format!("payouts of {id}"), format!("{payouts:?}"));
        let entries = app
            .balances()
            .list_ledger_entries(as_profile(
                id,
                pb::ListLedgerEntriesRequest {
                    page_size: 1000,
                    ..Default::default()
                },
            ))
            .await
            .expect("ListLedgerEntries")
            .into_inner()
            .entries;
        seen.insert(format!("ledger entries of {id}"), entries.len().to_string());
    }
    let profiles = app
        .admin()
        .list_profiles(as_admin(pb::ListProfilesRequest {
            page_size: 1000,
            ..Default::default()
        }))
        .await
        .expect("ListProfiles")
        .into_inner()
        .profiles;
    seen.insert("profiles".into(), profiles.len().to_string());
    let currencies = app
        .balances()
        .list_currencies(as_profile(1, pb::ListCurrenciesRequest {}))
        .await
        .expect("ListCurrencies")
        .into_inner()
        .currencies;
    seen.insert("currencies".into(), format!("{currencies:?}"));
    let loans = app
        .loans()
        .list_loans(as_admin(pb::ListLoansRequest {
            page_size: 1000,
            ..Default::default()
        }))
        .await
        .expect("ListLoans")
        .into_inner()
        .loans;
    seen.insert("loans".into(), loans.len().to_string());
    seen
}

/// The amounts no money field may accept (each with the reason it is bad).
fn bad_amounts() -> Vec<String> {
    [
        "1e309",
        "1E2",
        "99999999999999999999999999999999",
        "92233720368547758.08",
        "٣",
        "１２",
        "1.",
        ".1",
        "-0",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1\u{0}",
        "\u{0}",
        "",
        "NaN",
        "inf",
        "1,00",
        "0x10",
        "1_000",
        "0",
        "0.00",
        "1.001",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([
        "9".repeat(HUGE),
        format!("1.{}", "0".repeat(HUGE)),
        "٣".repeat(HUGE / 2),
    ])
    .collect()
}

/// Text that no name, term, code or token may be.
fn bad_texts() -> Vec<String> {
    vec![
        "x".repeat(HUGE),
        "é".repeat(HUGE / 2),
        "a\u{0}b".to_owned(),
        "\u{0}".repeat(HUGE),
    ]
}

/// Currency codes no field may accept: as [`bad_texts`], but none longer
/// than [`ECHOED`].
fn bad_codes() -> Vec<String> {
    vec![
        "x".repeat(ECHOED),
        "é".repeat(ECHOED / 2),
        "a\u{0}b".to_owned(),
        "\u{0}".repeat(ECHOED),
    ]
}

fn cases(app: &TestApp) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let c = &mut cases;
    let huge = "x".repeat(HUGE);
    let nul_uuid = "123e4567-e89b-12d3-a456-42661417400\u{0}".to_owned();
    let bad_request_ids = [
        huge.clone(),
        nul_uuid.clone(),
        "not-a-uuid".to_owned(),
        "123e4567-e89b-12d3-a456-4266141740000".to_owned(),
        " 123e4567-e89b-12d3-a456-426614174000".to_owned(),
    ];
    let bad_tokens = [
        huge.clone(),
        "now".to_owned(),
        "%%%not base64%%%".to_owned(),
        "\u{0}\u{0}".to_owned(),
        forged_token("contracts:-5"),
        forged_token("contracts:99999999999999999999"),
        forged_token("jobs:1"),
        forged_token(&format!("contracts:{}", "9".repeat(HUGE / 2))),
    ];
    let year_1 = -62_135_596_800; // 0001-01-01T00:00:00Z
    let bad_instants: [(&str, Option<Timestamp>); 8] = [
        ("nanos = -1", ts(0, -1)),
        ("nanos = 2_000_000_000", ts(0, 2_000_000_000)),
        ("nanos = i32::MIN", ts(0, i32::MIN)),
        ("seconds = i64::MAX", ts(i64::MAX, 0)),
        ("seconds = i64::MIN", ts(i64::MIN, 0)),
        ("year 0", ts(year_1 - 1, 0)),
        ("year 10000", ts(253_402_300_800, 0)),
        ("in the future", ts(4_102_444_800, 0)),
    ];

    // ContractService.
    for (id, expect) in [
        (i64::MIN, Invalid("id")),
        (-1, Invalid("id")),
        (0, Invalid("id")),
        (i64::MAX, Expect::Code(Code::NotFound)),
    ] {
        let what = format!("id = {id}");
        case!(
            c,
            app.contracts(),
            get_contract,
            as_profile(1, pb::GetContractRequest { id }),
            expect,
            &what
        );
        case!(
            c,
            app.contracts(),
            start_contract,
            as_profile(6, pb::StartContractRequest { id }),
            expect,
            &what
        );
        case!(
            c,
            app.contracts(),
            terminate_contract,
            as_profile(1, pb::TerminateContractRequest { id }),
            expect,
            &what
        );
    }
    for page_size in [i32::MIN, -1] {
        case!(
            c,
            app.contracts(),
            list_contracts,
            as_profile(
                1,
                pb::ListContractsRequest {
                    page_size,
                    ..Default::default()
                }
            ),
            Invalid("page_size"),
            format!("page_size = {page_size}")
        );
    }
    case!(
        c,
        app.contracts(),
        list_contracts,
        as_profile(
            1,
            pb::ListContractsRequest {
                page_size: i32::MAX,
                ..Default::default()
            }
        ),
        Answers,
        "page_size = i32::MAX"
    );
    case!(
        c,
        app.contracts(),
        list_contracts,
        as_profile(
            1,
            pb::ListContractsRequest {
                page_token: forged_token(&format!("contracts:{}", i64::MAX)),
                ..Default::default()
            }
        ),
        Answers,
        "forged token after i64::MAX"
    );
    for page_token in &bad_tokens {
        case!(
            c,
            app.contracts(),
            list_contracts,
            as_profile(
                1,
                pb::ListContractsRequest {
                    page_token: page_token.clone(),
                    ..Default::default()
                }
            ),
            Invalid("page_token"),
            format!("page_token = {}", show(page_token))
        );
    }
    for terms in bad_texts()
        .into_iter()
        .chain(["".to_owned(), " \t\n ".to_owned()])
    {
        case!(
            c,
            app.contracts(),
            create_contract,
            as_profile(
                1,
                pb::CreateContractRequest {
                    contractor_id: 6,
                    terms: terms.clone(),
                    ..Default::default()
                }
            ),
            Invalid("terms"),
            format!("terms = {}", show(&terms))
        );
    }
    for contractor_id in [i64::MIN, -1, 0] {
        case!(
            c,
            app.contracts(),
            create_contract,
            as_profile(
                1,
                pb::CreateContractRequest {
                    contractor_id,
                    terms: "t".into(),
                    ..Default::default()
                }
            ),
            Invalid("contractor_id"),
            format!("contractor_id = {contractor_id}")
        );
    }
    case!(
        c,
        app.contracts(),
        create_contract,
        as_profile(
            1,
            pb::CreateContractRequest {
                contractor_id: i64::MAX,
                terms: "t".into(),
                ..Default::default()
            }
        ),
        Invalid("contractor_id"),
        "contractor_id = i64::MAX (no such contractor)"
    );
    for code in bad_codes().into_iter().chain([
        "ＵＳＤ".to_owned(),
        "US D".to_owned(),
        "usd\u{0}".to_owned(),
        "١٢٣".to_owned(),
    ]) {
        case!(
            c,
            app.contracts(),
            create_contract,
            as_profile(
                1,
                pb::CreateContractRequest {
                    contractor_id: 6,
                    terms: "t".into(),
                    currency_code: code.clone()
                }
            ),
            Invalid("currency_code"),
            format!("currency_code = {}", show(&code))
        );
    }

    // JobService.
    for page_size in [i32::MIN, -1] {
        case!(
            c,
            app.jobs(),
            list_unpaid_jobs,
            as_profile(
                1,
                pb::ListUnpaidJobsRequest {
                    page_size,
                    ..Default::default()
                }
            ),
            Invalid("page_size"),
            format!("page_size = {page_size}")
        );
    }
    for page_token in &bad_tokens {
        case!(
            c,
            app.jobs(),
            list_unpaid_jobs,
            as_profile(
                1,
                pb::ListUnpaidJobsRequest {
                    page_token: page_token.clone(),
                    ..Default::default()
                }
            ),
            Invalid("page_token"),
            format!("page_token = {}", show(page_token))
        );
    }
    for price in bad_amounts() {
        case!(
            c,
            app.jobs(),
            create_job,
            as_profile(
                1,
                pb::CreateJobRequest {
                    contract_id: 2,
                    description: "d".into(),
                    price: price.clone()
                }
            ),
            Invalid("price"),
            format!("price = {}", show(&price))
        );
    }
    for description in bad_texts().into_iter().chain(["".to_owned()]) {
        case!(
            c,
            app.jobs(),
            create_job,
            as_profile(
                1,
                pb::CreateJobRequest {
                    contract_id: 2,
                    description: description.clone(),
                    price: "1.00".into()
                }
            ),
            Invalid("description"),
            format!("description = {}", show(&description))
        );
    }
    for contract_id in [i64::MIN, -1, 0] {
        case!(
            c,
            app.jobs(),
            create_job,
            as_profile(
                1,
                pb::CreateJobRequest {
                    contract_id,
                    description: "d".into(),
                    price: "1.00".into()
                }
            ),
            Invalid("contract_id"),
            format!("contract_id = {contract_id}")
        );
    }
    case!(
        c,
        app.jobs(),
        create_job,
        as_profile(
            1,
            pb::CreateJobRequest {
                contract_id: i64::MAX,
                description: "d".into(),
                price: "1.00".into()
            }
        ),
        Expect::Code(Code::NotFound),
        "contract_id = i64::MAX"
    );
    for job_id in [i64::MIN, -1, 0] {
        case!(
            c,
            app.jobs(),
            pay_job,
            as_profile(
                1,
                pb::PayJobRequest {
                    job_id,
                    ..Default::default()
                }
            ),
            Invalid("job_id"),
            format!("job_id = {job_id}")
        );
    }
    case!(
        c,
        app.jobs(),
        pay_job,
        as_profile(
            1,
            pb::PayJobRequest {
                job_id: i64::MAX,
                ..Default::default()
            }
        ),
        Expect::Code(Code::NotFound),
        "job_id = i64::MAX"
    );
    for request_id in &bad_request_ids {
        case!(
            c,
            app.jobs(),
            pay_job,
            as_profile(
                1,
                pb::PayJobRequest {
                    job_id: 2,
                    request_id: request_id.clone()
                }
            ),
            Invalid("request_id"),
            format!("request_id = {}", show(request_id))
        );
    }
    for request_id in [
        "{123e4567-e89b-12d3-a456-426614174000}",
        "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
        "123E4567E89B12D3A456426614174000",
    ] {
        case!(
            c,
            app.jobs(),
            pay_job,
            as_profile(
                1,
                pb::PayJobRequest {
                    job_id: i64::MAX,
                    request_id: request_id.into()
                }
            ),
            Fails,
            format!("job_id = i64::MAX, request_id = {}", show(request_id))
        );
    }

    // BalanceService.
    for code in bad_codes().into_iter().chain([
        "ＵＳＤ".to_owned(),
        "\u{0}\u{0}\u{0}".to_owned(),
        "US".to_owned(),
    ]) {
        let what = format!("currency_code = {}", show(&code));
        case!(
            c,
            app.balances(),
            get_balance,
            as_profile(
                1,
                pb::GetBalanceRequest {
                    currency_code: code.clone(),
                    ..Default::default()
                }
            ),
            Invalid("currency_code"),
            &what
        );
        case!(
            c,
            app.balances(),
            get_balance_summary,
            as_profile(
                1,
                pb::GetBalanceSummaryRequest {
                    currency_code: code.clone()
                }
            ),
            Invalid("currency_code"),
            &what
        );
        case!(
            c,
            app.balances(),
            list_ledger_entries,
            as_profile(
                1,
                pb::ListLedgerEntriesRequest {
                    currency_code: code.clone(),
                    ..Default::default()
                }
            ),
            Invalid("currency_code"),
            &what
        );
        case!(
            c,
            app.balances(),
            deposit,
            as_profile(
                1,
                pb::DepositRequest {
                    profile_id: 1,
                    amount: "1.00".into(),
                    currency_code: code.clone(),
                    ..Default::default()
                }
            ),
            Invalid("currency_code"),
            &what
        );
        case!(
            c,
            app.balances(),
            withdraw,
            as_profile(
                1,
                pb::WithdrawRequest {
                    amount: "1.00".into(),
                    currency_code: code.clone(),
                    ..Default::default()
                }
            ),
            Invalid("currency_code"),
            &what
        );
        case!(
            c,
            app.balances(),
            transfer,
            as_profile(
                1,
                pb::TransferRequest {
                    to_profile_id: 2,
                    amount: "1.00".into(),
                    currency_code: code.clone(),
                    ..Default::default()
                }
            ),
            Invalid("currency_code"),
            &what
        );
        case!(
            c,
            app.payouts(),
            request_payout,
            as_profile(
                1,
                pb::RequestPayoutRequest {
                    amount: "1.00".into(),
                    currency_code: code.clone(),
                    ..Default::default()
                }
            ),
            Invalid("currency_code"),
            &what
        );
    }
    for amount in bad_amounts() {
        let what = format!("amount = {}", show(&amount));
        case!(
            c,
            app.balances(),
            deposit,
            as_profile(
                1,
                pb::DepositRequest {
                    profile_id: 1,
                    amount: amount.clone(),
                    ..Default::default()
                }
            ),
            Invalid("amount"),
            &what
        );
        case!(
            c,
            app.balances(),
            withdraw,
            as_profile(
                1,
                pb::WithdrawRequest {
                    amount: amount.clone(),
                    ..Default::default()
                }
            ),
            Invalid("amount"),
            &what
        );
        case!(
            c,
            app.balances(),
            transfer,
            as_profile(
                1,
                pb::TransferRequest {
                    to_profile_id: 2,
                    amount: amount.clone(),
                    ..Default::default()
                }
            ),
            Invalid("amount"),
            &what
        );
        case!(
            c,
            app.payouts(),
            request_payout,
            as_profile(
                1,
                pb::RequestPayoutRequest {
                    amount: amount.clone(),
                    ..Default::default()
                }
            ),
            Invalid("amount"),
            &what
        );
    }
    for (amount, currency_code) in [("0.001", ""), ("0.000000004", "BTC")] {
        let rounding = pb::Rounding::HalfAwayFromZero.into();
        let currency_code = currency_code.to_owned();
        let what = format!("amount = {amount} {currency_code} rounding to zero");
        case!(
            c,
            app.balances(),
            withdraw,
            as_profile(
                1,
                pb::WithdrawRequest {
                    amount: amount.into(),
                    currency_code: currency_code.clone(),
                    rounding,
                    ..Default::default()
                }
            ),
            Invalid("amount"),
            &what
        );
        case!(
            c,
            app.balances(),
            deposit,
            as_profile(
                1,
                pb::DepositRequest {
                    profile_id: 1,
                    amount: amount.into(),
                    currency_code: currency_code.clone(),
                    rounding,
                    ..Default::default()
                }
            ),
            Invalid("amount"),
            &what
        );
    }
    for rounding in [99, -1, i32::MIN, i32::MAX] {
        let what = format!("rounding = {rounding}");
        case!(
            c,
            app.balances(),
            deposit,
            as_profile(
                1,
                pb::DepositRequest {
                    profile_id: 1,
                    amount: "1.00".into(),
                    rounding,
                    ..Default::default()
                }
            ),
            Invalid("rounding"),
            &what
        );
        case!(
            c,
            app.balances(),
            withdraw,
            as_profile(
                1,
                pb::WithdrawRequest {
                    amount: "1.00".into(),
                    rounding,
                    ..Default::default()
                }
            ),
            Invalid("rounding"),
            &what
        );
        case!(
            c,
            app.balances(),
            transfer,
            as_profile(
                1,
                pb::TransferRequest {
                    to_profile_id: 2,
                    amount: "1.00".into(),
                    rounding,
                    ..Default::default()
                }
            ),
            Invalid("rounding"),
            &what
        );
    }
    for request_id in &bad_request_ids {
        let what = format!("request_id = {}", show(request_id));
        case!(
            c,
            app.balances(),
            deposit,
            as_profile(
                1,
                pb::DepositRequest {
                    profile_id: 1,
                    amount: "1.00".into(),
                    request_id: request_id.clone(),
                    ..Default::default()
                }
            ),
            Invalid("request_id"),
            &what
        );
        case!(
            c,
            app.balances(),
            withdraw,
            as_profile(
                1,
                pb::WithdrawRequest {
                    amount: "1.00".into(),
                    request_id: request_id.clone(),
                    ..Default::default()
                }
            ),
            Invalid("request_id"),
            &what
        );
        case!(
            c,
            app.balances(),
            transfer,
            as_profile(
                1,
                pb::TransferRequest {
                    to_profile_id: 2,
                    amount: "1.00".into(),
                    request_id: request_id.clone(),
                    ..Default::default()
                }
            ),
            Invalid("request_id"),
            &what
        );
        case!(
            c,
            app.payouts(),
            request_payout,
            as_profile(
                1,
                pb::RequestPayoutRequest {
                    amount: "1.00".into(),
                    request_id: request_id.clone(),
                    ..Default::default()
                }
            ),
            Invalid("request_id"),
            &what
        );
    }
    for profile_id in [i64::MIN, -1, 0] {
        case!(
            c,
            app.balances(),
            deposit,
            as_profile(
                1,
                pb::DepositRequest {
                    profile_id,
                    amount: "1.00".into(),
                    ..Default::default()
                }
            ),
            Invalid("profile_id"),
            format!("profile_id = {profile_id}")
        );
        case!(
            c,
            app.balances(),
            transfer,
            as_profile(
                1,
                pb::TransferRequest {
                    to_profile_id: profile_id,
                    amount: "1.00".into(),
                    ..Default::default()
                }
            ),
            Invalid("to_profile_id"),
            format!("to_profile_id = {profile_id}")
        );
    }
    case!(
        c,
        app.balances(),
        deposit,
        as_profile(
            1,
            pb::DepositRequest {
                profile_id: i64::MAX,
                amount: "1.00".into(),
                ..Default::default()
            }
        ),
        Expect::Code(Code::PermissionDenied),
        "profile_id = i64::MAX"
    );
    case!(
        c,
        app.balances(),
        transfer,
        as_profile(
            1,
            pb::TransferRequest {
                to_profile_id: 1,
                amount: "1.00".into(),
                ..Default::default()
            }
        ),
        Invalid("to_profile_id"),
        "to oneself"
    );
    case!(
        c,
        app.balances(),
        transfer,
        as_profile(
            1,
            pb::TransferRequest {
                to_profile_id: i64::MAX,
                amount: "1.00".into(),
                ..Default::default()
            }
        ),
        Fails,
        "to_profile_id = i64::MAX (no such profile)"
    );
    let max_usd = "92233720368547758.07"; // i64::MAX cents
    case!(
        c,
        app.balances(),
        deposit,
        as_profile(
            1,
            pb::DepositRequest {
                profile_id: 1,
                amount: max_usd.into(),
                ..Default::default()
            }
        ),
        Expect::Code(Code::FailedPrecondition),
        "amount = i64::MAX cents"
    );
    case!(
        c,
        app.balances(),
        withdraw,
        as_profile(
            1,
            pb::WithdrawRequest {
                amount: max_usd.into(),
                ..Default::default()
            }
        ),
        Expect::Code(Code::FailedPrecondition),
        "amount = i64::MAX cents"
    );
    case!(
        c,
        app.balances(),
        transfer,
        as_profile(
            1,
            pb::TransferRequest {
                to_profile_id: 2,
                amount: max_usd.into(),
                ..Default::default()
            }
        ),
        Expect::Code(Code::FailedPrecondition),
        "amount = i64::MAX cents"
    );
    case!(
        c,
        app.payouts(),
        request_payout,
        as_profile(
            1,
            pb::RequestPayoutRequest {
                amount: max_usd.into(),
                ..Default::default()
            }
        ),
        Expect::Code(Code::FailedPrecondition),
        "amount = i64::MAX cents"
    );
    case!(
        c,
        app.balances(),
        withdraw,
        as_profile(
            1,
            pb::WithdrawRequest {
                amount: "92233720368.54775807".into(),
                currency_code: "btc".into(),
                ..Default::default()
            }
        ),
        Expect::Code(Code::FailedPrecondition),
        "amount = i64::MAX satoshis"
    );
    case!(
        c,
        app.balances(),
        withdraw,
        as_profile(
            1,
            pb::WithdrawRequest {
                amount: "0.000000001".into(),
                currency_code: "BTC".into(),
                ..Default::default()
            }
        ),
        Invalid("amount"),
        "9 decimals of BTC"
    );
    for page_size in [i32::MIN, -1] {
        case!(
            c,
            app.balances(),
            list_ledger_entries,
            as_profile(
                1,
                pb::ListLedgerEntriesRequest {
                    page_size,
                    ..Default::default()
                }
            ),
            Invalid("page_size"),
            format!("page_size = {page_size}")
        );
    }
    for page_token in &bad_tokens {
        case!(
            c,
            app.balances(),
            list_ledger_entries,
            as_profile(
                1,
                pb::ListLedgerEntriesRequest {
                    page_token: page_token.clone(),
                    ..Default::default()
                }
            ),
            Invalid("page_token"),
            format!("page_token = {}", show(page_token))
        );
    }

    // PayoutService.
    for (id, expect) in [
        (i64::MIN, Invalid("id")),
        (-1, Invalid("id")),
        (0, Invalid("id")),
        (i64::MAX, Expect::Code(Code::NotFound)),
    ] {
        let what = format!("id = {id}");
        case!(
            c,
            app.payouts(),
            get_payout,
            as_profile(1, pb::GetPayoutRequest { id }),
            expect,
            &what
        );
        case!(
            c,
            app.payouts(),
            cancel_payout,
            as_profile(1, pb::CancelPayoutRequest { id }),
            expect,
            &what
        );
    }
    for page_size in [i32::MIN, -1] {
        case!(
            c,
            app.payouts(),
            list_payouts,
            as_profile(
                1,
                pb::ListPayoutsRequest {
                    page_size,
                    ..Default::default()
                }
            ),
            Invalid("page_size"),
            format!("page_size = {page_size}")
        );
    }
    for page_token in &bad_tokens {
        case!(
            c,
            app.payouts(),
            list_payouts,
            as_profile(
                1,
                pb::ListPayoutsRequest {
                    page_token: page_token.clone(),
                    ..Default::default()
                }
            ),
            Invalid("page_token"),
            format!("page_token = {}", show(page_token))
        );
    }

    // Caller identity: malformed `profile_id` metadata on every method of
    // the profile services.
    let long_id = "7".repeat(5000);
    let bad_ids: Vec<String> = [
        "abc",
        "-1",
        "0",
        "1e3",
        "١",
        "１",
        " 1",
        "1 ",
        "+1",
        "",
        "1.0",
        "0x1",
        "1,2",
        "9223372036854775808",
        "-9223372036854775808",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([long_id.clone(), format!("{long_id}x"), "7".repeat(HUGE)])
    .collect();
    let unauthenticated = Expect::Code(Code::Unauthenticated);
    for profile_id in &bad_ids {
        let what = format!("profile_id metadata {}", show(profile_id));
        case!(
            c,
            app.contracts(),
            get_contract,
            with_profile_header(profile_id, pb::GetContractRequest { id: 2 }),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.contracts(),
            list_contracts,
            with_profile_header(profile_id, pb::ListContractsRequest::default()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.contracts(),
            create_contract,
            with_profile_header(
                profile_id,
                pb::CreateContractRequest {
                    contractor_id: 6,
                    terms: "t".into(),
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.contracts(),
            start_contract,
            with_profile_header(profile_id, pb::StartContractRequest { id: 5 }),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.contracts(),
            terminate_contract,
            with_profile_header(profile_id, pb::TerminateContractRequest { id: 2 }),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.jobs(),
            list_unpaid_jobs,
            with_profile_header(profile_id, pb::ListUnpaidJobsRequest::default()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.jobs(),
            create_job,
            with_profile_header(
                profile_id,
                pb::CreateJobRequest {
                    contract_id: 2,
                    description: "d".into(),
                    price: "1.00".into()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.jobs(),
            pay_job,
            with_profile_header(
                profile_id,
                pb::PayJobRequest {
                    job_id: 2,
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.balances(),
            get_balance,
            with_profile_header(profile_id, pb::GetBalanceRequest::default()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.balances(),
            deposit,
            with_profile_header(
                profile_id,
                pb::DepositRequest {
                    profile_id: 1,
                    amount: "1.00".into(),
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.balances(),
            withdraw,
            with_profile_header(
                profile_id,
                pb::WithdrawRequest {
                    amount: "1.00".into(),
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.balances(),
            transfer,
            with_profile_header(
                profile_id,
                pb::TransferRequest {
                    to_profile_id: 2,
                    amount: "1.00".into(),
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.balances(),
            list_ledger_entries,
            with_profile_header(profile_id, pb::ListLedgerEntriesRequest::default()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.balances(),
            list_balances,
            with_profile_header(profile_id, pb::ListBalancesRequest::default()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.balances(),
            list_currencies,
            with_profile_header(profile_id, pb::ListCurrenciesRequest {}),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.balances(),
            get_balance_summary,
            with_profile_header(profile_id, pb::GetBalanceSummaryRequest::default()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.payouts(),
            request_payout,
            with_profile_header(
                profile_id,
                pb::RequestPayoutRequest {
                    amount: "1.00".into(),
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.payouts(),
            get_payout,
            with_profile_header(profile_id, pb::GetPayoutRequest { id: 1 }),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.payouts(),
            list_payouts,
            with_profile_header(profile_id, pb::ListPayoutsRequest::default()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.payouts(),
            cancel_payout,
            with_profile_header(profile_id, pb::CancelPayoutRequest { id: 1 }),
            unauthenticated,
            &what
        );
    }
    case!(
        c,
        app.balances(),
        withdraw,
        with_profile_header(
            &i64::MAX.to_string(),
            pb::WithdrawRequest {
                amount: "1.00".into(),
                ..Default::default()
            }
        ),
        unauthenticated,
        "profile_id metadata i64::MAX (no such profile)"
    );
    case!(
        c,
        app.balances(),
        list_balances,
        with_profile_bytes(&[0xff, 0xfe, b'1'], pb::ListBalancesRequest::default()),
        unauthenticated,
        "profile_id metadata of non-UTF-8 octets"
    );
    case!(
        c,
        app.balances(),
        get_balance,
        with_profile_bytes("١٢".as_bytes(), pb::GetBalanceRequest::default()),
        unauthenticated,
        "profile_id metadata of Arabic-Indic digits"
    );
    case!(
        c,
        app.balances(),
        get_balance,
        with_binary_profile(pb::GetBalanceRequest::default()),
        unauthenticated,
        "only a binary profile_id-bin header"
    );
    case!(
        c,
        app.jobs(),
        pay_job,
        Request::new(pb::PayJobRequest {
            job_id: 2,
            ..Default::default()
        }),
        unauthenticated,
        "no metadata"
    );

    // LoanService (admin key).
    let loan = || pb::CreateLoanRequest {
        borrower_id: 1,
        amount: "100.00".into(),
        term_months: 12,
        annual_rate: "0.05".into(),
        ..Default::default()
    };
    for borrower_id in [i64::MIN, -1, 0] {
        case!(
            c,
            app.loans(),
            create_loan,
            as_admin(pb::CreateLoanRequest {
                borrower_id,
                ..loan()
            }),
            Invalid("borrower_id"),
            format!("borrower_id = {borrower_id}")
        );
    }
    case!(
        c,
        app.loans(),
        create_loan,
        as_admin(pb::CreateLoanRequest {
            borrower_id: i64::MAX,
            ..loan()
        }),
        Fails,
        "borrower_id = i64::MAX (no such profile)"
    );
    for term_months in [i32::MIN, -1, 0, 601, i32::MAX] {
        case!(
            c,
            app.loans(),
            create_loan,
            as_admin(pb::CreateLoanRequest {
                term_months,
                ..loan()
            }),
            Invalid("term_months"),
            format!("term_months = {term_months}")
        );
    }
    for annual_rate in bad_texts().into_iter().chain(
        [
            "",
            "0",
            "-0.05",
            "1e309",
            "1e-2",
            "NaN",
            "10.01",
            "0.05%",
            " 0.05",
            "0.05\u{0}",
            "٠.٠٥",
            ".05",
            "5.",
            "0.0000000000000000001",
            "99999999999999999999999999999999999999999",
        ]
        .into_iter()
        .map(str::to_owned),
    ) {
        case!(
            c,
            app.loans(),
            create_loan,
            as_admin(pb::CreateLoanRequest {
                annual_rate: annual_rate.clone(),
                ..loan()
            }),
            Invalid("annual_rate"),
            format!("annual_rate = {}", show(&annual_rate))
        );
    }
    for amount in bad_amounts() {
        case!(
            c,
            app.loans(),
            create_loan,
            as_admin(pb::CreateLoanRequest {
                amount: amount.clone(),
                ..loan()
            }),
            Invalid("amount"),
            format!("amount = {}", show(&amount))
        );
    }
    case!(
        c,
        app.loans(),
        create_loan,
        as_admin(pb::CreateLoanRequest {
            amount: max_usd.into(),
            term_months: 1,
            annual_rate: "10".into(),
            ..loan()
        }),
        Invalid("amount"),
        "amount = i64::MAX cents at 10 over 1 month (installment overflows)"
    );
    for code in bad_codes() {
        case!(
            c,
            app.loans(),
            create_loan,
            as_admin(pb::CreateLoanRequest {
                currency_code: code.clone(),
                ..loan()
            }),
            Invalid("currency_code"),
            format!("currency_code = {}", show(&code))
        );
    }
    for (what, origination_time) in bad_instants {
        case!(
            c,
            app.loans(),
            create_loan,
            as_admin(pb::CreateLoanRequest {
                origination_time,
                ..loan()
            }),
            Invalid("origination_time"),
            format!("origination_time {what}")
        );
    }
    case!(
        c,
        app.loans(),
        create_loan,
        as_admin(pb::CreateLoanRequest {
            borrower_id: i64::MAX,
            origination_time: ts(year_1, 0),
            ..loan()
        }),
        Fails,
        "origination_time in year 1, no such borrower"
    );
    for request_id in &bad_request_ids {
        case!(
            c,
            app.loans(),
            create_loan,
            as_admin(pb::CreateLoanRequest {
                request_id: request_id.clone(),
                ..loan()
            }),
            Invalid("request_id"),
            format!("request_id = {}", show(request_id))
        );
    }
    for (id, expect) in [
        (i64::MIN, Invalid("id")),
        (0, Invalid("id")),
        (i64::MAX, Expect::Code(Code::NotFound)),
    ] {
        case!(
            c,
            app.loans(),
            get_loan,
            as_admin(pb::GetLoanRequest { id }),
            expect,
            format!("id = {id}")
        );
    }
    for borrower_id in [i64::MIN, -1] {
        case!(
            c,
            app.loans(),
            list_loans,
            as_admin(pb::ListLoansRequest {
                borrower_id,
                ..Default::default()
            }),
            Invalid("borrower_id"),
            format!("borrower_id = {borrower_id}")
        );
    }
    case!(
        c,
        app.loans(),
        list_loans,
        as_admin(pb::ListLoansRequest {
            borrower_id: i64::MAX,
            page_size: i32::MAX,
            ..Default::default()
        }),
        Answers,
        "borrower_id = i64::MAX, page_size = i32::MAX"
    );
    case!(
        c,
        app.loans(),
        list_loans,
        as_admin(pb::ListLoansRequest {
            page_size: i32::MIN,
            ..Default::default()
        }),
        Invalid("page_size"),
        "page_size = i32::MIN"
    );
    for page_token in &bad_tokens {
        case!(
            c,
            app.loans(),
            list_loans,
            as_admin(pb::ListLoansRequest {
                page_token: page_token.clone(),
                ..Default::default()
            }),
            Invalid("page_token"),
            format!("page_token = {}", show(page_token))
        );
        case!(
            c,
            app.loans(),
            list_loan_payments,
            as_admin(pb::ListLoanPaymentsRequest {
                loan_id: 1,
                page_token: page_token.clone(),
                ..Default::default()
            }),
            Invalid("page_token"),
            format!("page_token = {}", show(page_token))
        );
    }
    let made = pb::LoanPaymentStatus::Made.into();
    for loan_id in [i64::MIN, -1, 0] {
        let what = format!("loan_id = {loan_id}");
        case!(
            c,
            app.loans(),
            record_loan_payment,
            as_admin(pb::RecordLoanPaymentRequest {
                loan_id,
                status: made,
                ..Default::default()
            }),
            Invalid("loan_id"),
            &what
        );
        case!(
            c,
            app.loans(),
            list_loan_payments,
            as_admin(pb::ListLoanPaymentsRequest {
                loan_id,
                ..Default::default()
            }),
            Invalid("loan_id"),
            &what
        );
        case!(
            c,
            app.loans(),
            get_loan_balance,
            as_admin(pb::GetLoanBalanceRequest {
                loan_id,
                ..Default::default()
            }),
            Invalid("loan_id"),
            &what
        );
    }
    for status in [99, -1, 0, i32::MIN, i32::MAX] {
        case!(
            c,
            app.loans(),
            record_loan_payment,
            as_admin(pb::RecordLoanPaymentRequest {
                loan_id: 1,
                status,
                ..Default::default()
            }),
            Invalid("status"),
            format!("status = {status}")
        );
    }
    for (what, payment_time) in bad_instants {
        case!(
            c,
            app.loans(),
            record_loan_payment,
            as_admin(pb::RecordLoanPaymentRequest {
                loan_id: 1,
                status: made,
                payment_time,
                ..Default::default()
            }),
            Invalid("payment_time"),
            format!("payment_time {what}")
        );
    }
    for request_id in &bad_request_ids {
        case!(
            c,
            app.loans(),
            record_loan_payment,
            as_admin(pb::RecordLoanPaymentRequest {
                loan_id: 1,
                status: made,
                request_id: request_id.clone(),
                ..Default::default()
            }),
            Invalid("request_id"),
            format!("request_id = {}", show(request_id))
        );
    }
    case!(
        c,
        app.loans(),
        record_loan_payment,
        as_admin(pb::RecordLoanPaymentRequest {
            loan_id: i64::MAX,
            status: made,
            amount: "1e309".into(),
            ..Default::default()
        }),
        Expect::Code(Code::NotFound),
        "loan_id = i64::MAX, amount = \"1e309\""
    );
    case!(
        c,
        app.loans(),
        list_loan_payments,
        as_admin(pb::ListLoanPaymentsRequest {
            loan_id: i64::MAX,
            page_size: i32::MIN,
            ..Default::default()
        }),
        Invalid("page_size"),
        "page_size = i32::MIN"
    );
    case!(
        c,
        app.loans(),
        list_loan_payments,
        as_admin(pb::ListLoanPaymentsRequest {
            loan_id: i64::MAX,
            page_token: forged_token(&format!("loan_payments:{}", i64::MAX)),
            ..Default::default()
        }),
        Expect::Code(Code::NotFound),
        "loan_id = i64::MAX, forged token after i64::MAX µs"
    );
    case!(
        c,
        app.loans(),
        get_loan_balance,
        as_admin(pb::GetLoanBalanceRequest {
            loan_id: i64::MAX,
            ..Default::default()
        }),
        Expect::Code(Code::NotFound),
        "loan_id = i64::MAX"
    );
    for (what, as_of) in bad_instants {
        let what = format!("as_of {what}");
        case!(
            c,
            app.loans(),
            get_loan_balance,
            as_admin(pb::GetLoanBalanceRequest { loan_id: 1, as_of }),
            Invalid("as_of"),
            &what
        );
        case!(
            c,
            app.loans(),
            get_outstanding_debt,
            as_admin(pb::GetOutstandingDebtRequest {
                as_of,
                ..Default::default()
            }),
            Invalid("as_of"),
            &what
        );
    }
    case!(
        c,
        app.loans(),
        get_outstanding_debt,
        as_admin(pb::GetOutstandingDebtRequest {
            as_of: ts(year_1, 0),
            ..Default::default()
        }),
        Answers,
        "as_of in year 1"
    );
    case!(
        c,
        app.loans(),
        get_outstanding_debt,
        as_admin(pb::GetOutstandingDebtRequest {
            as_of: ts(0, 999_999_999),
            ..Default::default()
        }),
        Answers,
        "as_of 1970 + 999999999 ns"
    );
    for code in bad_codes() {
        case!(
            c,
            app.loans(),
            get_outstanding_debt,
            as_admin(pb::GetOutstandingDebtRequest {
                currency_code: code.clone(),
                ..Default::default()
            }),
            Invalid("currency_code"),
            format!("currency_code = {}", show(&code))
        );
    }

    // AdminService.
    let profile = || pb::CreateProfileRequest {
        first_name: "Eve".into(),
        last_name: "Hostile".into(),
        profession: "Tester".into(),
        r#type: pb::ProfileType::Client.into(),
        ..Default::default()
    };
    for text in bad_texts()
        .into_iter()
        .chain(["".to_owned(), "   ".to_owned()])
    {
        let what = show(&text);
        case!(
            c,
            app.admin(),
            create_profile,
            as_admin(pb::CreateProfileRequest {
                first_name: text.clone(),
                ..profile()
            }),
            Invalid("first_name"),
            format!("first_name = {what}")
        );
        case!(
            c,
            app.admin(),
            create_profile,
            as_admin(pb::CreateProfileRequest {
                last_name: text.clone(),
                ..profile()
            }),
            Invalid("last_name"),
            format!("last_name = {what}")
        );
        case!(
            c,
            app.admin(),
            create_profile,
            as_admin(pb::CreateProfileRequest {
                profession: text.clone(),
                ..profile()
            }),
            Invalid("profession"),
            format!("profession = {what}")
        );
        if !text.trim().is_empty() {
            case!(
                c,
                app.admin(),
                create_profile,
                as_admin(pb::CreateProfileRequest {
                    external_id: text.clone(),
                    ..profile()
                }),
                Invalid("external_id"),
                format!("external_id = {what}")
            );
        }
    }
    for r#type in [99, -1, 0, i32::MIN, i32::MAX] {
        case!(
            c,
            app.admin(),
            create_profile,
            as_admin(pb::CreateProfileRequest {
                r#type,
                ..profile()
            }),
            Invalid("type"),
            format!("type = {}", r#type)
        );
    }
    let range = |start: &str, end: &str| (start.to_owned(), end.to_owned());
    let bad_ranges = [
        (range("2020-02-30", "2020-12-31"), "start"),
        (range("2020-01-01", "9999-99-99"), "end"),
        (range("", "2020-12-31"), "start"),
        (range("2020-01-01", ""), "end"),
        (range("now", "2020-12-31"), "start"),
        (range("2020-01-01", "tomorrow"), "end"),
        (range(&"x".repeat(ECHOED), "2020-12-31"), "start"),
        (range("2020-01-01", &"9".repeat(ECHOED)), "end"),
        (range("2020-01-01\u{0}", "2020-12-31"), "start"),
        (range("٢٠٢٠-٠١-٠١", "2020-12-31"), "start"),
        (range("2020-01-01T00:00:00+99:00", "2020-12-31"), "start"),
        (range("2020-01-01", "9999-12-31T23:59:59-23:59"), "end"),
        (range("-0001-01-01", "2020-12-31"), "start"),
        (range("+10000-01-01", "2020-12-31"), "start"),
        (range("2020-12-31", "2020-01-01"), "start"),
    ];
    for ((start, end), field) in &bad_ranges {
        let what = format!("start = {}, end = {}", show(start), show(end));
        case!(
            c,
            app.admin(),
            get_best_profession,
            as_admin(pb::GetBestProfessionRequest {
                start: start.clone(),
                end: end.clone(),
                ..Default::default()
            }),
            Invalid(field),
            &what
        );
        case!(
            c,
            app.admin(),
            list_best_clients,
            as_admin(pb::ListBestClientsRequest {
                start: start.clone(),
                end: end.clone(),
                ..Default::default()
            }),
            Invalid(field),
            &what
        );
    }
    for (start, end) in [
        range("0000-01-01", "0000-12-31"),
        range("0001-01-01", "9999-12-31"),
    ] {
        let what = format!("start = {start}, end = {end}");
        case!(
            c,
            app.admin(),
            get_best_profession,
            as_admin(pb::GetBestProfessionRequest {
                start: start.clone(),
                end: end.clone(),
                ..Default::default()
            }),
            Answers,
            &what
        );
        case!(
            c,
            app.admin(),
            list_best_clients,
            as_admin(pb::ListBestClientsRequest {
                start: start.clone(),
                end: end.clone(),
                limit: 1000,
                ..Default::default()
            }),
            Answers,
            &what
        );
    }
    for limit in [i32::MIN, -1, 1001, i32::MAX] {
        case!(
            c,
            app.admin(),
            list_best_clients,
            as_admin(pb::ListBestClientsRequest {
                start: "2020-01-01".into(),
                end: "2020-12-31".into(),
                limit,
                ..Default::default()
            }),
            Invalid("limit"),
            format!("limit = {limit}")
        );
    }
    for code in bad_codes() {
        let what = format!("currency_code = {}", show(&code));
        case!(
            c,
            app.admin(),
            get_best_profession,
            as_admin(pb::GetBestProfessionRequest {
                start: "2020-01-01".into(),
                end: "2020-12-31".into(),
                currency_code: code.clone()
            }),
            Invalid("currency_code"),
            &what
        );
        case!(
            c,
            app.admin(),
            list_best_clients,
            as_admin(pb::ListBestClientsRequest {
                start: "2020-01-01".into(),
                end: "2020-12-31".into(),
                currency_code: code.clone(),
                ..Default::default()
            }),
            Invalid("currency_code"),
            &what
        );
        case!(
            c,
            app.admin(),
            get_balance_summary,
            as_admin(pb::AdminServiceGetBalanceSummaryRequest {
                profile_id: 1,
                currency_code: code.clone()
            }),
            Invalid("currency_code"),
            &what
        );
        case!(
            c,
            app.admin(),
            list_payout_requests,
            as_admin(pb::ListPayoutRequestsRequest {
                currency_code: code.clone(),
                ..Default::default()
            }),
            Invalid("currency_code"),
            &what
        );
    }
    for code in bad_texts().into_iter().chain(
        [
            "",
            "US",
            "TOOLONGCODE",
            "ＵＳＤ",
            "١٢٣",
            "US D",
            "U-S-D",
            "usd\u{0}",
        ]
        .into_iter()
        .map(str::to_owned),
    ) {
        case!(
            c,
            app.admin(),
            create_currency,
            as_admin(pb::CreateCurrencyRequest {
                code: code.clone(),
                precision: 2
            }),
            Invalid("code"),
            format!("code = {}", show(&code))
        );
    }
    for precision in [i32::MAX, i32::MIN, -1, 13, 256] {
        case!(
            c,
            app.admin(),
            create_currency,
            as_admin(pb::CreateCurrencyRequest {
                code: "HOSTILE".into(),
                precision
            }),
            Invalid("precision"),
            format!("precision = {precision}")
        );
    }
    case!(
        c,
        app.admin(),
        create_currency,
        as_admin(pb::CreateCurrencyRequest {
            code: "usd".into(),
            precision: 2
        }),
        Expect::Code(Code::AlreadyExists),
        "code = \"usd\" (exists)"
    );
    for page_size in [i32::MIN, -1] {
        case!(
            c,
            app.admin(),
            list_profiles,
            as_admin(pb::ListProfilesRequest {
                page_size,
                ..Default::default()
            }),
            Invalid("page_size"),
            format!("page_size = {page_size}")
        );
        case!(
            c,
            app.admin(),
            list_payout_requests,
            as_admin(pb::ListPayoutRequestsRequest {
                page_size,
                ..Default::default()
            }),
            Invalid("page_size"),
            format!("page_size = {page_size}")
        );
    }
    for state in [99, -1, i32::MAX, i32::MIN] {
        case!(
            c,
            app.admin(),
            list_feed_items,
            as_admin(pb::ListFeedItemsRequest {
                state,
                ..Default::default()
            }),
            Invalid("state"),
            format!("state = {state}")
        );
    }
    for page_token in &bad_tokens {
        let what = format!("page_token = {}", show(page_token));
        case!(
            c,
            app.admin(),
            list_feed_items,
            as_admin(pb::ListFeedItemsRequest {
                state: pb::FeedItemState::Rejected.into(),
                page_token: page_token.clone(),
                ..Default::default()
            }),
            Invalid("page_token"),
            &what
        );
        case!(
            c,
            app.admin(),
            list_profiles,
            as_admin(pb::ListProfilesRequest {
                page_token: page_token.clone(),
                ..Default::default()
            }),
            Invalid("page_token"),
            &what
        );
        case!(
            c,
            app.admin(),
            list_payout_requests,
            as_admin(pb::ListPayoutRequestsRequest {
                page_token: page_token.clone(),
                ..Default::default()
            }),
            Invalid("page_token"),
            &what
        );
    }
    for (id, expect) in [
        (i64::MIN, Invalid("profile_id")),
        (-1, Invalid("profile_id")),
        (0, Invalid("profile_id")),
        (i64::MAX, Expect::Code(Code::NotFound)),
    ] {
        case!(
            c,
            app.admin(),
            get_balance_summary,
            as_admin(pb::AdminServiceGetBalanceSummaryRequest {
                profile_id: id,
                ..Default::default()
            }),
            expect,
            format!("profile_id = {id}")
        );
    }
    for (id, expect) in [
        (i64::MIN, Invalid("id")),
        (-1, Invalid("id")),
        (0, Invalid("id")),
        (i64::MAX, Expect::Code(Code::NotFound)),
    ] {
        let what = format!("id = {id}");
        case!(
            c,
            app.admin(),
            complete_payout,
            as_admin(pb::CompletePayoutRequest { id }),
            expect,
            &what
        );
        case!(
            c,
            app.admin(),
            cancel_payout,
            as_admin(pb::AdminServiceCancelPayoutRequest { id }),
            expect,
            &what
        );
        case!(
            c,
            app.admin(),
            reverse_ledger_entry,
            as_admin(pb::ReverseLedgerEntryRequest {
                entry_id: id,
                ..Default::default()
            }),
            if id == i64::MAX {
                expect
            } else {
                Invalid("entry_id")
            },
            &what
        );
        case!(
            c,
            app.jobs(),
            refund_job_payment,
            as_profile(
                2,
                pb::RefundJobPaymentRequest {
                    job_id: id,
                    ..Default::default()
                }
            ),
            if id == i64::MAX {
                expect
            } else {
                Invalid("job_id")
            },
            &what
        );
    }
    // Reversal and refund amounts and reasons that are no amounts or too
    // long, refused before anything moves.
    for amount in [
        "",
        "-1.00",
        "0",
        "1e3",
        "1.001",
        " 1.00",
        "１.00",
        "99999999999999999999.00",
    ] {
        let expect = if amount.is_empty() {
            // All that is left: entry 1 is an opening, which cannot be.
            Expect::Code(Code::FailedPrecondition)
        } else {
            Invalid("amount")
        };
        case!(
            c,
            app.admin(),
            reverse_ledger_entry,
            as_admin(pb::ReverseLedgerEntryRequest {
                entry_id: 1,
                amount: amount.into(),
                ..Default::default()
            }),
            expect,
            format!("amount = {}", show(amount))
        );
    }
    case!(
        c,
        app.admin(),
        reverse_ledger_entry,
        as_admin(pb::ReverseLedgerEntryRequest {
            entry_id: 1,
            reason: "r".repeat(100_000),
            ..Default::default()
        }),
        Invalid("reason"),
        "a reason of 100,000 characters"
    );
    // As job 1's contractor: to anyone else the job does not exist.
    case!(
        c,
        app.jobs(),
        refund_job_payment,
        as_profile(
            5,
            pb::RefundJobPaymentRequest {
                job_id: 1,
                amount: "1.001".into(),
                ..Default::default()
            }
        ),
        Invalid("amount"),
        "amount = \"1.001\""
    );

    // Balances at an instant and statements (both services): instants,
    // ranges, currencies, pages, profiles and keys that are no such thing.
    let statement = |start: &str, end: &str| pb::GetStatementRequest {
        start: start.into(),
        end: end.into(),
        ..Default::default()
    };
    let admin_statement = |start: &str, end: &str| pb::AdminServiceGetStatementRequest {
        profile_id: 1,
        start: start.into(),
        end: end.into(),
        ..Default::default()
    };
    for (what, as_of) in &bad_instants {
        let what = format!("as_of {what}");
        case!(
            c,
            app.balances(),
            get_balance,
            as_profile(
                1,
                pb::GetBalanceRequest {
                    as_of: *as_of,
                    ..Default::default()
                }
            ),
            Invalid("as_of"),
            &what
        );
        case!(
            c,
            app.balances(),
            list_balances,
            as_profile(1, pb::ListBalancesRequest { as_of: *as_of }),
            Invalid("as_of"),
            &what
        );
    }
    case!(
        c,
        app.balances(),
        get_balance,
        as_profile(
            1,
            pb::GetBalanceRequest {
                as_of: ts(year_1, 0),
                ..Default::default()
            }
        ),
        Answers,
        "as_of in year 1"
    );
    for ((start, end), field) in &bad_ranges {
        let what = format!("start = {}, end = {}", show(start), show(end));
        case!(
            c,
            app.balances(),
            get_statement,
            as_profile(1, statement(start, end)),
            Invalid(field),
            &what
        );
        case!(
            c,
            app.admin(),
            get_statement,
            as_admin(admin_statement(start, end)),
            Invalid(field),
            &what
        );
    }
    case!(
        c,
        app.balances(),
        get_statement,
        as_profile(
            1,
            pb::GetStatementRequest {
                page_size: i32::MAX,
                ..statement("0001-01-01", "9999-12-31")
            }
        ),
        Answers,
        "the widest range, page_size = i32::MAX"
    );
    for code in bad_codes() {
        let what = format!("currency_code = {}", show(&code));
        case!(
            c,
            app.balances(),
            get_statement,
            as_profile(
                1,
                pb::GetStatementRequest {
                    currency_code: code.clone(),
                    ..statement("2020-01-01", "2020-12-31")
                }
            ),
            Invalid("currency_code"),
            &what
        );
        case!(
            c,
            app.admin(),
            get_statement,
            as_admin(pb::AdminServiceGetStatementRequest {
                currency_code: code.clone(),
                ..admin_statement("2020-01-01", "2020-12-31")
            }),
            Invalid("currency_code"),
            &what
        );
    }
    for page_size in [i32::MIN, -1] {
        let what = format!("page_size = {page_size}");
        case!(
            c,
            app.balances(),
            get_statement,
            as_profile(
                1,
                pb::GetStatementRequest {
                    page_size,
                    ..statement("2020-01-01", "2020-12-31")
                }
            ),
            Invalid("page_size"),
            &what
        );
        case!(
            c,
            app.admin(),
            get_statement,
            as_admin(pb::AdminServiceGetStatementRequest {
                page_size,
                ..admin_statement("2020-01-01", "2020-12-31")
            }),
            Invalid("page_size"),
            &what
        );
    }
    // Besides the usual bad tokens: a well-formed token naming an entry
    // that is not the caller's (entry 1 is profile 1's opening).
    for page_token in bad_tokens.iter().cloned().chain([
        forged_token("statement:2"),
        forged_token(&format!("statement:{}", i64::MAX)),
    ]) {
        let what = format!("page_token = {}", show(&page_token));
        case!(
            c,
            app.balances(),
            get_statement,
            as_profile(
                1,
                pb::GetStatementRequest {
                    page_token: page_token.clone(),
                    ..statement("2020-01-01", "2020-12-31")
                }
            ),
            Invalid("page_token"),
            &what
        );
        case!(
            c,
            app.admin(),
            get_statement,
            as_admin(pb::AdminServiceGetStatementRequest {
                page_token: page_token.clone(),
                ..admin_statement("2020-01-01", "2020-12-31")
            }),
            Invalid("page_token"),
            &what
        );
    }
    for (profile_id, expect) in [
        (i64::MIN, Invalid("profile_id")),
        (-1, Invalid("profile_id")),
        (0, Invalid("profile_id")),
        (i64::MAX, Expect::Code(Code::NotFound)),
    ] {
        case!(
            c,
            app.admin(),
            get_statement,
            as_admin(pb::AdminServiceGetStatementRequest {
                profile_id,
                ..admin_statement("2020-01-01", "2020-12-31")
            }),
            expect,
            format!("profile_id = {profile_id}")
        );
    }
    case!(
        c,
        app.balances(),
        get_statement,
        Request::new(statement("2020-01-01", "2020-12-31")),
        unauthenticated,
        "no profile_id"
    );
    case!(
        c,
        app.balances(),
        get_statement,
        as_profile(i64::MAX, statement("2020-01-01", "2020-12-31")),
        unauthenticated,
        "an unknown caller"
    );
    case!(
        c,
        app.admin(),
        get_statement,
        Request::new(admin_statement("2020-01-01", "2020-12-31")),
        unauthenticated,
        "no authorization"
    );
    case!(
        c,
        app.admin(),
        get_statement,
        as_profile(1, admin_statement("2020-01-01", "2020-12-31")),
        unauthenticated,
        "a caller's profile_id instead of the admin key"
    );

    // The admin key: empty, huge, malformed or wrong, on every method of
    // the admin services.
    let bad_keys: Vec<(String, String)> = vec![
        ("Bearer ".into(), "\"Bearer \" (empty key)".into()),
        ("Bearer    ".into(), "\"Bearer \" and blanks".into()),
        (
            format!("Bearer {}", "k".repeat(8 * 1024)),
            "\"Bearer \" and an 8 KB key".into(),
        ),
        ("Bearer".into(), "\"Bearer\"".into()),
        ("bearer test-admin-key".into(), "lower-case scheme".into()),
        ("Basic dGVzdC1hZG1pbi1rZXk=".into(), "Basic scheme".into()),
        ("test-admin-key".into(), "no scheme".into()),
        ("Bearer test-admin-kez".into(), "a wrong key".into()),
        ("Bearer ключ".into(), "a non-ASCII key".into()),
    ];
    for (value, what) in &bad_keys {
        let what = format!("authorization {what}");
        case!(
            c,
            app.admin(),
            create_profile,
            with_authorization(value, profile()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.admin(),
            get_best_profession,
            with_authorization(
                value,
                pb::GetBestProfessionRequest {
                    start: "2020-01-01".into(),
                    end: "2020-12-31".into(),
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.admin(),
            list_best_clients,
            with_authorization(
                value,
                pb::ListBestClientsRequest {
                    start: "2020-01-01".into(),
                    end: "2020-12-31".into(),
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.admin(),
            create_currency,
            with_authorization(
                value,
                pb::CreateCurrencyRequest {
                    code: "HOSTILE".into(),
                    precision: 2
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.admin(),
            list_profiles,
            with_authorization(value, pb::ListProfilesRequest::default()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.admin(),
            get_balance_summary,
            with_authorization(
                value,
                pb::AdminServiceGetBalanceSummaryRequest {
                    profile_id: 1,
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.admin(),
            complete_payout,
            with_authorization(value, pb::CompletePayoutRequest { id: 1 }),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.admin(),
            cancel_payout,
            with_authorization(value, pb::AdminServiceCancelPayoutRequest { id: 1 }),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.admin(),
            list_payout_requests,
            with_authorization(value, pb::ListPayoutRequestsRequest::default()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.admin(),
            get_feed_status,
            with_authorization(value, pb::GetFeedStatusRequest {}),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.admin(),
            list_feed_items,
            with_authorization(value, pb::ListFeedItemsRequest::default()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.loans(),
            create_loan,
            with_authorization(value, loan()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.loans(),
            get_loan,
            with_authorization(value, pb::GetLoanRequest { id: 1 }),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.loans(),
            list_loans,
            with_authorization(value, pb::ListLoansRequest::default()),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.loans(),
            record_loan_payment,
            with_authorization(
                value,
                pb::RecordLoanPaymentRequest {
                    loan_id: 1,
                    status: made,
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.loans(),
            list_loan_payments,
            with_authorization(
                value,
                pb::ListLoanPaymentsRequest {
                    loan_id: 1,
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.loans(),
            get_loan_balance,
            with_authorization(
                value,
                pb::GetLoanBalanceRequest {
                    loan_id: 1,
                    ..Default::default()
                }
            ),
            unauthenticated,
            &what
        );
        case!(
            c,
            app.loans(),
            get_outstanding_debt,
            with_authorization(value, pb::GetOutstandingDebtRequest::default()),
            unauthenticated,
            &what
        );
    }
    case!(
        c,
        app.admin(),
        list_profiles,
        Request::new(pb::ListProfilesRequest::default()),
        unauthenticated,
        "no authorization"
    );
    case!(
        c,
        app.loans(),
        create_loan,
        as_profile(1, loan()),
        unauthenticated,
        "a caller's profile_id instead of the admin key"
    );
    case!(
        c,
        app.admin(),
        create_profile,
        with_bearer(&"k".repeat(8 * 1024), profile()),
        unauthenticated,
        "an 8 KB wrong key"
    );

    cases
}

/// Runs the cases one by one: the wrong answers, labelled.
async fn run(cases: Vec<Case>) -> Vec<String> {
    let mut failures = Vec::new();
    for Case {
        label,
        expect,
        call,
        ..
    } in cases
    {
        let outcome = tokio::time::timeout(CALL_TIMEOUT, call).await;
        if let Some(wrong) = judge(expect, outcome) {
            failures.push(format!("{label}: {wrong}"));
        }
    }
    failures
}

/// The server still answers, the ledger holds, and nothing changed.
async fn assert_untouched(app: &TestApp, before: &BTreeMap<String, String>) {
    let report = app.audit().await;
    assert!(report.passed(), "{report}");
    assert_eq!(app.balance(1).await, "1150.00");
    let after = snapshot(app).await;
    let changed: Vec<String> = before
        .iter()
        .filter(|(key, value)| after.get(*key) != Some(value))
        .map(|(key, value)| format!("{key}: {value} -> {:?}", after.get(key)))
        .collect();
    assert!(changed.is_empty(), "hostile requests changed: {changed:#?}");
}

async fn hostile_requests_get_clear_answers(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let before = snapshot(&app).await;
    assert_eq!(before["balance of 1"], "1150.00");

    let cases = cases(&app);
    let declared = declared_methods();
    let covered: BTreeSet<String> = cases.iter().map(|c| c.method.clone()).collect();
    let uncovered: Vec<&String> = declared.difference(&covered).collect();
    assert!(
        uncovered.is_empty(),
        "methods of proto/jobpay/v1 without a hostile case: {uncovered:?}"
    );
    assert!(cases.len() >= 60, "only {} cases", cases.len());

    let total = cases.len();
    let failures = run(cases).await;
    assert!(
        failures.is_empty(),
        "{} of {total} hostile requests on {backend:?} were answered wrongly:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert_untouched(&app, &before).await;
}

on_both_backends!(hostile_requests_get_clear_answers);

/// Values of several KB in the fields whose refusal quotes them back: the
/// currency codes (CURRENCY_NOT_SUPPORTED puts the code in the message,
/// the ErrorInfo metadata and the field violation) and the report bounds
/// (`"…" is neither a date YYYY-MM-DD nor an RFC 3339 instant`). The status
/// then outgrows the 16 KiB HTTP/2 header list a client accepts, and the
/// client sees INTERNAL, RESOURCE_EXHAUSTED or CANCELLED "h2 protocol
/// error" instead of INVALID_ARGUMENT (from about 3.5 KB of currency code,
/// 5 KB of date).
fn oversized_echoes(app: &TestApp) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let c = &mut cases;
    let values = [
        "x".repeat(4 * 1024),
        "x".repeat(8 * 1024),
        "x".repeat(HUGE),
        "é".repeat(HUGE / 2),
        "\u{0}".repeat(HUGE),
    ];
    let loan = || pb::CreateLoanRequest {
        borrower_id: 1,
        amount: "100.00".into(),
        term_months: 12,
        annual_rate: "0.05".into(),
        ..Default::default()
    };
    for code in &values {
        let what = format!("currency_code = {}", show(code));
        let code = || code.clone();
        let field = Invalid("currency_code");
        case!(
            c,
            app.contracts(),
            create_contract,
            as_profile(
                1,
                pb::CreateContractRequest {
                    contractor_id: 6,
                    terms: "t".into(),
                    currency_code: code()
                }
            ),
            field,
            &what
        );
        case!(
            c,
            app.balances(),
            get_balance,
            as_profile(
                1,
                pb::GetBalanceRequest {
                    currency_code: code(),
                    ..Default::default()
                }
            ),
            field,
            &what
        );
        case!(
            c,
            app.balances(),
            get_balance_summary,
            as_profile(
                1,
                pb::GetBalanceSummaryRequest {
                    currency_code: code()
                }
            ),
            field,
            &what
        );
        case!(
            c,
            app.balances(),
            list_ledger_entries,
            as_profile(
                1,
                pb::ListLedgerEntriesRequest {
                    currency_code: code(),
                    ..Default::default()
                }
            ),
            field,
            &what
        );
        case!(
            c,
            app.balances(),
            deposit,
            as_profile(
                1,
                pb::DepositRequest {
                    profile_id: 1,
                    amount: "1.00".into(),
                    currency_code: code(),
                    ..Default::default()
                }
            ),
            field,
            &what
        );
        case!(
            c,
            app.balances(),
            withdraw,
            as_profile(
                1,
                pb::WithdrawRequest {
                    amount: "1.00".into(),
                    currency_code: code(),
                    ..Default::default()
                }
            ),
            field,
            &what
        );
        case!(
            c,
            app.balances(),
            transfer,
            as_profile(
                1,
                pb::TransferRequest {
                    to_profile_id: 2,
                    amount: "1.00".into(),
                    currency_code: code(),
                    ..Default::default()
                }
            ),
            field,
            &what
        );
        case!(
            c,
            app.payouts(),
            request_payout,
            as_profile(
                1,
                pb::RequestPayoutRequest {
                    amount: "1.00".into(),
                    currency_code: code(),
                    ..Default::default()
                }
            ),
            field,
            &what
        );
        case!(
            c,
            app.loans(),
            create_loan,
            as_admin(pb::CreateLoanRequest {
                currency_code: code(),
                ..loan()
            }),
            field,
            &what
        );
        case!(
            c,
            app.loans(),
            get_outstanding_debt,
            as_admin(pb::GetOutstandingDebtRequest {
                currency_code: code(),
                ..Default::default()
            }),
            field,
            &what
        );
        case!(
            c,
            app.admin(),
            get_best_profession,
            as_admin(pb::GetBestProfessionRequest {
                start: "2020-01-01".into(),
                end: "2020-12-31".into(),
                currency_code: code()
            }),
            field,
            &what
        );
        case!(
            c,
            app.admin(),
            list_best_clients,
            as_admin(pb::ListBestClientsRequest {
                start: "2020-01-01".into(),
                end: "2020-12-31".into(),
                currency_code: code(),
                ..Default::default()
            }),
            field,
            &what
        );
        case!(
            c,
            app.admin(),
            get_balance_summary,
            as_admin(pb::AdminServiceGetBalanceSummaryRequest {
                profile_id: 1,
                currency_code: code()
            }),
            field,
            &what
        );
        case!(
            c,
            app.admin(),
            list_payout_requests,
            as_admin(pb::ListPayoutRequestsRequest {
                currency_code: code(),
                ..Default::default()
            }),
            field,
            &what
        );
        for (start, end, field) in [
            (code(), "2020-12-31".to_owned(), "start"),
            ("2020-01-01".to_owned(), code(), "end"),
        ] {
            let what = format!("start = {}, end = {}", show(&start), show(&end));
            case!(
                c,
                app.admin(),
                get_best_profession,
                as_admin(pb::GetBestProfessionRequest {
                    start: start.clone(),
                    end: end.clone(),
                    ..Default::default()
                }),
                Invalid(field),
                &what
            );
            case!(
                c,
                app.admin(),
                list_best_clients,
                as_admin(pb::ListBestClientsRequest {
                    start,
                    end,
                    ..Default::default()
                }),
                Invalid(field),
                &what
            );
        }
    }
    cases
}

/// Refusals quote at most a short excerpt of what they refuse: a status
/// travels in HTTP/2 headers, which clients cap at 16 KiB.
async fn oversized_values_are_not_echoed(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let before = snapshot(&app).await;
    let cases = oversized_echoes(&app);
    let total = cases.len();
    let failures = run(cases).await;
    assert!(
        failures.is_empty(),
        "{} of {total} oversized values on {backend:?} were answered wrongly:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert_untouched(&app, &before).await;
}

mod oversized {
    use crate::support::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::oversized_values_are_not_echoed(Backend::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::oversized_values_are_not_echoed(Backend::Sqlite).await
    }
}
