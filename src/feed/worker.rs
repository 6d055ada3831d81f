//! The feed's loop: hold the lease, pick the window, wait for the rate
//! limit, fetch a page, apply it; on failure record why and back off.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, DurationRound, Utc};

use super::apply::{Cursor, apply_page};
use super::item;
use super::limiter::RequestLog;
use super::status::FeedMetrics;
use super::upstream::{FetchError, UpstreamClient};
use crate::error::Error;
use crate::money::Currency;
use crate::store::{self, Store, feed::FeedLease};

/// Longest window read at once: a backlog is read in windows of an hour,
/// so that `cursor_time` moves while catching up.
const MAX_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// Longest `last_error` kept.
const MAX_ERROR_CHARS: usize = 500;

/// The feed's settings (`serve --feed-*`).
#[derive(Debug, Clone)]
pub struct FeedSettings {
    pub url: String,
    pub requests_per_minute: u32,
    /// The rate limit's window: 60 s, shorter only in time-scaled tests.
    pub rate_window: Duration,
    pub page_size: u32,
    /// The currency of every amount.
    pub currency: Currency,
    /// Where the first start reads from (default: that start's time).
    pub start: Option<DateTime<Utc>>,
    /// Windows end this long before now.
    pub delay: Duration,
    pub timeout: Duration,
}

impl FeedSettings {
    /// The first delay after a failure: a second at the real limits,
    /// shorter when time is scaled down.
    fn base_backoff(&self) -> Duration {
        (self.rate_window / 60).clamp(Duration::from_millis(50), Duration::from_secs(1))
    }

    /// Exponential backoff after `failures` failures in a row, capped at
    /// the rate window.
    fn backoff(&self, failures: u32) -> Duration {
        let factor = 1u32 << failures.saturating_sub(1).min(10);
        (self.base_backoff() * factor).min(self.rate_window.max(Duration::from_secs(1)))
    }
}

/// Starts the worker; it runs until the task is aborted.
pub fn spawn(
    store: Store,
    settings: FeedSettings,
    metrics: Arc<FeedMetrics>,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let client = UpstreamClient::new(&settings.url, settings.timeout)?;
    metrics.enable();
    Ok(tokio::spawn(run(store, settings, client, metrics)))
}

/// What one step did.
enum Step {
    /// Nothing to do before this long.
    Wait(Duration),
    /// A page was applied (or found applied by another replica).
    Applied,
}

