//! Balances at an instant and statements: one index per side of an entry
//! on (profile, currency, created_at, id).
//!
//! A profile's balance at an instant is the `*_balance_after` of its newest
//! entry in that currency at or before it; a statement's entries are a
//! range of the same key. Both are then an index seek (and, for a page,
//! a short ordered scan) on each side, however long the history: the
//! existing (profile, id) indexes know neither the currency nor the
//! instant, so they would scan every newer entry of the profile.
//!
//! `created_at` leads `id` because instants are what callers ask about;
//! `id` breaks ties among the entries of one ledger batch (which share its
//! instant), and within a batch ids follow the order the entries were
//! decided in, so the last of them carries the batch's final balance.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [&str; 2] = [
    r#"CREATE INDEX "ledger_entries_debit_point_in_time_idx" ON "ledger_entries" ("debit_profile_id", "currency_code", "created_at", "id")"#,
    r#"CREATE INDEX "ledger_entries_credit_point_in_time_idx" ON "ledger_entries" ("credit_profile_id", "currency_code", "created_at", "id")"#,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        for sql in INDEXES {
            db.execute_raw(Statement::from_string(backend, sql.to_owned()))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        for name in [
            "ledger_entries_debit_point_in_time_idx",
            "ledger_entries_credit_point_in_time_idx",
        ] {
            db.execute_raw(Statement::from_string(
                backend,
                format!(r#"DROP INDEX IF EXISTS "{name}""#),
            ))
            .await?;
        }
        Ok(())
    }
}
