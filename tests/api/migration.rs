//! Upgrading a database of the first release (one currency: `profiles.balance`
//! in cents, idempotency records holding protobuf bytes) to the currencies
//! schema: no cent moves, every old row is USD, the ledger still audits, and
//! requests made before the upgrade still replay their first response.

use ::migration::{Migrator, MigratorTrait};
use chrono::{DateTime, TimeZone, Utc};
use jobpay::auth::AdminKey;
use jobpay::proto::pb;
use jobpay::store::{Store, StoreOptions};
use prost::Message;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use tonic::Code;

use crate::on_both_backends;
use crate::support::{ADMIN_KEY, Backend, Replica, TestDatabase, as_profile, assert_error};

/// The first release's wire shapes of the stored responses, frozen.
#[derive(Clone, PartialEq, Message)]
struct JobV0 {
    #[prost(int64, tag = "1")]
    id: i64,
    #[prost(string, tag = "2")]
    description: String,
    #[prost(string, tag = "3")]
    price: String,
    #[prost(bool, tag = "4")]
    paid: bool,
    #[prost(message, optional, tag = "5")]
    payment_time: Option<prost_types::Timestamp>,
    #[prost(int64, tag = "6")]
    contract_id: i64,
    #[prost(message, optional, tag = "7")]
    create_time: Option<prost_types::Timestamp>,
    #[prost(message, optional, tag = "8")]
    update_time: Option<prost_types::Timestamp>,
}

#[derive(Clone, PartialEq, Message)]
struct PayJobResponseV0 {
    #[prost(message, optional, tag = "1")]
    job: Option<JobV0>,
    #[prost(string, tag = "2")]
    client_balance: String,
}

/// Deposit, Withdraw and Transfer responses of the first release.
#[derive(Clone, PartialEq, Message)]
struct BalanceResponseV0 {
    #[prost(string, tag = "1")]
    balance: String,
}

const WITHDRAW_ID: &str = "3c1d8e52-6b0f-4f7e-9a21-5e4d3c2b1a01";
const PAY_ID: &str = "3c1d8e52-6b0f-4f7e-9a21-5e4d3c2b1a02";
const DEPOSIT_ID: &str = "3c1d8e52-6b0f-4f7e-9a21-5e4d3c2b1a03";
const NEW_ID: &str = "3c1d8e52-6b0f-4f7e-9a21-5e4d3c2b1a04";

/// Profiles of the old schema: (id, type, balance in cents). Ids are those
/// the sequences hand out in order on a fresh database.
const PROFILES: [(i64, &str, i64); 5] = [
    (1, "client", 115_000),   // 1150.00
    (2, "contractor", 2_200), // 22.00
    (3, "client", 0),         // had money, spent it all
    (4, "contractor", 0),     // never had any: no ledger entry
    (5, "client", 1),         // 0.01: a single cent
];

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("timestamp")
        .with_timezone(&Utc)
}

fn timestamp(instant: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: instant.timestamp(),
        nanos: i32::try_from(instant.timestamp_subsec_nanos()).expect("nanos"),
    }
}

const CURRENCIES_MIGRATION: &str = "m20261127_000003_currencies";

/// Names of the migrations not applied yet, in order.
async fn pending(db: &DatabaseConnection) -> Vec<String> {
    Migrator::get_pending_migrations(db)
        .await
        .expect("pending migrations")
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// What the server fingerprints: hex SHA-256 of "method\nparameters".
fn request_hash(method: &str, parameters: &str) -> String {
    hex::encode(Sha256::digest(format!("{method}\n{parameters}")))
}

/// Runs `sql` with `?` placeholders (numbered for PostgreSQL).
async fn exec(db: &DatabaseConnection, sql: &str, values: Vec<Value>) {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        let mut numbered = String::new();
        for (n, part) in sql.split('?').enumerate() {
            if n > 0 {
                numbered.push_str(&format!("${n}"));
            }
            numbered.push_str(part);
        }
        numbered
    } else {
        sql.to_owned()
    };
    db.execute_raw(Statement::from_sql_and_values(backend, &sql, values))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    rows(db, sql)
        .await
        .iter()
        .map(|row| row.try_get_by_index(0).expect("text column"))
        .collect()
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    rows(db, sql).await[0]
        .try_get_by_index(0)
        .expect("count column")
}

