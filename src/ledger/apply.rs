//! Stage three of a batch: writes what `decide` decided, one statement
//! per kind of row whatever the batch size (entries, balances, paid jobs,
//! new payouts, changed payouts, loans, loan payments, idempotency
//! records, reversed entries, refunded jobs), then fills the new rows' ids
//! into the answers.
//!
//! New rows get their ids from the database (`INSERT ... RETURNING id`).
//! One multi-row insert assigns ids in the order of its rows on both
//! PostgreSQL (a sequence's `nextval` per row, in order) and SQLite (the
//! next rowid per row): sorted, the returned ids are the rows' ids in
//! decision order, so entries keep decision order in their ids.

use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryTrait,
};

use super::Receipt;
use super::decide::{Decided, Decision, Effects, Fill};
use crate::error::Error;
use crate::store::entities::{
    balance, job, ledger_entry, loan, loan_payment, payout, request_record,
};

/// The ids the database gave the batch's new rows, in decision order.
#[derive(Debug, Default)]
pub(super) struct NewIds {
    pub entries: Vec<i64>,
    pub payouts: Vec<i64>,
    pub loans: Vec<i64>,
    pub loan_payments: Vec<i64>,
}

/// Writes the batch and returns each command's answer.
pub(super) async fn apply(
    tx: &DatabaseTransaction,
    decided: Decided,
) -> Result<Vec<Result<Receipt, Error>>, Error> {
    let Decided {
        now,
        outcomes,
        effects,
    } = decided;
    let Effects {
        entries,
        balances,
        paid_jobs,
        new_payouts,
        changed_payouts,
        new_loans,
        new_loan_payments,
        reversed_entries,
        refunded_jobs,
        records,
    } = effects;
    let mut ids = NewIds::default();

    let entry_rows = entries.into_iter().map(|e| ledger_entry::ActiveModel {
        id: NotSet,
        kind: Set(e.kind.into()),
        debit_profile_id: Set(e.debit.map(|(id, _)| id)),
        credit_profile_id: Set(e.credit.map(|(id, _)| id)),
        amount: Set(e.amount.get()),
        job_id: Set(e.job_id),
        debit_balance_after: Set(e.debit.map(|(_, after)| after.get())),
        credit_balance_after: Set(e.credit.map(|(_, after)| after.get())),
        request_id: Set(e.request_id),
        currency_code: Set(e.currency_code),
        created_at: Set(now),
        reversal_of: Set(e.reversal_of),
        reversed: Set(0),
        reason: Set(e.reason),
    });
    ids.entries = insert_returning_ids(tx, entry_rows).await?;

    if !balances.is_empty() {
        let rows = balances
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
                    reversed_in: Set(t.reversed_in),
                    reversed_out: Set(t.reversed_out),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
            });
        use balance::Column as B;
        balance::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([B::ProfileId, B::CurrencyCode])
                    .update_columns([
                        B::Balance,
                        B::Held,
                        B::Opening,
                        B::Deposited,
                        B::Withdrawn,
                        B::Earned,
                        B::Spent,
                        B::TransferredIn,
                        B::TransferredOut,
                        B::PaidOut,
                        B::Borrowed,
                        B::Repaid,
                        B::ReversedIn,
                        B::ReversedOut,
                        B::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(tx)
            .await?;
    }

    if !paid_jobs.is_empty() {
        job::Entity::update_many()
            .col_expr(job::Column::Paid, Expr::val(true))
            .col_expr(job::Column::PaymentTime, Expr::val(now))
            .col_expr(job::Column::UpdatedAt, Expr::val(now))
            .filter(job::Column::Id.is_in(paid_jobs))
            .exec(tx)
            .await?;
    }

    if !reversed_entries.is_empty() {
        ledger_entry::Entity::update_many()
            .col_expr(
                ledger_entry::Column::Reversed,
                by_id(ledger_entry::Column::Id, &reversed_entries),
            )
            .filter(ledger_entry::Column::Id.is_in(reversed_entries.iter().map(|(id, _)| *id)))
            .exec(tx)
            .await?;
    }
    if !refunded_jobs.is_empty() {
        job::Entity::update_many()
            .col_expr(
                job::Column::Refunded,
                by_id(job::Column::Id, &refunded_jobs),
            )
            .col_expr(job::Column::UpdatedAt, Expr::val(now))
            .filter(job::Column::Id.is_in(refunded_jobs.iter().map(|(id, _)| *id)))
            .exec(tx)
            .await?;
    }

    let entry_id = |index: Option<usize>| index.map(|i| ids.entries[i]);
    let payout_row = |model: payout::Model, entry: Option<usize>, new: bool| {
        let mut row = payout::ActiveModel::from(model);
        row.id = if new { NotSet } else { row.id };
        row.ledger_entry_id = Set(entry_id(entry).or(row.ledger_entry_id.unwrap()));
        row.reset_all()
    };
    let new_payout_rows: Vec<payout::ActiveModel> = new_payouts
        .into_iter()
        .map(|p| payout_row(p.model, p.entry, true))
        .collect();
    ids.payouts = insert_returning_ids(tx, new_payout_rows).await?;
    if !changed_payouts.is_empty() {
        // Every column of a loaded row: an upsert on the id changes state,
        // entry and update time in one statement.
        let rows = changed_payouts
            .into_iter()
            .map(|p| payout_row(p.model, p.entry, false));
        payout::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(payout::Column::Id)
                    .update_columns([
                        payout::Column::State,
                        payout::Column::LedgerEntryId,
                        payout::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(tx)
            .await?;
    }

    let loan_rows = new_loans.into_iter().map(|model| {
        let mut row = loan::ActiveModel::from(model).reset_all();
        row.id = NotSet;
        row
    });
    ids.loans = insert_returning_ids(tx, loan_rows).await?;

    let payment_rows: Vec<loan_payment::ActiveModel> = new_loan_payments
        .into_iter()
        .map(|p| {
            let mut row = loan_payment::ActiveModel::from(p.model).reset_all();
            row.id = NotSet;
            row.ledger_entry_id = Set(entry_id(p.entry));
            row
        })
        .collect();
    ids.loan_payments = insert_returning_ids(tx, payment_rows).await?;

    let answers = answer(outcomes, &ids)?;

    if !records.is_empty() {
        let mut rows = Vec::with_capacity(records.len());
        for r in records {
            let Some(Ok(receipt)) = answers.get(r.outcome) else {
                return Err(Error::Internal(format!(
                    "the record of {} names command {}, which did not succeed",
                    r.method, r.outcome
                )));
            };
            rows.push(request_record::ActiveModel::from(request_record::Model {
                caller_id: r.caller_id,
                request_id: r.request_id,
                method: r.method.to_owned(),
                request_hash: r.request_hash,
                response: receipt.encode(),
                created_at: now,
            }));
        }
        request_record::Entity::insert_many(rows)
            .exec_without_returning(tx)
            .await?;
    }
    Ok(answers)
}

/// Each command's receipt with its new rows' ids filled in; a repeat
/// within the batch answers as the command it repeats. The outer `Err`
/// is a bug (a fill that names no new row): the batch fails whole.
pub(super) fn answer(
    outcomes: Vec<Result<Decision, Error>>,
    ids: &NewIds,
) -> Result<Vec<Result<Receipt, Error>>, Error> {
    let mut answers: Vec<Result<Receipt, Error>> = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let answer = match outcome {
            Ok(Decision::Done { mut receipt, fills }) => {
                for fill in fills {
                    fill_id(&mut receipt, fill, ids)?;
                }
                Ok(receipt)
            }
            Ok(Decision::Repeat(earlier)) => answers.get(earlier).cloned().ok_or_else(|| {
                Error::Internal(format!("a repeat of command {earlier}, not decided yet"))
            })?,
            Err(refused) => Err(refused),
        };
        answers.push(answer);
    }
    Ok(answers)
}

/// Writes one new row's id into the receipt that shows it.
fn fill_id(receipt: &mut Receipt, fill: Fill, ids: &NewIds) -> Result<(), Error> {
    let id = |ids: &[i64], i: usize| {
        ids.get(i)
            .copied()
            .ok_or_else(|| Error::Internal(format!("{fill:?} names no new row")))
    };
    match (receipt, fill) {
        (Receipt::Payout { payout }, Fill::Payout(i)) => payout.id = id(&ids.payouts, i)?,
        (Receipt::Payout { payout }, Fill::PayoutEntry(i)) => {
            payout.ledger_entry_id = Some(id(&ids.entries, i)?)
        }
        (Receipt::CreateLoan { loan }, Fill::Loan(i)) => loan.id = id(&ids.loans, i)?,
        (Receipt::RecordLoanPayment { payment }, Fill::LoanPayment(i)) => {
            payment.id = id(&ids.loan_payments, i)?
        }
        (Receipt::RecordLoanPayment { payment }, Fill::LoanPaymentEntry(i)) => {
            payment.ledger_entry_id = Some(id(&ids.entries, i)?)
        }
        (
            Receipt::Reversal { reversal, .. } | Receipt::Refund { reversal, .. },
            Fill::ReversalEntry(i),
        ) => reversal.id = id(&ids.entries, i)?,
        (receipt, fill) => {
            return Err(Error::Internal(format!(
                "{fill:?} does not fill {receipt:?}"
            )));
        }
    }
    Ok(())
}

/// `CASE id WHEN .. THEN .. END`: one value per row of one UPDATE.
fn by_id(id: impl ColumnTrait + Copy, values: &[(i64, i64)]) -> sea_orm::sea_query::SimpleExpr {
    let mut cases = sea_orm::sea_query::CaseStatement::new();
    for (row, value) in values {
        cases = cases.case(id.eq(*row), Expr::val(*value));
    }
    cases.into()
}

/// Inserts `rows` in one statement and returns their ids in row order.
async fn insert_returning_ids<A>(
    tx: &DatabaseTransaction,
    rows: impl IntoIterator<Item = A>,
) -> Result<Vec<i64>, Error>
where
    A: ActiveModelTrait,
{
    let rows: Vec<A> = rows.into_iter().collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let expected = rows.len();
    let mut insert = <A::Entity as EntityTrait>::insert_many(rows).into_query();
    insert.returning_col(Alias::new("id"));
    let statement = tx.get_database_backend().build(&insert);
    let mut ids = tx
        .query_all_raw(statement)
        .await?
        .iter()
        .map(|row| row.try_get::<i64>("", "id"))
        .collect::<Result<Vec<i64>, _>>()?;
    if ids.len() != expected {
        return Err(Error::Internal(format!(
            "an insert of {expected} rows returned {} ids",
            ids.len()
        )));
    }
    ids.sort_unstable();
    Ok(ids)
}
