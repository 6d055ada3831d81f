//! `jobpay-feed-sim`: the simulated upstream transaction service (the
//! `feed-sim` crate) in generated mode, for demos and `bench/feed.sh`
//! against `jobpay serve --feed-url`. A tool beside the service, not part of
//! the `jobpay` binary.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use clap::Parser;
use feed_sim::{GeneratedConfig, Upstream};
use jobpay::config::parse_duration;
use jobpay::telemetry::{self, LogFormat};
use tokio::net::TcpListener;

fn main() -> ExitCode {
    let args = match FeedSimArgs::try_parse() {
        Ok(args) => args,
        Err(error) => return jobpay::cli::settings_error("jobpay-feed-sim", error),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("jobpay-feed-sim: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        telemetry::init("info", LogFormat::Text)?;
        run(args).await
    });
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("jobpay-feed-sim: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Options of `jobpay-feed-sim`.
#[derive(Debug, Parser)]
#[command(
    name = "jobpay-feed-sim",
    version,
    about = "A simulated upstream transaction service for `jobpay serve --feed-url`: \
             generated users and transactions, rate-limited like the real one"
)]
struct FeedSimArgs {
    /// Address to listen on.
    #[arg(long, env = "JOBPAY_SIM_LISTEN", default_value = "127.0.0.1:8088")]
    listen: SocketAddr,
    /// How many transactions the simulated upstream creates per minute.
    #[arg(long, env = "JOBPAY_SIM_ITEMS_PER_MINUTE", default_value_t = 4000,
          value_parser = clap::value_parser!(u32).range(1..))]
    items_per_minute: u32,
    /// How many distinct users the transactions belong to.
    #[arg(long, env = "JOBPAY_SIM_USERS", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    users: u32,
    /// How many requests are allowed in any rate window; more get 429.
    #[arg(long, env = "JOBPAY_SIM_REQUESTS_PER_MINUTE", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..))]
    requests_per_minute: u32,
    /// Length of the sliding rate-limit window, e.g. "60s". The real upstream
    /// uses one minute; a shorter window speeds up time-scaled tests and demos.
    #[arg(long, env = "JOBPAY_SIM_RATE_WINDOW", default_value = "60s", value_parser = parse_rate_window)]
    rate_window: Duration,
    /// Start the transaction stream this long before now (e.g. "2h"), so that
    /// history is available at once.
    #[arg(long, env = "JOBPAY_SIM_BACKFILL", default_value = "0s", value_parser = parse_backfill)]
    backfill: Duration,
    /// Seed for the generated users and amounts; the same seed gives the same items.
    #[arg(long, env = "JOBPAY_SIM_SEED", default_value_t = 1)]
    seed: u64,
}

fn parse_rate_window(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        Duration::ZERO => Err("the rate window must be longer than zero".to_owned()),
        window => Ok(window),
    }
}

/// Like `parse_duration`, but always accepts a zero such as "0" or "0s".
fn parse_backfill(text: &str) -> Result<Duration, String> {
    parse_duration(text).or_else(|error| {
        let digits = text
            .trim()
            .trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let zero = !digits.is_empty() && digits.bytes().all(|byte| byte == b'0');
        if zero { Ok(Duration::ZERO) } else { Err(error) }
    })
}

/// Serves the generated stream until Ctrl-C.
async fn run(args: FeedSimArgs) -> Result<ExitCode, String> {
    let backfill = chrono::Duration::from_std(args.backfill)
        .map_err(|_| "--backfill is too large".to_owned())?;
    let start = Utc::now()
        .checked_sub_signed(backfill)
        .ok_or("--backfill reaches too far into the past")?;
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|error| format!("cannot listen on --listen {}: {error}", args.listen))?;
    let address = listener.local_addr().unwrap_or(args.listen);
    let config = GeneratedConfig {
        items_per_minute: args.items_per_minute,
        users: args.users,
        start,
        seed: args.seed,
    };
    let upstream = Arc::new(Upstream::generated(
        config,
        args.requests_per_minute,
        args.rate_window,
    ));
    println!(
        "jobpay-feed-sim listening on http://{address} ({} items/min, {} requests per {:?})",
        args.items_per_minute, args.requests_per_minute, args.rate_window
    );
    tracing::info!(%address, %start, seed = args.seed, users = args.users, "jobpay-feed-sim started");
    let mut server = feed_sim::spawn(upstream, listener);
    tokio::select! {
        signal = tokio::signal::ctrl_c() => {
            server.abort();
            signal.map_err(|error| format!("cannot wait for Ctrl-C: {error}"))?;
            tracing::info!("jobpay-feed-sim stopped");
            Ok(ExitCode::SUCCESS)
        }
        _ = &mut server => Err("stopped: accepting connections keeps failing".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_parsers() {
        let args = FeedSimArgs::try_parse_from(["jobpay-feed-sim", "--rate-window", "500ms"])
            .expect("args");
        assert_eq!(
            (args.listen.port(), args.items_per_minute, args.users),
            (8088, 4000, 100)
        );
        assert_eq!(
            (args.requests_per_minute, args.rate_window),
            (5, Duration::from_millis(500))
        );
        assert_eq!((args.backfill, args.seed), (Duration::ZERO, 1));
        assert!(FeedSimArgs::try_parse_from(["jobpay-feed-sim", "--users", "0"]).is_err());
        assert_eq!(parse_backfill("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_backfill("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_backfill("s").is_err() && parse_rate_window("0s").is_err());
    }
}
