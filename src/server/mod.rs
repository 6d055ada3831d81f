//! Wiring: the four jobpay services inside their call envelope, health,
//! reflection, optional TLS, and serving on a bound listener until shutdown.

pub mod guard;
pub mod json;
pub mod metrics;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::{Identity, Server, ServerTlsConfig};
use tonic_health::ServingStatus;
use tonic_health::pb::health_server::HealthServer;
use tonic_health::server::{HealthReporter, HealthService};

use self::guard::{DatabaseStatus, GuardContext, Guarded};
use self::metrics::Metrics;
use crate::api::AppState;
use crate::api::admin::AdminApi;
use crate::api::balances::BalanceApi;
use crate::api::contracts::ContractApi;
use crate::api::jobs::JobApi;
use crate::api::loans::LoanApi;
use crate::api::payouts::PayoutApi;
use crate::proto::pb::admin_service_server::AdminServiceServer;
use crate::proto::pb::balance_service_server::BalanceServiceServer;
use crate::proto::pb::contract_service_server::ContractServiceServer;
use crate::proto::pb::job_service_server::JobServiceServer;
use crate::proto::pb::loan_service_server::LoanServiceServer;
use crate::proto::pb::payout_service_server::PayoutServiceServer;
use crate::proto::{FILE_DESCRIPTOR_SET, SERVICE_NAMES};

/// A health service name that is SERVING for as long as the process runs
/// (until shutdown): for liveness probes, which must not follow the
/// database the way overall health does.
pub const LIVENESS_SERVICE: &str = "liveness";

/// HTTP/2 connection-level flow-control window, in bytes. A large window
/// keeps many small concurrent calls within h2's budget for small DATA
/// frames (half the window).
pub const CONNECTION_WINDOW: u32 = 4 * 1024 * 1024;

/// Transport limits and TLS.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Largest request message accepted, in bytes.
    pub max_message_size: usize,
    /// Calls in flight on one HTTP/2 connection; more wait in the client.
    pub max_concurrent_streams: u32,
    /// Calls served at once over all connections; more get
    /// RESOURCE_EXHAUSTED.
    pub concurrency_limit: usize,
    /// Deadline of a call that sends none.
    pub default_timeout: Duration,
    /// Certificate chain and key (PEM files): serve TLS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Browser origins allowed to call (CORS); empty: none, `*`: any.
    pub cors_allowed_origins: Vec<String>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_message_size: 4 * 1024 * 1024,
            max_concurrent_streams: 1024,
            concurrency_limit: 20_000,
            default_timeout: Duration::from_secs(30),
            tls: None,
            cors_allowed_origins: Vec::new(),
        }
    }
}

/// What a running server shares with whoever runs it: health it reports,
/// the database status its calls check, the metrics it records.
#[derive(Clone)]
pub struct Runtime {
    pub health: HealthReporter,
    pub database: Arc<DatabaseStatus>,
    pub metrics: Arc<Metrics>,
}

impl Runtime {
    /// Not serving yet: the database has not been reached.
    pub fn starting(metrics: Metrics) -> Runtime {
        Runtime {
            health: HealthReporter::new(),
            database: Arc::new(DatabaseStatus::new(false)),
            metrics: Arc::new(metrics),
        }
    }

    /// Serving from the start (the database is known to answer).
    pub async fn ready(metrics: Metrics) -> Runtime {
        let runtime = Runtime::starting(metrics);
        runtime.set_serving(true).await;
        runtime
    }

    /// Flips health (overall and per service), the database status and the
    /// health gauge together.
    pub async fn set_serving(&self, serving: bool) {
        self.database.set_available(serving);
        self.metrics.set_serving(serving);
        self.set_health(serving).await;
    }

