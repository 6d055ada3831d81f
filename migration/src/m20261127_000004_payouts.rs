//! Payouts with holds, and balance summaries kept by each movement.
//!
//! - `payouts`: requests to take money out, holding it in `balances.held`
//!   until completed (a `payout` ledger entry) or cancelled.
//! - `balances` gains one running total per kind of movement (opening,
//!   deposited, withdrawn, earned, spent, transferred in/out, paid out,
//!   borrowed, repaid), back-filled here from the ledger, so that a summary
//!   is one row read however long the history.
//! - `ledger_entries.kind` accepts the second version's kinds: payout,
//!   external_credit, external_debit, loan_disbursement, loan_repayment.
//!   PostgreSQL swaps the CHECK constraint; SQLite cannot alter one, so the
//!   table is rebuilt with the same columns, constraints and indexes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payouts {
    Table,
    Id,
    ProfileId,
    CurrencyCode,
    Amount,
    State,
    LedgerEntryId,
    ExternalId,
    RequestId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Profiles {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Currencies {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Id,
}

/// Every kind of ledger entry since this migration.
pub const ENTRY_KINDS: [&str; 10] = [
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
];

/// Summary totals: column, ledger side, and the entry kinds that feed it.
pub const TOTALS: [(&str, &str, &[&str]); 10] = [
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
];

fn kinds_list(kinds: &[&str]) -> String {
    kinds
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

/// SQLite: rebuild `ledger_entries` with the wider kind CHECK.
async fn rebuild_ledger_entries_on_sqlite<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let backend = DbBackend::Sqlite;
    let kinds = kinds_list(&ENTRY_KINDS);
    exec(
        db,
        backend,
        &format!(
            r#"CREATE TABLE "ledger_entries_v2" (
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
                CONSTRAINT "ledger_entries_kind_known" CHECK ("kind" IN ({kinds})),
                CONSTRAINT "ledger_entries_amount_positive" CHECK ("amount" > 0),
                CONSTRAINT "ledger_entries_has_a_side" CHECK ("debit_profile_id" IS NOT NULL OR "credit_profile_id" IS NOT NULL),
                CONSTRAINT "ledger_entries_sides_differ" CHECK ("debit_profile_id" <> "credit_profile_id"),
                CONSTRAINT "ledger_entries_balances_after_not_negative" CHECK ("debit_balance_after" >= 0 AND "credit_balance_after" >= 0),
                FOREIGN KEY ("debit_profile_id") REFERENCES "profiles" ("id"),
                FOREIGN KEY ("credit_profile_id") REFERENCES "profiles" ("id"),
                FOREIGN KEY ("job_id") REFERENCES "jobs" ("id")
            )"#
        ),
    )
    .await?;
    exec(
        db,
        backend,
        r#"INSERT INTO "ledger_entries_v2" SELECT "id", "kind", "debit_profile_id",
            "credit_profile_id", "amount", "job_id", "debit_balance_after",
            "credit_balance_after", "request_id", "created_at", "currency_code"
            FROM "ledger_entries""#,
    )
    .await?;
    exec(db, backend, r#"DROP TABLE "ledger_entries""#).await?;
    exec(
        db,
        backend,
        r#"ALTER TABLE "ledger_entries_v2" RENAME TO "ledger_entries""#,
    )
    .await?;
    for sql in [
        r#"CREATE INDEX "ledger_entries_debit_profile_idx" ON "ledger_entries" ("debit_profile_id", "id")"#,
        r#"CREATE INDEX "ledger_entries_credit_profile_idx" ON "ledger_entries" ("credit_profile_id", "id")"#,
        r#"CREATE UNIQUE INDEX "ledger_entries_job_payment_once_idx" ON "ledger_entries" ("job_id") WHERE "job_id" IS NOT NULL"#,
    ] {
        exec(db, backend, sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();

        if backend == DbBackend::Postgres {
            exec(
                db,
                backend,
                "ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_known",
            )
            .await?;
            exec(
                db,
                backend,
                &format!(
                    "ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_known \
                     CHECK (kind IN ({}))",
                    kinds_list(&ENTRY_KINDS)
                ),
            )
            .await?;
        } else {
            rebuild_ledger_entries_on_sqlite(db).await?;
        }

        for (column, _, _) in TOTALS {
            exec(
                db,
                backend,
                &format!("ALTER TABLE balances ADD COLUMN {column} BIGINT NOT NULL DEFAULT 0"),
            )
            .await?;
        }
        // Back-fill every total from the ledger, per (profile, currency).
        let assignments: Vec<String> = TOTALS
            .iter()
            .map(|(column, side, kinds)| {
                format!(
                    "{column} = COALESCE((SELECT SUM(e.amount) FROM ledger_entries e \
                     WHERE e.{side}_profile_id = balances.profile_id \
                     AND e.currency_code = balances.currency_code \
                     AND e.kind IN ({})), 0)",
                    kinds_list(kinds)
                )
            })
            .collect();
        exec(
            db,
            backend,
            &format!("UPDATE balances SET {}", assignments.join(", ")),
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Payouts::Table)
                    .col(
                        ColumnDef::new(Payouts::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Payouts::ProfileId).big_integer().not_null())
                    .col(ColumnDef::new(Payouts::CurrencyCode).text().not_null())
                    .col(ColumnDef::new(Payouts::Amount).big_integer().not_null())
                    .col(ColumnDef::new(Payouts::State).text().not_null())
                    .col(ColumnDef::new(Payouts::LedgerEntryId).big_integer())
                    .col(ColumnDef::new(Payouts::ExternalId).text())
                    .col(ColumnDef::new(Payouts::RequestId).text())
                    .col(
                        ColumnDef::new(Payouts::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Payouts::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .check(("payouts_amount_positive", Expr::col(Payouts::Amount).gt(0)))
                    .check((
                        "payouts_state_known",
                        Expr::col(Payouts::State).is_in(["requested", "cancelled", "paid_out"]),
                    ))
                    .check((
                        "payouts_paid_out_has_entry",
                        Expr::col(Payouts::State)
                            .eq("paid_out")
                            .eq(Expr::col(Payouts::LedgerEntryId).is_not_null()),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("payouts_profile_id_fkey")
                            .from(Payouts::Table, Payouts::ProfileId)
                            .to(Profiles::Table, Profiles::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("payouts_currency_code_fkey")
                            .from(Payouts::Table, Payouts::CurrencyCode)
                            .to(Currencies::Table, Currencies::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("payouts_ledger_entry_id_fkey")
                            .from(Payouts::Table, Payouts::LedgerEntryId)
                            .to(LedgerEntries::Table, LedgerEntries::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A profile's payouts, newest first.
        manager
            .create_index(
                Index::create()
                    .name("payouts_profile_idx")
                    .table(Payouts::Table)
                    .col(Payouts::ProfileId)
                    .col(Payouts::Id)
                    .to_owned(),
            )
            .await?;
        // Pending requests per currency and profile (admin list, feed
        // completions).
        manager
            .create_index(
                Index::create()
                    .name("payouts_requested_idx")
                    .table(Payouts::Table)
                    .col(Payouts::CurrencyCode)
                    .col(Payouts::ProfileId)
                    .col(Payouts::Id)
                    .and_where(Expr::col(Payouts::State).eq("requested"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("payouts_external_id_idx")
                    .table(Payouts::Table)
                    .col(Payouts::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the payouts migration cannot be reverted".to_owned(),
        ))
    }
}
