//! Stage two of a batch: each command decided in order against what
//! `prefetch` read, in memory. Synchronous and pure: no database, no
//! clock (the batch's `now` is given), no I/O. What it decides to write is
//! [`Effects`]; what each command answers is a [`Decision`], whose new
//! rows' ids `apply` fills in once the rows exist.
//!
//! The operations themselves live by family: `jobs`, `movements`,
//! `payouts`, `loans`, `external`. Each checks everything before it
//! changes anything, so a refused command leaves the batch as it found it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::idempotency::request_hash;
use super::state::{
    BalanceState, BalanceViews, JobWithContract, LoadedEntry, LoadedLoan, LoadedPayout, Prefetched,
};
use super::{ADMIN, Command, Op, Receipt};
use crate::domain::EntryKind;
use crate::domain::Side;
use crate::error::{AuthFailure, Error};
use crate::money::{Currency, Minor, Money};
use crate::store::entities::{loan, loan_payment, payout, profile, request_record};

/// What one command answers, once `apply` has written the batch.
// A batch's decisions live until its commit; boxing the common variant
// would cost an allocation per command for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Decision {
    /// A receipt whose ids of rows made by this batch are still zero:
    /// `fills` says where each goes.
    Done { receipt: Receipt, fills: Vec<Fill> },
    /// The same answer as the earlier command `index` of this batch (a
    /// request id repeated within one batch).
    Repeat(usize),
}

impl Decision {
    fn done(receipt: Receipt) -> Self {
        Decision::Done {
            receipt,
            fills: Vec::new(),
        }
    }
}

/// A new row's id that a receipt shows, by its index among the batch's
/// new rows of its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fill {
    /// The payout's own id.
    Payout(usize),
    /// The payout's `ledger_entry_id`.
    PayoutEntry(usize),
    Loan(usize),
    LoanPayment(usize),
    /// The loan payment's `ledger_entry_id`.
    LoanPaymentEntry(usize),
    /// The id of a reversal's own entry.
    ReversalEntry(usize),
}

/// A ledger entry to write; its id comes from the database, in decision
/// order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NewEntry {
    pub kind: EntryKind,
    /// (profile, its balance after) of each side; `None` is outside.
    pub debit: Option<(i64, Minor)>,
    pub credit: Option<(i64, Minor)>,
    pub amount: Minor,
    pub currency_code: String,
    pub job_id: Option<i64>,
    pub request_id: Option<String>,
    /// For a reversal, the entry it corrects, and why.
    pub reversal_of: Option<i64>,
    pub reason: Option<String>,
}

/// A payout row to write: `model.id` is zero for a new one, and
/// `entry` the new entry it was paid out by, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PayoutWrite {
    pub model: payout::Model,
    pub entry: Option<usize>,
}

/// A loan payment to write (`model.id` zero), with the new entry that
/// collected it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LoanPaymentWrite {
    pub model: loan_payment::Model,
    pub entry: Option<usize>,
}

/// An idempotency record to write: the answer of command `outcome`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RecordWrite {
    pub caller_id: i64,
    pub request_id: String,
    pub method: &'static str,
    pub request_hash: String,
    pub outcome: usize,
}

/// Everything a batch writes; `apply` writes each field with one
/// statement.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Effects {
    pub entries: Vec<NewEntry>,
    /// Changed balances in key order: (profile, currency, state).
    pub balances: Vec<(i64, String, BalanceState)>,
    pub paid_jobs: Vec<i64>,
    pub new_payouts: Vec<PayoutWrite>,
    pub changed_payouts: Vec<PayoutWrite>,
    pub new_loans: Vec<loan::Model>,
    pub new_loan_payments: Vec<LoanPaymentWrite>,
    /// Reversed entries' new `reversed` totals, by entry id.
    pub reversed_entries: Vec<(i64, i64)>,
    /// Refunded jobs' new `refunded` totals, by job id.
    pub refunded_jobs: Vec<(i64, i64)>,
    pub records: Vec<RecordWrite>,
}

/// What `decide` hands `apply`: one outcome per command, in order.
#[derive(Debug)]
pub(super) struct Decided {
    pub now: DateTime<Utc>,
    pub outcomes: Vec<Result<Decision, Error>>,
    pub effects: Effects,
}

/// Decides `commands` in order; a refused one writes nothing and the
/// others are unaffected.
pub(super) fn decide(known: Prefetched, commands: &[Command], now: DateTime<Utc>) -> Decided {
    let mut batch = Batch::new(known, now);
    let outcomes = commands
        .iter()
        .enumerate()
        .map(|(index, command)| batch.decide(index, command))
        .collect();
    Decided {
        now,
        outcomes,
        effects: batch.finish(),
    }
}

/// An idempotency record the batch knows: stored, or made by an earlier
/// command of the batch.
enum KnownRecord {
    Stored(request_record::Model),
    Decided {
        method: &'static str,
        request_hash: String,
        outcome: usize,
    },
}

/// A payout as the batch sees it, stored or requested in this batch.
pub(super) struct PayoutView {
    pub model: payout::Model,
    pub currency: Currency,
    /// The new entry that paid it out, once decided.
    pub entry: Option<usize>,
    pub changed: bool,
}

