//! Executes a batch of commands inside one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::ActiveEnum;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait,
    sea_query::JoinType,
};

use super::idempotency::request_hash;
use super::{ADMIN, Command, NewLoan, Op, Receipt};
use crate::domain::{Job, Loan, LoanPayment, Payout, Side, Totals};
use crate::error::{AuthFailure, Error, Resource};
use crate::loans::month_key;
use crate::money::{Currency, Minor, Money};
use crate::store::entities::contract::{self, ContractStatus};
use crate::store::entities::ledger_entry::{self, EntryKind};
use crate::store::entities::loan;
use crate::store::entities::loan_payment::{self, LoanPaymentStatus};
use crate::store::entities::payout::{self, PayoutState};
use crate::store::entities::profile::{self, ProfileType};
use crate::store::entities::{balance, currency, job, request_record};
use crate::store::saturating_sum;

/// Runs `commands` in order inside `tx` and returns one outcome per command.
///
/// The outer `Err` is a database failure of the whole batch (the runner
/// retries conflicts); an inner `Err` is one command refused, having written
/// nothing. Query count is fixed for movements between balances: at most
/// seven reads and four writes, whatever the batch size. Payout requests
/// and completions add one or two statements each (their rows' ids are
/// part of the response).
pub async fn execute(
    tx: &DatabaseTransaction,
    commands: &[Command],
    now: DateTime<Utc>,
) -> Result<Vec<Result<Receipt, Error>>, Error> {
    let mut batch = Batch::load(tx, commands, now).await?;
    let mut outcomes = Vec::with_capacity(commands.len());
    for command in commands {
        outcomes.push(batch.decide(tx, command).await?);
    }
    batch.write(tx).await?;
    Ok(outcomes)
}

/// A job with the contract it belongs to and its currency.
struct JobWithContract {
    job: job::Model,
    contract: contract::Model,
    currency: Currency,
}

/// A balance row as the batch sees it.
#[derive(Debug, Clone, Copy, Default)]
struct BalanceState {
    balance: Minor,
    held: Minor,
    totals: Totals,
}

/// A loan the batch records payments of, with what it has so far.
struct LoadedLoan {
    model: loan::Model,
    currency: Currency,
    /// Months ("YYYY-MM") with a record, made or missed.
    months: BTreeSet<String>,
    made: i64,
}

/// A payout the batch may cancel or complete, with its currency.
struct LoadedPayout {
    model: payout::Model,
    currency: Currency,
}

/// A balance's key: profile and currency code.
type BalanceKey = (i64, String);

/// What the batch read, and what it decided to write.
struct Batch {
    now: DateTime<Utc>,
    profiles: HashMap<i64, profile::Model>,
    jobs: HashMap<i64, JobWithContract>,
    payouts: HashMap<i64, LoadedPayout>,
    loans: HashMap<i64, LoadedLoan>,
    /// Every balance the batch may touch; a missing row opens at zero.
    balances: BalanceViews,
    /// Clients' outstanding jobs' total per currency, for deposit limits.
    outstanding: HashMap<BalanceKey, i128>,
    /// Existing and newly made idempotency records by (caller, request id).
    records: HashMap<(i64, String), request_record::Model>,
    entries: Vec<ledger_entry::ActiveModel>,
    new_records: Vec<request_record::Model>,
    paid_jobs: Vec<i64>,
}

/// The batch's view of the balances it touches: by currency, then
/// profile, so that looking one up borrows the currency code instead of
/// allocating a key (a storm looks balances up several times a command).
#[derive(Default)]
struct BalanceViews {
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
    fn get(&self, profile_id: i64, currency: &str) -> BalanceState {
        self.by_currency
            .get(currency)
            .and_then(|profiles| profiles.get(&profile_id))
            .map(|(state, _)| *state)
            .unwrap_or_default()
    }

    fn update(&mut self, profile_id: i64, currency: &str, change: impl FnOnce(&mut BalanceState)) {
        if !self.by_currency.contains_key(currency) {
            self.by_currency.insert(currency.to_owned(), HashMap::new());
        }
        let profiles = self.by_currency.get_mut(currency).expect("inserted above");
        let (state, changed) = profiles.entry(profile_id).or_default();
        change(state);
        *changed = true;
    }

