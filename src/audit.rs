//! `jobpay audit`: the ledger invariant, checked from the database alone.
//!
//! For every (profile, currency): the balance equals the sum of the ledger
//! entries in that currency that credit the profile minus the sum of those
//! that debit it; no balance is negative; `held` lies within `0..=balance`;
//! every currency named by a balance, contract, job or entry exists; every
//! summary total equals the ledger sum that feeds it; `held` equals the
//! balance's requested payouts; every entry's `reversed` equals what its
//! reversals add up to (never above its amount); and every job's
//! `refunded` equals its payment's `reversed`.
//! Runs in one read-only snapshot so concurrent movements cannot produce a
//! false alarm.

use std::fmt;

use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

use crate::error::Error;
use crate::store::Store;

/// A balance that disagrees with the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub profile_id: i64,
    pub currency_code: String,
    /// Minor units, as exact decimal text.
    pub balance: String,
    pub ledger: String,
}

/// What the audit found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditReport {
    pub profiles: i64,
    pub balances: i64,
    pub entries: i64,
    /// Sum of all balances per currency (minor units, exact text).
    pub totals: Vec<(String, String)>,
    pub mismatches: Vec<Mismatch>,
    /// (profile, currency) with a negative balance or a `held` outside
    /// `0..=balance`.
    pub negative: Vec<(i64, String)>,
    /// Currency codes used somewhere but missing from `currencies`.
    pub unknown_currencies: Vec<String>,
    /// Summary totals that disagree with the ledger: (profile, currency,
    /// total, stored, ledger).
    pub total_mismatches: Vec<(i64, String, String, String, String)>,
    /// Balances whose `held` is not the sum of their requested payouts:
    /// (profile, currency, held, requested).
    pub held_mismatches: Vec<(i64, String, String, String)>,
    /// Balances whose `borrowed` / `repaid` totals are not their loans'
    /// amounts / made installments: (profile, currency, total, stored,
    /// loans say).
    pub loan_mismatches: Vec<(i64, String, String, String, String)>,
    /// Entries whose `reversed` is not what their reversals add up to, or
    /// exceeds their amount: (entry, reversed, reversals add up to).
    pub reversal_mismatches: Vec<(i64, String, String)>,
    /// Jobs whose `refunded` is not their payment's `reversed`: (job,
    /// refunded, payment's reversed).
    pub refund_mismatches: Vec<(i64, String, String)>,
}

impl AuditReport {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
            && self.negative.is_empty()
            && self.unknown_currencies.is_empty()
            && self.total_mismatches.is_empty()
            && self.held_mismatches.is_empty()
            && self.loan_mismatches.is_empty()
            && self.reversal_mismatches.is_empty()
            && self.refund_mismatches.is_empty()
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "profiles: {}\nbalances: {}\nledger entries: {}",
            self.profiles, self.balances, self.entries
        )?;
        for (code, total) in &self.totals {
            writeln!(f, "total {code} (minor units): {total}")?;
        }
        for m in &self.mismatches {
            writeln!(
                f,
                "MISMATCH profile {} {}: balance {} minor units, ledger says {}",
                m.profile_id, m.currency_code, m.balance, m.ledger
            )?;
        }
        for (id, code) in &self.negative {
            writeln!(
                f,
                "NEGATIVE balance or held out of range: profile {id} {code}"
            )?;
        }
        for code in &self.unknown_currencies {
            writeln!(f, "UNKNOWN currency in use: {code}")?;
        }
        for (id, code, total, stored, ledger) in &self.total_mismatches {
            writeln!(
                f,
                "TOTAL MISMATCH profile {id} {code}: {total} is {stored}, ledger says {ledger}"
            )?;
        }
        for (id, code, total, stored, loans) in &self.loan_mismatches {
            writeln!(
                f,
                "LOAN MISMATCH profile {id} {code}: {total} is {stored}, the loans say {loans}"
            )?;
        }
        for (id, reversed, reversals) in &self.reversal_mismatches {
            writeln!(
                f,
                "REVERSAL MISMATCH entry {id}: reversed {reversed}, its reversals add up to {reversals} (or more than its amount)"
            )?;
        }
        for (id, refunded, reversed) in &self.refund_mismatches {
            writeln!(
                f,
                "REFUND MISMATCH job {id}: refunded {refunded}, its payment's reversed is {reversed}"
            )?;
        }
        for (id, code, held, requested) in &self.held_mismatches {
            writeln!(
                f,
                "HELD MISMATCH profile {id} {code}: held {held}, requested payouts add up to {requested}"
            )?;
        }
        write!(
            f,
            "audit {}",
            if self.passed() { "passed" } else { "FAILED" }
        )
    }
}