/// A row of the old `ledger_entries`.
struct OldEntry {
    kind: &'static str,
    debit: Option<i64>,
    credit: Option<i64>,
    amount: i64,
    job: Option<i64>,
    debit_after: Option<i64>,
    credit_after: Option<i64>,
    request_id: Option<&'static str>,
}

impl OldEntry {
    fn new(kind: &'static str, debit: Option<i64>, credit: Option<i64>, amount: i64) -> Self {
        OldEntry {
            kind,
            debit,
            credit,
            amount,
            job: None,
            debit_after: None,
            credit_after: None,
            request_id: None,
        }
    }

    fn after(self, debit_after: Option<i64>, credit_after: Option<i64>) -> Self {
        OldEntry {
            debit_after,
            credit_after,
            ..self
        }
    }

    fn job(self, job: i64) -> Self {
        OldEntry {
            job: Some(job),
            ..self
        }
    }

    fn request(self, request_id: &'static str) -> Self {
        OldEntry {
            request_id: Some(request_id),
            ..self
        }
    }
}

/// The data a server of the first release would have left behind.
async fn load_old_data(db: &DatabaseConnection) {
    let opened = at("2026-11-01T08:00:00Z");
    let paid_at = at("2026-11-20T09:30:00.123456Z");

    for (id, kind, balance) in PROFILES {
        exec(
            db,
            "INSERT INTO profiles (first_name, last_name, profession, profile_type, balance, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![
                format!("First{id}").into(),
                format!("Last{id}").into(),
                "Tester".into(),
                kind.into(),
                balance.into(),
                opened.into(),
                opened.into(),
            ],
        )
        .await;
    }
    exec(
        db,
        "INSERT INTO contracts (terms, status, client_id, contractor_id, created_at, updated_at)
         VALUES ('old terms', 'in_progress', 1, 2, ?, ?)",
        vec![opened.into(), opened.into()],
    )
    .await;
    // Job 1 is paid (30.00), job 2 outstanding (50.00).
    exec(
        db,
        "INSERT INTO jobs (description, price, paid, payment_time, contract_id, created_at, updated_at)
         VALUES ('paid work', 3000, ?, ?, 1, ?, ?)",
        vec![true.into(), paid_at.into(), opened.into(), paid_at.into()],
    )
    .await;
    exec(
        db,
        "INSERT INTO jobs (description, price, paid, payment_time, contract_id, created_at, updated_at)
         VALUES ('open work', 5000, ?, ?, 1, ?, ?)",
        vec![
            false.into(),
            Value::ChronoDateTimeUtc(None),
            opened.into(),
            opened.into(),
        ],
    )
    .await;

    // The ledger: each balance is its credits minus its debits.
    let entries = [
        OldEntry::new("opening", None, Some(1), 118_200).after(None, Some(118_200)),
        OldEntry::new("withdrawal", Some(1), None, 200)
            .after(Some(118_000), None)
            .request(WITHDRAW_ID),
        OldEntry::new("job_payment", Some(1), Some(2), 3_000)
            .after(Some(115_000), Some(3_000))
            .job(1)
            .request(PAY_ID),
        OldEntry::new("withdrawal", Some(2), None, 800).after(Some(2_200), None),
        OldEntry::new("deposit", None, Some(3), 500)
            .after(None, Some(500))
            .request(DEPOSIT_ID),
        OldEntry::new("withdrawal", Some(3), None, 500).after(Some(0), None),
        OldEntry::new("opening", None, Some(5), 1).after(None, Some(1)),
    ];
    for entry in entries {
        exec(
            db,
            "INSERT INTO ledger_entries (kind, debit_profile_id, credit_profile_id, amount, job_id,
                 debit_balance_after, credit_balance_after, request_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                entry.kind.into(),
                entry.debit.into(),
                entry.credit.into(),
                entry.amount.into(),
                entry.job.into(),
                entry.debit_after.into(),
                entry.credit_after.into(),
                entry.request_id.into(),
                opened.into(),
            ],
        )
        .await;
    }

    // The first responses, as the first release stored them: protobuf.
    let withdraw = BalanceResponseV0 {
        balance: "1180.00".into(),
    }
    .encode_to_vec();
    let pay = PayJobResponseV0 {
        job: Some(JobV0 {
            id: 1,
            description: "paid work".into(),
            price: "30.00".into(),
            paid: true,
            payment_time: Some(timestamp(paid_at)),
            contract_id: 1,
            create_time: Some(timestamp(opened)),
            update_time: Some(timestamp(paid_at)),
        }),
        client_balance: "1150.00".into(),
    }
    .encode_to_vec();
    let deposit = BalanceResponseV0 {
        balance: "5.00".into(),
    }
    .encode_to_vec();
    let records = [
        (
            1,
            WITHDRAW_ID,
            "Withdraw",
            request_hash("Withdraw", "amount=200"),
            withdraw,
        ),
        (1, PAY_ID, "PayJob", request_hash("PayJob", "job_id=1"), pay),
        (
            3,
            DEPOSIT_ID,
            "Deposit",
            request_hash("Deposit", "profile_id=3&amount=500"),
            deposit,
        ),
    ];
    for (caller, request_id, method, hash, response) in records {
        exec(
            db,
            "INSERT INTO request_records (caller_id, request_id, method, request_hash, response, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                i64::into(caller),
                request_id.into(),
                method.into(),
                hash.into(),
                response.into(),
                Utc::now().into(),
            ],
        )
        .await;
    }
}

