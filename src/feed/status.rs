//! What the feed reports: `GetFeedStatus` (from the database, so totals
//! survive restarts) and its Prometheus metrics (this process's).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::store::{self, Store};

/// `GetFeedStatus`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedStatus {
    pub enabled: bool,
    pub cursor_time: Option<DateTime<Utc>>,
    pub lag_seconds: i64,
    pub items_applied: i64,
    pub items_rejected: i64,
    pub items_duplicate: i64,
    pub requests: i64,
    pub last_error: Option<String>,
    pub last_success_time: Option<DateTime<Utc>>,
}

/// The feed's status as stored; `enabled` is whether this process was
/// started with `--feed-url`.
pub async fn feed_status(store: &Store, enabled: bool) -> Result<FeedStatus, Error> {
    let state = store::feed::state(store.reads()).await?;
    let now = store::now();
    Ok(match state {
        None => FeedStatus {
            enabled,
            ..FeedStatus::default()
        },
        Some(state) => FeedStatus {
            enabled,
            cursor_time: Some(state.window_start),
            lag_seconds: (now - state.window_start).num_seconds().max(0),
            items_applied: state.items_applied,
            items_rejected: state.items_rejected,
            items_duplicate: state.items_duplicate,
            requests: state.requests,
            last_error: state.last_error,
            last_success_time: state.last_success_time,
        },
    })
}

/// Request outcomes counted by `jobpay_feed_requests_total`.
const OUTCOMES: [&str; 7] = [
    "ok",
    "rate_limited",
    "server_error",
    "client_error",
    "timeout",
    "malformed",
    "transport_error",
];

/// The feed's metrics in this process.
#[derive(Default)]
pub struct FeedMetrics {
    enabled: AtomicBool,
    leader: AtomicBool,
    /// Unix seconds of the cursor (0: not known yet); the lag is computed
    /// from it when scraped, so it grows while the worker waits.
    cursor_time: AtomicI64,
    requests: [AtomicU64; OUTCOMES.len()],
    applied: AtomicU64,
    rejected: AtomicU64,
    duplicate: AtomicU64,
}

impl FeedMetrics {
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::Relaxed);
    }

    pub fn set_leader(&self, leader: bool) {
        self.leader.store(leader, Ordering::Relaxed);
    }

    pub fn set_cursor(&self, cursor_time: DateTime<Utc>) {
        self.cursor_time
            .store(cursor_time.timestamp(), Ordering::Relaxed);
    }

    /// Seconds between now and the cursor; 0 before it is known.
    pub fn lag_seconds(&self) -> i64 {
        match self.cursor_time.load(Ordering::Relaxed) {
            0 => 0,
            cursor => (store::now().timestamp() - cursor).max(0),
        }
    }

    pub fn count_request(&self, outcome: &str) {
        if let Some(at) = OUTCOMES.iter().position(|o| *o == outcome) {
            self.requests[at].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn count_items(&self, applied: u64, rejected: u64, duplicate: u64) {
        self.applied.fetch_add(applied, Ordering::Relaxed);
        self.rejected.fetch_add(rejected, Ordering::Relaxed);
        self.duplicate.fetch_add(duplicate, Ordering::Relaxed);
    }

    /// The Prometheus text of the feed's metrics (none when disabled).
    pub fn render(&self, out: &mut String) {
        if !self.enabled.load(Ordering::Relaxed) {
            return;
        }
        out.push_str(
            "# HELP jobpay_feed_requests_total Requests to the upstream feed, by outcome.\n\
             # TYPE jobpay_feed_requests_total counter\n",
        );
        for (outcome, count) in OUTCOMES.iter().zip(&self.requests) {
            let _ = writeln!(
                out,
                "jobpay_feed_requests_total{{outcome=\"{outcome}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP jobpay_feed_items_total Upstream items handled by this process, by state.\n\
             # TYPE jobpay_feed_items_total counter\n",
        );
        for (state, count) in [
            ("applied", &self.applied),
            ("rejected", &self.rejected),
            ("duplicate", &self.duplicate),
        ] {
            let _ = writeln!(
                out,
                "jobpay_feed_items_total{{state=\"{state}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP jobpay_feed_lag_seconds Seconds between now and the end of the last window fully applied.\n\
             # TYPE jobpay_feed_lag_seconds gauge\n\
             jobpay_feed_lag_seconds {}",
            self.lag_seconds()
        );
        let _ = writeln!(
            out,
            "# HELP jobpay_feed_leader Whether this replica holds the feed lease and ingests (1) or waits (0).\n\
             # TYPE jobpay_feed_leader gauge\n\
             jobpay_feed_leader {}",
            u8::from(self.leader.load(Ordering::Relaxed))
        );
    }
}