/// Ledger nets per (profile, currency) against the balance rows, both
/// ways. Sums as exact text: NUMERIC on PostgreSQL; SQLite's integer SUM
/// (which raises rather than wraps on overflow).
const MISMATCHES: &str = "
    WITH moves AS (
        SELECT credit_profile_id AS id, currency_code, amount AS delta
        FROM ledger_entries WHERE credit_profile_id IS NOT NULL
        UNION ALL
        SELECT debit_profile_id, currency_code, -amount
        FROM ledger_entries WHERE debit_profile_id IS NOT NULL
    ), nets AS (
        SELECT id, currency_code, SUM(delta) AS total FROM moves GROUP BY id, currency_code
    )
    SELECT n.id, n.currency_code, CAST(COALESCE(b.balance, 0) AS TEXT), CAST(n.total AS TEXT)
    FROM nets n
    LEFT JOIN balances b ON b.profile_id = n.id AND b.currency_code = n.currency_code
    WHERE COALESCE(b.balance, 0) <> n.total
    UNION ALL
    SELECT b.profile_id, b.currency_code, CAST(b.balance AS TEXT), '0'
    FROM balances b
    WHERE b.balance <> 0 AND NOT EXISTS (
        SELECT 1 FROM nets n WHERE n.id = b.profile_id AND n.currency_code = b.currency_code)
    ORDER BY 1, 2";

const UNKNOWN_CURRENCIES: &str = "
    SELECT DISTINCT code FROM (
        SELECT currency_code AS code FROM balances
        UNION SELECT currency_code FROM contracts
        UNION SELECT currency_code FROM jobs
        UNION SELECT currency_code FROM ledger_entries
    ) used
    WHERE code NOT IN (SELECT code FROM currencies)
    ORDER BY code";

