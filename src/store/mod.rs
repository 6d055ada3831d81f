//! The database: connecting, migrating, entities, and the one transaction
//! runner every write goes through. Handlers read and write through named
//! functions, one room per concern (`queries`, `lists`, `reports`,
//! `profiles`, `contracts`), that take and return domain values; rows and
//! enums cross into the domain in `convert`.

pub mod contracts;
mod convert;
pub mod entities;
pub mod feed;
pub mod lists;
pub mod postgres_url;
pub mod profiles;
pub mod queries;
pub mod reports;
mod sqlstate;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, IsolationLevel, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};

pub use sqlstate::{Failure, classify};

use crate::error::Error;

/// The zero-setup database of `jobpay serve`: a SQLite file in the working
/// directory, created when missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://jobpay.db?mode=rwc";

/// A boxed transaction body, as the runner takes it.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 't>>;

/// How to reach the database and how hard to retry conflicts.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    /// Connections in the pool. `None`: 16 on PostgreSQL; on SQLite, read
    /// connections beside its one writer, `None`: 4.
    pub pool_size: Option<u32>,
    /// How long a call waits for a pooled connection before UNAVAILABLE.
    pub acquire_timeout: Duration,
    /// Attempts of one transaction before it fails with ABORTED.
    pub max_attempts: u32,
    /// Log every SQL statement (at DEBUG).
    pub log_statements: bool,
    /// Whether a missing SQLite file is created (as `mode=rwc` asks).
    /// `false` for the commands that only use a database `migrate` or
    /// `serve` made: a missing file is then [`NotReady::NoFile`] (see
    /// [`not_ready`]), and none is left behind.
    pub create_if_missing: bool,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        StoreOptions {
            url: url.into(),
            pool_size: None,
            acquire_timeout: Duration::from_secs(5),
            max_attempts: 24,
            log_statements: false,
            create_if_missing: true,
        }
    }
}

/// Counters a test or `/metrics` can read.
#[derive(Debug, Default)]
pub struct StoreStats {
    /// Transaction attempts that failed with a conflict and were run again.
    pub retries: AtomicU64,
    /// Transactions that ran out of attempts (ABORTED).
    pub exhausted: AtomicU64,
}

/// Read connections of a SQLite store when `--pool-size` is not given.
const SQLITE_READERS: u32 = 4;

/// A pooled connection to PostgreSQL or SQLite, plus the runner.
#[derive(Clone)]
pub struct Store {
    /// Transactions (every write) and, on PostgreSQL, reads too.
    db: DatabaseConnection,
    /// Reads of requests ([`Store::reads`]): `db` on PostgreSQL; on
    /// SQLite a pool of query-only connections beside the one writer, so
    /// reads run on every core (WAL: readers never wait for the writer).
    read_db: DatabaseConnection,
    /// The ledger writer's pool (see [`Store::for_ledger_writer`]): one
    /// connection of its own on PostgreSQL, `db` itself on SQLite.
    writer_db: DatabaseConnection,
    /// Whether `read_db` is a pool of its own (SQLite on a file).
    separate_readers: bool,
    url: Arc<str>,
    max_attempts: u32,
    stats: Arc<StoreStats>,
}

impl Store {
    /// Connects (one attempt) and checks the database answers.
    pub async fn connect(options: &StoreOptions) -> Result<Store, DbErr> {
        let store = Store::open(options, false).await?;
        store.db.ping().await?;
        Ok(store)
    }

    /// A pool that connects on first use (no I/O here); fails only for a
    /// malformed URL.
    pub async fn connect_lazy(options: &StoreOptions) -> Result<Store, DbErr> {
        Store::open(options, true).await
    }

