//! Installment loans and their monthly payments.
//!
//! - `loans`: amount, term, rate, and the installment and total computed
//!   once at creation (minor units of the loan's currency).
//! - `loan_payments`: one row per loan and calendar month (UTC), made or
//!   missed — a unique (loan_id, payment_month) index backs the rule — and
//!   indexed by (loan_id, status, payment_time) so that what a loan owed at
//!   any instant is one index range count.
//! - `request_records.caller_id` loses its foreign key to profiles: admin
//!   calls (loans) keep their request ids under caller 0.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Loans {
    Table,
    Id,
    BorrowerId,
    CurrencyCode,
    Amount,
    TermMonths,
    AnnualRate,
    Installment,
    TotalRepayable,
    OriginationTime,
    RequestId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoanPayments {
    Table,
    Id,
    LoanId,
    Status,
    Amount,
    PaymentTime,
    PaymentMonth,
    LedgerEntryId,
    RequestId,
    CreatedAt,
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

async fn exec<C: ConnectionTrait>(db: &C, backend: DbBackend, sql: &str) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .map(drop)
}

fn instant<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
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
                "ALTER TABLE request_records DROP CONSTRAINT request_records_caller_id_fkey",
            )
            .await?;
        } else {
            for sql in [
                r#"CREATE TABLE "request_records_v2" ( "caller_id" integer NOT NULL, "request_id" text NOT NULL, "method" text NOT NULL, "request_hash" text NOT NULL, "response" blob NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, PRIMARY KEY ("caller_id", "request_id") )"#,
                r#"INSERT INTO "request_records_v2" SELECT "caller_id", "request_id", "method", "request_hash", "response", "created_at" FROM "request_records""#,
                r#"DROP TABLE "request_records""#,
                r#"ALTER TABLE "request_records_v2" RENAME TO "request_records""#,
                r#"CREATE INDEX "request_records_created_at_idx" ON "request_records" ("created_at")"#,
            ] {
                exec(db, backend, sql).await?;
            }
        }

        manager
            .create_table(
                Table::create()
                    .table(Loans::Table)
                    .col(
                        ColumnDef::new(Loans::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Loans::BorrowerId).big_integer().not_null())
                    .col(ColumnDef::new(Loans::CurrencyCode).text().not_null())
                    .col(ColumnDef::new(Loans::Amount).big_integer().not_null())
                    .col(ColumnDef::new(Loans::TermMonths).integer().not_null())
                    .col(ColumnDef::new(Loans::AnnualRate).text().not_null())
                    .col(ColumnDef::new(Loans::Installment).big_integer().not_null())
                    .col(
                        ColumnDef::new(Loans::TotalRepayable)
                            .big_integer()
                            .not_null(),
                    )
                    .col(instant(Loans::OriginationTime))
                    .col(ColumnDef::new(Loans::RequestId).text())
                    .col(instant(Loans::CreatedAt))
                    .check(("loans_amount_positive", Expr::col(Loans::Amount).gt(0)))
                    .check((
                        "loans_term_range",
                        Expr::col(Loans::TermMonths).between(1, 600),
                    ))
                    .check((
                        "loans_installment_not_negative",
                        Expr::col(Loans::Installment).gte(0),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("loans_borrower_id_fkey")
                            .from(Loans::Table, Loans::BorrowerId)
                            .to(Profiles::Table, Profiles::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("loans_currency_code_fkey")
                            .from(Loans::Table, Loans::CurrencyCode)
                            .to(Currencies::Table, Currencies::Code),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("loans_borrower_idx", vec![Loans::BorrowerId, Loans::Id]),
            (
                "loans_currency_origination_idx",
                vec![Loans::CurrencyCode, Loans::OriginationTime],
            ),
        ] {
            let mut index = Index::create().name(name).table(Loans::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(LoanPayments::Table)
                    .col(
                        ColumnDef::new(LoanPayments::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LoanPayments::LoanId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(LoanPayments::Status).text().not_null())
                    .col(
                        ColumnDef::new(LoanPayments::Amount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(instant(LoanPayments::PaymentTime))
                    .col(ColumnDef::new(LoanPayments::PaymentMonth).text().not_null())
                    .col(ColumnDef::new(LoanPayments::LedgerEntryId).big_integer())
                    .col(ColumnDef::new(LoanPayments::RequestId).text())
                    .col(instant(LoanPayments::CreatedAt))
                    .check((
                        "loan_payments_status_known",
                        Expr::col(LoanPayments::Status).is_in(["made", "missed"]),
                    ))
                    .check((
                        "loan_payments_made_has_entry",
                        Expr::col(LoanPayments::Status)
                            .eq("made")
                            .eq(Expr::col(LoanPayments::LedgerEntryId).is_not_null()),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("loan_payments_loan_id_fkey")
                            .from(LoanPayments::Table, LoanPayments::LoanId)
                            .to(Loans::Table, Loans::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("loan_payments_ledger_entry_id_fkey")
                            .from(LoanPayments::Table, LoanPayments::LedgerEntryId)
                            .to(LedgerEntries::Table, LedgerEntries::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("loan_payments_one_per_month_idx")
                    .table(LoanPayments::Table)
                    .col(LoanPayments::LoanId)
                    .col(LoanPayments::PaymentMonth)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("loan_payments_point_in_time_idx")
                    .table(LoanPayments::Table)
                    .col(LoanPayments::LoanId)
                    .col(LoanPayments::Status)
                    .col(LoanPayments::PaymentTime)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the loans migration cannot be reverted".to_owned(),
        ))
    }
}
