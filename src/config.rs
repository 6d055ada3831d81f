//! Command line and environment: every setting is a flag with a `JOBPAY_*`
//! environment equivalent and a documented default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::store::DEFAULT_DATABASE_URL;
use crate::telemetry::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "jobpay",
    version,
    about = "gRPC contractor-payments service with an exact, concurrent-safe ledger"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gRPC server (applies pending migrations first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Load the demo data into a database `jobpay migrate` made; refuses
    /// one that has data unless --force.
    ///
    /// Seed creates no database and changes no schema: with no database
    /// file, no jobpay schema or migrations still to apply, it says what to
    /// run and exits with status 2.
    Seed(SeedArgs),
    /// Check the ledger's invariants in one read-only snapshot; exit status
    /// 0 only when every check holds.
    ///
    /// For every balance (one per profile and currency), checks that:
    ///   - it equals its ledger entries' credits minus debits in its currency
    ///   - neither it nor its held amount is negative, and held <= balance
    ///   - held equals its requested payouts
    ///   - every summary total (opening, deposited, withdrawn, earned, spent,
    ///     transferred in and out, paid out) equals the ledger sum feeding it
    ///   - borrowed and repaid equal its loans' amounts and made installments
    ///
    /// Across the database, checks:
    ///   - every currency a balance, contract, job or entry names exists
    ///   - entries' reversed totals and jobs' refunded against their reversals
    ///
    /// It prints the counts of profiles, balances and entries and each
    /// currency's total, then every finding.
    ///
    /// The audit creates nothing: with no database file, no jobpay schema or
    /// migrations still to apply, it says what to run and exits with status 2.
    #[command(verbatim_doc_comment)]
    Audit(DatabaseArgs),
    /// Moved to the `jobpay-bench` binary: answers with one line saying so.
    #[command(hide = true, disable_help_flag = true)]
    Bench(MovedArgs),
    /// Moved to the `jobpay-feed-sim` binary: answers with one line saying so.
    #[command(hide = true, disable_help_flag = true)]
    FeedSim(MovedArgs),
    /// Print the OpenAPI document of the REST routes (generated from the
    /// protos; docs/openapi.json is the committed copy).
    Openapi,
}

/// Whatever follows a subcommand that moved to a binary of its own: it is
/// not parsed, so any old command line gets the same one-line answer.
#[derive(Debug, Clone, Args)]
pub struct MovedArgs {
    #[arg(num_args = 0.., allow_hyphen_values = true, trailing_var_arg = true)]
    pub ignored: Vec<std::ffi::OsString>,
}

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `postgres://user@host:5432/db` or `sqlite://path?mode=rwc`
    /// [default: DATABASE_URL when set, else sqlite://jobpay.db?mode=rwc, the
    /// file jobpay.db in the working directory]. `serve` and `migrate` create
    /// a missing SQLite file; `audit` and `seed` never do. PostgreSQL's
    /// `sslmode` is libpq's (`prefer` when unset: TLS when the server
    /// offers it), with `sslrootcert`; an unknown parameter is an error.
    #[arg(long, env = "JOBPAY_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Database connections in the pool [default: 16 on PostgreSQL; on
    /// SQLite, 4 read connections beside its one writer]. On PostgreSQL the
    /// ledger writer and the health monitor each have one more of their own
    /// (and the feed's leader one for its lease).
    #[arg(long, env = "JOBPAY_POOL_SIZE", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub pool_size: Option<u32>,

    /// Log every SQL statement (at DEBUG).
    #[arg(long, env = "JOBPAY_LOG_SQL", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub log_sql: bool,

    /// Attempts to reach the database at start before giving up.
    #[arg(long, env = "JOBPAY_DB_CONNECT_RETRIES", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub db_connect_retries: u32,

    /// Pause between attempts to reach the database at start.
    #[arg(long, env = "JOBPAY_DB_CONNECT_INTERVAL", default_value = "2s", value_parser = parse_duration)]
    pub db_connect_interval: Duration,
}