/// Every summary total against the ledger sum that feeds it.
fn total_mismatches_sql() -> String {
    migration::m20261203_000007_reversals::TOTALS
        .iter()
        .map(|(column, side, kinds)| {
            let kinds = kinds
                .iter()
                .map(|k| format!("'{k}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let ledger = format!(
                "COALESCE((SELECT SUM(e.amount) FROM ledger_entries e \
                 WHERE e.{side}_profile_id = b.profile_id AND e.currency_code = b.currency_code \
                 AND e.kind IN ({kinds})), 0)"
            );
            format!(
                "SELECT b.profile_id, b.currency_code, '{column}', CAST(b.{column} AS TEXT), \
                 CAST({ledger} AS TEXT) FROM balances b WHERE b.{column} <> {ledger}"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

const HELD_MISMATCHES: &str = "
    SELECT b.profile_id, b.currency_code, CAST(b.held AS TEXT), CAST(COALESCE(p.total, 0) AS TEXT)
    FROM balances b
    LEFT JOIN (SELECT profile_id, currency_code, SUM(amount) AS total FROM payouts
               WHERE state = 'requested' GROUP BY profile_id, currency_code) p
           ON p.profile_id = b.profile_id AND p.currency_code = b.currency_code
    WHERE b.held <> COALESCE(p.total, 0)
    ORDER BY 1, 2";

/// `borrowed` is the loans' amounts, `repaid` their made installments.
const LOAN_MISMATCHES: &str = "
    SELECT b.profile_id, b.currency_code, 'borrowed', CAST(b.borrowed AS TEXT),
           CAST(COALESCE(l.total, 0) AS TEXT)
    FROM balances b
    LEFT JOIN (SELECT borrower_id, currency_code, SUM(amount) AS total FROM loans
               GROUP BY borrower_id, currency_code) l
           ON l.borrower_id = b.profile_id AND l.currency_code = b.currency_code
    WHERE b.borrowed <> COALESCE(l.total, 0)
    UNION ALL
    SELECT b.profile_id, b.currency_code, 'repaid', CAST(b.repaid AS TEXT),
           CAST(COALESCE(r.total, 0) AS TEXT)
    FROM balances b
    LEFT JOIN (SELECT l.borrower_id, l.currency_code, SUM(p.amount) AS total
               FROM loan_payments p JOIN loans l ON l.id = p.loan_id
               WHERE p.status = 'made' GROUP BY l.borrower_id, l.currency_code) r
           ON r.borrower_id = b.profile_id AND r.currency_code = b.currency_code
    WHERE b.repaid <> COALESCE(r.total, 0)
    ORDER BY 1, 2, 3";

/// Each entry's `reversed` against its reversals (and its amount).
const REVERSAL_MISMATCHES: &str = "
    SELECT e.id, CAST(e.reversed AS TEXT), CAST(COALESCE(r.total, 0) AS TEXT)
    FROM ledger_entries e
    LEFT JOIN (SELECT reversal_of, SUM(amount) AS total FROM ledger_entries
               WHERE reversal_of IS NOT NULL GROUP BY reversal_of) r ON r.reversal_of = e.id
    WHERE e.reversed <> COALESCE(r.total, 0) OR e.reversed > e.amount
    ORDER BY 1";

/// Each job's `refunded` against its payment's `reversed` (0 without one).
const REFUND_MISMATCHES: &str = "
    SELECT j.id, CAST(j.refunded AS TEXT), CAST(COALESCE(e.reversed, 0) AS TEXT)
    FROM jobs j
    LEFT JOIN ledger_entries e ON e.job_id = j.id AND e.kind = 'job_payment'
    WHERE j.refunded <> COALESCE(e.reversed, 0)
    ORDER BY 1";

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
    let counts = tx
        .query_one_raw(query(
            "SELECT (SELECT COUNT(*) FROM profiles),
                    (SELECT COUNT(*) FROM balances),
                    (SELECT COUNT(*) FROM ledger_entries)",
        ))
        .await?
        .ok_or_else(|| Error::Internal("audit counts returned no row".to_owned()))?;
    report.profiles = counts.try_get_by_index(0)?;
    report.balances = counts.try_get_by_index(1)?;
    report.entries = counts.try_get_by_index(2)?;

    for row in tx
        .query_all_raw(query(
            "SELECT currency_code, CAST(SUM(balance) AS TEXT) FROM balances
             GROUP BY currency_code ORDER BY currency_code",
        ))
        .await?
    {
        report
            .totals
            .push((row.try_get_by_index(0)?, row.try_get_by_index(1)?));
    }
    for row in tx.query_all_raw(query(MISMATCHES)).await? {
        report.mismatches.push(Mismatch {
            profile_id: row.try_get_by_index(0)?,
            currency_code: row.try_get_by_index(1)?,
            balance: row.try_get_by_index(2)?,
            ledger: row.try_get_by_index(3)?,
        });
    }
    for row in tx
        .query_all_raw(query(
            "SELECT profile_id, currency_code FROM balances
             WHERE balance < 0 OR held < 0 OR held > balance
             ORDER BY profile_id, currency_code",
        ))
        .await?
    {
        report
            .negative
            .push((row.try_get_by_index(0)?, row.try_get_by_index(1)?));
    }
    for row in tx.query_all_raw(query(UNKNOWN_CURRENCIES)).await? {
        report.unknown_currencies.push(row.try_get_by_index(0)?);
    }
    for row in tx.query_all_raw(query(&total_mismatches_sql())).await? {
        report.total_mismatches.push((
            row.try_get_by_index(0)?,
            row.try_get_by_index(1)?,
            row.try_get_by_index(2)?,
            row.try_get_by_index(3)?,
            row.try_get_by_index(4)?,
        ));
    }
    for row in tx.query_all_raw(query(LOAN_MISMATCHES)).await? {
        report.loan_mismatches.push((
            row.try_get_by_index(0)?,
            row.try_get_by_index(1)?,
            row.try_get_by_index(2)?,
            row.try_get_by_index(3)?,
            row.try_get_by_index(4)?,
        ));
    }
    for row in tx.query_all_raw(query(HELD_MISMATCHES)).await? {
        report.held_mismatches.push((
            row.try_get_by_index(0)?,
            row.try_get_by_index(1)?,
            row.try_get_by_index(2)?,
            row.try_get_by_index(3)?,
        ));
    }
    for row in tx.query_all_raw(query(REVERSAL_MISMATCHES)).await? {
        report.reversal_mismatches.push((
            row.try_get_by_index(0)?,
            row.try_get_by_index(1)?,
            row.try_get_by_index(2)?,
        ));
    }
    for row in tx.query_all_raw(query(REFUND_MISMATCHES)).await? {
        report.refund_mismatches.push((
            row.try_get_by_index(0)?,
            row.try_get_by_index(1)?,
            row.try_get_by_index(2)?,
        ));
    }
    tx.commit().await?;
    Ok(report)
}
