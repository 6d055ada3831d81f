//! What a database error means for a call: the one place that reads
//! SQLSTATEs and SQLite result codes.
//!
//! `DbErr::sql_err()` does not recognise serialization failures, so the
//! driver's code is read directly. A serialization failure (40001) or a
//! deadlock (40P01) can come from any statement, including `COMMIT`.

use sea_orm::{DbErr, RuntimeErr, sqlx};

use crate::error::Error;

/// How the transaction runner treats a database error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Lost a race with a concurrent transaction: run the body again.
    Conflict,
    /// The database cannot be reached (or refuses connections).
    Unavailable,
    /// Anything else: a bug or a broken database.
    Other,
}

/// PostgreSQL: serialization_failure and deadlock_detected.
const PG_CONFLICT: [&str; 2] = ["40001", "40P01"];
/// unique_violation is a lost race only on the keys that concurrent
/// transactions (other replicas) may insert at once: the body re-reads and
/// sees the winner's row on the next attempt. Any other unique violation
/// would recur on every attempt: it is not retried.
const PG_UNIQUE_VIOLATION: &str = "23505";
const RACY_UNIQUE_KEYS: [&str; 6] = [
    // Two batches opening the same (profile, currency) balance.
    "balances_pkey",
    // The same request id from two replicas at once.
    "request_records_pkey",
    // The same job paid through two replicas at once.
    "ledger_entries_job_payment_once_idx",
    // Two records of one loan's month through two replicas.
    "loan_payments_one_per_month_idx",
    // CreateCurrency / CreateProfile racing on the same code / external id.
    "currencies_pkey",
    "profiles_external_id_idx",
];
/// PostgreSQL classes and codes meaning "the server is not there for us":
/// connection exceptions, admin/crash shutdown, cannot connect now, too many
/// connections.
const PG_UNAVAILABLE_PREFIXES: [&str; 4] = ["08", "57P", "53300", "3D000"];
/// SQLite primary result codes SQLITE_BUSY and SQLITE_LOCKED (extended codes
/// such as 517 BUSY_SNAPSHOT share the low byte).
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;

pub fn classify(err: &DbErr) -> Failure {
    match err {
        DbErr::ConnectionAcquire(_) => Failure::Unavailable,
        DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => {
            classify_runtime(runtime, matches!(err, DbErr::Conn(_)))
        }
        _ => Failure::Other,
    }
}

fn classify_runtime(runtime: &RuntimeErr, connecting: bool) -> Failure {
    let RuntimeErr::SqlxError(sqlx_err) = runtime else {
        return if connecting {
            Failure::Unavailable
        } else {
            Failure::Other
        };
    };
    match sqlx_err.as_ref() {
        sqlx::Error::Database(db_err) => {
            let Some(code) = db_err.code() else {
                return Failure::Other;
            };
            if db_err
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .is_some()
            {
                return match code.parse::<i64>().map(|c| c & 0xff) {
                    Ok(SQLITE_BUSY | SQLITE_LOCKED) => Failure::Conflict,
                    _ => Failure::Other,
                };
            }
            if PG_CONFLICT.contains(&code.as_ref()) {
                Failure::Conflict
            } else if code == PG_UNIQUE_VIOLATION {
                match db_err.constraint() {
                    Some(key) if RACY_UNIQUE_KEYS.contains(&key) => Failure::Conflict,
                    _ => Failure::Other,
                }
            } else if PG_UNAVAILABLE_PREFIXES
                .iter()
                .any(|prefix| code.starts_with(prefix))
            {
                Failure::Unavailable
            } else {
                Failure::Other
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => Failure::Unavailable,
        _ if connecting => Failure::Unavailable,
        _ => Failure::Other,
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        match classify(&err) {
            Failure::Conflict => Error::Conflict,
            Failure::Unavailable => Error::Unavailable(err.to_string()),
            Failure::Other => Error::Internal(err.to_string()),
        }
    }
}
