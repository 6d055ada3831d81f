//! What each `jobpay` subcommand does.

use std::process::ExitCode;

use clap::Parser as _;

use crate::app;
use crate::audit;
use crate::config::{Cli, Command, DatabaseArgs, SeedArgs, ServeArgs};
use crate::seed::{self, SeedOutcome};
use crate::store::{NotReady, Store, StoreOptions};
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
        Err(stop) => {
            eprintln!("jobpay: {}", stop.message);
            ExitCode::from(stop.status)
        }
    }
}

/// Why a command stopped: one line, and the exit status. 2 when the
/// database is not set up for the command ([`NotReady`]: something to run
/// first, as for a bad setting), 1 for any other failure.
#[derive(Debug)]
pub struct Stop {
    pub message: String,
    pub status: u8,
}

impl From<String> for Stop {
    fn from(message: String) -> Self {
        Stop { message, status: 1 }
    }
}

impl From<NotReady> for Stop {
    fn from(not_ready: NotReady) -> Self {
        Stop {
            message: not_ready.to_string(),
            status: 2,
        }
    }
}

/// Whether a one-shot command may create the SQLite file it is pointed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Creates {
    /// `migrate` makes databases (as `serve` does).
    Database,
    /// `audit` and `seed` use one `migrate` made: a missing file is a
    /// one-line answer, and none is left behind.
    Nothing,
}

fn store_options(args: &DatabaseArgs, creates: Creates) -> StoreOptions {
    let mut options = StoreOptions::new(args.url());
    options.pool_size = args.pool_size;
    options.log_statements = args.log_sql;
    options.create_if_missing = creates == Creates::Database;
    options
}

/// Connects once; for the one-shot commands. A database that is not there
/// (no file, no such PostgreSQL database, credentials refused) says what to
/// do, with exit status 2.
async fn connect(args: &DatabaseArgs, creates: Creates) -> Result<Store, Stop> {
    let options = store_options(args, creates);
    Store::connect(&options)
        .await
        .map_err(|e| match crate::store::not_ready(&e, &options) {
            Some(not_ready) => not_ready.into(),
            None => format!("cannot connect to the database: {e}").into(),
        })
}

/// Connects to a database whose schema is this release's: the commands
/// that read or fill one but never change its schema.
async fn connect_to_schema(args: &DatabaseArgs) -> Result<Store, Stop> {
    let store = connect(args, Creates::Nothing).await?;
    match store.schema_not_ready().await {
        Ok(None) => Ok(store),
        Ok(Some(not_ready)) => Err(not_ready.into()),
        Err(e) => Err(format!("cannot read the applied migrations: {e}").into()),
    }
}

async fn migrate(args: DatabaseArgs) -> Result<ExitCode, Stop> {
    telemetry::init("info", LogFormat::Text)?;
    let store = connect(&args, Creates::Database).await?;
    let applied = store
        .migrate()
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    println!("applied {} migration(s)", applied.len());
    Ok(ExitCode::SUCCESS)
}

/// Seeding fills a database `migrate` made; it neither creates one nor
/// changes its schema, so a mistyped path or URL is an answer, not a new
/// empty database with demo data in it.
async fn seed_command(args: SeedArgs) -> Result<ExitCode, Stop> {
    telemetry::init("warn", LogFormat::Text)?;
    let store = connect_to_schema(&args.database).await?;
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
            "the database already has data; `jobpay seed --force` deletes it and reloads"
                .to_owned()
                .into(),
        ),
        Err(e) => Err(format!("seeding failed: {e:?}").into()),
    }
}

/// The audit only reads: it never creates a database or a schema.
async fn audit_command(args: DatabaseArgs) -> Result<ExitCode, Stop> {
    telemetry::init("warn", LogFormat::Text)?;
    let store = connect_to_schema(&args).await?;
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

async fn serve(args: ServeArgs) -> Result<ExitCode, Stop> {
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
