//! jobpay: a gRPC contractor-payments service with an exact, concurrent-safe
//! ledger. See ARCHITECTURE.md for the map.

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod conversions;
pub mod currencies;
pub mod domain;
pub mod error;
pub mod feed;
pub mod ledger;
pub mod loans;
pub mod money;
pub mod proto;
pub mod seed;
pub mod server;
pub mod store;
pub mod telemetry;
