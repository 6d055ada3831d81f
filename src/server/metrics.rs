//! Prometheus metrics: RPC counts and latency histograms by method and
//! code, transaction retries, pool connections and health, served as text
//! on `GET /metrics`.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tonic::Code;

use crate::store::Store;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bucket, bound) in self.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// What the server counts.
pub struct Metrics {
    rpcs: Mutex<BTreeMap<(String, &'static str), Histogram>>,
    serving: AtomicBool,
    store: Store,
    /// The upstream feed's metrics (rendered only when it runs).
    pub feed: std::sync::Arc<crate::feed::FeedMetrics>,
}

impl Metrics {
    pub fn new(store: Store) -> Self {
        Metrics {
            rpcs: Mutex::new(BTreeMap::new()),
            serving: AtomicBool::new(false),
            store,
            feed: Default::default(),
        }
    }

    /// One finished call.
    pub fn observe_rpc(&self, method: &str, code: Code, latency: Duration) {
        // Unknown methods of a known service all share one series, so
        // callers cannot grow the label set without bound.
        let method = if code == Code::Unimplemented {
            "unknown"
        } else {
            method
        };
        let mut rpcs = self.rpcs.lock().unwrap_or_else(|p| p.into_inner());
        rpcs.entry((method.to_owned(), code_name(code)))
            .or_default()
            .observe(latency.as_secs_f64());
    }

    pub fn set_serving(&self, serving: bool) {
        self.serving.store(serving, Ordering::Relaxed);
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let rpcs = self.rpcs.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str(
            "# HELP jobpay_rpc_requests_total gRPC calls finished, by method and status code.\n",
        );
        out.push_str("# TYPE jobpay_rpc_requests_total counter\n");
        for ((method, code), histogram) in rpcs.iter() {
            let _ = writeln!(
                out,
                "jobpay_rpc_requests_total{{method=\"{method}\",code=\"{code}\"}} {}",
                histogram.count
            );
        }
        out.push_str(
            "# HELP jobpay_rpc_duration_seconds gRPC call latency, by method and status code.\n",
        );
        out.push_str("# TYPE jobpay_rpc_duration_seconds histogram\n");
        for ((method, code), histogram) in rpcs.iter() {
            let labels = format!("method=\"{method}\",code=\"{code}\"");
            for (bound, count) in BUCKETS.iter().zip(histogram.buckets) {
                let _ = writeln!(
                    out,
                    "jobpay_rpc_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "jobpay_rpc_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "jobpay_rpc_duration_seconds_sum{{{labels}}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "jobpay_rpc_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }
        drop(rpcs);

        let stats = self.store.stats();
        let _ = writeln!(
            out,
            "# HELP jobpay_transaction_retries_total Transactions run again after a serialization failure, deadlock or busy database.\n\
             # TYPE jobpay_transaction_retries_total counter\n\
             jobpay_transaction_retries_total {}",
            stats.retries.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP jobpay_transactions_aborted_total Transactions that ran out of retries (ABORTED).\n\
             # TYPE jobpay_transactions_aborted_total counter\n\
             jobpay_transactions_aborted_total {}",
            stats.exhausted.load(Ordering::Relaxed)
        );
        let pool = self.store.pool_status();
        let _ = writeln!(
            out,
            "# HELP jobpay_db_pool_connections Database pool connections by state.\n\
             # TYPE jobpay_db_pool_connections gauge\n\
             jobpay_db_pool_connections{{state=\"in_use\"}} {}\n\
             jobpay_db_pool_connections{{state=\"idle\"}} {}",
            pool.in_use, pool.idle
        );
        let _ = writeln!(
            out,
            "# HELP jobpay_health_serving 1 when health reports SERVING, else 0.\n\
             # TYPE jobpay_health_serving gauge\n\
             jobpay_health_serving {}",
            u8::from(self.serving.load(Ordering::Relaxed))
        );
        self.feed.render(&mut out);
        out
    }
}

/// gRPC code names as the gRPC spec writes them (OK, NOT_FOUND, ...).
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Serves `GET /metrics` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, metrics: std::sync::Arc<Metrics>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "metrics endpoint accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let metrics = std::sync::Arc::clone(&metrics);
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let metrics = std::sync::Arc::clone(&metrics);
                async move { Ok::<_, Infallible>(respond(&metrics, &request)) }
            });
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, "metrics connection ended with an error");
            }
        });
    }
}

fn respond<B>(metrics: &Metrics, request: &Request<B>) -> Response<Full<Bytes>> {
    let response = Response::builder();
    let (status, content_type, body) = match (request.method(), request.uri().path()) {
        (&Method::GET, "/metrics") => (
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            metrics.render(),
        ),
        (_, "/metrics") => (
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "use GET\n".to_owned(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "metrics are at /metrics\n".to_owned(),
        ),
    };
    response
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("static response parts are valid")
}