/// Where a payout lives: stored (by id) or new (by index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PayoutSlot {
    Stored(i64),
    New(usize),
}

/// The batch's state while deciding.
pub(super) struct Batch {
    pub now: DateTime<Utc>,
    pub profiles: HashMap<i64, profile::Model>,
    pub jobs: HashMap<i64, JobWithContract>,
    pub stored_payouts: BTreeMap<i64, PayoutView>,
    pub new_payouts: Vec<PayoutView>,
    pub loans: HashMap<i64, LoadedLoan>,
    pub entries: BTreeMap<i64, LoadedEntry>,
    pub job_payments: HashMap<i64, i64>,
    /// Entries whose `reversed` this batch changed.
    pub reversed: BTreeSet<i64>,
    pub balances: BalanceViews,
    pub outstanding: HashMap<(i64, String), i128>,
    records: HashMap<(i64, String), KnownRecord>,
    pub effects: Effects,
}

impl Batch {
    fn new(known: Prefetched, now: DateTime<Utc>) -> Self {
        let Prefetched {
            profiles,
            jobs,
            payouts,
            loans,
            entries,
            job_payments,
            balances,
            // Already applied to `now` by `execute`.
            last_movement: _,
            outstanding,
            records,
        } = known;
        let stored_payouts = payouts
            .into_iter()
            .map(|(id, LoadedPayout { model, currency })| {
                (
                    id,
                    PayoutView {
                        model,
                        currency,
                        entry: None,
                        changed: false,
                    },
                )
            })
            .collect();
        Batch {
            now,
            profiles,
            jobs,
            stored_payouts,
            new_payouts: Vec::new(),
            loans,
            entries,
            job_payments,
            reversed: BTreeSet::new(),
            balances: BalanceViews::from(balances),
            outstanding,
            records: records
                .into_iter()
                .map(|(key, record)| (key, KnownRecord::Stored(record)))
                .collect(),
            effects: Effects::default(),
        }
    }

    /// Decides command `index`: a repeat answers as before, anything else
    /// runs its operation and, with a request id, is remembered.
    fn decide(&mut self, index: usize, command: &Command) -> Result<Decision, Error> {
        let hash = match &command.request_id {
            Some(_) => request_hash(&command.op),
            None => String::new(),
        };
        if let Some(request_id) = &command.request_id
            && let Some(known) = self
                .records
                .get(&(command.caller, request_id.as_str().to_owned()))
        {
            return match known {
                KnownRecord::Stored(record)
                    if record.method == command.op.method() && record.request_hash == hash =>
                {
                    Receipt::decode(&record.method, &record.response).map(Decision::done)
                }
                KnownRecord::Decided {
                    method,
                    request_hash,
                    outcome,
                } if *method == command.op.method() && *request_hash == hash => {
                    Ok(Decision::Repeat(*outcome))
                }
                _ => Err(Error::RequestIdReused),
            };
        }
        if command.caller != ADMIN && !self.profiles.contains_key(&command.caller) {
            return Err(Error::Unauthenticated(AuthFailure::UnknownProfile));
        }
        let request_id = command.request_id.as_ref().map(|r| r.as_str().to_owned());
        let decision = self.operate(command, request_id.clone())?;
        if let Some(request_id) = request_id {
            self.records.insert(
                (command.caller, request_id.clone()),
                KnownRecord::Decided {
                    method: command.op.method(),
                    request_hash: hash.clone(),
                    outcome: index,
                },
            );
            self.effects.records.push(RecordWrite {
                caller_id: command.caller,
                request_id,
                method: command.op.method(),
                request_hash: hash,
                outcome: index,
            });
        }
        Ok(decision)
    }

    /// The operation itself, by family. No wildcard: a new [`Op`] does
    /// not compile until it is decided somewhere.
    fn operate(
        &mut self,
        command: &Command,
        request_id: Option<String>,
    ) -> Result<Decision, Error> {
        let caller = command.caller;
        match &command.op {
            Op::PayJob { job_id } => self
                .pay_job(caller, *job_id, request_id)
                .map(Decision::done),
            Op::Deposit { profile_id, amount } => self
                .deposit(caller, *profile_id, amount, request_id)
                .map(Decision::done),
            Op::Withdraw { amount } => self
                .withdraw(caller, amount, request_id)
                .map(Decision::done),
            Op::Transfer {
                to_profile_id,
                amount,
            } => self
                .transfer(caller, *to_profile_id, amount, request_id)
                .map(Decision::done),
            Op::RequestPayout { amount } => self.request_payout(caller, amount, request_id, None),
            Op::CancelPayout { payout_id } => self.cancel_payout(caller, *payout_id),
            Op::CompletePayout { payout_id } => self.complete_payout(caller, *payout_id),
            Op::CreateLoan(loan) => self.create_loan(loan, request_id),
            Op::RecordLoanPayment {
                loan_id,
                status,
                payment_time,
            } => self.record_loan_payment(*loan_id, *status, *payment_time, request_id),
            Op::ExternalCredit { profile_id, amount } => self
                .external_credit(*profile_id, amount)
                .map(Decision::done),
            Op::ExternalDebit { profile_id, amount } => {
                self.external_debit(*profile_id, amount).map(Decision::done)
            }
            Op::ExternalPayout {
                profile_id,
                amount,
                external_id,
            } => self.request_payout(*profile_id, amount, None, Some(external_id.clone())),
            Op::ExternalPaidOut { profile_id, amount } => {
                self.complete_matching_payout(*profile_id, amount)
            }
            Op::ReverseEntry {
                entry_id,
                amount,
                reason,
            } => self.reverse_entry(*entry_id, amount.as_ref(), reason.clone(), request_id),
            Op::RefundJob { job_id, amount } => {
                self.refund_job(caller, *job_id, amount.as_ref(), request_id)
            }
        }
    }

