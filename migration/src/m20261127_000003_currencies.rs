//! Many currencies: a `currencies` table, balances per (profile, currency),
//! a currency on contracts, jobs and ledger entries, `external_id` on
//! profiles, and idempotency records re-encoded as versioned JSON.
//!
//! Everything that existed before was in the one platform currency with two
//! decimals, USD: existing rows migrate as USD, and every profile's
//! `profiles.balance` moves, cent for cent, into its USD row of `balances`.
//! `profiles.balance` stays in the table (SQLite cannot drop a column named
//! by a CHECK) but is no longer read or written.
//!
//! The new currency columns of existing tables carry no foreign key (SQLite
//! cannot add one to an existing table); the server only writes codes it has
//! resolved against `currencies`, and `jobpay audit` checks them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Currencies {
    Table,
    Code,
    Precision,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Balances {
    Table,
    ProfileId,
    CurrencyCode,
    Balance,
    Held,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Profiles {
    Table,
    Id,
    ExternalId,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    CurrencyCode,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    CurrencyCode,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    CurrencyCode,
}

/// The currencies every database starts with.
const SEEDED: [(&str, i32); 3] = [("USD", 2), ("EUR", 2), ("BTC", 8)];

fn currency_column<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .text()
        .not_null()
        .default("USD")
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        manager
            .create_table(
                Table::create()
                    .table(Currencies::Table)
                    .col(
                        ColumnDef::new(Currencies::Code)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Currencies::Precision).integer().not_null())
                    .col(
                        ColumnDef::new(Currencies::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .check((
                        "currencies_precision_range",
                        Expr::col(Currencies::Precision).between(0, 12),
                    ))
                    .to_owned(),
            )
            .await?;
        let now = chrono::Utc::now();
        let mut seed = Query::insert()
            .into_table(Currencies::Table)
            .columns([
                Currencies::Code,
                Currencies::Precision,
                Currencies::CreatedAt,
            ])
            .to_owned();
        for (code, precision) in SEEDED {
            seed.values_panic([code.into(), precision.into(), now.into()]);
        }
        manager.exec_stmt(seed).await?;

        manager
            .create_table(
                Table::create()
                    .table(Balances::Table)
                    .col(ColumnDef::new(Balances::ProfileId).big_integer().not_null())
                    .col(ColumnDef::new(Balances::CurrencyCode).text().not_null())
                    .col(
                        ColumnDef::new(Balances::Balance)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Balances::Held)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Balances::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Balances::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(Balances::ProfileId)
                            .col(Balances::CurrencyCode),
                    )
                    .check((
                        "balances_balance_not_negative",
                        Expr::col(Balances::Balance).gte(0),
                    ))
                    .check((
                        "balances_held_within_balance",
                        Expr::col(Balances::Held)
                            .gte(0)
                            .and(Expr::col(Balances::Held).lte(Expr::col(Balances::Balance))),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("balances_profile_id_fkey")
                            .from(Balances::Table, Balances::ProfileId)
                            .to(Profiles::Table, Profiles::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("balances_currency_code_fkey")
                            .from(Balances::Table, Balances::CurrencyCode)
                            .to(Currencies::Table, Currencies::Code),
                    )
                    .to_owned(),
            )
            .await?;
        // Every existing balance, cent for cent, as its USD balance.
        db.execute_raw(Statement::from_string(
            backend,
            "INSERT INTO balances (profile_id, currency_code, balance, held, created_at, updated_at)
             SELECT id, 'USD', balance, 0, created_at, updated_at FROM profiles",
        ))
        .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Profiles::Table)
                    .add_column(ColumnDef::new(Profiles::ExternalId).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("profiles_external_id_idx")
                    .table(Profiles::Table)
                    .col(Profiles::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Contracts::Table)
                    .add_column(currency_column(Contracts::CurrencyCode))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Jobs::Table)
                    .add_column(currency_column(Jobs::CurrencyCode))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LedgerEntries::Table)
                    .add_column(currency_column(LedgerEntries::CurrencyCode))
                    .to_owned(),
            )
            .await?;

        crate::stored_responses::reencode_v0_as_v1(db, backend).await?;
        if backend == DbBackend::Postgres {
            db.execute_raw(Statement::from_string(backend, "ANALYZE balances"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the currencies migration cannot be reverted: balances in other currencies \
             have no place in the old schema"
                .to_owned(),
        ))
    }
}
