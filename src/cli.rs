//! What each `jobpay` subcommand does.

use std::process::ExitCode;

use clap::Parser as _;

use crate::app;
use crate::audit;
use crate::config::{Cli, Command, DatabaseArgs, SeedArgs, ServeArgs};
use crate::seed::{self, SeedOutcome};
use crate::store::{Store, StoreOptions};
use crate::telemetry::{self, LogFormat};

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return settings_error("jobpay", error),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("jobpay: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli))
}

/// `--help` and `--version` print as usual; a bad setting stops start-up
/// with one line that names it, after `program` (exit status 2). The tools
/// (`jobpay-bench`, `jobpay-feed-sim`) answer their settings the same way.
pub fn settings_error(program: &str, error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        _ => {
            // The first paragraph of clap's message, on one line.
            let rendered = error.render().to_string();
            let paragraph = rendered.split("\n\n").next().unwrap_or("invalid settings");
            let line = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
            eprintln!("{program}: {}", line.trim_start_matches("error: "));
            ExitCode::from(2)
        }
    }
}

/// `jobpay bench` and `jobpay feed-sim` are tools of their own now: one
/// line naming the binary, exit status 2 (a usage error), nothing run.
fn moved_subcommand(tool: &str) -> ExitCode {
    let old = tool.trim_start_matches("jobpay-");
    eprintln!(
        "jobpay: `jobpay {old}` moved to its own binary: run `{tool}` \
         (`cargo run --bin {tool} -- --help`)"
    );
    ExitCode::from(2)
}

async fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Migrate(args) => migrate(args).await,
        Command::Seed(args) => seed_command(args).await,
        Command::Audit(args) => audit_command(args).await,
        Command::Bench(_) => Ok(moved_subcommand("jobpay-bench")),
        Command::FeedSim(_) => Ok(moved_subcommand("jobpay-feed-sim")),
        Command::Openapi => {
            print!("{}", crate::server::json::openapi::render());
            Ok(ExitCode::SUCCESS)
        }
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("jobpay: {message}");
            ExitCode::FAILURE
        }
    }
}

fn store_options(args: &DatabaseArgs) -> StoreOptions {
    let mut options = StoreOptions::new(args.url());
    options.pool_size = args.pool_size;
    options.log_statements = args.log_sql;
    options
}

/// Connects once; for the one-shot commands.
async fn connect(args: &DatabaseArgs) -> Result<Store, String> {
    Store::connect(&store_options(args))
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))
}

async fn migrate(args: DatabaseArgs) -> Result<ExitCode, String> {
    telemetry::init("info", LogFormat::Text)?;
    let store = connect(&args).await?;
    let applied = store
        .migrate()
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    println!("applied {} migration(s)", applied.len());
    Ok(ExitCode::SUCCESS)
}

async fn seed_command(args: SeedArgs) -> Result<ExitCode, String> {
    telemetry::init("warn", LogFormat::Text)?;
    let store = connect(&args.database).await?;
    store
        .migrate()
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    match seed::seed(&store, seed::DEMO_DATA, args.force).await {
        Ok(SeedOutcome::Loaded {
            profiles,
            contracts,
            jobs,
        }) => {
            println!("loaded {profiles} profiles, {contracts} contracts, {jobs} jobs");
            Ok(ExitCode::SUCCESS)
        }
        Ok(SeedOutcome::NotEmpty) => Err(
            "the database already has data; `jobpay seed --force` deletes it and reloads".into(),
        ),
        Err(e) => Err(format!("seeding failed: {e:?}")),
    }
}

async fn audit_command(args: DatabaseArgs) -> Result<ExitCode, String> {
    telemetry::init("warn", LogFormat::Text)?;
    let store = connect(&args).await?;
    let report = audit::audit(&store)
        .await
        .map_err(|e| format!("audit could not run: {e:?}"))?;
    println!("{report}");
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn serve(args: ServeArgs) -> Result<ExitCode, String> {
    telemetry::init(&args.log_level, args.log_format)?;
    app::serve(args).await?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
