//! API tests: every rule and status code of DESIGN.md, through real tonic
//! clients against a real server, on PostgreSQL and on SQLite.

mod support;

mod admin;
mod auth;
mod balances;
mod contracts;
mod currencies;
mod feed;
mod hostile;
mod http_json;
mod idempotency;
mod jobs;
mod jwt;
mod loans;
mod migration;
mod money_safety;
mod payouts;
mod platform;
mod properties;
mod reversals;
mod statements;
