//! Reversals and refunds.
//!
//! - `ledger_entries.kind` accepts `reversal`; an entry gains `reversal_of`
//!   (the entry a reversal corrects, set exactly on reversals), `reversed`
//!   (what its reversals add up to, `0..=amount`, kept by the ledger in the
//!   transaction of each reversal) and `reason`. PostgreSQL alters the
//!   table; SQLite cannot alter a CHECK, so the table is rebuilt (see
//!   `on_sqlite`).
//! - `balances` gains the `reversed_in` / `reversed_out` totals.
//! - `jobs` gains `refunded` (`0..=price`): its payment's `reversed`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every kind of ledger entry since this migration.
pub const ENTRY_KINDS: [&str; 11] = [
    "opening",
    "deposit",
    "job_payment",
    "withdrawal",
    "transfer",
    "payout",
    "external_credit",
    "external_debit",
    "loan_disbursement",
    "loan_repayment",
    "reversal",
];

/// Summary totals: column, ledger side, and the entry kinds that feed it.
pub const TOTALS: [(&str, &str, &[&str]); 12] = [
    ("opening", "credit", &["opening"]),
    ("deposited", "credit", &["deposit"]),
    ("withdrawn", "debit", &["withdrawal"]),
    ("earned", "credit", &["job_payment", "external_credit"]),
    ("spent", "debit", &["job_payment", "external_debit"]),
    ("transferred_in", "credit", &["transfer"]),
    ("transferred_out", "debit", &["transfer"]),
    ("paid_out", "debit", &["payout"]),
    ("borrowed", "credit", &["loan_disbursement"]),
    ("repaid", "debit", &["loan_repayment"]),
    ("reversed_in", "credit", &["reversal"]),
    ("reversed_out", "debit", &["reversal"]),
];

fn kinds_list() -> String {
    ENTRY_KINDS
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn exec<C: ConnectionTrait>(db: &C, backend: DbBackend, sql: &str) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .map(drop)
}

/// The reversal rules the database itself keeps.
const REVERSAL_CHECKS: [(&str, &str); 2] = [
    (
        "ledger_entries_reversed_within_amount",
        r#""reversed" >= 0 AND "reversed" <= "amount""#,
    ),
    (
        "ledger_entries_reversal_names_its_entry",
        r#"("kind" = 'reversal') = ("reversal_of" IS NOT NULL)"#,
    ),
];

async fn on_postgres<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let backend = DbBackend::Postgres;
    let mut statements = vec![
        "ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_known".to_owned(),
        format!(
            "ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_known \
             CHECK (kind IN ({}))",
            kinds_list()
        ),
        "ALTER TABLE ledger_entries \
         ADD COLUMN reversal_of BIGINT REFERENCES ledger_entries (id), \
         ADD COLUMN reversed BIGINT NOT NULL DEFAULT 0, \
         ADD COLUMN reason TEXT"
            .to_owned(),
    ];
    for (name, check) in REVERSAL_CHECKS {
        statements.push(format!(
            "ALTER TABLE ledger_entries ADD CONSTRAINT {name} CHECK ({check})"
        ));
    }
    for sql in statements {
        exec(db, backend, &sql).await?;
    }
    Ok(())
}