async fn upgrading_keeps_every_cent_and_every_first_response(backend: Backend) {
    let database = TestDatabase::create_unmigrated(backend).await;
    let store = Store::connect(&StoreOptions::new(database.url.clone()))
        .await
        .expect("connect");
    let db = store.conn();

    // 1. The schema of the first release, with its data.
    Migrator::up(db, Some(2))
        .await
        .expect("first two migrations");
    assert_eq!(
        pending(db).await.first().map(String::as_str),
        Some(CURRENCIES_MIGRATION)
    );
    load_old_data(db).await;
    let ids: Vec<i64> = rows(db, "SELECT id FROM profiles ORDER BY id")
        .await
        .iter()
        .map(|row| row.try_get_by_index(0).expect("id"))
        .collect();
    assert_eq!(ids, PROFILES.map(|(id, _, _)| id));

    // 2. The upgrade.
    Migrator::up(db, None)
        .await
        .expect("the remaining migrations");
    assert_eq!(pending(db).await, Vec::<String>::new());

    // 3. What it left in the database.
    let report = jobpay::audit::audit(&store).await.expect("audit runs");
    assert!(report.passed(), "{report}");
    assert_eq!(
        (report.profiles, report.balances, report.entries),
        (5, 5, 7)
    );
    assert_eq!(report.totals, [("USD".to_owned(), "117201".to_owned())]);

    let balances: Vec<(i64, String, i64, i64)> = rows(
        db,
        "SELECT b.profile_id, b.currency_code, b.balance, b.held
         FROM balances b JOIN profiles p ON p.id = b.profile_id
         ORDER BY b.profile_id, b.currency_code",
    )
    .await
    .iter()
    .map(|row| {
        (
            row.try_get_by_index(0).unwrap(),
            row.try_get_by_index(1).unwrap(),
            row.try_get_by_index(2).unwrap(),
            row.try_get_by_index(3).unwrap(),
        )
    })
    .collect();
    let expected: Vec<(i64, String, i64, i64)> = PROFILES
        .iter()
        .map(|&(id, _, cents)| (id, "USD".to_owned(), cents, 0))
        .collect();
    assert_eq!(balances, expected);
    // The old column is kept, untouched, and no longer read.
    let old: Vec<i64> = rows(db, "SELECT balance FROM profiles ORDER BY id")
        .await
        .iter()
        .map(|row| row.try_get_by_index(0).unwrap())
        .collect();
    assert_eq!(old, PROFILES.map(|(_, _, cents)| cents));
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM profiles WHERE external_id IS NOT NULL"
        )
        .await,
        0
    );

    let currencies: Vec<(String, i32)> =
        rows(db, "SELECT code, precision FROM currencies ORDER BY code")
            .await
            .iter()
            .map(|row| {
                (
                    row.try_get_by_index(0).unwrap(),
                    row.try_get_by_index(1).unwrap(),
                )
            })
            .collect();
    assert_eq!(
        currencies,
        [
            ("BTC".to_owned(), 8),
            ("EUR".to_owned(), 2),
            ("USD".to_owned(), 2)
        ]
    );
    for table in ["contracts", "jobs", "ledger_entries"] {
        assert_eq!(
            strings(db, &format!("SELECT DISTINCT currency_code FROM {table}")).await,
            ["USD"],
            "{table}"
        );
    }
    assert_eq!(count(db, "SELECT COUNT(*) FROM contracts").await, 1);
    assert_eq!(count(db, "SELECT COUNT(*) FROM jobs").await, 2);

    // Stored responses: versioned JSON of the same amounts; methods and
    // fingerprints unchanged.
    let records: Vec<(i64, String, String, String, Vec<u8>)> = rows(
        db,
        "SELECT caller_id, request_id, method, request_hash, response
         FROM request_records ORDER BY caller_id, request_id",
    )
    .await
    .iter()
    .map(|row| {
        (
            row.try_get_by_index(0).unwrap(),
            row.try_get_by_index(1).unwrap(),
            row.try_get_by_index(2).unwrap(),
            row.try_get_by_index(3).unwrap(),
            row.try_get_by_index(4).unwrap(),
        )
    })
    .collect();
    assert_eq!(records.len(), 3);
    let usd = |minor: i64| json!({"currency_code": "USD", "precision": 2, "minor_units": minor});
    for (caller, request_id, method, hash, response) in &records {
        let stored: Json = serde_json::from_slice(response)
            .unwrap_or_else(|e| panic!("{method} response is not JSON: {e}"));
        assert_eq!(stored["version"], 1, "{stored}");
        let receipt = &stored["receipt"][method.as_str()];
        match (*caller, request_id.as_str()) {
            (1, WITHDRAW_ID) => {
                assert_eq!(method, "Withdraw");
                assert_eq!(hash, &request_hash("Withdraw", "amount=200"));
                assert_eq!(receipt["balance"], usd(118_000), "{stored}");
            }
            (1, PAY_ID) => {
                assert_eq!(method, "PayJob");
                assert_eq!(receipt["client_balance"], usd(115_000), "{stored}");
                assert_eq!(receipt["job"]["price"], usd(3_000), "{stored}");
                assert_eq!(receipt["job"]["paid"], true, "{stored}");
                assert_eq!(
                    receipt["job"]["payment_time"], "2026-11-20T09:30:00.123456Z",
                    "{stored}"
                );
            }
            (3, DEPOSIT_ID) => {
                assert_eq!(method, "Deposit");
                assert_eq!(receipt["balance"], usd(500), "{stored}");
            }
            other => panic!("unexpected record {other:?}"),
        }
    }
    store.close().await.ok();

    // 4. A server on the upgraded database.
    let server = Replica::start(&database, AdminKey::from_key(ADMIN_KEY)).await;
    let balance = |id: i64| {
        let mut client = server.balances();
        async move {
            client
                .get_balance(as_profile(id, pb::GetBalanceRequest::default()))
                .await
                .expect("GetBalance")
                .into_inner()
        }
    };
    let first = balance(1).await;
    assert_eq!(
        first,
        pb::GetBalanceResponse {
            profile_id: 1,
            balance: "1150.00".into(),
            currency_code: "USD".into(),
            available: "1150.00".into(),
            held: "0.00".into(),
            as_of: None,
        }
    );
    for (id, _, cents) in PROFILES {
        let got = balance(id).await;
        assert_eq!(
            (got.balance.as_str(), got.currency_code.as_str()),
            (jobpay::money::Minor::new(cents).format(2).as_str(), "USD")
        );
    }

    let entries = |id: i64| {
        let mut client = server.balances();
        async move {
            client
                .list_ledger_entries(as_profile(id, pb::ListLedgerEntriesRequest::default()))
                .await
                .expect("ListLedgerEntries")
                .into_inner()
                .entries
        }
    };
    assert_eq!(entries(1).await.len(), 3);
    assert_eq!(entries(3).await.len(), 2);

    // Replays of requests made before the upgrade answer the first
    // response (not today's balance) and move nothing.
    let withdraw = |amount: &str, request_id: &str| {
        as_profile(
            1,
            pb::WithdrawRequest {
                amount: amount.into(),
                request_id: request_id.into(),
                ..Default::default()
            },
        )
    };
    for amount in ["2.00", "2"] {
        let replay = server
            .balances()
            .withdraw(withdraw(amount, WITHDRAW_ID))
            .await
            .expect("Withdraw replay")
            .into_inner();
        assert_eq!(
            replay,
            pb::WithdrawResponse {
                balance: "1180.00".into(),
                currency_code: "USD".into(),
            }
        );
    }
    assert_error(
        server
            .balances()
            .withdraw(withdraw("3.00", WITHDRAW_ID))
            .await,
        Code::InvalidArgument,
        "REQUEST_ID_REUSED",
    );

    let paid = server
        .jobs()
        .pay_job(as_profile(
            1,
            pb::PayJobRequest {
                job_id: 1,
                request_id: PAY_ID.into(),
            },
        ))
        .await
        .expect("PayJob replay")
        .into_inner();
    assert_eq!(paid.client_balance, "1150.00");
    let job = paid.job.expect("job");
    assert_eq!(
        (job.id, job.price.as_str(), job.paid, job.contract_id),
        (1, "30.00", true, 1)
    );
    assert_eq!(job.currency_code, "USD");
    assert_eq!(
        job.payment_time,
        Some(timestamp(at("2026-11-20T09:30:00.123456Z")))
    );
    assert_eq!(
        job.create_time,
        Some(timestamp(
            Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap()
        ))
    );

    let deposited = server
        .balances()
        .deposit(as_profile(
            3,
            pb::DepositRequest {
                profile_id: 3,
                amount: "5.00".into(),
                request_id: DEPOSIT_ID.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("Deposit replay")
        .into_inner();
    assert_eq!(
        (deposited.balance.as_str(), deposited.currency_code.as_str()),
        ("5.00", "USD")
    );

    assert_eq!(balance(1).await.balance, "1150.00");
    assert_eq!(balance(3).await.balance, "0.00");
    assert_eq!(entries(1).await.len(), 3);
    assert_eq!(entries(3).await.len(), 2);

    // New movements work on the upgraded data and keep it audited.
    let fresh = server
        .balances()
        .withdraw(withdraw("50.00", NEW_ID))
        .await
        .expect("a new withdrawal")
        .into_inner();
    assert_eq!(fresh.balance, "1100.00");
    assert_eq!(balance(1).await.balance, "1100.00");
    let report = jobpay::audit::audit(&server.store)
        .await
        .expect("audit runs");
    assert!(report.passed(), "{report}");
    assert_eq!(report.entries, 8);
    assert_eq!(report.totals, [("USD".to_owned(), "112201".to_owned())]);
}

/// A stored response that cannot be converted stops the upgrade, and the
/// server's migration (one transaction) leaves the old schema as it was.
async fn an_unconvertible_record_leaves_the_database_as_it_was(backend: Backend) {
    let database = TestDatabase::create_unmigrated(backend).await;
    let store = Store::connect(&StoreOptions::new(database.url.clone()))
        .await
        .expect("connect");
    let db = store.conn();
    Migrator::up(db, Some(2))
        .await
        .expect("first two migrations");
    let before = pending(db).await;
    assert_eq!(
        before.first().map(String::as_str),
        Some(CURRENCIES_MIGRATION)
    );
    load_old_data(db).await;
    exec(
        db,
        "INSERT INTO request_records (caller_id, request_id, method, request_hash, response, created_at)
         VALUES (2, ?, 'Withdraw', 'x', ?, ?)",
        vec![
            NEW_ID.into(),
            vec![0xff_u8, 0xff].into(),
            Utc::now().into(),
        ],
    )
    .await;

    let error = store.migrate().await.expect_err("the upgrade fails");
    assert!(error.to_string().contains("cannot be converted"), "{error}");
    assert_eq!(pending(db).await, before);
    let tables = match backend {
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_name IN ('currencies', 'balances')"
        }
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE name IN ('currencies', 'balances')"
        }
    };
    assert!(strings(db, tables).await.is_empty());
    assert!(
        db.query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT currency_code FROM jobs".to_owned(),
        ))
        .await
        .is_err()
    );
    // The other records are still protobuf.
    let withdraw: Vec<u8> = rows(
        db,
        &format!("SELECT response FROM request_records WHERE request_id = '{WITHDRAW_ID}'"),
    )
    .await[0]
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(
        BalanceResponseV0::decode(withdraw.as_slice())
            .unwrap()
            .balance,
        "1180.00"
    );

    // Without the bad record, the upgrade goes through.
    exec(
        db,
        "DELETE FROM request_records WHERE request_id = ?",
        vec![NEW_ID.into()],
    )
    .await;
    store.migrate().await.expect("the upgrade");
    let report = jobpay::audit::audit(&store).await.expect("audit runs");
    assert!(report.passed(), "{report}");
    store.close().await.ok();
}