    async fn open(options: &StoreOptions, lazy: bool) -> Result<Store, DbErr> {
        let is_sqlite = options.url.starts_with("sqlite:");
        let url = if is_sqlite {
            options.url.clone()
        } else {
            postgres_url::checked(&options.url)
                .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::Internal(e)))?
        };
        let create = options.create_if_missing;
        let mut connect = ConnectOptions::new(url.clone());
        connect.connect_lazy(lazy);
        connect
            .acquire_timeout(options.acquire_timeout)
            .connect_timeout(Duration::from_secs(5))
            .sqlx_logging(options.log_statements)
            .sqlx_logging_level(tracing::log::LevelFilter::Debug)
            .map_sqlx_sqlite_opts(move |opts| sqlite_settings(opts, false, create));
        let (db, read_db, writer_db, separate_readers) = if is_sqlite {
            // One writer (SQLite has one anyway), and readers beside it;
            // an in-memory database is one connection's own, so it is read
            // there too.
            connect.max_connections(1);
            let db = Database::connect(connect.clone()).await?;
            if url.contains(":memory:") || url.contains("mode=memory") {
                (db.clone(), db.clone(), db, false)
            } else {
                let mut readers = connect;
                readers
                    .max_connections(options.pool_size.unwrap_or(SQLITE_READERS))
                    .min_connections(0)
                    .connect_lazy(true)
                    .map_sqlx_sqlite_opts(move |opts| sqlite_settings(opts, true, create));
                let read_db = Database::connect(readers).await?;
                (db.clone(), read_db, db, true)
            }
        } else {
            let mut writer = connect.clone();
            writer
                .max_connections(1)
                .min_connections(0)
                .connect_lazy(true);
            let writer_db = Database::connect(writer).await?;
            connect.max_connections(options.pool_size.unwrap_or(16));
            let db = Database::connect(connect).await?;
            (db.clone(), db, writer_db, false)
        };
        Ok(Store {
            db,
            read_db,
            writer_db,
            separate_readers,
            url: url.as_str().into(),
            max_attempts: options.max_attempts.max(1),
            stats: Arc::default(),
        })
    }

    /// One statement at a time, outside any transaction (writes that need
    /// no transaction, DDL, tools). Requests read through [`Store::reads`].
    pub fn conn(&self) -> &DatabaseConnection {
        &self.db
    }

    /// For the reads of requests: on SQLite the query-only read pool beside
    /// the one writer, on PostgreSQL the shared pool.
    pub fn reads(&self) -> &DatabaseConnection {
        &self.read_db
    }

    /// This store for the ledger writer, which runs one transaction at a
    /// time: through a pool of one connection of its own on PostgreSQL
    /// (one more than `pool_size`), where its batch statements stay
    /// prepared; a shared pool hands its connections out in turn and each
    /// would prepare them again, which made a hot credit's batches about a
    /// third slower. The runner's counters are shared. SQLite: the same
    /// pool (its one connection is the writer's anyway).
    pub fn for_ledger_writer(&self) -> Store {
        Store {
            db: self.writer_db.clone(),
            ..self.clone()
        }
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    pub fn stats(&self) -> &StoreStats {
        &self.stats
    }

    /// Conflicts retried so far.
    pub fn retries(&self) -> u64 {
        self.stats.retries.load(Ordering::Relaxed)
    }

    /// Runs a trivial query through the pool.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.db.ping().await
    }

    /// One connection attempt outside the pool, reporting the real cause
    /// (the pool retries a refused connection until its acquire timeout and
    /// then only says it timed out). SQLite is local: the pool answers.
    pub async fn probe(&self) -> Result<(), DbErr> {
        use sea_orm::sqlx::{ConnectOptions as _, Connection as _};
        if self.backend() != DbBackend::Postgres {
            return self.ping().await;
        }
        let options: sea_orm::sqlx::postgres::PgConnectOptions =
            self.url.parse().map_err(|e: sea_orm::sqlx::Error| {
                DbErr::Conn(sea_orm::RuntimeErr::Internal(e.to_string()))
            })?;
        // The driver's error itself, so that its SQLSTATE can be read
        // ([`not_ready`]).
        let connection = options
            .connect()
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(Arc::new(e))))?;
        let _ = connection.close().await;
        Ok(())
    }

    /// A connection of its own for the health monitor, outside the pool:
    /// a pool saturated by load then cannot make a healthy database look
    /// unreachable (and flip the service to NOT_SERVING).
    pub fn health_probe(&self) -> HealthProbe {
        HealthProbe {
            url: self.url.to_string(),
            backend: self.backend(),
            connection: None,
        }
    }

    pub async fn close(self) -> Result<(), DbErr> {
        match self.backend() {
            DbBackend::Postgres => self.writer_db.close().await?,
            _ => self.read_db.close().await?,
        }
        self.db.close().await
    }

    /// Applies pending migrations in one transaction. On PostgreSQL the
    /// transaction first takes an advisory lock, so replicas starting
    /// together apply each migration once and the others wait, then find
    /// nothing to do.
    /// Returns the names of the migrations it applied.
    pub async fn migrate(&self) -> Result<Vec<String>, DbErr> {
        // READ COMMITTED (the default), not the writers' SERIALIZABLE: a
        // serializable snapshot would be taken before the lock is granted
        // and miss what the replica holding it applied.
        let tx = match self.backend() {
            DbBackend::Sqlite => self.begin().await?,
            _ => self.db.begin().await?,
        };
        if self.backend() == DbBackend::Postgres {
            tx.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"),
            ))
            .await?;
        }
        let pending: Vec<String> = Migrator::get_pending_migrations(&tx)
            .await?
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        Migrator::up(&tx, None).await?;
        tx.commit().await?;
        Ok(pending)
    }

    /// Migrations not applied yet, by name (reads only: creates nothing).
    pub async fn pending_migrations(&self) -> Result<Vec<String>, DbErr> {
        Ok(Migrator::get_pending_migrations_read_only(&self.db)
            .await?
            .iter()
            .map(|m| m.name().to_owned())
            .collect())
    }

    /// Whether the schema is this release's, read without creating
    /// anything: `Some` when no migration or not every migration has been
    /// applied, for the commands that use a database but never change its
    /// schema (`audit`, `seed`).
    pub async fn schema_not_ready(&self) -> Result<Option<NotReady>, DbErr> {
        let pending = self.pending_migrations().await?.len();
        let url = self.url.to_string();
        Ok(if pending == 0 {
            None
        } else if pending == Migrator::migrations().len() {
            Some(NotReady::NoSchema { url })
        } else {
            Some(NotReady::SchemaBehind { url, pending })
        })
    }

    /// Runs `body` in one transaction and commits it: SERIALIZABLE and READ
    /// WRITE on PostgreSQL, `BEGIN IMMEDIATE` on SQLite.
    ///
    /// A conflict (serialization failure, deadlock, SQLite busy) from any
    /// statement or from `COMMIT` rolls back and runs `body` again after a
    /// jittered exponential backoff; after `max_attempts` the call fails
    /// with [`Error::Conflict`] (ABORTED). `body` may run several times, so
    /// it must have no effect outside the database.
    pub async fn write<T, F>(&self, body: F) -> Result<T, Error>
    where
        T: Send,
        F: for<'t> Fn(&'t DatabaseTransaction) -> TxFuture<'t, T> + Send + Sync,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(&body).await {
                Err(Error::Conflict) if attempt < self.max_attempts => {
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(attempt, "transaction conflict, retrying");
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(Error::Conflict) => {
                    self.stats.exhausted.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        attempts = attempt,
                        "transaction conflicts exhausted retries"
                    );
                    return Err(Error::Conflict);
                }
                result => return result,
            }
        }
    }

    async fn attempt<T, F>(&self, body: &F) -> Result<T, Error>
    where
        F: for<'t> Fn(&'t DatabaseTransaction) -> TxFuture<'t, T>,
    {
        let tx = self.begin().await?;
        match body(&tx).await {
            Ok(value) => match tx.commit().await {
                Ok(()) => Ok(value),
                // The connection broke while COMMIT was in flight: the
                // transaction may or may not have committed.
                Err(err) if sqlstate::classify(&err) == sqlstate::Failure::Unavailable => {
                    Err(Error::OutcomeUnknown(err.to_string()))
                }
                Err(err) => Err(err.into()),
            },
            Err(error) => {
                // A failed rollback leaves nothing behind: the connection
                // is discarded or rolled back by the server.
                if let Err(rollback) = tx.rollback().await {
                    tracing::debug!(%rollback, "rollback failed");
                }
                Err(error)
            }
        }
    }

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        let options = match self.backend() {
            DbBackend::Sqlite => TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            },
            _ => TransactionOptions {
                isolation_level: Some(IsolationLevel::Serializable),
                access_mode: Some(AccessMode::ReadWrite),
                ..TransactionOptions::default()
            },
        };
        self.db.begin_with_options(options).await
    }
}