    /// Health only: NOT_SERVING during shutdown while calls still drain.
    pub async fn set_health(&self, serving: bool) {
        let status = if serving {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        self.health.set_service_status("", status).await;
        for name in SERVICE_NAMES {
            self.health.set_service_status(name, status).await;
        }
    }
}

/// The largest request metadata (HTTP/2 header list) accepted.
pub const MAX_METADATA_BYTES: u32 = 256 * 1024;

/// Why the server could not run.
pub type ServeError = Box<dyn std::error::Error + Send + Sync>;

/// Serves every service on `listener` until `shutdown` resolves, then
/// stops accepting calls and lets in-flight ones finish.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    options: ServeOptions,
    runtime: &Runtime,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    runtime
        .health
        .set_service_status(LIVENESS_SERVICE, ServingStatus::Serving)
        .await;
    let health = HealthServer::new(HealthService::from_health_reporter(runtime.health.clone()));
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let guard = Arc::new(GuardContext {
        database: Arc::clone(&runtime.database),
        metrics: Arc::clone(&runtime.metrics),
        in_flight: Arc::new(Semaphore::new(options.concurrency_limit)),
        default_timeout: options.default_timeout,
    });
    let guarded = |service| Guarded::new(service, Arc::clone(&guard));
    let limit = options.max_message_size;

    let mut builder = Server::builder()
        .accept_http1(true)
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .max_concurrent_streams(Some(options.max_concurrent_streams))
        // Metadata up to 256 KiB reaches the handlers, which refuse what
        // is malformed with a clear status (hyper's 16 KiB default answers
        // HTTP 431, which clients report as UNKNOWN).
        .http2_max_header_list_size(MAX_METADATA_BYTES)
        .initial_connection_window_size(Some(CONNECTION_WINDOW));
    if let Some((cert, key)) = &options.tls {
        builder = builder.tls_config(load_tls(cert, key)?)?;
    }
    builder
        .layer(cors(&options.cors_allowed_origins)?)
        .layer(json::JsonLayer::new(limit))
        .layer(tonic_web::GrpcWebLayer::new())
        .add_service(health)
        .add_service(reflection().build_v1()?)
        .add_service(reflection().build_v1alpha()?)
        .add_service(guarded(
            ContractServiceServer::new(ContractApi::new(state.clone()))
                .max_decoding_message_size(limit),
        ))
        .add_service(Guarded::new(
            JobServiceServer::new(JobApi::new(state.clone())).max_decoding_message_size(limit),
            Arc::clone(&guard),
        ))
        .add_service(Guarded::new(
            BalanceServiceServer::new(BalanceApi::new(state.clone()))
                .max_decoding_message_size(limit),
            Arc::clone(&guard),
        ))
        .add_service(Guarded::new(
            PayoutServiceServer::new(PayoutApi::new(state.clone()))
                .max_decoding_message_size(limit),
            Arc::clone(&guard),
        ))
        .add_service(Guarded::new(
            LoanServiceServer::new(LoanApi::new(state.clone())).max_decoding_message_size(limit),
            Arc::clone(&guard),
        ))
        .add_service(Guarded::new(
            AdminServiceServer::new(AdminApi::new(state)).max_decoding_message_size(limit),
            Arc::clone(&guard),
        ))
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await?;
    Ok(())
}

/// CORS for browsers: preflights answered for the allowed origins, the
/// metadata headers allowed, the gRPC status headers exposed. With no
/// origin allowed, browsers on other origins are refused (same-origin
/// pages and non-browser clients are unaffected).
fn cors(origins: &[String]) -> Result<tower_http::cors::CorsLayer, ServeError> {
    use http::{HeaderName, HeaderValue, Method};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let list = origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o)
                    .map_err(|_| format!("invalid --cors-allowed-origins entry {o:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(list)
    };
    let headers = |names: &[&'static str]| -> Vec<HeaderName> {
        names.iter().map(|n| HeaderName::from_static(n)).collect()
    };
    Ok(CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers(headers(&[
            "content-type",
            "authorization",
            "profile_id",
            "x-admin-key",
            "x-grpc-web",
            "x-user-agent",
            "grpc-timeout",
            "connect-protocol-version",
            "connect-timeout-ms",
        ]))
        .expose_headers(headers(&[
            "grpc-status",
            "grpc-message",
            "grpc-status-details-bin",
        ]))
        .max_age(Duration::from_secs(600)))
}

fn load_tls(cert: &PathBuf, key: &PathBuf) -> Result<ServerTlsConfig, ServeError> {
    let read = |path: &PathBuf, setting: &str| {
        std::fs::read(path).map_err(|e| format!("cannot read {setting} {}: {e}", path.display()))
    };
    let identity = Identity::from_pem(read(cert, "--tls-cert")?, read(key, "--tls-key")?);
    Ok(ServerTlsConfig::new().identity(identity))
}
