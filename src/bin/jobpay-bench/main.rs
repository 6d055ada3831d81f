//! `jobpay-bench`: named load scenarios against a running server, printing
//! wall time, calls/s, latency percentiles, outcome counts, transaction
//! retries and the server's memory (BENCHMARKS.md, `bench/run.sh`). A tool
//! beside the service, not part of the `jobpay` binary.
//!
//! Each scenario sets up its own profiles through the public API (it needs
//! the admin key), so it can run against any server, empty or not.

mod report;
mod scenarios;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use jobpay::telemetry::{self, LogFormat};
use tonic::transport::{Channel, Endpoint};

use report::Report;

fn main() -> ExitCode {
    let args = match BenchArgs::try_parse() {
        Ok(args) => args,
        Err(error) => return jobpay::cli::settings_error("jobpay-bench", error),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("jobpay-bench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        telemetry::init("warn", LogFormat::Text)?;
        run(&args).await
    });
    match outcome {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("jobpay-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Which load to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
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
    /// GetBalance with `as_of` in the middle of a profile's `--history`
    /// ledger entries and of one with 10, `--calls` each: the two should
    /// answer alike (one index seek).
    AsOf,
    /// A CSV statement of a profile with `--history` ledger entries,
    /// streamed once over HTTP: time, size, and the server's RSS before
    /// and while it streams (pass `--server-pid`).
    StatementCsv,
    /// GetOutstandingDebt over `--history` loans (each with a payment
    /// made), `--calls` times.
    Debt,
    /// Hot credit: 1,000 callers transferring 0.01 to one payee, `--calls`
    /// in all, all at once (like the storm, on the credit side).
    HotCredit,
    /// Transfers of 0.01 within 32 independent pairs (no shared balance).
    Pairs,
}

/// Options of `jobpay-bench`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "jobpay-bench",
    version,
    about = "Run a load scenario against a running jobpay server and print figures"
)]
struct BenchArgs {
    /// The scenario to run.
    #[arg(value_enum)]
    scenario: Scenario,

    /// The server to load.
    #[arg(
        long,
        env = "JOBPAY_BENCH_TARGET",
        default_value = "http://127.0.0.1:50051"
    )]
    target: String,

    /// The admin key (not its hash), to create the scenario's profiles.
    #[arg(long, env = "JOBPAY_ADMIN_KEY", hide_env_values = true)]
    admin_key: String,

    /// Calls to make.
    #[arg(long, default_value_t = 10_000)]
    calls: usize,

    /// Calls in flight at once: workers making calls back to back, like
    /// pgbench clients [default: all calls at once for storm, 64 for the
    /// others].
    #[arg(long)]
    concurrency: Option<usize>,

    /// HTTP/2 connections to spread the calls over.
    #[arg(long, default_value_t = 16)]
    connections: usize,

    /// The server's `/metrics` URL (http://host:port/metrics), to report
    /// transaction retries during the run.
    #[arg(long)]
    metrics: Option<String>,

    /// The server's process id, to report its memory (Linux, same host).
    #[arg(long)]
    server_pid: Option<u32>,

    /// Ledger entries of the long-history profile (summary scenario), or
    /// loans (debt scenario).
    #[arg(long, default_value_t = 100_000)]
    history: usize,
}

/// Runs the scenario and returns its figures.
async fn run(args: &BenchArgs) -> Result<Report, String> {
    let endpoint = Endpoint::from_shared(args.target.clone())
        .map_err(|e| format!("invalid --target: {e}"))?
        .initial_connection_window_size(jobpay::server::CONNECTION_WINDOW)
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
        Scenario::AsOf => scenarios::as_of(&load, args.calls, concurrency, args.history).await?,
        Scenario::StatementCsv => {
            scenarios::statement_csv(&load, &args.target, args.server_pid, args.history).await?
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

/// One channel of the pool, round-robin.
fn pick(channels: &[Channel], i: usize) -> Channel {
    channels[i % channels.len()].clone()
}
