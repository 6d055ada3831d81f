//! A simulated upstream transaction service: the fake upstream of jobpay's
//! feed tests, and the server behind the `jobpay-feed-sim` tool (demos and
//! `bench/feed.sh`). It is not part of the jobpay service.
//!
//! The simulator is a real HTTP/1.1 server that speaks the upstream API:
//!
//! ```text
//! GET /transactions?startDate=YYYY-MM-DD HH:MM:SS&endDate=YYYY-MM-DD HH:MM:SS&page=N&limit=K
//! ```
//!
//! It returns the items with `startDate <= createdAt < endDate` that already
//! exist (`createdAt <= now`), ordered by `(createdAt, id)` and split into pages.
//! Like the real upstream it allows only a fixed number of requests per rate
//! window and answers anything above that with `429 Too Many Requests`.
//!
//! There are two modes:
//!
//! - **Generated** (`jobpay-feed-sim`): an endless, deterministic stream of
//!   items built from a seed. Any page is computed arithmetically, nothing is
//!   stored. Items come in consistent blocks of ten for one user, so an
//!   ingester that applies them in order never runs out of funds and every
//!   `paid_out` finds its `payout`.
//! - **Scripted** (integration tests): serves exactly the items a test gives it,
//!   with amounts written verbatim as raw JSON text.
//!
//! Both modes support fault injection ([`Upstream::push_fault`]) and keep a log
//! of every request to `/transactions` ([`Upstream::requests`]).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, SubsecRound, Utc};
use http::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Largest `limit` the upstream accepts, also the default.
const MAX_LIMIT: u32 = 1000;
/// Microseconds in a minute.
const MINUTE_US: i128 = 60_000_000;
/// Accept errors in a row after which [`serve`] gives up.
const MAX_ACCEPT_ERRORS: u32 = 100;

/// One upstream transaction as the simulator serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimItem {
    /// Transaction id, e.g. `tx-000000000042`.
    pub id: String,
    /// User id, e.g. `user-0007`.
    pub user_id: String,
    /// When the transaction happened. It is not served before this time.
    pub created_at: DateTime<Utc>,
    /// The `type` field: `earned`, `spent`, `payout` or `paid_out`.
    pub kind: String,
    /// Raw JSON text of the amount, inserted into the response verbatim.
    pub amount: String,
}

/// A fault to inject. Each request to `/transactions` that passes the rate
/// limit takes the next queued fault, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer `500 Internal Server Error`.
    ServerError,
    /// Answer `200 OK` with a truncated JSON body.
    Malformed,
    /// Answer `429 Too Many Requests` with this `Retry-After` value.
    TooManyRequests {
        /// Value of the `Retry-After` header, in seconds.
        retry_after_secs: u64,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
}

/// One request received on `/transactions`, as recorded in the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// When the request arrived.
    pub at: Instant,
    /// HTTP status of the answer (`0` while the answer is still being made).
    pub status: u16,
    /// The `startDate` query value after URL decoding (empty if absent).
    pub start: String,
    /// The `endDate` query value after URL decoding (empty if absent).
    pub end: String,
    /// The `page` value (1 if absent, 0 if not a valid number).
    pub page: u32,
}

/// Settings for generated mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedConfig {
    /// How many items are created per minute (at least 1).
    pub items_per_minute: u32,
    /// How many distinct users the items belong to (at least 1).
    pub users: u32,
    /// Creation time of item 0. Truncated to whole milliseconds.
    pub start: DateTime<Utc>,
    /// Seed for the amounts and users.
    pub seed: u64,
}

impl Default for GeneratedConfig {
    /// 4000 items a minute for 100 users, starting now, seed 1.
    fn default() -> Self {
        Self {
            items_per_minute: 4000,
            users: 100,
            start: Utc::now(),
            seed: 1,
        }
    }
}

/// Generated mode, with the start time as microseconds since the epoch.
#[derive(Debug)]
struct Generator {
    config: GeneratedConfig,
    start_us: i128,
}