    /// The changed balances in key order: (profile, currency, state).
    fn changed(&self) -> Vec<(i64, String, BalanceState)> {
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

/// The balances a command may touch, before its job is known.
fn direct_balances(command: &Command) -> Vec<BalanceKey> {
    match &command.op {
        Op::PayJob { .. }
        | Op::CancelPayout { .. }
        | Op::CompletePayout { .. }
        | Op::RecordLoanPayment { .. } => Vec::new(),
        Op::CreateLoan(loan) => vec![(loan.borrower_id, loan.amount.currency_code.clone())],
        Op::ExternalCredit { profile_id, amount }
        | Op::ExternalDebit { profile_id, amount }
        | Op::ExternalPayout {
            profile_id, amount, ..
        }
        | Op::ExternalPaidOut { profile_id, amount } => {
            vec![(*profile_id, amount.currency_code.clone())]
        }
        Op::Deposit { amount, .. } | Op::Withdraw { amount } | Op::RequestPayout { amount } => {
            vec![(command.caller, amount.currency_code.clone())]
        }
        Op::Transfer {
            to_profile_id,
            amount,
        } => vec![
            (command.caller, amount.currency_code.clone()),
            (*to_profile_id, amount.currency_code.clone()),
        ],
    }
}

impl Batch {
    async fn load(
        tx: &DatabaseTransaction,
        commands: &[Command],
        now: DateTime<Utc>,
    ) -> Result<Batch, Error> {
        let jobs = load_jobs(tx, commands).await?;
        let payouts = load_payouts(tx, commands).await?;
        let loans = load_loans(tx, commands).await?;

        // Who exists first (read, not locked): no balance of a third party
        // is locked for a caller that is unknown, or not a party.
        let mut profile_ids: BTreeSet<i64> = commands.iter().map(|c| c.caller).collect();
        for command in commands {
            match &command.op {
                Op::Transfer { to_profile_id, .. } => {
                    profile_ids.insert(*to_profile_id);
                }
                Op::CreateLoan(loan) => {
                    profile_ids.insert(loan.borrower_id);
                }
                Op::ExternalCredit { profile_id, .. }
                | Op::ExternalDebit { profile_id, .. }
                | Op::ExternalPayout { profile_id, .. }
                | Op::ExternalPaidOut { profile_id, .. } => {
                    profile_ids.insert(*profile_id);
                }
                _ => {}
            }
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
        for command in commands {
            if command.caller != ADMIN && !profiles.contains_key(&command.caller) {
                continue;
            }
            for key in direct_balances(command) {
                if profiles.contains_key(&key.0) {
                    balance_keys.insert(key);
                }
            }
            if let Op::PayJob { job_id } = command.op
                && let Some(JobWithContract {
                    contract, currency, ..
                }) = jobs.get(&job_id)
                && contract.client_id == command.caller
            {
                balance_keys.insert((contract.client_id, currency.code.clone()));
                balance_keys.insert((contract.contractor_id, currency.code.clone()));
            }
        }
        for LoadedLoan { model, .. } in loans.values() {
            balance_keys.insert((model.borrower_id, model.currency_code.clone()));
        }
        for LoadedPayout { model, .. } in payouts.values() {
            balance_keys.insert((model.profile_id, model.currency_code.clone()));
        }
        let balances = BalanceViews::from(lock_balances(tx, &balance_keys).await?);
        let records = load_records(tx, commands).await?;

        let deposits: BTreeSet<BalanceKey> = commands
            .iter()
            .filter_map(|c| match &c.op {
                Op::Deposit { amount, .. } => Some((c.caller, amount.currency_code.clone())),
                _ => None,
            })
            .collect();
        let outstanding = if deposits.is_empty() {
            HashMap::new()
        } else {
            outstanding_by_client(tx, &deposits).await?
        };

        Ok(Batch {
            now,
            profiles,
            jobs,
            payouts,
            loans,
            balances,
            outstanding,
            records,
            entries: Vec::new(),
            new_records: Vec::new(),
            paid_jobs: Vec::new(),
        })
    }

    /// Decides one command against the batch's view, recording its writes
    /// only if it succeeds. The outer `Err` is a database failure (of the
    /// rows a payout writes at once); the inner one the command's refusal.
    async fn decide(
        &mut self,
        tx: &DatabaseTransaction,
        command: &Command,
    ) -> Result<Result<Receipt, Error>, Error> {
        // Fingerprints only matter with a request id.
        let hash = match &command.request_id {
            Some(_) => request_hash(&command.op),
            None => String::new(),
        };
        if let Some(request_id) = &command.request_id
            && let Some(record) = self
                .records
                .get(&(command.caller, request_id.as_str().to_owned()))
        {
            return Ok(
                if record.method == command.op.method() && record.request_hash == hash {
                    Receipt::decode(&record.method, &record.response)
                } else {
                    Err(Error::RequestIdReused)
                },
            );
        }
        if command.caller != ADMIN && !self.profiles.contains_key(&command.caller) {
            return Ok(Err(Error::Unauthenticated(AuthFailure::UnknownProfile)));
        }
        let request_id = command.request_id.as_ref().map(|r| r.as_str().to_owned());
        let receipt = match &command.op {
            Op::RequestPayout { amount } => {
                self.request_payout(tx, command.caller, amount, request_id.clone(), None)
                    .await?
            }
            Op::ExternalPayout {
                profile_id,
                amount,
                external_id,
            } => {
                self.request_payout(tx, *profile_id, amount, None, Some(external_id.clone()))
                    .await?
            }
            Op::ExternalPaidOut { profile_id, amount } => {
                self.complete_matching_payout(tx, *profile_id, amount)
                    .await?
            }
            Op::CancelPayout { payout_id } => {
                self.cancel_payout(tx, command.caller, *payout_id).await?
            }
            Op::CompletePayout { payout_id } => {
                self.complete_payout(tx, command.caller, *payout_id).await?
            }
            Op::CreateLoan(loan) => self.create_loan(tx, loan, request_id.clone()).await?,
            Op::RecordLoanPayment {
                loan_id,
                status,
                payment_time,
            } => {
                self.record_loan_payment(tx, *loan_id, *status, *payment_time, request_id.clone())
                    .await?
            }
            _ => self.decide_movement(command, request_id.clone()),
        };
        let receipt = match receipt {
            Ok(receipt) => receipt,
            Err(refused) => return Ok(Err(refused)),
        };
        if let Some(request_id) = request_id {
            let record = request_record::Model {
                caller_id: command.caller,
                request_id: request_id.clone(),
                method: command.op.method().to_owned(),
                request_hash: hash,
                response: receipt.encode(),
                created_at: self.now,
            };
            self.records
                .insert((command.caller, request_id), record.clone());
            self.new_records.push(record);
        }
        Ok(Ok(receipt))
    }

    /// Movements decided in memory and written with the batch.
    fn decide_movement(
        &mut self,
        command: &Command,
        request_id: Option<String>,
    ) -> Result<Receipt, Error> {
        match &command.op {
            Op::PayJob { job_id } => self.pay_job(command.caller, *job_id, request_id),
            Op::Deposit { profile_id, amount } => {
                self.deposit(command.caller, *profile_id, amount, request_id)
            }
            Op::Withdraw { amount } => self.withdraw(command.caller, amount, request_id),
            Op::Transfer {
                to_profile_id,
                amount,
            } => self.transfer(command.caller, *to_profile_id, amount, request_id),
            Op::ExternalCredit { profile_id, amount } => self.external_credit(*profile_id, amount),
            Op::ExternalDebit { profile_id, amount } => self.external_debit(*profile_id, amount),
            Op::RequestPayout { .. }
            | Op::ExternalPayout { .. }
            | Op::ExternalPaidOut { .. }
            | Op::CancelPayout { .. }
            | Op::CompletePayout { .. }
            | Op::CreateLoan(_)
            | Op::RecordLoanPayment { .. } => Err(Error::Internal(
                "payouts and loans are not decided in memory".to_owned(),
            )),
        }
    }

    fn state(&self, profile_id: i64, currency: &str) -> BalanceState {
        self.balances.get(profile_id, currency)
    }

    /// The balance after taking `amount` out, or INSUFFICIENT_FUNDS when
    /// it exceeds what is available (balance minus held).
    fn after_debit(&self, profile_id: i64, amount: &Money) -> Result<Minor, Error> {
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

    fn after_credit(&self, profile_id: i64, amount: &Money) -> Result<Minor, Error> {
        self.state(profile_id, &amount.currency_code)
            .balance
            .checked_add(amount.amount())
            .ok_or(Error::BalanceLimitExceeded)
    }

    /// Changes one balance row (balance, held, totals) in the batch's view.
    fn update_state(
        &mut self,
        profile_id: i64,
        currency: &str,
        change: impl FnOnce(&mut BalanceState),
    ) {
        self.balances.update(profile_id, currency, change);
    }

    fn set_balance(&mut self, profile_id: i64, currency: &str, balance: Minor) {
        self.update_state(profile_id, currency, |state| state.balance = balance);
    }

    /// The ledger entry of a movement whose balances are already set; also
    /// adds its amount to the summary total each side feeds.
    #[allow(clippy::too_many_arguments)]
    fn append_entry(
        &mut self,
        kind: EntryKind,
        debit: Option<(i64, Minor)>,
        credit: Option<(i64, Minor)>,
        amount: &Money,
        job_id: Option<i64>,
        request_id: Option<String>,
    ) {
        self.record_totals(kind, debit, credit, amount);
        let entry = self.entry(kind, debit, credit, amount, job_id, request_id);
        self.entries.push(entry);
    }

    fn record_totals(
        &mut self,
        kind: EntryKind,
        debit: Option<(i64, Minor)>,
        credit: Option<(i64, Minor)>,
        amount: &Money,
    ) {
        for (party, side) in [(debit, Side::Debit), (credit, Side::Credit)] {
            if let Some((profile_id, _)) = party {
                self.update_state(profile_id, &amount.currency_code, |state| {
                    state.totals.record(kind, side, amount.amount())
                });
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn entry(
        &self,
        kind: EntryKind,
        debit: Option<(i64, Minor)>,
        credit: Option<(i64, Minor)>,
        amount: &Money,
        job_id: Option<i64>,
        request_id: Option<String>,
    ) -> ledger_entry::ActiveModel {
        ledger_entry::ActiveModel {
            id: NotSet,
            kind: Set(kind),
            debit_profile_id: Set(debit.map(|(id, _)| id)),
            credit_profile_id: Set(credit.map(|(id, _)| id)),
            amount: Set(amount.amount().get()),
            job_id: Set(job_id),
            debit_balance_after: Set(debit.map(|(_, after)| after.get())),
            credit_balance_after: Set(credit.map(|(_, after)| after.get())),
            request_id: Set(request_id),
            currency_code: Set(amount.currency_code.clone()),
            created_at: Set(self.now),
        }
    }

    /// Writes the entries decided so far, so that an entry inserted on its
    /// own next gets a larger id, as decision order requires.
    async fn flush_entries(&mut self, tx: &DatabaseTransaction) -> Result<(), Error> {
        if !self.entries.is_empty() {
            ledger_entry::Entity::insert_many(std::mem::take(&mut self.entries))
                .exec_without_returning(tx)
                .await?;
        }
        Ok(())
    }

    /// Holds `amount` of the caller's available balance and records the
    /// request (its id is in the response, so the row is written now).
    async fn request_payout(
        &mut self,
        tx: &DatabaseTransaction,
        caller: i64,
        amount: &Money,
        request_id: Option<String>,
        external_id: Option<String>,
    ) -> Result<Result<Receipt, Error>, Error> {
        if let Err(refused) = self.after_debit(caller, amount) {
            return Ok(Err(refused));
        }
        self.update_state(caller, &amount.currency_code, |state| {
            state.held = Minor::new(state.held.get() + amount.amount().get())
        });
        let created = payout::ActiveModel {
            id: NotSet,
            profile_id: Set(caller),
            currency_code: Set(amount.currency_code.clone()),
            amount: Set(amount.amount().get()),
            state: Set(PayoutState::Requested),
            ledger_entry_id: Set(None),
            external_id: Set(external_id),
            request_id: Set(request_id),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        }
        .insert(tx)
        .await?;
        let currency = Currency::new(amount.currency_code.clone(), amount.precision);
        Ok(Ok(Receipt::Payout {
            payout: Payout::new(created, &currency),
        }))
    }

    /// The payout `id` if `caller` may act on it and it is still
    /// requested.
    fn requested_payout(&self, caller: i64, id: i64) -> Result<&LoadedPayout, Error> {
        let loaded = self
            .payouts
            .get(&id)
            .filter(|p| caller == ADMIN || p.model.profile_id == caller)
            .ok_or(Error::NotFound(Resource::Payout, id))?;
        if loaded.model.state != PayoutState::Requested {
            return Err(Error::PayoutNotRequested {
                state: loaded.model.state.as_api_name(),
            });
        }
        Ok(loaded)
    }

    /// Saves a payout's new state (and entry) now, and answers it.
    async fn finish_payout(
        &mut self,
        tx: &DatabaseTransaction,
        id: i64,
        state: PayoutState,
        ledger_entry_id: Option<i64>,
    ) -> Result<Receipt, Error> {
        let now = self.now;
        let loaded = self
            .payouts
            .get_mut(&id)
            .ok_or_else(|| Error::Internal(format!("payout {id} not loaded")))?;
        loaded.model.state = state;
        loaded.model.ledger_entry_id = ledger_entry_id;
        loaded.model.updated_at = now;
        let receipt = Receipt::Payout {
            payout: Payout::new(loaded.model.clone(), &loaded.currency),
        };
        payout::Entity::update_many()
            .col_expr(payout::Column::State, Expr::val(state.to_value()))
            .col_expr(payout::Column::LedgerEntryId, Expr::val(ledger_entry_id))
            .col_expr(payout::Column::UpdatedAt, Expr::val(now))
            .filter(payout::Column::Id.eq(id))
            .exec(tx)
            .await?;
        Ok(receipt)
    }

    async fn cancel_payout(
        &mut self,
        tx: &DatabaseTransaction,
        caller: i64,
        id: i64,
    ) -> Result<Result<Receipt, Error>, Error> {
        let (profile_id, amount) = match self.requested_payout(caller, id) {
            Ok(p) => (
                p.model.profile_id,
                p.currency.money(Minor::new(p.model.amount)),
            ),
            Err(refused) => return Ok(Err(refused)),
        };
        self.update_state(profile_id, &amount.currency_code, |state| {
            state.held = Minor::new(state.held.get() - amount.amount().get())
        });
        Ok(Ok(self
            .finish_payout(tx, id, PayoutState::Cancelled, None)
            .await?))
    }

    async fn complete_payout(
        &mut self,
        tx: &DatabaseTransaction,
        caller: i64,
        id: i64,
    ) -> Result<Result<Receipt, Error>, Error> {
        let (profile_id, amount) = match self.requested_payout(caller, id) {
            Ok(p) => (
                p.model.profile_id,
                p.currency.money(Minor::new(p.model.amount)),
            ),
            Err(refused) => return Ok(Err(refused)),
        };
        let state = self.state(profile_id, &amount.currency_code);
        let after = Minor::new(state.balance.get() - amount.amount().get());
        self.update_state(profile_id, &amount.currency_code, |state| {
            state.balance = after;
            state.held = Minor::new(state.held.get() - amount.amount().get());
        });
        self.record_totals(EntryKind::Payout, Some((profile_id, after)), None, &amount);
        self.flush_entries(tx).await?;
        let entry = self
            .entry(
                EntryKind::Payout,
                Some((profile_id, after)),
                None,
                &amount,
                None,
                None,
            )
            .insert(tx)
            .await?;
        Ok(Ok(self
            .finish_payout(tx, id, PayoutState::PaidOut, Some(entry.id))
            .await?))
    }

    /// Completes `profile_id`'s oldest requested payout of exactly
    /// `amount` (read now, and locked on PostgreSQL: it may have been
    /// requested earlier in this very batch).
    async fn complete_matching_payout(
        &mut self,
        tx: &DatabaseTransaction,
        profile_id: i64,
        amount: &Money,
    ) -> Result<Result<Receipt, Error>, Error> {
        let mut query = payout::Entity::find()
            .filter(payout::Column::ProfileId.eq(profile_id))
            .filter(payout::Column::CurrencyCode.eq(amount.currency_code.as_str()))
            .filter(payout::Column::Amount.eq(amount.amount().get()))
            .filter(payout::Column::State.eq(PayoutState::Requested))
            .order_by_asc(payout::Column::Id)
            .limit(1);
        if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
            query = query.lock_exclusive();
        }
        let Some(model) = query.one(tx).await? else {
            return Ok(Err(Error::NoMatchingPayout));
        };
        let id = model.id;
        let currency = Currency::new(amount.currency_code.clone(), amount.precision);
        self.payouts.insert(id, LoadedPayout { model, currency });
        self.complete_payout(tx, ADMIN, id).await
    }

    /// Money earned outside the platform, credited from outside (side 0).
    fn external_credit(&mut self, profile_id: i64, amount: &Money) -> Result<Receipt, Error> {
        let after = self.after_credit(profile_id, amount)?;
        self.set_balance(profile_id, &amount.currency_code, after);
        self.append_entry(
            EntryKind::ExternalCredit,
            None,
            Some((profile_id, after)),
            amount,
            None,
            None,
        );
        Ok(Receipt::External {
            balance: Money {
                minor_units: after,
                ..amount.clone()
            },
        })
    }

    /// Money spent outside the platform, out of what is available.
    fn external_debit(&mut self, profile_id: i64, amount: &Money) -> Result<Receipt, Error> {
        let after = self.after_debit(profile_id, amount)?;
        self.set_balance(profile_id, &amount.currency_code, after);
        self.append_entry(
            EntryKind::ExternalDebit,
            Some((profile_id, after)),
            None,
            amount,
            None,
            None,
        );
        Ok(Receipt::External {
            balance: Money {
                minor_units: after,
                ..amount.clone()
            },
        })
    }

    fn pay_job(
        &mut self,
        caller: i64,
        job_id: i64,
        request_id: Option<String>,
    ) -> Result<Receipt, Error> {
        let not_found = Error::NotFound(Resource::Job, job_id);
        let Some(JobWithContract {
            job,
            contract,
            currency,
        }) = self.jobs.get(&job_id)
        else {
            return Err(not_found);
        };
        if caller != contract.client_id && caller != contract.contractor_id {
            return Err(not_found);
        }
        if caller != contract.client_id {
            return Err(Error::WrongParty(
                "only the contract's client may pay its jobs",
            ));
        }
        if job.paid {
            return Err(Error::JobAlreadyPaid);
        }
        if contract.status != ContractStatus::InProgress {
            return Err(Error::ContractNotActive);
        }
        let (client, contractor, currency) =
            (contract.client_id, contract.contractor_id, currency.clone());
        let price = currency.money(Minor::new(job.price));
        let client_after = self.after_debit(client, &price)?;
        let contractor_after = self.after_credit(contractor, &price)?;
        self.set_balance(client, &currency.code, client_after);
        self.set_balance(contractor, &currency.code, contractor_after);
        if let Some(total) = self.outstanding.get_mut(&(client, currency.code.clone())) {
            *total -= i128::from(price.amount().get());
        }
        self.append_entry(
            EntryKind::JobPayment,
            Some((client, client_after)),
            Some((contractor, contractor_after)),
            &price,
            Some(job_id),
            request_id,
        );
        let now = self.now;
        let paid = self
            .jobs
            .get_mut(&job_id)
            .map(|j| &mut j.job)
            .expect("loaded");
        paid.paid = true;
        paid.payment_time = Some(now);
        paid.updated_at = now;
        let job = Job::new(paid.clone(), &currency);
        self.paid_jobs.push(job_id);
        Ok(Receipt::PayJob {
            job,
            client_balance: currency.money(client_after),
        })
    }

    fn deposit(
        &mut self,
        caller: i64,
        profile_id: i64,
        amount: &Money,
        request_id: Option<String>,
    ) -> Result<Receipt, Error> {
        if profile_id != caller {
            return Err(Error::DepositNotAllowed(
                "a deposit can only be made into the caller's own balance",
            ));
        }
        if self.profiles[&caller].profile_type != ProfileType::Client {
            return Err(Error::DepositNotAllowed("only clients can deposit"));
        }
        let key = (caller, amount.currency_code.clone());
        let outstanding = self.outstanding.get(&key).copied().unwrap_or(0);
        if 4 * i128::from(amount.amount().get()) > outstanding {
            let limit = i64::try_from(outstanding.max(0) / 4).unwrap_or(i64::MAX);
            return Err(Error::DepositLimitExceeded {
                limit: Money {
                    minor_units: Minor::new(limit),
                    ..amount.clone()
                },
            });
        }
        let after = self.after_credit(caller, amount)?;
        self.set_balance(caller, &amount.currency_code, after);
        self.append_entry(
            EntryKind::Deposit,
            None,
            Some((caller, after)),
            amount,
            None,
            request_id,
        );
        Ok(Receipt::Deposit {
            balance: Money {
                minor_units: after,
                ..amount.clone()
            },
        })
    }

    fn withdraw(
        &mut self,
        caller: i64,
        amount: &Money,
        request_id: Option<String>,
    ) -> Result<Receipt, Error> {
        let after = self.after_debit(caller, amount)?;
        self.set_balance(caller, &amount.currency_code, after);
        self.append_entry(
            EntryKind::Withdrawal,
            Some((caller, after)),
            None,
            amount,
            None,
            request_id,
        );
        Ok(Receipt::Withdraw {
            balance: Money {
                minor_units: after,
                ..amount.clone()
            },
        })
    }

    fn transfer(
        &mut self,
        caller: i64,
        to: i64,
        amount: &Money,
        request_id: Option<String>,
    ) -> Result<Receipt, Error> {
        if to == caller {
            return Err(Error::invalid(
                "to_profile_id",
                "must be another profile than the caller",
            ));
        }
        if !self.profiles.contains_key(&to) {
            return Err(Error::invalid("to_profile_id", "no profile has this id"));
        }
        let caller_after = self.after_debit(caller, amount)?;
        let to_after = self.after_credit(to, amount)?;
        self.set_balance(caller, &amount.currency_code, caller_after);
        self.set_balance(to, &amount.currency_code, to_after);
        self.append_entry(
            EntryKind::Transfer,
            Some((caller, caller_after)),
            Some((to, to_after)),
            amount,
            None,
            request_id,
        );
        Ok(Receipt::Transfer {
            balance: Money {
                minor_units: caller_after,
                ..amount.clone()
            },
        })
    }

    /// Lends: the loan row now (its id is in the response), the
    /// disbursement credited to the borrower with the batch.
    async fn create_loan(
        &mut self,
        tx: &DatabaseTransaction,
        new: &NewLoan,
        request_id: Option<String>,
    ) -> Result<Result<Receipt, Error>, Error> {
        if !self.profiles.contains_key(&new.borrower_id) {
            return Ok(Err(Error::invalid("borrower_id", "no profile has this id")));
        }
        let after = match self.after_credit(new.borrower_id, &new.amount) {
            Ok(after) => after,
            Err(refused) => return Ok(Err(refused)),
        };
        let created = loan::ActiveModel {
            id: NotSet,
            borrower_id: Set(new.borrower_id),
            currency_code: Set(new.amount.currency_code.clone()),
            amount: Set(new.amount.amount().get()),
            term_months: Set(new.term_months),
            annual_rate: Set(new.annual_rate.clone()),
            installment: Set(new.installment.get()),
            total_repayable: Set(new.total_repayable.get()),
            origination_time: Set(new.origination_time.unwrap_or(self.now)),
            request_id: Set(request_id.clone()),
            created_at: Set(self.now),
        }
        .insert(tx)
        .await?;
        self.set_balance(new.borrower_id, &new.amount.currency_code, after);
        self.append_entry(
            EntryKind::LoanDisbursement,
            None,
            Some((new.borrower_id, after)),
            &new.amount,
            None,
            request_id,
        );
        let currency = Currency::new(new.amount.currency_code.clone(), new.amount.precision);
        Ok(Ok(Receipt::CreateLoan {
            loan: Loan::new(created, &currency, 0, 0),
        }))
    }

    /// Records a loan's payment of one month: a made one collects the
    /// installment from the borrower's available balance.
    async fn record_loan_payment(
        &mut self,
        tx: &DatabaseTransaction,
        loan_id: i64,
        status: LoanPaymentStatus,
        payment_time: Option<DateTime<Utc>>,
        request_id: Option<String>,
    ) -> Result<Result<Receipt, Error>, Error> {
        let payment_time = payment_time.unwrap_or(self.now);
        let month = month_key(payment_time);
        let Some(loaded) = self.loans.get(&loan_id) else {
            return Ok(Err(Error::NotFound(Resource::Loan, loan_id)));
        };
        if payment_time.date_naive() < loaded.model.origination_time.date_naive() {
            return Ok(Err(Error::invalid(
                "payment_time",
                "must not be before the loan's origination day",
            )));
        }
        if loaded.months.contains(&month) {
            return Ok(Err(Error::LoanPaymentAlreadyRecorded { month }));
        }
        if loaded.made >= i64::from(loaded.model.term_months) {
            return Ok(Err(Error::LoanRepaid));
        }
        let borrower = loaded.model.borrower_id;
        let installment = loaded.currency.money(Minor::new(loaded.model.installment));
        let currency = loaded.currency.clone();
        let ledger_entry_id = match status {
            LoanPaymentStatus::Missed => None,
            // An installment rounded down to zero is made without moving
            // money (a ledger entry cannot be of zero).
            LoanPaymentStatus::Made if !installment.amount().is_positive() => None,
            LoanPaymentStatus::Made => {
                let after = match self.after_debit(borrower, &installment) {
                    Ok(after) => after,
                    Err(refused) => return Ok(Err(refused)),
                };
                self.set_balance(borrower, &currency.code, after);
                self.record_totals(
                    EntryKind::LoanRepayment,
                    Some((borrower, after)),
                    None,
                    &installment,
                );
                self.flush_entries(tx).await?;
                let entry = self
                    .entry(
                        EntryKind::LoanRepayment,
                        Some((borrower, after)),
                        None,
                        &installment,
                        None,
                        request_id.clone(),
                    )
                    .insert(tx)
                    .await?;
                Some(entry.id)
            }
        };
        let created = loan_payment::ActiveModel {
            id: NotSet,
            loan_id: Set(loan_id),
            status: Set(status),
            amount: Set(installment.amount().get()),
            payment_time: Set(payment_time),
            payment_month: Set(month.clone()),
            ledger_entry_id: Set(ledger_entry_id),
            request_id: Set(request_id),
            created_at: Set(self.now),
        }
        .insert(tx)
        .await?;
        if let Some(loaded) = self.loans.get_mut(&loan_id) {
            loaded.months.insert(month);
            if status == LoanPaymentStatus::Made {
                loaded.made += 1;
            }
        }
        Ok(Ok(Receipt::RecordLoanPayment {
            payment: LoanPayment::new(created, &currency),
        }))
    }

    /// Writes what the batch decided: entries, balances (opened or
    /// updated), paid jobs and idempotency records, one statement each.
    async fn write(mut self, tx: &DatabaseTransaction) -> Result<(), Error> {
        self.flush_entries(tx).await?;
        let changed = self.balances.changed();
        if !changed.is_empty() {
            let rows = changed
                .into_iter()
                .map(|(profile_id, currency_code, state)| {
                    let t = state.totals;
                    balance::ActiveModel {
                        profile_id: Set(profile_id),
                        currency_code: Set(currency_code),
                        balance: Set(state.balance.get()),
                        held: Set(state.held.get()),
                        opening: Set(t.opening),
                        deposited: Set(t.deposited),
                        withdrawn: Set(t.withdrawn),
                        earned: Set(t.earned),
                        spent: Set(t.spent),
                        transferred_in: Set(t.transferred_in),
                        transferred_out: Set(t.transferred_out),
                        paid_out: Set(t.paid_out),
                        borrowed: Set(t.borrowed),
                        repaid: Set(t.repaid),
                        created_at: Set(self.now),
                        updated_at: Set(self.now),
                    }
                });
            balance::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([
                        balance::Column::ProfileId,
                        balance::Column::CurrencyCode,
                    ])
                    .update_columns([
                        balance::Column::Balance,
                        balance::Column::Held,
                        balance::Column::Opening,
                        balance::Column::Deposited,
                        balance::Column::Withdrawn,
                        balance::Column::Earned,
                        balance::Column::Spent,
                        balance::Column::TransferredIn,
                        balance::Column::TransferredOut,
                        balance::Column::PaidOut,
                        balance::Column::Borrowed,
                        balance::Column::Repaid,
                        balance::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(tx)
                .await?;
        }
        if !self.paid_jobs.is_empty() {
            job::Entity::update_many()
                .col_expr(job::Column::Paid, Expr::val(true))
                .col_expr(job::Column::PaymentTime, Expr::val(self.now))
                .col_expr(job::Column::UpdatedAt, Expr::val(self.now))
                .filter(job::Column::Id.is_in(self.paid_jobs))
                .exec(tx)
                .await?;
        }
        if !self.new_records.is_empty() {
            request_record::Entity::insert_many(
                self.new_records
                    .into_iter()
                    .map(request_record::ActiveModel::from),
            )
            .exec_without_returning(tx)
            .await?;
        }
        Ok(())
    }
}

/// The jobs the batch pays, with their contracts and currencies.
async fn load_jobs(
    tx: &DatabaseTransaction,
    commands: &[Command],
) -> Result<HashMap<i64, JobWithContract>, Error> {
    let job_ids: BTreeSet<i64> = commands
        .iter()
        .filter_map(|c| match c.op {
            Op::PayJob { job_id } => Some(job_id),
            _ => None,
        })
        .collect();
    if job_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = job::Entity::find()
        .find_also_related(contract::Entity)
        .filter(job::Column::Id.is_in(job_ids))
        .all(tx)
        .await?;
    let currencies = load_currencies(
        tx,
        rows.iter().map(|(j, _)| j.currency_code.clone()).collect(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(job, contract)| {
            let currency = currencies.get(&job.currency_code)?.clone();
            contract.map(|contract| {
                (
                    job.id,
                    JobWithContract {
                        job,
                        contract,
                        currency,
                    },
                )
            })
        })
        .collect())
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

/// The loans the batch records payments of (locked on PostgreSQL, before
/// the balances), with the months they have records for.
async fn load_loans(
    tx: &DatabaseTransaction,
    commands: &[Command],
) -> Result<HashMap<i64, LoadedLoan>, Error> {
    let ids: BTreeSet<i64> = commands
        .iter()
        .filter_map(|c| match c.op {
            Op::RecordLoanPayment { loan_id, .. } => Some(loan_id),
            _ => None,
        })
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut query = loan::Entity::find()
        .filter(loan::Column::Id.is_in(ids.clone()))
        .order_by_asc(loan::Column::Id);
    if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    let rows = query.all(tx).await?;
    let currencies =
        load_currencies(tx, rows.iter().map(|l| l.currency_code.clone()).collect()).await?;
    let payments: Vec<(i64, String, LoanPaymentStatus)> = loan_payment::Entity::find()
        .select_only()
        .column(loan_payment::Column::LoanId)
        .column(loan_payment::Column::PaymentMonth)
        .column(loan_payment::Column::Status)
        .filter(loan_payment::Column::LoanId.is_in(ids))
        .into_tuple()
        .all(tx)
        .await?;
    let mut loans: HashMap<i64, LoadedLoan> = rows
        .into_iter()
        .filter_map(|model| {
            let currency = currencies.get(&model.currency_code)?.clone();
            Some((
                model.id,
                LoadedLoan {
                    model,
                    currency,
                    months: BTreeSet::new(),
                    made: 0,
                },
            ))
        })
        .collect();
    for (loan_id, month, status) in payments {
        if let Some(loaded) = loans.get_mut(&loan_id) {
            loaded.months.insert(month);
            if status == LoanPaymentStatus::Made {
                loaded.made += 1;
            }
        }
    }
    Ok(loans)
}

/// The payouts the batch cancels or completes, locked on PostgreSQL
/// (before the balances, in every batch: no deadlock).
async fn load_payouts(
    tx: &DatabaseTransaction,
    commands: &[Command],
) -> Result<HashMap<i64, LoadedPayout>, Error> {
    // Only payouts the caller may act on are read (and locked): its own,
    // or any for an admin. Someone else's payout id locks nothing.
    let mut any_of = Condition::any();
    let mut wanted = false;
    for command in commands {
        if let Op::CancelPayout { payout_id } | Op::CompletePayout { payout_id } = command.op {
            wanted = true;
            let mine = Condition::all().add(payout::Column::Id.eq(payout_id));
            any_of = any_of.add(if command.caller == ADMIN {
                mine
            } else {
                mine.add(payout::Column::ProfileId.eq(command.caller))
            });
        }
    }
    if !wanted {
        return Ok(HashMap::new());
    }
    let mut query = payout::Entity::find()
        .filter(any_of)
        .order_by_asc(payout::Column::Id);
    if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    let rows = query.all(tx).await?;
    let currencies =
        load_currencies(tx, rows.iter().map(|p| p.currency_code.clone()).collect()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|model| {
            let currency = currencies.get(&model.currency_code)?.clone();
            Some((model.id, LoadedPayout { model, currency }))
        })
        .collect())
}

/// Reads (and on PostgreSQL locks, in key order) the balance rows of
/// `keys`. Batches touching the same balances queue on these row locks
/// before doing any work, and never deadlock; a balance opened by two
/// batches at once conflicts on its primary key and is retried.
async fn lock_balances(
    tx: &DatabaseTransaction,
    keys: &BTreeSet<BalanceKey>,
) -> Result<BTreeMap<BalanceKey, BalanceState>, Error> {
    if keys.is_empty() {
        return Ok(BTreeMap::new());
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
    if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    Ok(query
        .all(tx)
        .await?
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
        .collect())
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
