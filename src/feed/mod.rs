//! The upstream transaction feed: a worker inside `serve` that keeps
//! jobpay up to date with a rate-limited upstream transaction service
//! (DESIGN.md "Upstream transaction feed").
//!
//! - [`upstream`]: the HTTP client of the upstream's API.
//! - [`item`]: one raw item to its effect, or the reason it cannot apply.
//! - [`limiter`]: never more than N requests in any window.
//! - [`apply`]: one page's effects, items and cursor in one transaction.
//! - [`worker`]: the loop: lease, window, rate limit, fetch, apply, back off.
//! - [`status`]: what `AdminService.GetFeedStatus` and the metrics report.
//!
//! The simulated upstream the tests and demos run against is not here: it is
//! the `feed-sim` crate, served by the `jobpay-feed-sim` tool.

pub mod apply;
pub mod item;
pub mod limiter;
pub mod status;
pub mod upstream;
pub mod worker;

pub use status::FeedMetrics;
pub use worker::{FeedSettings, spawn};
