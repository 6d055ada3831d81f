//! The upstream transaction feed: a worker inside `serve` that keeps
//! jobpay up to date with a rate-limited upstream transaction service
//! (DESIGN.md "Upstream transaction feed").
//!
//! - [`upstream`]: the HTTP client of the upstream's API.
//! - [`item`]: one raw item to its effect, or the reason it cannot apply.
//! - [`limiter`]: never more than N requests in any window.
//! - [`apply`]: one page's effects, items and cursor in one transaction.
//! - [`worker`]: the loop: lease, window, rate limit, fetch, apply, back off.
//! - [`sim`]: `jobpay feed-sim`, a simulated upstream (and the tests' fake).
//! - [`status`]: what `AdminService.GetFeedStatus` and the metrics report.

pub mod apply;
pub mod item;
pub mod limiter;
pub mod sim;
pub mod status;
pub mod upstream;
pub mod worker;

pub use status::FeedMetrics;
pub use worker::{FeedSettings, spawn};
