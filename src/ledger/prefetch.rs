//! Stage one of a batch: every read (and, on PostgreSQL, every row lock)
//! the batch needs, from its commands' footprints, in a fixed number of
//! queries whatever the batch size: jobs, payouts, loans, their payments,
//! entries to reverse, currencies, profiles, balances, idempotency records,
//! outstanding jobs.
//!
//! Lock order, the same in every batch so that batches never deadlock:
//! payouts, then loans, then ledger entries, then balances, each in key
//! order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use sea_orm::sea_query::{Expr, JoinType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};

use super::footprint::{Footprint, MatchingPayouts, PayoutById};
use super::state::{
    BalanceKey, BalanceState, JobWithContract, LoadedEntry, LoadedLoan, LoadedPayout, Prefetched,
};
use super::{ADMIN, Command};
use crate::domain::Totals;
use crate::error::Error;
use crate::money::{Currency, Minor};
use crate::store::entities::contract::{self, ContractStatus};
use crate::store::entities::ledger_entry::{self, EntryKind};
use crate::store::entities::loan_payment::{self, LoanPaymentStatus};
use crate::store::entities::payout::{self, PayoutState};
use crate::store::entities::{balance, currency, job, loan, profile, request_record};
use crate::store::saturating_sum;

/// Reads what `commands` may need. Rows the caller has no right to see
/// (someone else's payout) are not read, so not locked either.
pub(super) async fn prefetch(
    tx: &DatabaseTransaction,
    commands: &[Command],
) -> Result<Prefetched, Error> {
    let footprints: Vec<Footprint> = commands.iter().map(Command::footprint).collect();
    let locks = tx.get_database_backend() == DbBackend::Postgres;

    let job_rows = load_jobs(tx, &footprints).await?;
    let payout_rows = load_payouts(tx, &footprints, locks).await?;
    let loan_rows = load_loans(tx, &footprints, locks).await?;
    let entry_rows = load_entries(tx, &footprints, locks).await?;
    let codes = job_rows
        .iter()
        .map(|(j, _)| &j.currency_code)
        .chain(payout_rows.iter().map(|p| &p.currency_code))
        .chain(loan_rows.iter().map(|(l, _)| &l.currency_code))
        .chain(entry_rows.iter().map(|e| &e.currency_code))
        .cloned()
        .collect();
    let currencies = load_currencies(tx, codes).await?;
    let currency_of = |code: &str| currencies.get(code).cloned();

    let jobs: HashMap<i64, JobWithContract> = job_rows
        .into_iter()
        .filter_map(|(job, contract)| {
            let currency = currency_of(&job.currency_code)?;
            Some((
                job.id,
                JobWithContract {
                    job,
                    contract,
                    currency,
                },
            ))
        })
        .collect();
    let payouts: BTreeMap<i64, LoadedPayout> = payout_rows
        .into_iter()
        .filter_map(|model| {
            let currency = currency_of(&model.currency_code)?;
            Some((model.id, LoadedPayout { model, currency }))
        })
        .collect();
    let loans: HashMap<i64, LoadedLoan> = loan_rows
        .into_iter()
        .filter_map(|(model, payments)| {
            let currency = currency_of(&model.currency_code)?;
            let made = payments
                .iter()
                .filter(|(_, status)| *status == LoanPaymentStatus::Made)
                .count() as i64;
            let months = payments.into_iter().map(|(month, _)| month).collect();
            Some((
                model.id,
                LoadedLoan {
                    model,
                    currency,
                    months,
                    made,
                },
            ))
        })
        .collect();

    let mut job_payments = HashMap::new();
    let entries: BTreeMap<i64, LoadedEntry> = entry_rows
        .into_iter()
        .filter_map(|model| {
            let currency = currency_of(&model.currency_code)?;
            if model.kind == EntryKind::JobPayment
                && let Some(job_id) = model.job_id
            {
                job_payments.insert(job_id, model.id);
            }
            Some((model.id, LoadedEntry { model, currency }))
        })
        .collect();

    // Who exists first (read, not locked): no balance of a third party
    // is locked for a caller that is unknown, or not a party.
    let mut profile_ids: BTreeSet<i64> = commands.iter().map(|c| c.caller).collect();
    for footprint in &footprints {
        profile_ids.extend(footprint.profiles.iter().copied());
    }
    for LoadedLoan { model, .. } in loans.values() {
        profile_ids.insert(model.borrower_id);
    }
    for JobWithContract { contract, .. } in jobs.values() {
        profile_ids.insert(contract.client_id);
        profile_ids.insert(contract.contractor_id);
    }
    let profiles: HashMap<i64, profile::Model> = profile::Entity::find()
        .filter(profile::Column::Id.is_in(profile_ids))
        .all(tx)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();

    let mut balance_keys: BTreeSet<BalanceKey> = BTreeSet::new();
    for (command, footprint) in commands.iter().zip(&footprints) {
        if command.caller != ADMIN && !profiles.contains_key(&command.caller) {
            continue;
        }
        for key in &footprint.balances {
            if profiles.contains_key(&key.0) {
                balance_keys.insert(key.clone());
            }
        }
        if let Some(job_id) = footprint.job
            && let Some(JobWithContract {
                contract, currency, ..
            }) = jobs.get(&job_id)
            && contract.client_id == command.caller
        {
            balance_keys.insert((contract.client_id, currency.code.clone()));
            balance_keys.insert((contract.contractor_id, currency.code.clone()));
        }
        if let Some(job_id) = footprint.refund
            && let Some(JobWithContract {
                contract, currency, ..
            }) = jobs.get(&job_id)
            && contract.contractor_id == command.caller
        {
            balance_keys.insert((contract.client_id, currency.code.clone()));
            balance_keys.insert((contract.contractor_id, currency.code.clone()));
        }
    }
    for LoadedEntry { model, .. } in entries.values() {
        for party in [model.debit_profile_id, model.credit_profile_id]
            .into_iter()
            .flatten()
        {
            balance_keys.insert((party, model.currency_code.clone()));
        }
    }
    for LoadedLoan { model, .. } in loans.values() {
        balance_keys.insert((model.borrower_id, model.currency_code.clone()));
    }
    for LoadedPayout { model, .. } in payouts.values() {
        balance_keys.insert((model.profile_id, model.currency_code.clone()));
    }
    let (balances, last_movement) = lock_balances(tx, &balance_keys, locks).await?;
    let records = load_records(tx, commands).await?;
    let deposits: BTreeSet<BalanceKey> = footprints
        .iter()
        .filter_map(|f| f.outstanding.clone())
        .collect();
    let outstanding = if deposits.is_empty() {
        HashMap::new()
    } else {
        outstanding_by_client(tx, &deposits).await?
    };

    Ok(Prefetched {
        profiles,
        jobs,
        payouts,
        loans,
        entries,
        job_payments,
        balances,
        last_movement,
        outstanding,
        records,
    })
}

