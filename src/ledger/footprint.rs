//! What one command may read and lock, known before any row is loaded.
//!
//! `prefetch` loads the union of a batch's footprints (and, from the rows
//! it finds, the balances those rows name: a job's parties, a payout's
//! owner, a loan's borrower). The match below has no wildcard: a new
//! [`Op`] does not compile until it says what it needs.

use super::state::BalanceKey;
use super::{ADMIN, Command, Op};

/// A payout named by id, and whose it must be to be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PayoutById {
    pub id: i64,
    /// `None` for an admin: any profile's.
    pub owner: Option<i64>,
}

/// The requested payouts of one profile of exactly one amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MatchingPayouts {
    pub profile_id: i64,
    pub currency_code: String,
    pub amount: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Footprint {
    /// Profiles besides the caller whose existence the command checks.
    pub profiles: Vec<i64>,
    /// Balances the command moves (loaded only if their profile exists
    /// and the caller does).
    pub balances: Vec<BalanceKey>,
    pub job: Option<i64>,
    pub payout: Option<PayoutById>,
    pub matching_payouts: Option<MatchingPayouts>,
    pub loan: Option<i64>,
    /// A deposit's balance: the client's outstanding jobs in its currency
    /// bound it.
    pub outstanding: Option<BalanceKey>,
    /// A ledger entry to reverse (with its parties' balances).
    pub entry: Option<i64>,
    /// A job whose payment entry is refunded (with the job, its contract
    /// and its parties' balances).
    pub refund: Option<i64>,
}

impl Command {
    pub(super) fn footprint(&self) -> Footprint {
        let caller = self.caller;
        let own = |amount: &crate::money::Money| vec![(caller, amount.currency_code.clone())];
        match &self.op {
            Op::PayJob { job_id } => Footprint {
                job: Some(*job_id),
                ..Footprint::default()
            },
            Op::Deposit { amount, .. } => Footprint {
                balances: own(amount),
                outstanding: Some((caller, amount.currency_code.clone())),
                ..Footprint::default()
            },
            Op::Withdraw { amount } | Op::RequestPayout { amount } => Footprint {
                balances: own(amount),
                ..Footprint::default()
            },
            Op::Transfer {
                to_profile_id,
                amount,
            } => Footprint {
                profiles: vec![*to_profile_id],
                balances: vec![
                    (caller, amount.currency_code.clone()),
                    (*to_profile_id, amount.currency_code.clone()),
                ],
                ..Footprint::default()
            },
            Op::CancelPayout { payout_id } | Op::CompletePayout { payout_id } => Footprint {
                payout: Some(PayoutById {
                    id: *payout_id,
                    owner: (caller != ADMIN).then_some(caller),
                }),
                ..Footprint::default()
            },
            Op::CreateLoan(loan) => Footprint {
                profiles: vec![loan.borrower_id],
                balances: vec![(loan.borrower_id, loan.amount.currency_code.clone())],
                ..Footprint::default()
            },
            Op::RecordLoanPayment { loan_id, .. } => Footprint {
                loan: Some(*loan_id),
                ..Footprint::default()
            },
            Op::ExternalCredit { profile_id, amount }
            | Op::ExternalDebit { profile_id, amount }
            | Op::ExternalPayout {
                profile_id, amount, ..
            } => Footprint {
                profiles: vec![*profile_id],
                balances: vec![(*profile_id, amount.currency_code.clone())],
                ..Footprint::default()
            },
            Op::ReverseEntry { entry_id, .. } => Footprint {
                entry: Some(*entry_id),
                ..Footprint::default()
            },
            Op::RefundJob { job_id, .. } => Footprint {
                refund: Some(*job_id),
                ..Footprint::default()
            },
            Op::ExternalPaidOut { profile_id, amount } => Footprint {
                profiles: vec![*profile_id],
                balances: vec![(*profile_id, amount.currency_code.clone())],
                matching_payouts: Some(MatchingPayouts {
                    profile_id: *profile_id,
                    currency_code: amount.currency_code.clone(),
                    amount: amount.amount().get(),
                }),
                ..Footprint::default()
            },
        }
    }
}
