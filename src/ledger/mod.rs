//! Money movements: the only code that changes balances.
//!
//! A movement is a [`Command`] (who, what, optional request id). Commands are
//! executed in batches inside one serializable transaction by [`execute`], in
//! three stages (TigerBeetle's state machine is the model):
//!
//! 1. `prefetch` does all the I/O before anything is decided: every row the
//!    batch's commands may need, from each command's `footprint`, read (and on
//!    PostgreSQL locked) in a fixed number of queries.
//! 2. `decide` is synchronous and pure: each command in order against the
//!    prefetched rows, in memory, giving its receipt (or refusal) and the
//!    batch's effects. It never touches the database; its table tests run
//!    with none (`decide_tests`).
//! 3. `apply` writes the effects with a fixed number of statements and fills
//!    the new rows' ids into the receipts.
//!
//! A command that fails (insufficient funds, ...) writes nothing; the others
//! in its batch are unaffected. The operations live by family: `jobs`,
//! `movements`, `payouts`, `loans`, `external`.
//!
//! [`Ledger`] (in `queue`) feeds `execute`: it queues commands per caller and
//! runs each caller's queue as a sequence of batches, so a thousand concurrent
//! debits of one balance become a handful of transactions instead of a storm
//! of serialization failures. The database stays the arbiter: SERIALIZABLE
//! makes batches from several replicas correct together.

mod apply;
mod decide;
#[cfg(test)]
mod decide_tests;
mod external;
mod footprint;
mod idempotency;
mod jobs;
mod loans;
mod movements;
mod payouts;
mod prefetch;
mod queue;
mod reversals;
mod state;

pub use idempotency::{RequestId, purge_expired_requests};
pub use queue::{Hold, Ledger};

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};
use sea_orm::ActiveEnum;

use crate::domain::LoanPaymentStatus;
use crate::domain::{Job, LedgerEntry, Loan, LoanPayment, Payout};
use crate::error::Error;
use crate::money::{Minor, Money};

/// Runs `commands` in order inside `tx` and returns one outcome per command.
///
/// The outer `Err` is a database failure of the whole batch (the runner
/// retries conflicts); an inner `Err` is one command refused, having written
/// nothing. At most nine reads and nine writes, whatever the batch size.
pub async fn execute(
    tx: &sea_orm::DatabaseTransaction,
    commands: &[Command],
    now: DateTime<Utc>,
) -> Result<Vec<Result<Receipt, Error>>, Error> {
    let known = prefetch::prefetch(tx, commands).await?;
    // `now` was read before the locks were granted. A batch that waited
    // for another one (on any replica) is dated no earlier than the last
    // movement of the balances it locked, so that a balance's entries in
    // (created_at, id) order are its commit order, and a balance at an
    // instant (as_of, statements) is one its history really had.
    let now = known.last_movement.map_or(now, |last| now.max(last));
    let decided = decide::decide(known, commands, now);
    apply::apply(tx, decided).await
}

/// What a command does. Amounts carry their (resolved) currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// The caller (the job's client) pays a job to its contractor, in the
    /// contract's currency.
    PayJob { job_id: i64 },
    /// The caller, a client, tops up its own balance (`profile_id` must be
    /// the caller).
    Deposit { profile_id: i64, amount: Money },
    /// The caller takes money out of the platform.
    Withdraw { amount: Money },
    /// The caller moves money to another profile, in one currency.
    Transfer { to_profile_id: i64, amount: Money },
    /// The caller asks to be paid out: the amount is held.
    RequestPayout { amount: Money },
    /// Releases a requested payout's hold: by its requester (the caller),
    /// or by an admin (caller [`ADMIN`]).
    CancelPayout { payout_id: i64 },
    /// An admin pays a requested payout out.
    CompletePayout { payout_id: i64 },
    /// An admin lends `amount` to `borrower_id` (terms computed by the
    /// caller from `crate::loans`).
    CreateLoan(NewLoan),
    /// An admin records a loan's monthly payment; `payment_time` `None`
    /// means the batch's now.
    RecordLoanPayment {
        loan_id: i64,
        status: LoanPaymentStatus,
        payment_time: Option<DateTime<Utc>>,
    },
    /// Money earned outside the platform (a feed `earned` item) credited to
    /// `profile_id`. Feed ops are made by [`ADMIN`], with no request id:
    /// the feed item's own id makes them apply once.
    ExternalCredit { profile_id: i64, amount: Money },
    /// Money spent outside the platform (a feed `spent` item); needs
    /// `available`.
    ExternalDebit { profile_id: i64, amount: Money },
    /// A payout requested upstream (a feed `payout` item): held like
    /// `RequestPayout`, remembering the item's id.
    ExternalPayout {
        profile_id: i64,
        amount: Money,
        external_id: String,
    },
    /// A payout made upstream (a feed `paid_out` item): completes the
    /// profile's oldest requested payout of exactly `amount`.
    ExternalPaidOut { profile_id: i64, amount: Money },
    /// An admin reverses a ledger entry: `amount` (in the entry's currency)
    /// or, `None`, all that is left of it.
    ReverseEntry {
        entry_id: i64,
        amount: Option<Money>,
        reason: Option<String>,
    },
    /// The caller (the job's contractor) refunds the job's payment:
    /// `amount` (in the job's currency) or, `None`, all not refunded yet.
    RefundJob { job_id: i64, amount: Option<Money> },
}

/// A loan to create, with its computed terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLoan {
    pub borrower_id: i64,
    pub amount: Money,
    pub term_months: i32,
    /// Canonical text of the annual rate.
    pub annual_rate: String,
    pub installment: Minor,
    pub total_repayable: Minor,
    /// `None` means the batch's now.
    pub origination_time: Option<DateTime<Utc>>,
}