impl DatabaseArgs {
    /// `--database-url`, else `JOBPAY_DATABASE_URL`, else `DATABASE_URL`,
    /// else a SQLite file `jobpay.db` in the working directory.
    pub fn url(&self) -> String {
        self.database_url
            .clone()
            .or_else(|| std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
    }
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Delete all existing data first.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address to serve gRPC on: an IP address and a port (0.0.0.0:50051
    /// for every interface).
    #[arg(long, env = "JOBPAY_LISTEN", default_value = "127.0.0.1:50051", value_parser = parse_listen)]
    pub listen: SocketAddr,

    /// Load the demo data into an empty database first; with no admin key
    /// configured, generate one and print it once.
    #[arg(long)]
    pub demo: bool,

    /// Apply pending migrations at start (`--migrate=false` when a separate
    /// job runs `jobpay migrate`).
    #[arg(long, env = "JOBPAY_MIGRATE", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub migrate: bool,

    /// Hex SHA-256 of the admin API key: `printf %s "$KEY" | sha256sum`
    /// (no newline hashed). Unset: admin calls are refused.
    #[arg(long, env = "JOBPAY_ADMIN_KEY_SHA256", hide_env_values = true)]
    pub admin_key_sha256: Option<String>,

    /// How callers of the profile services are identified: `header` (the
    /// `profile_id` metadata, for demos) or `jwt` (the `sub` of a verified
    /// token in `authorization: Bearer`; admin calls then send the admin key
    /// as `x-admin-key`).
    #[arg(long, env = "JOBPAY_CALLER_AUTH", value_enum, default_value_t = CallerAuthMode::Header)]
    pub caller_auth: CallerAuthMode,

    /// JWT mode: file holding the HS256 secret (at least 32 bytes).
    #[arg(long, env = "JOBPAY_JWT_SECRET_FILE")]
    pub jwt_secret_file: Option<std::path::PathBuf>,

    /// JWT mode: PEM public key file (RSA: RS256, P-256: ES256); repeat or
    /// separate with commas for several keys (rotation).
    #[arg(long, env = "JOBPAY_JWT_PUBLIC_KEY_FILE", value_delimiter = ',')]
    pub jwt_public_key_file: Vec<std::path::PathBuf>,

    /// JWT mode: the required `iss` claim, when set.
    #[arg(long, env = "JOBPAY_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// JWT mode: the required `aud` claim, when set.
    #[arg(long, env = "JOBPAY_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,

    /// JWT mode: clock leeway for `exp` and `nbf`.
    #[arg(long, env = "JOBPAY_JWT_LEEWAY", default_value = "30s", value_parser = parse_duration)]
    pub jwt_leeway: Duration,

    /// The platform currency: what an empty `currency_code` means in every
    /// request, and the currency of `Profile.balance`. Must be a currency of
    /// the database (USD, EUR, BTC, or one added with CreateCurrency), or
    /// start-up stops.
    #[arg(long, env = "JOBPAY_DEFAULT_CURRENCY", default_value = "USD")]
    pub default_currency: String,

    /// Log filter: a level (error, warn, info, debug, trace) or directives
    /// such as `jobpay=debug,info`. RUST_LOG wins when set.
    #[arg(long, env = "JOBPAY_LOG_LEVEL", default_value = "info")]
    pub log_level: String,

    /// Log line format.
    #[arg(long, env = "JOBPAY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// How long idempotency records (request_id) are kept.
    #[arg(long, env = "JOBPAY_REQUEST_ID_TTL", default_value = "24h", value_parser = parse_duration)]
    pub request_id_ttl: Duration,

    /// Most money movements (of any callers) applied in one transaction by
    /// the ledger writer.
    #[arg(long, env = "JOBPAY_MAX_BATCH", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=2000))]
    pub max_batch: u32,

    /// Most money movements one caller may have waiting for the ledger
    /// writer; beyond it calls are shed with RESOURCE_EXHAUSTED
    /// (CALLER_QUEUE_FULL).
    #[arg(long, env = "JOBPAY_MAX_QUEUED_PER_CALLER", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_queued_per_caller: u32,

    /// How long in-flight calls may take to finish after SIGTERM/SIGINT.
    #[arg(long, env = "JOBPAY_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub shutdown_timeout: Duration,

    /// Deadline of a call that sends none (a shorter `grpc-timeout` wins).
    #[arg(long, env = "JOBPAY_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// Largest request message accepted, in bytes.
    #[arg(long, env = "JOBPAY_MAX_MESSAGE_SIZE", default_value_t = 4 * 1024 * 1024, value_parser = clap::value_parser!(u32).range(1024..))]
    pub max_message_size: u32,

    /// Calls served at once; more are refused with RESOURCE_EXHAUSTED.
    #[arg(long, env = "JOBPAY_CONCURRENCY_LIMIT", default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency_limit: u32,

    /// Address of the Prometheus endpoint (`GET /metrics`); unset: none.
    #[arg(long, env = "JOBPAY_METRICS_LISTEN", value_parser = parse_listen)]
    pub metrics_listen: Option<SocketAddr>,

    /// How often the database is checked to drive health.
    #[arg(long, env = "JOBPAY_HEALTH_CHECK_INTERVAL", default_value = "1s", value_parser = parse_duration)]
    pub health_check_interval: Duration,

    /// TLS certificate chain (PEM file). With --tls-key, gRPC is served
    /// over TLS; without both, plaintext.
    #[arg(long, env = "JOBPAY_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// TLS private key (PEM file).
    #[arg(long, env = "JOBPAY_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Browser origins allowed to call gRPC-Web and HTTP/JSON from another
    /// origin (CORS), comma-separated (`https://app.example`), or `*`;
    /// unset: none.
    #[arg(long, env = "JOBPAY_CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,

    #[command(flatten)]
    pub feed: FeedArgs,
}

/// The upstream transaction feed (`serve --feed-url`).
#[derive(Debug, Clone, Args)]
pub struct FeedArgs {
    /// Base URL of an upstream transaction service to ingest
    /// (`GET URL/transactions?...`); unset: no feed. One replica per
    /// database ingests at a time.
    #[arg(long, env = "JOBPAY_FEED_URL")]
    pub feed_url: Option<String>,

    /// Never more requests than this to the upstream in any rate window
    /// (60 s), failures included.
    #[arg(long, env = "JOBPAY_FEED_REQUESTS_PER_MINUTE", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub feed_requests_per_minute: u32,

    /// Items asked for per page (the upstream serves at most 1000).
    #[arg(long, env = "JOBPAY_FEED_PAGE_SIZE", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub feed_page_size: u32,

    /// Currency of the upstream's amounts; default the platform currency
    /// (--default-currency).
    #[arg(long, env = "JOBPAY_FEED_CURRENCY")]
    pub feed_currency: Option<String>,

    /// Where ingestion starts the first time (RFC 3339); default the time
    /// of that first start. Ignored once the feed has a cursor.
    #[arg(long, env = "JOBPAY_FEED_START", value_parser = parse_instant)]
    pub feed_start: Option<chrono::DateTime<chrono::Utc>>,

    /// Windows read end this long before now, so that the upstream has
    /// finished writing them.
    #[arg(long, env = "JOBPAY_FEED_DELAY", default_value = "5s", value_parser = parse_duration)]
    pub feed_delay: Duration,

    /// Time-out of one request to the upstream.
    #[arg(long, env = "JOBPAY_FEED_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub feed_timeout: Duration,

    /// The rate limit's window. The upstream's is a minute; shorter values
    /// exist for time-scaled tests and demos.
    #[arg(long, env = "JOBPAY_FEED_RATE_WINDOW", default_value = "60s", value_parser = parse_duration)]
    pub feed_rate_window: Duration,
}

/// An RFC 3339 instant. One without a zone is the usual slip: the hint
/// says what to add rather than only what the format is.
pub fn parse_instant(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let text = text.trim();
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| {
            let zoneless = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .any(|format| chrono::NaiveDateTime::parse_from_str(text, format).is_ok());
            if zoneless {
                format!(
                    "{text:?} has no time zone: add `Z` for UTC or an offset such as +02:00 \
                     (2026-11-27T10:00:00Z)"
                )
            } else {
                format!("{text:?} is not an RFC 3339 instant like 2026-11-27T10:00:00Z")
            }
        })
}

/// An address to listen on: an IP address and a port. A host name is the
/// usual slip (`localhost:50051`): binding needs an address, and a name
/// may stand for several, so the hint names the address to use instead.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(address);
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!(
            "{text:?} is not an IP address and port such as 127.0.0.1:50051"
        ));
    };
    if port.parse::<u16>().is_err() {
        return Err(format!(
            "{text:?} has no valid port: expected an IP address and port such as 127.0.0.1:50051"
        ));
    }
    let suggestion = if host.eq_ignore_ascii_case("localhost") {
        format!("use 127.0.0.1:{port} (or [::1]:{port})")
    } else if host.contains(':') && !host.starts_with('[') {
        format!("an IPv6 address goes in brackets: [{host}]:{port}")
    } else {
        format!("use the host's IP address, or 0.0.0.0:{port} for every interface")
    };
    Err(format!(
        "{text:?} names a host, but an IP address and port are expected: {suggestion}"
    ))
}