impl Generator {
    fn new(mut config: GeneratedConfig) -> Self {
        config.items_per_minute = config.items_per_minute.max(1);
        config.users = config.users.max(1);
        config.start = config.start.trunc_subsecs(3);
        let start_us = i128::from(config.start.timestamp_micros());
        Self { config, start_us }
    }

    /// Creation time of item `index`, in microseconds since the epoch.
    fn created_us(&self, index: u64) -> i128 {
        self.start_us + i128::from(index) * MINUTE_US / i128::from(self.config.items_per_minute)
    }

    /// The first item index whose creation time is `>= micros`.
    fn first_at_or_after(&self, micros: i128) -> u64 {
        let offset = micros - self.start_us;
        if offset <= 0 {
            return 0;
        }
        let scaled = offset * i128::from(self.config.items_per_minute);
        let index = (scaled + MINUTE_US - 1) / MINUTE_US;
        u64::try_from(index).unwrap_or(u64::MAX)
    }

    /// Item `index`. Items come in blocks of ten for one user: six `earned`,
    /// one `spent` and one `payout` of at most a quarter of those six each, a
    /// `paid_out` equal to the payout, and a final `earned`.
    fn item(&self, index: u64) -> SimItem {
        let seed = self.config.seed;
        let block = index / 10;
        let earned = |position: u64| 1000 + hash(seed, 1, block * 10 + position) % 49_001;
        let quarter = || (0..6).map(&earned).sum::<u64>() / 4;
        let payout = || 1 + hash(seed, 3, block) % quarter();
        let (kind, cents) = match index % 10 {
            6 => ("spent", 1 + hash(seed, 2, block) % quarter()),
            7 => ("payout", payout()),
            8 => ("paid_out", payout()),
            position => ("earned", earned(position)),
        };
        let user = hash(seed, 0, block) % u64::from(self.config.users);
        let created_us = i64::try_from(self.created_us(index)).unwrap_or(i64::MAX);
        SimItem {
            id: format!("tx-{index:012}"),
            user_id: format!("user-{user:04}"),
            created_at: DateTime::from_timestamp_micros(created_us)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            kind: kind.to_owned(),
            amount: format!("{}.{:02}", cents / 100, cents % 100),
        }
    }
}

/// splitmix64 finalizer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Deterministic hash of `n` in one of several independent streams.
fn hash(seed: u64, stream: u64, n: u64) -> u64 {
    mix(seed ^ mix(stream.wrapping_add(mix(n))))
}

/// Where the items come from.
#[derive(Debug)]
enum Source {
    Generated(Generator),
    Scripted(Mutex<Vec<SimItem>>),
}

/// Mutable state shared by all connections.
#[derive(Debug, Default)]
struct State {
    faults: VecDeque<Fault>,
    log: Vec<RequestRecord>,
}

/// The simulated upstream: items, rate limit, faults and request log.
///
/// Share it as `Arc<Upstream>` between [`serve`] and the test that inspects it.
#[derive(Debug)]
pub struct Upstream {
    source: Source,
    requests_per_minute: u32,
    rate_window: Duration,
    state: Mutex<State>,
}

/// What the rate limiter and fault queue decided for a request.
enum Admission {
    /// Rejected by the rate limit; the value is for `Retry-After`.
    Limited(u64),
    Proceed(Option<Fault>),
}

/// A validated `/transactions` query.
struct Query {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    page: u32,
    limit: u32,
}

impl Upstream {
    /// An upstream in generated mode that allows `requests_per_minute`
    /// requests in any `rate_window`.
    pub fn generated(
        config: GeneratedConfig,
        requests_per_minute: u32,
        rate_window: Duration,
    ) -> Self {
        Self::new(
            Source::Generated(Generator::new(config)),
            requests_per_minute,
            rate_window,
        )
    }

    /// An upstream in scripted mode that serves `items`, sorted by
    /// `(created_at, id)`, and allows `requests_per_minute` requests in any
    /// `rate_window`.
    pub fn scripted(items: Vec<SimItem>, requests_per_minute: u32, rate_window: Duration) -> Self {
        let upstream = Self::new(
            Source::Scripted(Mutex::new(Vec::new())),
            requests_per_minute,
            rate_window,
        );
        upstream.add_items(items);
        upstream
    }

