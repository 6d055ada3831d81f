//! SeaORM entities: one file per table, mirroring `migration/`.
//!
//! Money columns are `i64` minor units beside a `currency_code`; the
//! domain wraps them in [`crate::money::Money`] at the edges of queries.

pub mod balance;
pub mod contract;
pub mod currency;
pub mod feed_item;
pub mod feed_state;
pub mod job;
pub mod ledger_entry;
pub mod loan;
pub mod loan_payment;
pub mod payout;
pub mod profile;
pub mod request_record;
