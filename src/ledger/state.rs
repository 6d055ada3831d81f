//! What a batch knows: the rows `prefetch` read, in the shapes `decide`
//! works on. Nothing here touches the database.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::domain::Totals;
use crate::money::{Currency, Minor};
use crate::store::entities::{contract, job, ledger_entry, loan, payout, profile, request_record};

/// A balance's key: profile and currency code.
pub(super) type BalanceKey = (i64, String);

/// A balance row as the batch sees it; a row never opened is all zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct BalanceState {
    pub balance: Minor,
    pub held: Minor,
    pub totals: Totals,
}

/// A job with the contract it belongs to and its currency.
#[derive(Debug, Clone)]
pub(super) struct JobWithContract {
    pub job: job::Model,
    pub contract: contract::Model,
    pub currency: Currency,
}

/// A loan the batch records payments of, with what it has so far.
#[derive(Debug, Clone)]
pub(super) struct LoadedLoan {
    pub model: loan::Model,
    pub currency: Currency,
    /// Months ("YYYY-MM") with a record, made or missed.
    pub months: BTreeSet<String>,
    pub made: i64,
}

/// A stored payout the batch may cancel or complete, with its currency.
#[derive(Debug, Clone)]
pub(super) struct LoadedPayout {
    pub model: payout::Model,
    pub currency: Currency,
}

/// A ledger entry the batch may reverse, with its currency.
#[derive(Debug, Clone)]
pub(super) struct LoadedEntry {
    pub model: ledger_entry::Model,
    pub currency: Currency,
}

/// Everything `decide` may look at, read (and on PostgreSQL locked) by
/// `prefetch` from the batch's footprints.
#[derive(Debug, Default)]
pub(super) struct Prefetched {
    pub profiles: HashMap<i64, profile::Model>,
    pub jobs: HashMap<i64, JobWithContract>,
    /// Payouts named by id (only those their caller may act on), and the
    /// requested payouts a feed `paid_out` item may complete, by id.
    pub payouts: BTreeMap<i64, LoadedPayout>,
    pub loans: HashMap<i64, LoadedLoan>,
    /// Entries to reverse: named by id, and the payments of jobs to refund.
    pub entries: BTreeMap<i64, LoadedEntry>,
    /// The payment entry of each job to refund that has one.
    pub job_payments: HashMap<i64, i64>,
    /// Every balance the batch may touch that has a row.
    pub balances: BTreeMap<BalanceKey, BalanceState>,
    /// The latest instant at which one of those balances moved.
    pub last_movement: Option<chrono::DateTime<chrono::Utc>>,
    /// Depositing clients' outstanding jobs' total per currency.
    pub outstanding: HashMap<BalanceKey, i128>,
    /// Stored idempotency records of the batch's request ids.
    pub records: HashMap<(i64, String), request_record::Model>,
}

/// The batch's view of the balances it touches: by currency, then
/// profile, so that looking one up borrows the currency code instead of
/// allocating a key (a storm looks balances up several times a command).
#[derive(Debug, Default)]
pub(super) struct BalanceViews {
    by_currency: HashMap<String, HashMap<i64, (BalanceState, bool)>>,
}

impl From<BTreeMap<BalanceKey, BalanceState>> for BalanceViews {
    fn from(rows: BTreeMap<BalanceKey, BalanceState>) -> Self {
        let mut views = BalanceViews::default();
        for ((profile_id, code), state) in rows {
            views
                .by_currency
                .entry(code)
                .or_default()
                .insert(profile_id, (state, false));
        }
        views
    }
}

impl BalanceViews {
    /// The balance as decided so far; a row never opened is zero.
    pub fn get(&self, profile_id: i64, currency: &str) -> BalanceState {
        self.by_currency
            .get(currency)
            .and_then(|profiles| profiles.get(&profile_id))
            .map(|(state, _)| *state)
            .unwrap_or_default()
    }

    pub fn update(
        &mut self,
        profile_id: i64,
        currency: &str,
        change: impl FnOnce(&mut BalanceState),
    ) {
        if !self.by_currency.contains_key(currency) {
            self.by_currency.insert(currency.to_owned(), HashMap::new());
        }
        let profiles = self.by_currency.get_mut(currency).expect("inserted above");
        let (state, changed) = profiles.entry(profile_id).or_default();
        change(state);
        *changed = true;
    }

    /// The changed balances in key order: (profile, currency, state).
    pub fn changed(&self) -> Vec<(i64, String, BalanceState)> {
        let mut rows: Vec<(i64, String, BalanceState)> = self
            .by_currency
            .iter()
            .flat_map(|(code, profiles)| {
                profiles
                    .iter()
                    .filter(|(_, (_, changed))| *changed)
                    .map(|(id, (state, _))| (*id, code.clone(), *state))
            })
            .collect();
        rows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        rows
    }
}