/// The jobs the batch pays, with their contracts.
async fn load_jobs(
    tx: &DatabaseTransaction,
    footprints: &[Footprint],
) -> Result<Vec<(job::Model, contract::Model)>, Error> {
    let job_ids: BTreeSet<i64> = footprints
        .iter()
        .flat_map(|f| [f.job, f.refund])
        .flatten()
        .collect();
    if job_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(job::Entity::find()
        .find_also_related(contract::Entity)
        .filter(job::Column::Id.is_in(job_ids))
        .all(tx)
        .await?
        .into_iter()
        .filter_map(|(job, contract)| contract.map(|c| (job, c)))
        .collect())
}

/// The payouts the batch cancels or completes by id (only those their
/// caller may act on: its own, or any for an admin), and the requested
/// payouts a `paid_out` feed item may complete; locked on PostgreSQL.
async fn load_payouts(
    tx: &DatabaseTransaction,
    footprints: &[Footprint],
    locks: bool,
) -> Result<Vec<payout::Model>, Error> {
    let mut any_of = Condition::any();
    let mut wanted = false;
    for footprint in footprints {
        if let Some(PayoutById { id, owner }) = footprint.payout {
            wanted = true;
            let mut this = Condition::all().add(payout::Column::Id.eq(id));
            if let Some(owner) = owner {
                this = this.add(payout::Column::ProfileId.eq(owner));
            }
            any_of = any_of.add(this);
        }
        if let Some(MatchingPayouts {
            profile_id,
            currency_code,
            amount,
        }) = &footprint.matching_payouts
        {
            wanted = true;
            any_of = any_of.add(
                Condition::all()
                    .add(payout::Column::ProfileId.eq(*profile_id))
                    .add(payout::Column::CurrencyCode.eq(currency_code.as_str()))
                    .add(payout::Column::Amount.eq(*amount))
                    .add(payout::Column::State.eq(PayoutState::Requested)),
            );
        }
    }
    if !wanted {
        return Ok(Vec::new());
    }
    let mut query = payout::Entity::find()
        .filter(any_of)
        .order_by_asc(payout::Column::Id);
    if locks {
        query = query.lock_exclusive();
    }
    Ok(query.all(tx).await?)
}