/// A database that cannot be used as it is, where waiting or retrying
/// would not help: each prints as one line saying what to run. Start-up
/// fails at once on one instead of retrying (`--db-connect-retries` is for
/// a server that is not up yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    /// SQLite: the file does not exist, and this command does not create it.
    NoFile(PathBuf),
    /// PostgreSQL 3D000: the server has no database of the URL's name.
    NoDatabase { url: String },
    /// PostgreSQL 28P01 / 28000: the server refused the URL's user,
    /// password or address; `reason` is the server's message.
    Refused { reason: String },
    /// No migration applied: not a jobpay database (yet).
    NoSchema { url: String },
    /// Some migrations of this release not applied yet.
    SchemaBehind { url: String, pending: usize },
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotReady::NoFile(path) => write!(
                f,
                "the SQLite database {} does not exist: run `jobpay migrate{}` first to create it \
                 (`jobpay serve` creates it too)",
                path.display(),
                database_url_flag(&format!("sqlite://{}?mode=rwc", path.display())),
            ),
            NotReady::NoDatabase { url } => {
                let name = url
                    .parse::<sea_orm::sqlx::postgres::PgConnectOptions>()
                    .ok()
                    .and_then(|o| o.get_database().map(str::to_owned))
                    .unwrap_or_default();
                write!(
                    f,
                    "the PostgreSQL server has no database {name:?}: create it with `{}`",
                    postgres_url::createdb_command(url),
                )
            }
            NotReady::Refused { reason } => write!(
                f,
                "the PostgreSQL server refused the connection ({reason}): check the user, \
                 password and host of --database-url (JOBPAY_DATABASE_URL)"
            ),
            NotReady::NoSchema { url }
                if sqlite_file(url).is_none() && url.starts_with("sqlite:") =>
            {
                f.write_str(
                    "an in-memory database starts with no jobpay schema: only `jobpay serve` \
                     (which migrates it) can use one",
                )
            }
            NotReady::NoSchema { url } => write!(
                f,
                "the database has no jobpay schema: run `jobpay migrate{}` first",
                database_url_flag(url)
            ),
            NotReady::SchemaBehind { url, pending } => write!(
                f,
                "the database schema is {pending} migration(s) behind this jobpay: \
                 run `jobpay migrate{}` first",
                database_url_flag(url)
            ),
        }
    }
}