/// The `caller` of commands made by an admin (not a profile). Admin
/// commands carry no request id.
pub const ADMIN: i64 = 0;

impl Op {
    /// The gRPC method this op serves; also the idempotency record's method.
    pub fn method(&self) -> &'static str {
        match self {
            Op::PayJob { .. } => "PayJob",
            Op::Deposit { .. } => "Deposit",
            Op::Withdraw { .. } => "Withdraw",
            Op::Transfer { .. } => "Transfer",
            Op::RequestPayout { .. } => "RequestPayout",
            Op::CancelPayout { .. } => "CancelPayout",
            Op::CompletePayout { .. } => "CompletePayout",
            Op::CreateLoan(_) => "CreateLoan",
            Op::RecordLoanPayment { .. } => "RecordLoanPayment",
            Op::ExternalCredit { .. } => "ExternalCredit",
            Op::ExternalDebit { .. } => "ExternalDebit",
            Op::ExternalPayout { .. } => "ExternalPayout",
            Op::ExternalPaidOut { .. } => "ExternalPaidOut",
            Op::ReverseEntry { .. } => "ReverseLedgerEntry",
            Op::RefundJob { .. } => "RefundJobPayment",
        }
    }

    /// The parameters in canonical form: amounts in minor units (so "2" and
    /// "2.00" are the same request), then the currency unless it is USD.
    /// Leaving USD implicit keeps the fingerprints of requests made before
    /// currencies existed (all USD) valid across the upgrade.
    fn canonical_parameters(&self) -> String {
        let money = |amount: &Money| {
            let units = amount.amount().get();
            if amount.currency_code == "USD" {
                format!("amount={units}")
            } else {
                format!("amount={units}&currency={}", amount.currency_code)
            }
        };
        match self {
            Op::PayJob { job_id } => format!("job_id={job_id}"),
            Op::Deposit { profile_id, amount } => {
                format!("profile_id={profile_id}&{}", money(amount))
            }
            Op::Withdraw { amount } => money(amount),
            Op::Transfer {
                to_profile_id,
                amount,
            } => format!("to_profile_id={to_profile_id}&{}", money(amount)),
            Op::RequestPayout { amount } => money(amount),
            Op::CancelPayout { payout_id } | Op::CompletePayout { payout_id } => {
                format!("payout_id={payout_id}")
            }
            // Instants as asked (unset stays unset), so that a retry of a
            // call that meant "now" is the same request.
            Op::CreateLoan(loan) => format!(
                "borrower_id={}&{}&term_months={}&annual_rate={}&origination_time={}",
                loan.borrower_id,
                money(&loan.amount),
                loan.term_months,
                loan.annual_rate,
                micros(loan.origination_time)
            ),
            Op::RecordLoanPayment {
                loan_id,
                status,
                payment_time,
            } => format!(
                "loan_id={loan_id}&status={}&payment_time={}",
                crate::store::entities::loan_payment::LoanPaymentStatus::from(*status).to_value(),
                micros(*payment_time)
            ),
            Op::ExternalCredit { profile_id, amount }
            | Op::ExternalDebit { profile_id, amount }
            | Op::ExternalPaidOut { profile_id, amount } => {
                format!("profile_id={profile_id}&{}", money(amount))
            }
            Op::ExternalPayout {
                profile_id,
                amount,
                external_id,
            } => format!(
                "profile_id={profile_id}&{}&external_id={external_id}",
                money(amount)
            ),
            Op::ReverseEntry {
                entry_id,
                amount,
                reason,
            } => format!(
                "entry_id={entry_id}&{}&reason={}",
                amount
                    .as_ref()
                    .map_or_else(|| "amount=rest".to_owned(), money),
                reason.as_deref().unwrap_or("")
            ),
            Op::RefundJob { job_id, amount } => format!(
                "job_id={job_id}&{}",
                amount
                    .as_ref()
                    .map_or_else(|| "amount=rest".to_owned(), money)
            ),
        }
    }
}

/// One money movement asked for by one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The authenticated caller's profile id (existence is checked in the
    /// transaction), or [`ADMIN`].
    pub caller: i64,
    pub op: Op,
    pub request_id: Option<RequestId>,
}

/// The outcome of a successful command, in domain values: what the call
/// answers, and (stored as versioned JSON) what an idempotent repeat
/// answers again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Receipt {
    PayJob {
        job: Job,
        client_balance: Money,
    },
    Deposit {
        balance: Money,
    },
    Withdraw {
        balance: Money,
    },
    Transfer {
        balance: Money,
    },
    /// RequestPayout, CancelPayout and CompletePayout.
    Payout {
        payout: Payout,
    },
    CreateLoan {
        loan: Loan,
    },
    RecordLoanPayment {
        payment: LoanPayment,
    },
    /// ExternalCredit and ExternalDebit: the balance after.
    External {
        balance: Money,
    },
    /// ReverseLedgerEntry: the reversal, and the entry it reversed with
    /// its new reversed total.
    Reversal {
        reversal: LedgerEntry,
        original: LedgerEntry,
    },
    /// RefundJobPayment: the job with its new refunded total, the
    /// reversal, and the contractor's balance after.
    Refund {
        job: Job,
        reversal: LedgerEntry,
        contractor_balance: Money,
    },
}

/// An optional instant in canonical form (microseconds, or "unset").
fn micros(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.timestamp_micros().to_string())
        .unwrap_or_else(|| "unset".to_owned())
}