/// The loans the batch records payments of (locked on PostgreSQL), each
/// with its payments' months and statuses.
async fn load_loans(
    tx: &DatabaseTransaction,
    footprints: &[Footprint],
    locks: bool,
) -> Result<Vec<(loan::Model, Vec<(String, LoanPaymentStatus)>)>, Error> {
    let ids: BTreeSet<i64> = footprints.iter().filter_map(|f| f.loan).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = loan::Entity::find()
        .filter(loan::Column::Id.is_in(ids.clone()))
        .order_by_asc(loan::Column::Id);
    if locks {
        query = query.lock_exclusive();
    }
    let rows = query.all(tx).await?;
    let payments: Vec<(i64, String, LoanPaymentStatus)> = loan_payment::Entity::find()
        .select_only()
        .column(loan_payment::Column::LoanId)
        .column(loan_payment::Column::PaymentMonth)
        .column(loan_payment::Column::Status)
        .filter(loan_payment::Column::LoanId.is_in(ids))
        .into_tuple()
        .all(tx)
        .await?;
    let mut by_loan: HashMap<i64, Vec<(String, LoanPaymentStatus)>> = HashMap::new();
    for (loan_id, month, status) in payments {
        by_loan.entry(loan_id).or_default().push((month, status));
    }
    Ok(rows
        .into_iter()
        .map(|model| {
            let payments = by_loan.remove(&model.id).unwrap_or_default();
            (model, payments)
        })
        .collect())
}

/// The entries the batch reverses by id, and the payment entries of the
/// jobs it refunds; locked on PostgreSQL, so that two reversals of one
/// entry (on any replica) take turns and the second sees the first.
async fn load_entries(
    tx: &DatabaseTransaction,
    footprints: &[Footprint],
    locks: bool,
) -> Result<Vec<ledger_entry::Model>, Error> {
    let ids: BTreeSet<i64> = footprints.iter().filter_map(|f| f.entry).collect();
    let refunded_jobs: BTreeSet<i64> = footprints.iter().filter_map(|f| f.refund).collect();
    if ids.is_empty() && refunded_jobs.is_empty() {
        return Ok(Vec::new());
    }
    let mut any_of = Condition::any();
    if !ids.is_empty() {
        any_of = any_of.add(ledger_entry::Column::Id.is_in(ids));
    }
    if !refunded_jobs.is_empty() {
        any_of = any_of.add(
            Condition::all()
                .add(ledger_entry::Column::Kind.eq(EntryKind::JobPayment))
                .add(ledger_entry::Column::JobId.is_in(refunded_jobs)),
        );
    }
    let mut query = ledger_entry::Entity::find()
        .filter(any_of)
        .order_by_asc(ledger_entry::Column::Id);
    if locks {
        query = query.lock_exclusive();
    }
    Ok(query.all(tx).await?)
}

/// The currencies of these codes.
async fn load_currencies(
    tx: &DatabaseTransaction,
    codes: BTreeSet<String>,
) -> Result<HashMap<String, Currency>, Error> {
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(currency::Entity::find()
        .filter(currency::Column::Code.is_in(codes))
        .all(tx)
        .await?
        .into_iter()
        .map(|c| {
            (
                c.code.clone(),
                crate::currencies::from_row(c.code, c.precision),
            )
        })
        .collect())
}