/// ` --database-url '<url>'` for a command line to suggest, password
/// hidden; nothing for the default URL (or its file).
fn database_url_flag(url: &str) -> String {
    let default_file = sqlite_file(DEFAULT_DATABASE_URL);
    if url == DEFAULT_DATABASE_URL
        || (sqlite_file(url).is_some() && sqlite_file(url) == default_file)
    {
        return String::new();
    }
    format!(" --database-url '{}'", postgres_url::redacted(url))
}

/// The file a SQLite URL names, or `None` for an in-memory database (or a
/// URL that does not parse, which connecting then reports).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    use std::str::FromStr as _;
    if url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    Some(options.get_filename().to_path_buf())
}

/// SQLite's primary result code SQLITE_CANTOPEN.
const SQLITE_CANTOPEN: i64 = 14;
/// PostgreSQL: invalid_catalog_name (the database does not exist).
const PG_NO_DATABASE: &str = "3D000";
/// PostgreSQL: invalid_password, invalid_authorization_specification
/// (no pg_hba.conf entry, role does not exist).
const PG_REFUSED: [&str; 2] = ["28P01", "28000"];

/// What to do about a failure to connect with `options` that retrying
/// cannot cure: no such database, credentials refused, no such file (for a
/// store that does not create it). `None` for anything else (a server not
/// up yet is retried).
pub fn not_ready(err: &DbErr, options: &StoreOptions) -> Option<NotReady> {
    let url = options.url.as_str();
    let DbErr::Conn(runtime) = err else {
        return None;
    };
    let sea_orm::RuntimeErr::SqlxError(sqlx_err) = runtime else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db_err) = sqlx_err.as_ref() else {
        return None;
    };
    let code = db_err.code()?;
    if db_err
        .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
        .is_some()
    {
        // SQLITE_CANTOPEN (any extended code) for a file that is not there:
        // a store that does not create it ([`StoreOptions::create_if_missing`]).
        let cannot_open = code
            .parse::<i64>()
            .is_ok_and(|c| c & 0xff == SQLITE_CANTOPEN);
        return sqlite_file(url)
            .filter(|path| cannot_open && !options.create_if_missing && !path.exists())
            .map(NotReady::NoFile);
    }
    if code == PG_NO_DATABASE {
        Some(NotReady::NoDatabase {
            url: url.to_owned(),
        })
    } else if PG_REFUSED.contains(&code.as_ref()) {
        Some(NotReady::Refused {
            reason: format!("{}, SQLSTATE {code}", db_err.message()),
        })
    } else {
        None
    }
}

/// SQLite as the embedded default keeps it: WAL, and `synchronous = FULL`
/// so that a committed movement survives a power loss, not only a crash of
/// the process (in WAL mode NORMAL may lose the last commits then). Readers
/// are `query_only`: a write through them is refused, never half-done.
/// Without `create`, a missing file is an error whatever the URL's `mode`
/// says ([`NotReady::NoFile`]), and no file is left behind.
fn sqlite_settings(
    opts: sea_orm::sqlx::sqlite::SqliteConnectOptions,
    reader: bool,
    create: bool,
) -> sea_orm::sqlx::sqlite::SqliteConnectOptions {
    use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
    let opts = if create {
        opts
    } else {
        opts.create_if_missing(false)
    };
    let opts = opts
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if reader {
        opts.pragma("query_only", "ON")
    } else {
        opts
    }
}

