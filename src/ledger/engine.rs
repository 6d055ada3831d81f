//! Executes a batch of commands inside one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait,
    sea_query::JoinType,
};

use super::idempotency::request_hash;
use super::{Command, Op, Receipt};
use crate::error::{AuthFailure, Error, Resource};
use crate::money::Cents;
use crate::proto::pb;
use crate::store::entities::contract::{self, ContractStatus};
use crate::store::entities::ledger_entry::{self, EntryKind};
use crate::store::entities::profile::{self, ProfileType};
use crate::store::entities::{job, request_record};
use crate::store::saturating_sum;

/// Runs `commands` in order inside `tx` and returns one outcome per command.
///
/// The outer `Err` is a database failure of the whole batch (the runner
/// retries conflicts); an inner `Err` is one command refused, having written
/// nothing. Query count is fixed: at most four reads and four writes,
/// whatever the batch size.
pub async fn execute(
    tx: &DatabaseTransaction,
    commands: &[Command],
    now: DateTime<Utc>,
) -> Result<Vec<Result<Receipt, Error>>, Error> {
    let mut batch = Batch::load(tx, commands, now).await?;
    let outcomes = commands.iter().map(|c| batch.decide(c)).collect();
    batch.write(tx).await?;
    Ok(outcomes)
}

/// A job with the contract it belongs to.
struct JobWithContract {
    job: job::Model,
    contract: contract::Model,
}

/// What the batch read, and what it decided to write.
struct Batch {
    now: DateTime<Utc>,
    profiles: HashMap<i64, profile::Model>,
    jobs: HashMap<i64, JobWithContract>,
    /// Clients' outstanding jobs' total, for deposit limits, in cents.
    outstanding: HashMap<i64, i128>,
    /// Existing and newly made idempotency records by (caller, request id).
    records: HashMap<(i64, String), request_record::Model>,
    entries: Vec<ledger_entry::ActiveModel>,
    new_records: Vec<request_record::Model>,
    changed_balances: BTreeSet<i64>,
    paid_jobs: Vec<i64>,
}

impl Batch {
    async fn load(
        tx: &DatabaseTransaction,
        commands: &[Command],
        now: DateTime<Utc>,
    ) -> Result<Batch, Error> {
        let job_ids: BTreeSet<i64> = commands
            .iter()
            .filter_map(|c| match c.op {
                Op::PayJob { job_id } => Some(job_id),
                _ => None,
            })
            .collect();
        let jobs: HashMap<i64, JobWithContract> = if job_ids.is_empty() {
            HashMap::new()
        } else {
            job::Entity::find()
                .find_also_related(contract::Entity)
                .filter(job::Column::Id.is_in(job_ids))
                .all(tx)
                .await?
                .into_iter()
                .filter_map(|(job, contract)| {
                    contract.map(|contract| (job.id, JobWithContract { job, contract }))
                })
                .collect()
        };

        let mut profile_ids: BTreeSet<i64> = commands.iter().map(|c| c.caller).collect();
        for command in commands {
            if let Op::Transfer { to_profile_id, .. } = command.op {
                profile_ids.insert(to_profile_id);
            }
        }
        for JobWithContract { contract, .. } in jobs.values() {
            profile_ids.insert(contract.client_id);
            profile_ids.insert(contract.contractor_id);
        }
        // Locked in id order: batches touching the same balances queue on
        // the row locks here, before doing any work, and never deadlock.
        let mut profiles_query = profile::Entity::find()
            .filter(profile::Column::Id.is_in(profile_ids))
            .order_by_asc(profile::Column::Id);
        if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
            profiles_query = profiles_query.lock_exclusive();
        }
        let profiles = profiles_query
            .all(tx)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();

        // By primary key (caller, request id): an index lookup, so that
        // SERIALIZABLE predicate locks cover these keys, not the table.
        let mut request_ids: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
        for command in commands {
            if let Some(request_id) = &command.request_id {
                request_ids
                    .entry(command.caller)
                    .or_default()
                    .insert(request_id.as_str());
            }
        }
        let records = if request_ids.is_empty() {
            HashMap::new()
        } else {
            let mut keys = Condition::any();
            for (caller, ids) in request_ids {
                keys = keys.add(
                    Condition::all()
                        .add(request_record::Column::CallerId.eq(caller))
                        .add(request_record::Column::RequestId.is_in(ids)),
                );
            }
            request_record::Entity::find()
                .filter(keys)
                .all(tx)
                .await?
                .into_iter()
                .map(|r| ((r.caller_id, r.request_id.clone()), r))
                .collect()
        };