/// Reads (and on PostgreSQL locks, in key order) the balance rows of
/// `keys`, with the latest instant any of them moved. Batches touching the same balances queue on these row locks
/// before doing any work, and never deadlock; a balance opened by two
/// batches at once conflicts on its primary key and is retried.
async fn lock_balances(
    tx: &DatabaseTransaction,
    keys: &BTreeSet<BalanceKey>,
    locks: bool,
) -> Result<(BTreeMap<BalanceKey, BalanceState>, Option<DateTime<Utc>>), Error> {
    if keys.is_empty() {
        return Ok((BTreeMap::new(), None));
    }
    let mut by_currency: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for (profile_id, code) in keys {
        by_currency.entry(code).or_default().insert(*profile_id);
    }
    let mut condition = Condition::any();
    for (code, profile_ids) in by_currency {
        condition = condition.add(
            Condition::all()
                .add(balance::Column::CurrencyCode.eq(code))
                .add(balance::Column::ProfileId.is_in(profile_ids)),
        );
    }
    let mut query = balance::Entity::find()
        .filter(condition)
        .order_by_asc(balance::Column::ProfileId)
        .order_by_asc(balance::Column::CurrencyCode);
    if locks {
        query = query.lock_exclusive();
    }
    let rows = query.all(tx).await?;
    let last_movement = rows.iter().map(|row| row.updated_at).max();
    let states = rows
        .into_iter()
        .map(|row| {
            (
                (row.profile_id, row.currency_code.clone()),
                BalanceState {
                    balance: Minor::new(row.balance),
                    held: Minor::new(row.held),
                    totals: Totals::from_row(&row),
                },
            )
        })
        .collect();
    Ok((states, last_movement))
}

/// Idempotency records of the batch's request ids, by primary key
/// (caller, request id): an index lookup, so that SERIALIZABLE predicate
/// locks cover these keys, not the table.
async fn load_records(
    tx: &DatabaseTransaction,
    commands: &[Command],
) -> Result<HashMap<(i64, String), request_record::Model>, Error> {
    let mut request_ids: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
    for command in commands {
        if let Some(request_id) = &command.request_id {
            request_ids
                .entry(command.caller)
                .or_default()
                .insert(request_id.as_str());
        }
    }
    if request_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut keys = Condition::any();
    for (caller, ids) in request_ids {
        keys = keys.add(
            Condition::all()
                .add(request_record::Column::CallerId.eq(caller))
                .add(request_record::Column::RequestId.is_in(ids)),
        );
    }
    Ok(request_record::Entity::find()
        .filter(keys)
        .all(tx)
        .await?
        .into_iter()
        .map(|r| ((r.caller_id, r.request_id.clone()), r))
        .collect())
}

/// Each depositing client's outstanding jobs' total in the deposit's
/// currency: unpaid jobs of its in-progress contracts in that currency.
async fn outstanding_by_client(
    tx: &DatabaseTransaction,
    deposits: &BTreeSet<BalanceKey>,
) -> Result<HashMap<BalanceKey, i128>, Error> {
    let sum = saturating_sum(tx.get_database_backend(), "\"jobs\".\"price\"");
    let clients: BTreeSet<i64> = deposits.iter().map(|(id, _)| *id).collect();
    let codes: BTreeSet<&str> = deposits.iter().map(|(_, code)| code.as_str()).collect();
    let rows: Vec<(i64, String, i64)> = job::Entity::find()
        .select_only()
        .column(contract::Column::ClientId)
        .column(job::Column::CurrencyCode)
        .column_as(Expr::cust(sum), "outstanding")
        .join(JoinType::InnerJoin, job::Relation::Contract.def())
        .filter(contract::Column::ClientId.is_in(clients))
        .filter(job::Column::CurrencyCode.is_in(codes))
        .filter(contract::Column::Status.eq(ContractStatus::InProgress))
        .filter(job::Column::Paid.eq(false))
        .group_by(contract::Column::ClientId)
        .group_by(job::Column::CurrencyCode)
        .into_tuple()
        .all(tx)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(client, code, total)| ((client, code), i128::from(total)))
        .collect())
}