async fn run(
    store: Store,
    settings: FeedSettings,
    client: UpstreamClient,
    metrics: Arc<FeedMetrics>,
) {
    let mut lease = FeedLease::new(&store);
    let mut failures = 0u32;
    let mut started = false;
    loop {
        if !lease.hold().await {
            metrics.set_leader(false);
            tokio::time::sleep(settings.base_backoff() * 5).await;
            continue;
        }
        metrics.set_leader(true);
        if !started {
            let start = settings.start.unwrap_or_else(store::now);
            match store::feed::start_state(store.conn(), whole_seconds(start)).await {
                Ok(()) => started = true,
                Err(error) => {
                    failures += 1;
                    tracing::warn!(%error, "feed: cannot read its state");
                    tokio::time::sleep(settings.backoff(failures)).await;
                    continue;
                }
            }
        }
        match step(&store, &settings, &client, &metrics).await {
            Ok(Step::Applied) => failures = 0,
            Ok(Step::Wait(wait)) => tokio::time::sleep(wait).await,
            Err(StepError::Fetch(error)) => {
                failures += 1;
                metrics.count_request(error.outcome());
                let wait = match error {
                    FetchError::RateLimited(Some(after)) => after.max(settings.backoff(failures)),
                    _ => settings.backoff(failures),
                };
                tracing::warn!(%error, retry_in_ms = wait.as_millis() as u64, "feed: request failed; retrying the same page");
                let text = error.to_string();
                if let Err(error) = record_error(&store, &text).await {
                    tracing::warn!(%error, "feed: cannot record its last error");
                }
                tokio::time::sleep(wait).await;
            }
            Err(StepError::Database(error)) => {
                failures += 1;
                let wait = settings.backoff(failures);
                tracing::warn!(%error, retry_in_ms = wait.as_millis() as u64, "feed: database step failed");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

enum StepError {
    Fetch(FetchError),
    Database(Error),
}

impl From<Error> for StepError {
    fn from(error: Error) -> Self {
        StepError::Database(error)
    }
}

async fn step(
    store: &Store,
    settings: &FeedSettings,
    client: &UpstreamClient,
    metrics: &FeedMetrics,
) -> Result<Step, StepError> {
    let Some(state) = store::feed::state(store.conn()).await? else {
        return Err(Error::Internal("the feed's state row is missing".into()).into());
    };
    metrics.set_cursor(state.window_start);
    let now = store::now();

    // The window: chosen once, stored, and read page by page to its end.
    let window_end = match state.window_end {
        Some(end) => end,
        None => {
            let closed = whole_seconds(now - delay(settings));
            let end = closed.min(state.window_start + MAX_WINDOW);
            if end <= state.window_start {
                let ready = state.window_start + chrono::TimeDelta::seconds(1) + delay(settings);
                let wait = (ready - now).to_std().unwrap_or_default();
                return Ok(Step::Wait(wait.max(Duration::from_millis(100))));
            }
            choose_window(store, state.window_start, end).await?;
            end
        }
    };
    let cursor = Cursor {
        window_start: state.window_start,
        window_end,
        page: state.page,
    };

    // The rate limit, checked and recorded before the request goes out.
    if let Some(wait) = take_request_slot(store, settings).await? {
        return Ok(Step::Wait(wait));
    }
    let page = client
        .fetch(
            cursor.window_start,
            cursor.window_end,
            cursor.page as u32,
            settings.page_size,
        )
        .await
        .map_err(StepError::Fetch)?;
    metrics.count_request("ok");

    let items: Vec<item::Item> = page
        .items
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let stand_in = format!(
                "~{}:{}:{index}",
                cursor.window_start.timestamp(),
                cursor.page
            );
            item::read(raw, &settings.currency, stand_in)
        })
        .collect();
    let count = items.len();
    let outcome = apply_page(store, &settings.currency, cursor, items, page.last).await?;
    if outcome.stale {
        tracing::info!("feed: the cursor moved on elsewhere; re-reading it");
        return Ok(Step::Applied);
    }
    metrics.count_items(outcome.applied, outcome.rejected, outcome.duplicate);
    if page.last {
        metrics.set_cursor(cursor.window_end);
    }
    tracing::info!(
        window_start = %cursor.window_start,
        window_end = %cursor.window_end,
        page = cursor.page,
        last = page.last,
        items = count,
        applied = outcome.applied,
        rejected = outcome.rejected,
        duplicate = outcome.duplicate,
        "feed page applied"
    );
    Ok(Step::Applied)
}

fn delay(settings: &FeedSettings) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(settings.delay).unwrap_or(chrono::TimeDelta::seconds(5))
}

fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(chrono::TimeDelta::seconds(1))
        .unwrap_or(at)
}

/// Stores the window `[start, end)` as the one being read, if the cursor
/// is still where it was read.
async fn choose_window(
    store: &Store,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(), Error> {
    store
        .write(|tx| {
            Box::pin(async move {
                if let Some(mut state) = store::feed::state_for_update(tx).await?
                    && state.window_start == start
                    && state.window_end.is_none()
                {
                    state.window_end = Some(end);
                    state.page = 1;
                    store::feed::save_state(tx, state).await?;
                }
                Ok(())
            })
        })
        .await
}

/// Records a request about to be sent, or says how long to wait first.
async fn take_request_slot(
    store: &Store,
    settings: &FeedSettings,
) -> Result<Option<Duration>, Error> {
    let limit = settings.requests_per_minute;
    let window = settings.rate_window;
    store
        .write(|tx| {
            Box::pin(async move {
                let Some(mut state) = store::feed::state_for_update(tx).await? else {
                    return Err(Error::Internal("the feed's state row is missing".into()));
                };
                let now_ms = store::now().timestamp_millis();
                let mut log = RequestLog::parse(&state.request_times);
                let wait = log.wait(now_ms, limit, window);
                if !wait.is_zero() {
                    return Ok(Some(wait));
                }
                log.record(now_ms, limit);
                state.request_times = log.render();
                state.requests += 1;
                store::feed::save_state(tx, state).await?;
                Ok(None)
            })
        })
        .await
}

async fn record_error(store: &Store, text: &str) -> Result<(), Error> {
    let text: String = text.chars().take(MAX_ERROR_CHARS).collect();
    store
        .write(|tx| {
            let text = text.clone();
            Box::pin(async move {
                if let Some(mut state) = store::feed::state_for_update(tx).await? {
                    state.last_error = Some(text.clone());
                    store::feed::save_state(tx, state).await?;
                }
                Ok(())
            })
        })
        .await
}
