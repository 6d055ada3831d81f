//! The envelope of every jobpay call: refuse fast when the database is
//! down, shed load beyond the concurrency limit, enforce the deadline, and
//! record one span, one log line and the metrics of the call.
//!
//! It wraps each jobpay service (not health or reflection, so probes keep
//! answering under load and during outages).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::{HeaderMap, Request, Response};
use tokio::sync::Semaphore;
use tonic::Code;
use tonic::body::Body;
use tonic::server::NamedService;
use tracing::Instrument;

use super::metrics::{Metrics, code_name};
use crate::error::Error;

/// Whether the database answered its last health check. Calls are refused
/// with UNAVAILABLE while it did not, instead of waiting on the pool.
#[derive(Debug, Default)]
pub struct DatabaseStatus {
    available: AtomicBool,
}

impl DatabaseStatus {
    pub fn new(available: bool) -> Self {
        DatabaseStatus {
            available: AtomicBool::new(available),
        }
    }

    pub fn is_available(&self) -> bool {
        self.available.load(Ordering::Relaxed)
    }

    /// Records the new state; returns whether it changed.
    pub fn set_available(&self, available: bool) -> bool {
        self.available.swap(available, Ordering::Relaxed) != available
    }
}

/// Shared by the envelopes of every service.
pub struct GuardContext {
    pub database: Arc<DatabaseStatus>,
    pub metrics: Arc<Metrics>,
    pub in_flight: Arc<Semaphore>,
    pub default_timeout: Duration,
}

/// A service wrapped in the envelope.
#[derive(Clone)]
pub struct Guarded<S> {
    inner: S,
    context: Arc<GuardContext>,
}

impl<S> Guarded<S> {
    pub fn new(inner: S, context: Arc<GuardContext>) -> Self {
        Guarded { inner, context }
    }
}

impl<S: NamedService> NamedService for Guarded<S> {
    const NAME: &'static str = S::NAME;
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> tower::Service<Request<Body>> for Guarded<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    /// The checks, the permit and the inner call happen here, before
    /// anything is boxed: the future a call keeps while it waits holds only
    /// its record, its deadline timer and the inner future (10,000 calls in
    /// flight each keep one).
    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        let context = &self.context;
        let timeout = grpc_timeout(request.headers())
            .map_or(context.default_timeout, |t| t.min(context.default_timeout));
        let mut record = CallRecord::start(&request, timeout, &context.metrics);
        let refused = if !context.database.is_available() {
            Some(Error::Unavailable("database health check failing".into()))
        } else if let Ok(permit) = Arc::clone(&context.in_flight).try_acquire_owned() {
            // Held by the call, and by its money movement until that has run.
            request
                .extensions_mut()
                .insert(crate::ledger::Hold::new(permit));
            None
        } else {
            Some(Error::Overloaded)
        };
        if let Some(error) = refused {
            let response = refuse(error);
            record.code = Some(response_code(response.headers()));
            return Box::pin(std::future::ready(Ok(response)));
        }
        // Polled ready by `poll_ready`; the returned future owns all it needs.
        let inner = {
            let _entered = record.span.enter();
            self.inner.call(request)
        }
        .instrument(record.span.clone());
        let budget = timeout.saturating_sub(DEADLINE_MARGIN);
        Box::pin(async move {
            // The whole record moves in (not just the field written below):
            // its drop logs and counts the call, also when the transport
            // drops this future.
            let mut record = record;
            let response = match tokio::time::timeout(budget, inner).await {
                Ok(Ok(response)) => response,
                Ok(Err(never)) => match never {},
                Err(_) => refuse(Error::DeadlineExceeded),
            };
            let response = message_too_large_as_resource_exhausted(response);
            record.code = Some(response_code(response.headers()));
            Ok(response)
        })
    }
}

/// Deadlines end this much before the client's own, so the server answers
/// DEADLINE_EXCEEDED itself rather than being cut off by the transport.
const DEADLINE_MARGIN: Duration = Duration::from_millis(2);

/// How close to its deadline a call dropped by the transport counts as
/// expired rather than cancelled.
const DROP_TOLERANCE: Duration = Duration::from_millis(20);