    /// What the batch decided to write.
    fn finish(mut self) -> Effects {
        self.effects.balances = self.balances.changed();
        for id in &self.reversed {
            let entry = &self.entries[id].model;
            self.effects.reversed_entries.push((*id, entry.reversed));
            if entry.kind == crate::store::entities::ledger_entry::EntryKind::JobPayment
                && let Some(job_id) = entry.job_id
            {
                // A job's refunded is its payment's reversed.
                self.effects.refunded_jobs.push((job_id, entry.reversed));
            }
        }
        let changed_payouts = self
            .stored_payouts
            .into_values()
            .filter(|view| view.changed)
            .map(|view| PayoutWrite {
                model: view.model,
                entry: view.entry,
            });
        self.effects.changed_payouts = changed_payouts.collect();
        self.effects.new_payouts = self
            .new_payouts
            .into_iter()
            .map(|view| PayoutWrite {
                model: view.model,
                entry: view.entry,
            })
            .collect();
        self.effects
    }

    // The helpers every family shares.

    pub fn state(&self, profile_id: i64, currency: &str) -> BalanceState {
        self.balances.get(profile_id, currency)
    }

    /// The balance after taking `amount` out, or INSUFFICIENT_FUNDS when
    /// it exceeds what is available (balance minus held).
    pub fn after_debit(&self, profile_id: i64, amount: &Money) -> Result<Minor, Error> {
        let state = self.state(profile_id, &amount.currency_code);
        let available = Minor::new(state.balance.get() - state.held.get());
        match available.checked_sub(amount.amount()) {
            Some(left) if left >= Minor::ZERO => {
                Ok(Minor::new(state.balance.get() - amount.amount().get()))
            }
            _ => {
                let money = |units: Minor| Money {
                    minor_units: units,
                    ..amount.clone()
                };
                Err(Error::InsufficientFunds {
                    balance: money(state.balance),
                    available: money(available),
                    required: amount.clone(),
                })
            }
        }
    }

    /// The balance after adding `amount`, or BALANCE_LIMIT_EXCEEDED.
    pub fn after_credit(&self, profile_id: i64, amount: &Money) -> Result<Minor, Error> {
        self.state(profile_id, &amount.currency_code)
            .balance
            .checked_add(amount.amount())
            .ok_or(Error::BalanceLimitExceeded)
    }

    pub fn update_state(
        &mut self,
        profile_id: i64,
        currency: &str,
        change: impl FnOnce(&mut BalanceState),
    ) {
        self.balances.update(profile_id, currency, change);
    }

    pub fn set_balance(&mut self, profile_id: i64, currency: &str, balance: Minor) {
        self.update_state(profile_id, currency, |state| state.balance = balance);
    }

    /// Appends the ledger entry of a movement whose balances are already
    /// set, adding its amount to the summary total each side feeds;
    /// returns the entry's index among the batch's new entries.
    pub fn append_entry(
        &mut self,
        kind: EntryKind,
        debit: Option<(i64, Minor)>,
        credit: Option<(i64, Minor)>,
        amount: &Money,
        job_id: Option<i64>,
        request_id: Option<String>,
    ) -> usize {
        self.push_entry(NewEntry {
            kind,
            debit,
            credit,
            amount: amount.amount(),
            currency_code: amount.currency_code.clone(),
            job_id,
            request_id,
            reversal_of: None,
            reason: None,
        })
    }

    /// Appends `entry`, adding its amount to the summary total each side
    /// feeds; returns its index among the batch's new entries.
    pub fn push_entry(&mut self, entry: NewEntry) -> usize {
        let (kind, amount) = (entry.kind, entry.amount);
        for (party, side) in [(entry.debit, Side::Debit), (entry.credit, Side::Credit)] {
            if let Some((profile_id, _)) = party {
                self.update_state(profile_id, &entry.currency_code, |state| {
                    state.totals.record(kind, side, amount)
                });
            }
        }
        self.effects.entries.push(entry);
        self.effects.entries.len() - 1
    }
}

/// The money of `amount`'s currency with these units.
pub(super) fn same_currency(amount: &Money, units: Minor) -> Money {
    Money {
        minor_units: units,
        ..amount.clone()
    }
}
