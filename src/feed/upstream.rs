//! The upstream transaction service's HTTP API, as a client.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Largest response body read; a larger one is malformed.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// One page of a window, as served.
#[derive(Debug)]
pub struct Page {
    pub items: Vec<Box<RawValue>>,
    /// Whether no page follows this one in its window.
    pub last: bool,
}

/// Why a request produced no page. Every one of them retries the same
/// page later; none advances the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// 429, with the `Retry-After` delay when it gave one in seconds.
    RateLimited(Option<Duration>),
    /// Any other non-200 status.
    Status(u16),
    Timeout,
    /// A 200 whose body is not a page.
    Malformed(String),
    /// Connection refused, reset, DNS...
    Transport(String),
}

impl FetchError {
    /// The `outcome` label of `jobpay_feed_requests_total`.
    pub fn outcome(&self) -> &'static str {
        match self {
            FetchError::RateLimited(_) => "rate_limited",
            FetchError::Status(status) if *status >= 500 => "server_error",
            FetchError::Status(_) => "client_error",
            FetchError::Timeout => "timeout",
            FetchError::Malformed(_) => "malformed",
            FetchError::Transport(_) => "transport_error",
        }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::RateLimited(Some(after)) => {
                write!(
                    f,
                    "429 Too Many Requests (Retry-After {}s)",
                    after.as_secs()
                )
            }
            FetchError::RateLimited(None) => f.write_str("429 Too Many Requests"),
            FetchError::Status(status) => write!(f, "HTTP status {status}"),
            FetchError::Timeout => f.write_str("the request timed out"),
            FetchError::Malformed(why) => write!(f, "malformed response: {why}"),
            FetchError::Transport(why) => write!(f, "cannot reach the upstream: {why}"),
        }
    }
}

#[derive(Deserialize)]
struct Body {
    items: Vec<Box<RawValue>>,
    meta: Meta,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(rename = "totalPages")]
    total_pages: u64,
    #[serde(rename = "currentPage", default)]
    current_page: Option<u64>,
}

/// The client of one upstream base URL.
pub struct UpstreamClient {
    http: reqwest::Client,
    transactions_url: String,
}

impl UpstreamClient {
    pub fn new(base_url: &str, timeout: Duration) -> Result<UpstreamClient, String> {
        let parsed = reqwest::Url::parse(base_url)
            .map_err(|e| format!("invalid --feed-url (JOBPAY_FEED_URL) {base_url:?}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "invalid --feed-url (JOBPAY_FEED_URL) {base_url:?}: use http:// or https://"
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("jobpay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the feed's HTTP client: {e}"))?;
        Ok(UpstreamClient {
            http,
            transactions_url: format!("{}/transactions", base_url.trim_end_matches('/')),
        })
    }

    /// `GET /transactions` for the window `[start, end)` (whole seconds),
    /// page `page` of `limit` items.
    pub async fn fetch(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        page: u32,
        limit: u32,
    ) -> Result<Page, FetchError> {
        let date = |t: DateTime<Utc>| t.format("%Y-%m-%d%%20%H:%M:%S").to_string();
        let url = format!(
            "{}?startDate={}&endDate={}&page={page}&limit={limit}",
            self.transactions_url,
            date(start),
            date(end)
        );
        let response = self.http.get(&url).send().await.map_err(transport)?;
        let status = response.status().as_u16();
        if status == 429 {
            let after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(FetchError::RateLimited(after));
        }
        if status != 200 {
            return Err(FetchError::Status(status));
        }
        let mut response = response;
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(FetchError::Malformed(format!(
                    "body larger than {MAX_BODY_BYTES} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let body: Body = serde_json::from_slice(&bytes)
            .map_err(|e| FetchError::Malformed(format!("not a transactions page: {e}")))?;
        if body.items.len() > limit as usize {
            return Err(FetchError::Malformed(format!(
                "{} items in a page of at most {limit}",
                body.items.len()
            )));
        }
        if let Some(current) = body.meta.current_page
            && current != u64::from(page)
        {
            return Err(FetchError::Malformed(format!(
                "asked for page {page}, got page {current}"
            )));
        }
        let last = body.items.is_empty() || u64::from(page) >= body.meta.total_pages;
        Ok(Page {
            items: body.items,
            last,
        })
    }
}

fn transport(error: reqwest::Error) -> FetchError {
    if error.is_timeout() {
        FetchError::Timeout
    } else {
        // Without the URL: it is configuration, and says nothing new.
        FetchError::Transport(error.without_url().to_string())
    }
}
