//! SeaORM entities: one file per table, mirroring `migration/`.
//!
//! Money columns are `i64` cents; the domain wraps them in
//! [`crate::money::Cents`] at the edges of queries.

pub mod contract;
pub mod job;
pub mod ledger_entry;
pub mod profile;
pub mod request_record;
