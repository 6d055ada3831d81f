//! `jobpay audit`: the ledger invariant, checked from the database alone.
//!
//! Every profile's balance must equal the sum of the ledger entries that
//! credit it minus the sum of those that debit it, and no balance may be
//! negative. Runs in one read-only snapshot so concurrent movements cannot
//! produce a false alarm.

use std::fmt;

use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

use crate::error::Error;
use crate::store::Store;

/// What the audit found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditReport {
    pub profiles: i64,
    pub entries: i64,
    /// Sum of all balances, as an exact decimal string.
    pub total_balance: String,
    /// Profiles whose balance is not credits minus debits:
    /// (id, balance, ledger balance), amounts as decimal strings in cents.
    pub mismatches: Vec<(i64, String, String)>,
    /// Profiles with a negative balance.
    pub negative: Vec<i64>,
}

impl AuditReport {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.negative.is_empty()
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "profiles: {}\nledger entries: {}\ntotal balance (cents): {}",
            self.profiles, self.entries, self.total_balance
        )?;
        for (id, balance, ledger) in &self.mismatches {
            writeln!(
                f,
                "MISMATCH profile {id}: balance {balance} cents, ledger says {ledger} cents"
            )?;
        }
        for id in &self.negative {
            writeln!(f, "NEGATIVE balance: profile {id}")?;
        }
        write!(
            f,
            "audit {}",
            if self.passed() { "passed" } else { "FAILED" }
        )
    }
}

/// Sums as exact text: NUMERIC on PostgreSQL; SQLite's integer SUM (which
/// raises rather than wraps on overflow).
const MISMATCHES: &str = "
    SELECT p.id,
           CAST(p.balance AS TEXT),
           CAST(COALESCE(c.total, 0) - COALESCE(d.total, 0) AS TEXT)
    FROM profiles p
    LEFT JOIN (SELECT credit_profile_id AS id, SUM(amount) AS total
               FROM ledger_entries WHERE credit_profile_id IS NOT NULL
               GROUP BY credit_profile_id) c ON c.id = p.id
    LEFT JOIN (SELECT debit_profile_id AS id, SUM(amount) AS total
               FROM ledger_entries WHERE debit_profile_id IS NOT NULL
               GROUP BY debit_profile_id) d ON d.id = p.id
    WHERE p.balance <> COALESCE(c.total, 0) - COALESCE(d.total, 0)
    ORDER BY p.id";

pub async fn audit(store: &Store) -> Result<AuditReport, Error> {
    let db = store.conn();
    let backend = store.backend();
    let tx = match backend {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(sea_orm::IsolationLevel::RepeatableRead),
                Some(sea_orm::AccessMode::ReadOnly),
            )
            .await?
        }
        _ => db.begin().await?,
    };
    let query = |sql: &str| Statement::from_string(backend, sql.to_owned());

    let mut report = AuditReport::default();
    let totals = tx
        .query_one_raw(query(
            "SELECT (SELECT COUNT(*) FROM profiles),
                    (SELECT COUNT(*) FROM ledger_entries),
                    CAST(COALESCE((SELECT SUM(balance) FROM profiles), 0) AS TEXT)",
        ))
        .await?
        .ok_or_else(|| Error::Internal("audit totals returned no row".to_owned()))?;
    report.profiles = totals.try_get_by_index(0)?;
    report.entries = totals.try_get_by_index(1)?;
    report.total_balance = totals.try_get_by_index(2)?;

    for row in tx.query_all_raw(query(MISMATCHES)).await? {
        report.mismatches.push((
            row.try_get_by_index(0)?,
            row.try_get_by_index(1)?,
            row.try_get_by_index(2)?,
        ));
    }
    for row in tx
        .query_all_raw(query(
            "SELECT id FROM profiles WHERE balance < 0 ORDER BY id",
        ))
        .await?
    {
        report.negative.push(row.try_get_by_index(0)?);
    }
    tx.commit().await?;
    Ok(report)
}