/// The reversals migration rebuilds `ledger_entries` on SQLite while
/// payouts name its rows: every entry, and every reference to one, is
/// still there and still checked afterwards.
async fn the_reversals_upgrade_keeps_what_names_ledger_entries(backend: Backend) {
    let database = TestDatabase::create_unmigrated(backend).await;
    let store = Store::connect(&StoreOptions::new(database.url.clone()))
        .await
        .expect("connect");
    let db = store.conn();
    Migrator::up(db, Some(2)).await.expect("first release");
    load_old_data(db).await;
    Migrator::up(db, Some(4)).await.expect("up to the feed");
    assert_eq!(
        pending(db).await.first().map(String::as_str),
        Some("m20261203_000007_reversals")
    );
    let entries = count(db, "SELECT COUNT(*) FROM ledger_entries").await;
    let first: i64 = rows(db, "SELECT MIN(id) FROM ledger_entries").await[0]
        .try_get_by_index(0)
        .unwrap();
    let profile: i64 = rows(
        db,
        &format!("SELECT credit_profile_id FROM ledger_entries WHERE id = {first}"),
    )
    .await[0]
        .try_get_by_index(0)
        .unwrap();
    let now = Utc::now();
    exec(
        db,
        "INSERT INTO payouts (profile_id, currency_code, amount, state, ledger_entry_id, \
         created_at, updated_at) VALUES (?, 'USD', 1, 'paid_out', ?, ?, ?)",
        vec![profile.into(), first.into(), now.into(), now.into()],
    )
    .await;

    Migrator::up(db, None)
        .await
        .expect("the reversals migration");
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM ledger_entries").await,
        entries
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM ledger_entries WHERE reversed = 0 AND reversal_of IS NULL"
        )
        .await,
        entries
    );
    assert_eq!(
        count(
            db,
            &format!("SELECT COUNT(*) FROM payouts p JOIN ledger_entries e ON e.id = p.ledger_entry_id WHERE e.id = {first}")
        )
        .await,
        1
    );
    if backend == Backend::Sqlite {
        assert!(rows(db, "PRAGMA foreign_key_check").await.is_empty());
    }
    // The references are enforced again: a payout naming no entry fails.
    let orphan = db
        .execute_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "INSERT INTO payouts (profile_id, currency_code, amount, state, ledger_entry_id, \
                 created_at, updated_at) VALUES ({profile}, 'USD', 1, 'paid_out', 999999, \
                 '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
            ),
        ))
        .await;
    assert!(orphan.is_err(), "a payout naming no entry was accepted");
    // And the new checks hold: no entry reversed above its amount.
    let over = db
        .execute_raw(Statement::from_string(
            db.get_database_backend(),
            format!("UPDATE ledger_entries SET reversed = amount + 1 WHERE id = {first}"),
        ))
        .await;
    assert!(over.is_err(), "an entry was reversed above its amount");
    store.close().await.ok();
}

on_both_backends!(
    upgrading_keeps_every_cent_and_every_first_response,
    an_unconvertible_record_leaves_the_database_as_it_was,
    the_reversals_upgrade_keeps_what_names_ledger_entries,
);