/// Parses `500ms`, `10s`, `2m`, `24h` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 500ms, 10s, 2m or 24h"))?;
    let unit_ms = match unit {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(format!("{text:?} has an unknown unit (use ms, s, m or h)")),
    };
    value
        .checked_mul(unit_ms)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("{text:?} is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("10 parsecs").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn listen_addresses_hint_at_the_ip_address_to_use() {
        assert_eq!(
            parse_listen("127.0.0.1:50051"),
            Ok("127.0.0.1:50051".parse().unwrap())
        );
        assert_eq!(parse_listen("[::1]:0"), Ok("[::1]:0".parse().unwrap()));
        let error = parse_listen("localhost:50051").unwrap_err();
        assert!(error.contains("use 127.0.0.1:50051"), "{error}");
        let error = parse_listen("jobpay.internal:9090").unwrap_err();
        assert!(error.contains("0.0.0.0:9090"), "{error}");
        assert!(
            parse_listen("nope")
                .unwrap_err()
                .contains("127.0.0.1:50051")
        );
        assert!(parse_listen("localhost:http").unwrap_err().contains("port"));
    }

    #[test]
    fn an_instant_without_a_zone_is_told_to_add_one() {
        assert!(parse_instant("2024-01-01T00:00:00Z").is_ok());
        assert!(parse_instant("2024-01-01T00:00:00+02:00").is_ok());
        for zoneless in ["2024-01-01T00:00:00", "2024-01-01 10:00:00.5"] {
            let error = parse_instant(zoneless).unwrap_err();
            assert!(error.contains("add `Z`"), "{error}");
        }
        let error = parse_instant("yesterday").unwrap_err();
        assert!(error.contains("RFC 3339"), "{error}");
    }

    #[test]
    fn the_database_url_help_states_the_default() {
        use clap::CommandFactory;
        let mut command = Cli::command();
        let help = command
            .find_subcommand_mut("audit")
            .expect("audit")
            .render_long_help()
            .to_string();
        assert!(help.contains(DEFAULT_DATABASE_URL), "{help}");
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

/// `--caller-auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CallerAuthMode {
    /// `profile_id` metadata.
    Header,
    /// A verified JWT's `sub`.
    Jwt,
}