        let depositors: BTreeSet<i64> = commands
            .iter()
            .filter(|c| matches!(c.op, Op::Deposit { .. }))
            .map(|c| c.caller)
            .collect();
        let outstanding = if depositors.is_empty() {
            HashMap::new()
        } else {
            outstanding_by_client(tx, depositors).await?
        };

        Ok(Batch {
            now,
            profiles,
            jobs,
            outstanding,
            records,
            entries: Vec::new(),
            new_records: Vec::new(),
            changed_balances: BTreeSet::new(),
            paid_jobs: Vec::new(),
        })
    }

    /// Decides one command against the batch's view, recording its writes
    /// only if it succeeds.
    fn decide(&mut self, command: &Command) -> Result<Receipt, Error> {
        let hash = request_hash(&command.op);
        if let Some(request_id) = &command.request_id
            && let Some(record) = self
                .records
                .get(&(command.caller, request_id.as_str().to_owned()))
        {
            return if record.method == command.op.method() && record.request_hash == hash {
                Receipt::decode(&record.method, &record.response)
            } else {
                Err(Error::RequestIdReused)
            };
        }
        if !self.profiles.contains_key(&command.caller) {
            return Err(Error::Unauthenticated(AuthFailure::UnknownProfile));
        }
        let request_id = command.request_id.as_ref().map(|r| r.as_str().to_owned());
        let receipt = match command.op {
            Op::PayJob { job_id } => self.pay_job(command.caller, job_id, request_id.clone())?,
            Op::Deposit { profile_id, amount } => {
                self.deposit(command.caller, profile_id, amount, request_id.clone())?
            }
            Op::Withdraw { amount } => self.withdraw(command.caller, amount, request_id.clone())?,
            Op::Transfer {
                to_profile_id,
                amount,
            } => self.transfer(command.caller, to_profile_id, amount, request_id.clone())?,
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
        Ok(receipt)
    }

    fn balance(&self, profile_id: i64) -> Cents {
        Cents::new(self.profiles[&profile_id].balance)
    }

    /// The balance after taking `amount` out, or INSUFFICIENT_FUNDS.
    fn after_debit(&self, profile_id: i64, amount: Cents) -> Result<Cents, Error> {
        let balance = self.balance(profile_id);
        match balance.checked_sub(amount) {
            Some(after) if after >= Cents::ZERO => Ok(after),
            _ => Err(Error::InsufficientFunds {
                balance,
                required: amount,
            }),
        }
    }

    fn after_credit(&self, profile_id: i64, amount: Cents) -> Result<Cents, Error> {
        self.balance(profile_id)
            .checked_add(amount)
            .ok_or(Error::BalanceLimitExceeded)
    }

    fn set_balance(&mut self, profile_id: i64, balance: Cents) {
        if let Some(profile) = self.profiles.get_mut(&profile_id) {
            profile.balance = balance.get();
            self.changed_balances.insert(profile_id);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn append_entry(
        &mut self,
        kind: EntryKind,
        debit: Option<(i64, Cents)>,
        credit: Option<(i64, Cents)>,
        amount: Cents,
        job_id: Option<i64>,
        request_id: Option<String>,
    ) {
        self.entries.push(ledger_entry::ActiveModel {
            id: NotSet,
            kind: Set(kind),
            debit_profile_id: Set(debit.map(|(id, _)| id)),
            credit_profile_id: Set(credit.map(|(id, _)| id)),
            amount: Set(amount.get()),
            job_id: Set(job_id),
            debit_balance_after: Set(debit.map(|(_, after)| after.get())),
            credit_balance_after: Set(credit.map(|(_, after)| after.get())),
            request_id: Set(request_id),
            created_at: Set(self.now),
        });
    }

    fn pay_job(
        &mut self,
        caller: i64,
        job_id: i64,
        request_id: Option<String>,
    ) -> Result<Receipt, Error> {
        let not_found = Error::NotFound(Resource::Job, job_id);
        let Some(JobWithContract { job, contract }) = self.jobs.get(&job_id) else {
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
        let (client, contractor, price) = (
            contract.client_id,
            contract.contractor_id,
            Cents::new(job.price),
        );
        let client_after = self.after_debit(client, price)?;
        let contractor_after = self.after_credit(contractor, price)?;
        self.set_balance(client, client_after);
        self.set_balance(contractor, contractor_after);
        if let Some(total) = self.outstanding.get_mut(&client) {
            *total -= i128::from(price.get());
        }
        self.append_entry(
            EntryKind::JobPayment,
            Some((client, client_after)),
            Some((contractor, contractor_after)),
            price,
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
        let job = paid.clone();
        self.paid_jobs.push(job_id);
        Ok(Receipt::PayJob(pb::PayJobResponse {
            job: Some(job.into()),
            client_balance: client_after.to_string(),
        }))
    }

    fn deposit(
        &mut self,
        caller: i64,
        profile_id: i64,
        amount: Cents,
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
        let outstanding = self.outstanding.get(&caller).copied().unwrap_or(0);
        if 4 * i128::from(amount.get()) > outstanding {
            let limit = i64::try_from(outstanding.max(0) / 4).unwrap_or(i64::MAX);
            return Err(Error::DepositLimitExceeded {
                limit: Cents::new(limit),
            });
        }
        let after = self.after_credit(caller, amount)?;
        self.set_balance(caller, after);
        self.append_entry(
            EntryKind::Deposit,
            None,
            Some((caller, after)),
            amount,
            None,
            request_id,
        );
        Ok(Receipt::Deposit(pb::DepositResponse {
            balance: after.to_string(),
        }))
    }

    fn withdraw(
        &mut self,
        caller: i64,
        amount: Cents,
        request_id: Option<String>,
    ) -> Result<Receipt, Error> {
        let after = self.after_debit(caller, amount)?;
        self.set_balance(caller, after);
        self.append_entry(
            EntryKind::Withdrawal,
            Some((caller, after)),
            None,
            amount,
            None,
            request_id,
        );
        Ok(Receipt::Withdraw(pb::WithdrawResponse {
            balance: after.to_string(),
        }))
    }

    fn transfer(
        &mut self,
        caller: i64,
        to: i64,
        amount: Cents,
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
        self.set_balance(caller, caller_after);
        self.set_balance(to, to_after);
        self.append_entry(
            EntryKind::Transfer,
            Some((caller, caller_after)),
            Some((to, to_after)),
            amount,
            None,
            request_id,
        );
        Ok(Receipt::Transfer(pb::TransferResponse {
            balance: caller_after.to_string(),
        }))
    }

    /// Writes what the batch decided: entries, balances, paid jobs and
    /// idempotency records, one statement each.
    async fn write(self, tx: &DatabaseTransaction) -> Result<(), Error> {
        if !self.entries.is_empty() {
            ledger_entry::Entity::insert_many(self.entries)
                .exec_without_returning(tx)
                .await?;
        }
        if !self.changed_balances.is_empty() {
            let new_balances: BTreeMap<i64, i64> = self
                .changed_balances
                .iter()
                .map(|id| (*id, self.profiles[id].balance))
                .collect();
            let mut balance = CaseStatement::new();
            for (id, cents) in &new_balances {
                balance = balance.case(profile::Column::Id.eq(*id), Expr::val(*cents));
            }
            profile::Entity::update_many()
                .col_expr(
                    profile::Column::Balance,
                    balance.finally(profile::Column::Balance.into_expr()).into(),
                )
                .col_expr(profile::Column::UpdatedAt, Expr::val(self.now))
                .filter(profile::Column::Id.is_in(new_balances.keys().copied()))
                .exec(tx)
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

/// Each client's outstanding jobs' total: unpaid jobs of its in-progress
/// contracts.
async fn outstanding_by_client(
    tx: &DatabaseTransaction,
    clients: BTreeSet<i64>,
) -> Result<HashMap<i64, i128>, Error> {
    let sum = saturating_sum(tx.get_database_backend(), "\"jobs\".\"price\"");
    let rows: Vec<(i64, i64)> = job::Entity::find()
        .select_only()
        .column(contract::Column::ClientId)
        .column_as(Expr::cust(sum), "outstanding")
        .join(JoinType::InnerJoin, job::Relation::Contract.def())
        .filter(contract::Column::ClientId.is_in(clients))
        .filter(contract::Column::Status.eq(ContractStatus::InProgress))
        .filter(job::Column::Paid.eq(false))
        .group_by(contract::Column::ClientId)
        .into_tuple()
        .all(tx)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(client, total)| (client, i128::from(total)))
        .collect())
}