    fn new(source: Source, requests_per_minute: u32, rate_window: Duration) -> Self {
        Self {
            source,
            requests_per_minute,
            rate_window,
            state: Mutex::new(State::default()),
        }
    }

    /// Adds items in scripted mode. Ignored (with a warning) in generated mode.
    pub fn add_items(&self, items: Vec<SimItem>) {
        match &self.source {
            Source::Scripted(stored) => {
                let mut stored = lock(stored);
                stored.extend(items);
                stored.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            }
            Source::Generated(_) => tracing::warn!("feed-sim: add_items ignored in generated mode"),
        }
    }

    /// Queues a fault. Faults are used one per request, in the order pushed.
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.state).faults.push_back(fault);
    }

    /// A copy of the request log, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.state).log.clone()
    }

    /// The most requests received within any interval of length `rate_window`,
    /// counting requests that were rejected with 429.
    pub fn max_in_any_window(&self) -> usize {
        let state = lock(&self.state);
        let times: Vec<Instant> = state.log.iter().map(|record| record.at).collect();
        let mut best = 0;
        let mut end = 0;
        for (begin, &at) in times.iter().enumerate() {
            let limit = at.checked_add(self.rate_window);
            while end < times.len() && limit.is_none_or(|limit| times[end] < limit) {
                end += 1;
            }
            best = best.max(end - begin);
        }
        best
    }

    /// How many items exist with `createdAt < until`, whatever the current time.
    pub fn generated_total(&self, until: DateTime<Utc>) -> u64 {
        match &self.source {
            Source::Generated(generator) => generator.first_at_or_after(ceil_micros(until)),
            Source::Scripted(items) => {
                let count = lock(items).partition_point(|item| item.created_at < until);
                u64::try_from(count).unwrap_or(u64::MAX)
            }
        }
    }

    /// Logs the request, applies the rate limit and takes the next fault.
    fn admit(&self, start: String, end: String, page: u32) -> (usize, Admission) {
        let mut state = lock(&self.state);
        let now = Instant::now();
        let window = self.rate_window;
        let first_in_window = state
            .log
            .partition_point(|record| now.duration_since(record.at) >= window);
        let in_window = state.log.len() - first_in_window;
        let limited = in_window >= self.requests_per_minute as usize;
        let index = state.log.len();
        state.log.push(RequestRecord {
            at: now,
            status: if limited { 429 } else { 0 },
            start,
            end,
            page,
        });
        if !limited {
            return (index, Admission::Proceed(state.faults.pop_front()));
        }
        // The next request is allowed once all but `requests_per_minute - 1`
        // of the requests now in the window (this one included) have left it.
        let recent = &state.log[first_in_window..];
        let wait = (recent.len().checked_sub(self.requests_per_minute as usize))
            .and_then(|oldest_to_expire| recent.get(oldest_to_expire))
            .map_or(window, |record| {
                window.saturating_sub(now.duration_since(record.at))
            });
        let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        (index, Admission::Limited(retry_after_secs.max(1)))
    }

    /// The 200 body. Amounts are inserted verbatim; everything else goes through serde_json.
    fn render(&self, query: &Query, now: DateTime<Utc>) -> String {
        let (total, items) = self.query(query, now);
        let mut body = String::from(r#"{"items":["#);
        for (n, item) in items.iter().enumerate() {
            let _ = write!(
                body,
                r#"{}{{"id":{},"userId":{},"createdAt":{},"type":{},"amount":{}}}"#,
                if n == 0 { "" } else { "," },
                json_string(&item.id),
                json_string(&item.user_id),
                json_string(&format_time(item.created_at)),
                json_string(&item.kind),
                item.amount,
            );
        }
        let pages = total.div_ceil(u64::from(query.limit));
        let _ = write!(
            body,
            r#"],"meta":{{"totalItems":{total},"itemCount":{},"itemsPerPage":{},"totalPages":{pages},"currentPage":{}}}}}"#,
            items.len(),
            query.limit,
            query.page,
        );
        body
    }

    fn set_status(&self, index: usize, status: u16) {
        if let Some(record) = lock(&self.state).log.get_mut(index) {
            record.status = status;
        }
    }

    /// Answers one HTTP request.
    async fn handle<B>(&self, request: Request<B>) -> Response<Full<Bytes>> {
        if request.uri().path() != "/transactions" {
            return json_error(StatusCode::NOT_FOUND, "not found");
        }
        let params = parse_query(request.uri().query().unwrap_or(""));
        let param = |name: &str| {
            params
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        let page = param("page").map_or(Some(1), |text| text.parse().ok());
        let start = param("startDate").unwrap_or_default();
        let (index, admission) = self.admit(
            start,
            param("endDate").unwrap_or_default(),
            page.unwrap_or(0),
        );
        let response = match admission {
            Admission::Limited(retry_after) => {
                too_many_requests(retry_after, "rate limit exceeded")
            }
            Admission::Proceed(Some(Fault::ServerError)) => {
                json_error(StatusCode::INTERNAL_SERVER_ERROR, "injected server error")
            }
            Admission::Proceed(Some(Fault::Malformed)) => {
                json_response(StatusCode::OK, r#"{"items": [{"id": "tx-"#.to_owned())
            }
            Admission::Proceed(Some(Fault::TooManyRequests { retry_after_secs })) => {
                too_many_requests(retry_after_secs, "injected rate limit")
            }
            Admission::Proceed(fault) => {
                if let Some(Fault::Delay(delay)) = fault {
                    tokio::time::sleep(delay).await;
                }
                match validate(&param) {
                    Ok(query) => json_response(StatusCode::OK, self.render(&query, Utc::now())),
                    Err(message) => json_error(StatusCode::BAD_REQUEST, &message),
                }
            }
        };
        self.set_status(index, response.status().as_u16());
        tracing::debug!(status = response.status().as_u16(), uri = %request.uri(), "feed-sim request");
        response
    }

    /// The number of items with `start <= createdAt < end` and `createdAt <= now`,
    /// and the requested page of them.
    fn query(&self, query: &Query, now: DateTime<Utc>) -> (u64, Vec<SimItem>) {
        let offset = u64::from(query.page.saturating_sub(1)) * u64::from(query.limit);
        match &self.source {
            Source::Generated(generator) => {
                let low = generator.first_at_or_after(ceil_micros(query.start));
                let high = generator
                    .first_at_or_after(ceil_micros(query.end))
                    .min(generator.first_at_or_after(i128::from(now.timestamp_micros()) + 1));
                let from = low.saturating_add(offset).min(high.max(low));
                let to = from
                    .saturating_add(u64::from(query.limit))
                    .min(high.max(from));
                let items = (from..to).map(|index| generator.item(index)).collect();
                (high.saturating_sub(low), items)
            }
            Source::Scripted(items) => {
                let items = lock(items);
                let low = items.partition_point(|item| item.created_at < query.start);
                let high = items
                    .partition_point(|item| item.created_at < query.end)
                    .min(items.partition_point(|item| item.created_at <= now))
                    .max(low);
                let window = &items[low..high];
                let skip = usize::try_from(offset).unwrap_or(usize::MAX);
                let page = window.iter().skip(skip).take(query.limit as usize);
                (window.len() as u64, page.cloned().collect())
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Microseconds since the epoch, rounded up.
fn ceil_micros(time: DateTime<Utc>) -> i128 {
    i128::from(time.timestamp_micros())
        + i128::from(!time.timestamp_subsec_nanos().is_multiple_of(1000))
}

/// Checks the query values and applies the defaults.
fn validate(param: &dyn Fn(&str) -> Option<String>) -> Result<Query, String> {
    let date = |name: &str| {
        param(name)
            .and_then(|text| NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S").ok())
            .map(|naive| naive.and_utc())
            .ok_or_else(|| format!("{name} must be a UTC time written as 'YYYY-MM-DD HH:MM:SS'"))
    };
    let start = date("startDate")?;
    let end = date("endDate")?;
    if start > end {
        return Err("startDate must not be after endDate".to_owned());
    }
    let page = match param("page") {
        None => 1,
        Some(text) => text
            .parse()
            .ok()
            .filter(|page| *page >= 1)
            .ok_or("page must be a whole number >= 1")?,
    };
    let limit = match param("limit") {
        None => MAX_LIMIT,
        Some(text) => text
            .parse()
            .ok()
            .filter(|limit| (1..=MAX_LIMIT).contains(limit))
            .ok_or_else(|| format!("limit must be a whole number from 1 to {MAX_LIMIT}"))?,
    };
    Ok(Query {
        start,
        end,
        page,
        limit,
    })
}

/// Splits a raw query string into URL-decoded `(name, value)` pairs.
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (url_decode(name), url_decode(value))
        })
        .collect()
}

/// Decodes `+` and `%XX`; malformed escapes are kept as they are.
fn url_decode(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        let hex = tail.get(..2).and_then(|hex| std::str::from_utf8(hex).ok());
        let (decoded, skip) = match (byte, hex.and_then(|hex| u8::from_str_radix(hex, 16).ok())) {
            (b'%', Some(decoded)) => (decoded, 2),
            (b'+', _) => (b' ', 0),
            _ => (byte, 0),
        };
        out.push(decoded);
        rest = &tail[skip..];
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// RFC 3339 in UTC with milliseconds, or finer digits when needed.
fn format_time(time: DateTime<Utc>) -> String {
    let nanos = time.timestamp_subsec_nanos();
    let format = if nanos.is_multiple_of(1_000_000) {
        SecondsFormat::Millis
    } else if nanos.is_multiple_of(1000) {
        SecondsFormat::Micros
    } else {
        SecondsFormat::Nanos
    };
    time.to_rfc3339_opts(format, true)
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

fn json_response(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn json_error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json_response(status, serde_json::json!({ "error": message }).to_string())
}

fn too_many_requests(retry_after_secs: u64, message: &str) -> Response<Full<Bytes>> {
    let mut response = json_error(StatusCode::TOO_MANY_REQUESTS, message);
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

/// Accepts connections on `listener` and serves `upstream` over HTTP/1.1
/// (keep-alive supported). Returns only if accepting fails many times in a row.
pub async fn serve(upstream: Arc<Upstream>, listener: TcpListener) {
    let mut failures = 0;
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                failures = 0;
                let upstream = Arc::clone(&upstream);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let upstream = Arc::clone(&upstream);
                        async move { Ok::<_, Infallible>(upstream.handle(request).await) }
                    });
                    let connection = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    if let Err(error) = connection.await {
                        tracing::debug!(%peer, %error, "feed-sim connection ended with an error");
                    }
                });
            }
            Err(error) => {
                failures += 1;
                if failures >= MAX_ACCEPT_ERRORS {
                    tracing::error!(%error, "feed-sim: accept keeps failing, giving up");
                    return;
                }
                tracing::warn!(%error, "feed-sim: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Runs [`serve`] on a new tokio task.
pub fn spawn(upstream: Arc<Upstream>, listener: TcpListener) -> tokio::task::JoinHandle<()> {
    tokio::spawn(serve(upstream, listener))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::net::SocketAddr;

    use tokio::net::TcpStream;

    fn utc(text: &str) -> DateTime<Utc> {
        let parsed = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f");
        parsed.expect("test time").and_utc()
    }

    fn target(start: &str, end: &str, extra: &str) -> String {
        let (start, end) = (start.replace(' ', "%20"), end.replace(' ', "+"));
        format!("/transactions?startDate={start}&endDate={end}{extra}")
    }

    fn generated(items_per_minute: u32) -> Upstream {
        let start = utc("2026-11-27 19:00:00");
        let config = GeneratedConfig {
            items_per_minute,
            users: 7,
            start,
            seed: 42,
        };
        Upstream::generated(config, 5, Duration::from_secs(60))
    }

    /// All pages of the window `[start, end)`, concatenated.
    fn all_pages(upstream: &Upstream, start: &str, end: &str, limit: u32) -> Vec<SimItem> {
        let (start, end, now) = (utc(start), utc(end), utc("2026-11-27 20:00:00"));
        let mut items = Vec::new();
        for page in 1.. {
            let (total, page_items) = upstream.query(
                &Query {
                    start,
                    end,
                    page,
                    limit,
                },
                now,
            );
            assert_eq!(
                total.div_ceil(u64::from(limit)) < u64::from(page),
                page_items.is_empty()
            );
            if page_items.is_empty() {
                break;
            }
            items.extend(page_items);
        }
        items
    }

    #[test]
    fn generated_pages_tile_windows_without_gaps() {
        let (a, b, c) = (
            "2026-11-27 18:59:00",
            "2026-11-27 19:00:01",
            "2026-11-27 19:03:00",
        );
        for items_per_minute in [4000, 7000, 61] {
            let upstream = generated(items_per_minute);
            let whole = all_pages(&upstream, a, c, 997);
            let mut halves = all_pages(&upstream, a, b, 1000);
            halves.extend(all_pages(&upstream, b, c, 7));
            assert_eq!(whole, halves);
            assert_eq!(whole.len() as u64, u64::from(items_per_minute) * 3);
            assert_eq!(upstream.generated_total(utc(c)), whole.len() as u64);
            for (n, item) in whole.iter().enumerate() {
                assert_eq!(item.id, format!("tx-{n:012}"));
            }
            assert!(whole.windows(2).all(|w| w[0].created_at <= w[1].created_at));
            // Items after `now` are not served yet.
            let (start, end, now) = (utc(b), utc(c), utc("2026-11-27 19:00:01.0301"));
            let (total, items) = upstream.query(
                &Query {
                    start,
                    end,
                    page: 1,
                    limit: 9,
                },
                now,
            );
            let expected = whole
                .iter()
                .filter(|item| item.created_at >= start && item.created_at <= now);
            assert_eq!(items, expected.cloned().collect::<Vec<_>>());
            assert_eq!(total, items.len() as u64);
        }
        let times = all_pages(
            &generated(4000),
            "2026-11-27 19:00:00",
            "2026-11-27 19:00:01",
            2,
        );
        let times: Vec<String> = times
            .iter()
            .take(3)
            .map(|item| format_time(item.created_at))
            .collect();
        assert_eq!(
            times,
            [
                "2026-11-27T19:00:00.000Z",
                "2026-11-27T19:00:00.015Z",
                "2026-11-27T19:00:00.030Z"
            ]
        );
    }

    #[test]
    fn generated_blocks_are_consistent() {
        let Source::Generated(generator) = &generated(4000).source else {
            unreachable!()
        };
        let cents = |item: &SimItem| {
            let (whole, fraction) = item.amount.split_once('.').expect("two decimals");
            assert_eq!(fraction.len(), 2);
            whole.parse::<u64>().expect("whole") * 100 + fraction.parse::<u64>().expect("fraction")
        };
        let mut users = std::collections::HashSet::new();
        for block in 0..1000 {
            let items: Vec<SimItem> = (block * 10..block * 10 + 10)
                .map(|i| generator.item(i))
                .collect();
            let kinds: Vec<&str> = items.iter().map(|item| item.kind.as_str()).collect();
            assert_eq!(kinds[..6], ["earned"; 6]);
            assert_eq!(kinds[6..], ["spent", "payout", "paid_out", "earned"]);
            assert!(items.iter().all(|item| item.user_id == items[0].user_id));
            users.insert(items[0].user_id.clone());
            let earned: u64 = items[..6].iter().map(cents).sum();
            assert!(
                [0, 1, 2, 3, 4, 5, 9]
                    .iter()
                    .all(|&n| (1000..=50_000).contains(&cents(&items[n])))
            );
            assert!(cents(&items[6]) >= 1 && cents(&items[7]) >= 1);
            assert!(cents(&items[6]) * 4 <= earned && cents(&items[7]) * 4 <= earned);
            assert_eq!(items[7].amount, items[8].amount);
        }
        assert_eq!(users.len(), 7);
    }

    async fn get(upstream: &Upstream, uri: &str) -> (StatusCode, String) {
        let response = upstream
            .handle(Request::get(uri).body(()).expect("request"))
            .await;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, String::from_utf8(body.to_vec()).expect("utf-8"))
    }

    fn scripted(id: &str, created_at: DateTime<Utc>, amount: &str) -> SimItem {
        let (id, user_id, kind) = (id.to_owned(), "user-0001".to_owned(), "earned".to_owned());
        SimItem {
            id,
            user_id,
            created_at,
            kind,
            amount: amount.to_owned(),
        }
    }

    #[tokio::test]
    async fn scripted_amounts_pass_through_and_future_items_are_hidden() {
        let later = Utc::now() + chrono::Duration::hours(1);
        let day = utc("2026-01-01 00:00:00");
        let upstream = Upstream::scripted(
            vec![
                scripted("b", day, "\"abc\""),
                scripted("a", day, "12.345"),
                scripted("d", later, "-3"),
            ],
            100,
            Duration::from_secs(60),
        );
        upstream.add_items(vec![scripted("c", utc("2026-01-01 00:00:01.5"), "1e400")]);
        let (status, body) = get(
            &upstream,
            &target("2026-01-01 00:00:00", "2100-01-01 00:00:00", ""),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let expected = concat!(
            r#"{"items":[{"id":"a","userId":"user-0001","createdAt":"2026-01-01T00:00:00.000Z","type":"earned","amount":12.345},"#,
            r#"{"id":"b","userId":"user-0001","createdAt":"2026-01-01T00:00:00.000Z","type":"earned","amount":"abc"},"#,
            r#"{"id":"c","userId":"user-0001","createdAt":"2026-01-01T00:00:01.500Z","type":"earned","amount":1e400}],"#,
            r#""meta":{"totalItems":3,"itemCount":3,"itemsPerPage":1000,"totalPages":1,"currentPage":1}}"#
        );
        assert_eq!(body, expected);
        let (_, body) = get(
            &upstream,
            &target(
                "2026-01-01 00:00:00",
                "2026-01-01 00:00:01",
                "&page=3&limit=1",
            ),
        )
        .await;
        let meta = r#""meta":{"totalItems":2,"itemCount":0,"itemsPerPage":1,"totalPages":2,"currentPage":3}"#;
        assert_eq!(body, format!(r#"{{"items":[],{meta}}}"#));
    }

    #[tokio::test]
    async fn bad_requests_are_rejected() {
        let upstream = Upstream::scripted(Vec::new(), 100, Duration::from_secs(60));
        let good = "2026-01-01 00:00:00";
        let cases = [
            target("2026-13-01 00:00:00", good, ""),
            target(good, "2026-01-01T00:00:00Z", ""),
            target("2026-01-02 00:00:00", good, ""),
            target(good, good, "&limit=1001"),
            target(good, good, "&limit=0"),
            target(good, good, "&page=0"),
            "/transactions?endDate=2026-01-01+00:00:00".to_owned(),
        ];
        for uri in &cases {
            let (status, body) = get(&upstream, uri).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
            let parsed: serde_json::Value = serde_json::from_str(&body).expect("json");
            assert!(parsed["error"].is_string(), "{body}");
        }
        assert_eq!(
            get(&upstream, &target(good, good, "")).await.0,
            StatusCode::OK
        );
        assert_eq!(get(&upstream, "/other").await.0, StatusCode::NOT_FOUND);
        let log = upstream.requests();
        assert_eq!(
            (log.len(), log[0].start.as_str(), log[5].page),
            (8, "2026-13-01 00:00:00", 0)
        );
    }

    /// A minimal HTTP/1.1 GET over a real socket: (status, Retry-After, body).
    async fn http_get(address: SocketAddr, target: &str) -> (u16, Option<String>, String) {
        let stream = TcpStream::connect(address).await.expect("connect");
        let request = format!("GET {target} HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n");
        let (mut sent, mut raw, mut buffer) = (0, Vec::new(), [0; 8192]);
        while sent < request.len() {
            stream.writable().await.expect("writable");
            match stream.try_write(&request.as_bytes()[sent..]) {
                Ok(n) => sent += n,
                Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock),
            }
        }
        loop {
            stream.readable().await.expect("readable");
            match stream.try_read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => raw.extend_from_slice(&buffer[..n]),
                Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock),
            }
        }
        let text = String::from_utf8(raw).expect("utf-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("end of headers");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("status");
        let retry_after = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("retry-after")
                .then(|| value.trim().to_owned())
        });
        (status, retry_after, body.to_owned())
    }

    async fn start_server(requests_per_minute: u32, window_ms: u64) -> (Arc<Upstream>, SocketAddr) {
        let window = Duration::from_millis(window_ms);
        let upstream = Arc::new(Upstream::scripted(Vec::new(), requests_per_minute, window));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        spawn(Arc::clone(&upstream), listener);
        (upstream, address)
    }

    #[tokio::test]
    async fn rate_limit_over_real_socket() {
        let (upstream, address) = start_server(3, 1000).await;
        let uri = target("2026-01-01 00:00:00", "2026-01-02 00:00:00", "");
        let mut answers = Vec::new();
        for _ in 0..4 {
            let (status, retry_after, body) = http_get(address, &uri).await;
            answers.push((status, retry_after, body.contains("error")));
        }
        let ok = (200, None, false);
        assert_eq!(
            answers,
            [
                ok.clone(),
                ok.clone(),
                ok,
                (429, Some("1".to_owned()), true)
            ]
        );
        let log: Vec<u16> = upstream
            .requests()
            .iter()
            .map(|record| record.status)
            .collect();
        assert_eq!(log, [200, 200, 200, 429]);
        assert_eq!(upstream.max_in_any_window(), 4);
        assert_eq!(http_get(address, "/nothing").await.0, 404);
        tokio::time::sleep(Duration::from_millis(1050)).await;
        assert_eq!(http_get(address, &uri).await.0, 200);
        assert_eq!(
            (upstream.requests().len(), upstream.max_in_any_window()),
            (5, 4)
        );
    }

    #[tokio::test]
    async fn faults_are_served_in_order() {
        let (upstream, address) = start_server(100, 60_000).await;
        let uri = target("2026-01-01 00:00:00", "2026-01-02 00:00:00", "");
        upstream.push_fault(Fault::ServerError);
        upstream.push_fault(Fault::Malformed);
        upstream.push_fault(Fault::TooManyRequests {
            retry_after_secs: 7,
        });
        upstream.push_fault(Fault::Delay(Duration::from_millis(150)));
        assert_eq!(http_get(address, &uri).await.0, 500);
        let (status, _, body) = http_get(address, &uri).await;
        assert_eq!(status, 200);
        assert!(serde_json::from_str::<serde_json::Value>(&body).is_err());
        let (status, retry_after, _) = http_get(address, &uri).await;
        assert_eq!((status, retry_after.as_deref()), (429, Some("7")));
        let began = Instant::now();
        let (status, _, body) = http_get(address, &uri).await;
        assert!(began.elapsed() >= Duration::from_millis(150));
        assert_eq!((status, body.contains(r#""totalItems":0"#)), (200, true));
        assert_eq!(http_get(address, &uri).await.0, 200);
    }

    #[tokio::test]
    async fn rate_limited_requests_do_not_take_faults() {
        let (upstream, address) = start_server(1, 1000).await;
        let uri = target("2026-01-01 00:00:00", "2026-01-02 00:00:00", "");
        upstream.push_fault(Fault::ServerError);
        upstream.push_fault(Fault::Malformed);
        assert_eq!(http_get(address, &uri).await.0, 500);
        assert_eq!(http_get(address, &uri).await.0, 429);
        tokio::time::sleep(Duration::from_millis(1050)).await;
        let (status, _, body) = http_get(address, &uri).await;
        assert_eq!(status, 200);
        assert!(serde_json::from_str::<serde_json::Value>(&body).is_err());
    }

    #[test]
    fn query_strings_are_url_decoded() {
        assert_eq!(url_decode("a+b%20c%2"), "a b c%2");
        assert_eq!(
            parse_query("startDate=2026-01-01+00%3A00%3A00&page=2&&flag"),
            [
                ("startDate".to_owned(), "2026-01-01 00:00:00".to_owned()),
                ("page".to_owned(), "2".to_owned()),
                ("flag".to_owned(), String::new()),
            ]
        );
    }
}