/// tonic refuses an oversized request with OUT_OF_RANGE and no details; gRPC
/// says RESOURCE_EXHAUSTED, and jobpay's errors carry an ErrorInfo.
fn message_too_large_as_resource_exhausted(response: Response<Body>) -> Response<Body> {
    const TOO_LARGE: &str = "Error, decoded message length too large: ";
    let headers = response.headers();
    if response_code(headers) != Code::OutOfRange {
        return response;
    }
    let Some(detail) = headers
        .get("grpc-message")
        .and_then(|m| m.to_str().ok())
        .map(percent_decode)
        .and_then(|m| m.strip_prefix(TOO_LARGE).map(str::to_owned))
    else {
        return response;
    };
    refuse(Error::MessageTooLarge(detail))
}

/// `grpc-message` is percent-encoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Logs and counts a call when it ends, including when the transport drops
/// it (client cancellation, transport deadline).
struct CallRecord {
    span: tracing::Span,
    method: String,
    started: Instant,
    deadline: Instant,
    metrics: Arc<Metrics>,
    code: Option<Code>,
}

impl CallRecord {
    fn start<B>(request: &Request<B>, timeout: Duration, metrics: &Arc<Metrics>) -> CallRecord {
        let caller = request
            .headers()
            .get(crate::auth::PROFILE_ID_KEY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let caller = caller.get(..20).unwrap_or(caller);
        let method = request.uri().path().to_owned();
        let started = Instant::now();
        CallRecord {
            span: tracing::info_span!("rpc", method = %method, caller = %caller),
            method,
            started,
            deadline: started + timeout,
            metrics: Arc::clone(metrics),
            code: None,
        }
    }
}

impl Drop for CallRecord {
    fn drop(&mut self) {
        // Dropped by the transport: a client giving up at (about) its
        // deadline is a deadline expiry, earlier it is a cancellation.
        let code = self
            .code
            .unwrap_or(if Instant::now() + DROP_TOLERANCE >= self.deadline {
                Code::DeadlineExceeded
            } else {
                Code::Cancelled
            });
        let latency = self.started.elapsed();
        self.metrics.observe_rpc(&self.method, code, latency);
        let latency_ms = latency.as_secs_f64() * 1000.0;
        let code = code_name(code);
        let _entered = self.span.enter();
        match code {
            "INTERNAL" | "UNKNOWN" | "DATA_LOSS" | "UNIMPLEMENTED" => {
                tracing::error!(code, latency_ms, "rpc finished")
            }
            "UNAVAILABLE" | "ABORTED" | "RESOURCE_EXHAUSTED" | "DEADLINE_EXCEEDED" => {
                tracing::warn!(code, latency_ms, "rpc finished")
            }
            _ => tracing::info!(code, latency_ms, "rpc finished"),
        }
    }
}

fn refuse(error: Error) -> Response<Body> {
    tonic::Status::from(error).into_http()
}

/// The status of a unary response: errors are trailers-only (the code is in
/// the headers); a response without `grpc-status` headers is OK.
fn response_code(headers: &HeaderMap) -> Code {
    headers
        .get("grpc-status")
        .map_or(Code::Ok, |value| Code::from_bytes(value.as_bytes()))
}

/// The client's deadline from the `grpc-timeout` header (`1S`, `250m`,
/// ...): at most 8 digits and a unit of H, M, S, m (ms), u (µs) or n (ns).
pub fn grpc_timeout(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get("grpc-timeout")?.to_str().ok()?;
    if text.len() < 2 || text.len() > 9 {
        return None;
    }
    let (digits, unit) = text.split_at(text.len() - 1);
    let value: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(value.saturating_mul(3600)),
        "M" => Duration::from_secs(value.saturating_mul(60)),
        "S" => Duration::from_secs(value),
        "m" => Duration::from_millis(value),
        "u" => Duration::from_micros(value),
        "n" => Duration::from_nanos(value),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(timeout: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-timeout", timeout.parse().unwrap());
        headers
    }

    #[test]
    fn parses_grpc_timeouts() {
        assert_eq!(grpc_timeout(&headers("1S")), Some(Duration::from_secs(1)));
        assert_eq!(
            grpc_timeout(&headers("250m")),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            grpc_timeout(&headers("2H")),
            Some(Duration::from_secs(7200))
        );
        assert_eq!(
            grpc_timeout(&headers("99999999u")),
            Some(Duration::from_micros(99_999_999))
        );
        assert_eq!(grpc_timeout(&headers("S")), None);
        assert_eq!(grpc_timeout(&headers("123456789S")), None);
        assert_eq!(grpc_timeout(&headers("10x")), None);
        assert_eq!(grpc_timeout(&HeaderMap::new()), None);
    }
}
