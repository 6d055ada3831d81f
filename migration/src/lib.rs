//! jobpay's schema, as ordered sea-orm-migration migrations.
//!
//! Money is BIGINT minor units (cents) on every backend: SeaORM stores
//! `Decimal` on SQLite as REAL, which loses precision.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_schema;
mod m20261125_000002_request_records;
mod m20261127_000003_currencies;
pub mod m20261127_000004_payouts;
mod m20261127_000005_loans;
mod m20261127_000006_feed;
pub mod m20261203_000007_reversals;
mod m20261204_000008_point_in_time;
pub mod stored_responses;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_schema::Migration),
            Box::new(m20261125_000002_request_records::Migration),
            Box::new(m20261127_000003_currencies::Migration),
            Box::new(m20261127_000004_payouts::Migration),
            Box::new(m20261127_000005_loans::Migration),
            Box::new(m20261127_000006_feed::Migration),
            Box::new(m20261203_000007_reversals::Migration),
            Box::new(m20261204_000008_point_in_time::Migration),
        ]
    }
}