/// `pg_advisory_xact_lock` key of migrations: "jobpay" in ASCII.
const MIGRATION_LOCK_KEY: i64 = 0x6a6f_6270_6179;

/// Jittered exponential backoff: a random delay between a quarter and all
/// of 0.5 ms * 2^attempt, capped at 200 ms. Short at first: with the row
/// locks taken up front, a conflict usually means "the batch ahead of you
/// just committed", and the next attempt goes through.
fn backoff(attempt: u32) -> Duration {
    let ceiling_us = (500u64 << attempt.min(9)).min(200_000);
    Duration::from_micros(rand::random_range(ceiling_us / 4..=ceiling_us))
}

/// The current instant at the precision every backend stores
/// (microseconds), so that what is written is what is read back.
pub fn now() -> DateTime<Utc> {
    truncate(Utc::now())
}

/// SQL for the sum of a BIGINT cents column that never fails: exact up to
/// `i64::MAX` on PostgreSQL (whose `SUM(bigint)` is NUMERIC, cast back),
/// saturating beyond. SQLite's integer `SUM` raises on overflow, so it uses
/// `TOTAL` (exact below 2^53 cents, about 90 trillion) and saturates too.
pub fn saturating_sum(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Sqlite => {
            format!("CAST(MIN(TOTAL({column}), 9.2e18) AS INTEGER)")
        }
        _ => format!("CAST(LEAST(COALESCE(SUM({column}), 0), 9223372036854775807) AS BIGINT)"),
    }
}

/// `instant` at the precision every backend stores (microseconds).
pub fn truncate(instant: DateTime<Utc>) -> DateTime<Utc> {
    instant.trunc_subsecs(6)
}

/// Pooled database connections by state, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStatus {
    pub in_use: u32,
    pub idle: u32,
}

impl Store {
    /// The shared pool's connections by state; on SQLite the writer's and
    /// the readers' together (on an in-memory database they are one).
    pub fn pool_status(&self) -> PoolStatus {
        let of = |db: &DatabaseConnection| match self.backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle() as u32)
            }
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle() as u32)
            }
            _ => (0, 0),
        };
        let (mut size, mut idle) = of(&self.db);
        if self.separate_readers {
            let (readers, readers_idle) = of(&self.read_db);
            size += readers;
            idle += readers_idle;
        }
        PoolStatus {
            in_use: size.saturating_sub(idle),
            idle,
        }
    }
}

/// A PostgreSQL connection outside the pool (the health probe's, the feed
/// lease's), or `None` when it cannot be opened.
pub(crate) async fn own_postgres_connection(url: &str) -> Option<sea_orm::sqlx::PgConnection> {
    use sea_orm::sqlx::ConnectOptions as _;
    let options: sea_orm::sqlx::postgres::PgConnectOptions = url.parse().ok()?;
    options.connect().await.ok()
}

/// The health monitor's own database connection, opened on first use and
/// reopened after a failure.
pub struct HealthProbe {
    url: String,
    backend: DbBackend,
    connection: Option<HealthConnection>,
}

enum HealthConnection {
    Postgres(sea_orm::sqlx::PgConnection),
    Sqlite(sea_orm::sqlx::SqliteConnection),
}

impl HealthProbe {
    async fn connect(&self) -> Option<HealthConnection> {
        use sea_orm::sqlx::ConnectOptions as _;
        match self.backend {
            DbBackend::Postgres => own_postgres_connection(&self.url)
                .await
                .map(HealthConnection::Postgres),
            _ => {
                let options: sea_orm::sqlx::sqlite::SqliteConnectOptions = self.url.parse().ok()?;
                options.connect().await.ok().map(HealthConnection::Sqlite)
            }
        }
    }

    /// Whether the database answers a ping on this connection.
    pub async fn check(&mut self) -> bool {
        use sea_orm::sqlx::Connection as _;
        if self.connection.is_none() {
            self.connection = self.connect().await;
        }
        let healthy = match self.connection.as_mut() {
            Some(HealthConnection::Postgres(c)) => c.ping().await.is_ok(),
            Some(HealthConnection::Sqlite(c)) => c.ping().await.is_ok(),
            None => false,
        };
        if !healthy {
            self.connection = None;
        }
        healthy
    }
}
