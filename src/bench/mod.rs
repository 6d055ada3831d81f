//! `jobpay bench`: named load scenarios against a running server, printing
//! wall time, calls/s, latency percentiles, outcome counts, transaction
//! retries and the server's memory.
//!
//! Each scenario sets up its own profiles through the public API (it needs
//! the admin key), so it can run against any server, empty or not.

mod report;
mod scenarios;

use std::time::Duration;

use clap::{Args, ValueEnum};
use tonic::transport::{Channel, Endpoint};

pub use report::Report;

/// Which load to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// `--calls` concurrent Withdraw of 2.00 from one balance holding
    /// calls x 1.00: exactly half succeed.
    Storm,
    /// PayJob over many independent clients (one per worker).
    Pay,
    /// A GetContract / ListUnpaidJobs mix.
    Read,
    /// GetContract only, on the read scenario's set-up: the read path
    /// alone, to compare with its limit (health round trip + point read).
    GetContract,
    /// `grpc.health.v1.Health/Check`: a gRPC round trip with no database
    /// and no envelope, the server's ceiling for any call.
    Health,
    /// Random transfers among a few profiles, with deposits and
    /// withdrawals mixed in; checks that money is conserved.
    Bank,
    /// GetBalanceSummary of a profile with `--history` ledger entries and
    /// of one with 10, `--calls` each: the two should answer alike.
    Summary,
    /// GetOutstandingDebt over `--history` loans (each with a payment
    /// made), `--calls` times.
    Debt,
    /// Hot credit: 1,000 callers transferring 0.01 to one payee, `--calls`
    /// in all, all at once (like the storm, on the credit side).
    HotCredit,
    /// Transfers of 0.01 within 32 independent pairs (no shared balance).
    Pairs,
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// The scenario to run.
    #[arg(value_enum)]
    pub scenario: Scenario,

    /// The server to load.
    #[arg(
        long,
        env = "JOBPAY_BENCH_TARGET",
        default_value = "http://127.0.0.1:50051"
    )]
    pub target: String,

    /// The admin key (not its hash), to create the scenario's profiles.
    #[arg(long, env = "JOBPAY_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: String,

    /// Calls to make.
    #[arg(long, default_value_t = 10_000)]
    pub calls: usize,

    /// Calls in flight at once: workers making calls back to back, like
    /// pgbench clients [default: all calls at once for storm, 64 for the
    /// others].
    #[arg(long)]
    pub concurrency: Option<usize>,

    /// HTTP/2 connections to spread the calls over.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,

    /// The server's `/metrics` URL (http://host:port/metrics), to report
    /// transaction retries during the run.
    #[arg(long)]
    pub metrics: Option<String>,

    /// The server's process id, to report its memory (Linux, same host).
    #[arg(long)]
    pub server_pid: Option<u32>,

    /// Ledger entries of the long-history profile (summary scenario), or
    /// loans (debt scenario).
    #[arg(long, default_value_t = 100_000)]
    pub history: usize,
}

/// Runs the scenario and returns its figures.
pub async fn run(args: &BenchArgs) -> Result<Report, String> {
    let endpoint = Endpoint::from_shared(args.target.clone())
        .map_err(|e| format!("invalid --target: {e}"))?
        .initial_connection_window_size(crate::server::CONNECTION_WINDOW)
        .connect_timeout(Duration::from_secs(5));
    let mut channels = Vec::new();
    for _ in 0..args.connections.max(1) {
        channels.push(
            endpoint
                .connect()
                .await
                .map_err(|e| format!("cannot connect to {}: {e}", args.target))?,
        );
    }
    let load = scenarios::Load {
        channels,
        admin_key: args.admin_key.clone(),
    };
    let retries_before = match &args.metrics {
        Some(url) => Some(report::scrape_retries(url).await?),
        None => None,
    };
    let memory = args.server_pid.map(report::MemorySampler::start);
    let concurrency = args.concurrency.unwrap_or(match args.scenario {
        Scenario::Storm | Scenario::HotCredit => args.calls,
        _ => 64,
    });
    let mut report = match args.scenario {
        Scenario::Storm => scenarios::storm(&load, args.calls, concurrency).await?,
        Scenario::Pay => scenarios::pay(&load, args.calls, concurrency).await?,
        Scenario::Read => scenarios::read(&load, args.calls, concurrency).await?,
        Scenario::GetContract => scenarios::get_contract(&load, args.calls, concurrency).await?,
        Scenario::Health => scenarios::health(&load, args.calls, concurrency).await?,
        Scenario::Bank => scenarios::bank(&load, args.calls, concurrency).await?,
        Scenario::Summary => {
            scenarios::summary(&load, args.calls, concurrency, args.history).await?
        }
        Scenario::Debt => scenarios::debt(&load, args.calls, concurrency, args.history).await?,
        Scenario::HotCredit => scenarios::hot_credit(&load, args.calls, concurrency).await?,
        Scenario::Pairs => scenarios::pairs(&load, args.calls, concurrency).await?,
    };
    if let (Some(url), Some(before)) = (&args.metrics, retries_before) {
        report.retries = Some(report::scrape_retries(url).await?.saturating_sub(before));
    }
    if let Some(sampler) = memory {
        report.memory = Some(sampler.stop().await);
    }
    report.connections = args.connections;
    Ok(report)
}

/// Creates a client and a contractor under an in-progress contract, and
/// funds the client with `funds` the way a real client is funded (an
/// outstanding job worth four times the amount, then a deposit). Returns
/// (client id, contractor id). Used by the scenarios and by tests.
pub async fn funded_client(
    channel: Channel,
    admin_key: &str,
    funds: crate::money::Minor,
) -> Result<(i64, i64), String> {
    let load = scenarios::Load {
        channels: vec![channel],
        admin_key: admin_key.to_owned(),
    };
    let party = load.party(funds).await?;
    Ok((party.client, party.contractor))
}

/// One channel of the pool, round-robin.
pub(crate) fn pick(channels: &[Channel], i: usize) -> Channel {
    channels[i % channels.len()].clone()
}