/// SQLite: `ledger_entries` rebuilt with the new columns and checks, in a
/// transaction (where `foreign_keys` cannot be turned off): with foreign
/// keys deferred, dropping the table leaves the
/// rows of `payouts` and `loan_payments` that reference it counted as
/// violations until the same ids are inserted into the new table, which
/// resolves them before the commit. Indexes on those references make each
/// insert's check a lookup.
async fn on_sqlite<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let backend = DbBackend::Sqlite;
    let checks: String = REVERSAL_CHECKS
        .iter()
        .map(|(name, check)| format!(",\n CONSTRAINT \"{name}\" CHECK ({check})"))
        .collect();
    let create = format!(
        r#"CREATE TABLE "ledger_entries" (
            "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
            "kind" text NOT NULL,
            "debit_profile_id" integer,
            "credit_profile_id" integer,
            "amount" integer NOT NULL,
            "job_id" integer,
            "debit_balance_after" integer,
            "credit_balance_after" integer,
            "request_id" text,
            "created_at" timestamp_with_timezone_text NOT NULL,
            "currency_code" text NOT NULL DEFAULT 'USD',
            "reversal_of" integer,
            "reversed" integer NOT NULL DEFAULT 0,
            "reason" text,
            CONSTRAINT "ledger_entries_kind_known" CHECK ("kind" IN ({kinds})),
            CONSTRAINT "ledger_entries_amount_positive" CHECK ("amount" > 0),
            CONSTRAINT "ledger_entries_has_a_side" CHECK ("debit_profile_id" IS NOT NULL OR "credit_profile_id" IS NOT NULL),
            CONSTRAINT "ledger_entries_sides_differ" CHECK ("debit_profile_id" <> "credit_profile_id"),
            CONSTRAINT "ledger_entries_balances_after_not_negative" CHECK ("debit_balance_after" >= 0 AND "credit_balance_after" >= 0){checks},
            FOREIGN KEY ("debit_profile_id") REFERENCES "profiles" ("id"),
            FOREIGN KEY ("credit_profile_id") REFERENCES "profiles" ("id"),
            FOREIGN KEY ("job_id") REFERENCES "jobs" ("id"),
            FOREIGN KEY ("reversal_of") REFERENCES "ledger_entries" ("id")
        )"#,
        kinds = kinds_list()
    );
    let columns = r#""id", "kind", "debit_profile_id", "credit_profile_id", "amount",
        "job_id", "debit_balance_after", "credit_balance_after", "request_id",
        "created_at", "currency_code""#;
    let statements = [
        r#"CREATE INDEX "payouts_ledger_entry_idx" ON "payouts" ("ledger_entry_id")"#.to_owned(),
        r#"CREATE INDEX "loan_payments_ledger_entry_idx" ON "loan_payments" ("ledger_entry_id")"#
            .to_owned(),
        // A savepoint is a transaction of its own when the migration runs
        // outside one, and nests inside the migrations' one otherwise: the
        // deferred checks run when it is released (or at that commit).
        "SAVEPOINT reversals_rebuild".to_owned(),
        "PRAGMA defer_foreign_keys = ON".to_owned(),
        r#"CREATE TABLE "ledger_entries_copy" AS SELECT * FROM "ledger_entries""#.to_owned(),
        r#"DROP TABLE "ledger_entries""#.to_owned(),
        create,
        format!(
            r#"INSERT INTO "ledger_entries" ({columns}) SELECT {columns} FROM "ledger_entries_copy" ORDER BY "id""#
        ),
        r#"DROP TABLE "ledger_entries_copy""#.to_owned(),
        "RELEASE reversals_rebuild".to_owned(),
        r#"CREATE INDEX "ledger_entries_debit_profile_idx" ON "ledger_entries" ("debit_profile_id", "id")"#.to_owned(),
        r#"CREATE INDEX "ledger_entries_credit_profile_idx" ON "ledger_entries" ("credit_profile_id", "id")"#.to_owned(),
        r#"CREATE UNIQUE INDEX "ledger_entries_job_payment_once_idx" ON "ledger_entries" ("job_id") WHERE "job_id" IS NOT NULL"#.to_owned(),
    ];
    for sql in statements {
        exec(db, backend, &sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        if backend == DbBackend::Postgres {
            on_postgres(db).await?;
        } else {
            on_sqlite(db).await?;
        }
        for column in ["reversed_in", "reversed_out"] {
            exec(
                db,
                backend,
                &format!("ALTER TABLE balances ADD COLUMN {column} BIGINT NOT NULL DEFAULT 0"),
            )
            .await?;
        }
        exec(
            db,
            backend,
            "ALTER TABLE jobs ADD COLUMN refunded BIGINT NOT NULL DEFAULT 0 \
             CONSTRAINT jobs_refunded_within_price CHECK (refunded >= 0 AND refunded <= price)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the reversals migration cannot be reverted".to_owned(),
        ))
    }
}
