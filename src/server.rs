//! Wiring: the four jobpay services, health, reflection, and serving on a
//! bound listener until shutdown.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::api::AppState;
use crate::api::admin::AdminApi;
use crate::api::balances::BalanceApi;
use crate::api::contracts::ContractApi;
use crate::api::jobs::JobApi;
use crate::proto::pb::admin_service_server::AdminServiceServer;
use crate::proto::pb::balance_service_server::BalanceServiceServer;
use crate::proto::pb::contract_service_server::ContractServiceServer;
use crate::proto::pb::job_service_server::JobServiceServer;
use crate::proto::{FILE_DESCRIPTOR_SET, SERVICE_NAMES};

/// HTTP/2 connection-level flow-control window, in bytes.
pub const CONNECTION_WINDOW: u32 = 4 * 1024 * 1024;

/// Transport limits of the gRPC server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Largest request message accepted, in bytes.
    pub max_message_size: usize,
    /// Calls in flight on one HTTP/2 connection; more wait in the client.
    pub max_concurrent_streams: u32,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_message_size: 4 * 1024 * 1024,
            max_concurrent_streams: 1024,
        }
    }
}

/// Sets overall ("") and per-service health.
pub async fn set_health(reporter: &HealthReporter, status: ServingStatus) {
    reporter.set_service_status("", status).await;
    for name in SERVICE_NAMES {
        reporter.set_service_status(name, status).await;
    }
}

/// Serves every service on `listener` until `shutdown` resolves, then lets
/// in-flight calls finish.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    set_health(&health_reporter, ServingStatus::Serving).await;

    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;

    let limit = options.max_message_size;
    Server::builder()
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .max_concurrent_streams(Some(options.max_concurrent_streams))
        // A large connection window keeps many small concurrent requests
        // within h2's budget for small DATA frames (half the window).
        .initial_connection_window_size(Some(CONNECTION_WINDOW))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(
            ContractServiceServer::new(ContractApi::new(state.clone()))
                .max_decoding_message_size(limit),
        )
        .add_service(
            JobServiceServer::new(JobApi::new(state.clone())).max_decoding_message_size(limit),
        )
        .add_service(
            BalanceServiceServer::new(BalanceApi::new(state.clone()))
                .max_decoding_message_size(limit),
        )
        .add_service(AdminServiceServer::new(AdminApi::new(state)).max_decoding_message_size(limit))
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await?;
    Ok(())
}
