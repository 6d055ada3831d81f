//! The store's door: stored rows become domain values here, and the
//! domain's enums become stored ones, so that `crate::domain` knows
//! nothing of SeaORM and nothing above the store sees an entity.

use crate::domain::{
    Balance, BalanceSummary, Contract, ContractStatus, EntryKind, FeedItem, FeedItemState, Job,
    LedgerEntry, Loan, LoanPayment, LoanPaymentStatus, LoanTerms, Payout, PayoutState, Profile,
    ProfileType, Totals,
};
use crate::money::{Currency, Minor};
use crate::store::entities::{
    balance, contract, feed_item, job, ledger_entry, loan, loan_payment, payout, profile,
};

/// Both directions between a domain enum and its stored twin, variant by
/// variant: a variant added to one side only fails to compile.
macro_rules! same_variants {
    ($domain:ty, $stored:ty, [$($variant:ident),+ $(,)?]) => {
        impl From<$stored> for $domain {
            fn from(value: $stored) -> Self {
                match value {
                    $(<$stored>::$variant => <$domain>::$variant,)+
                }
            }
        }

        impl From<$domain> for $stored {
            fn from(value: $domain) -> Self {
                match value {
                    $(<$domain>::$variant => <$stored>::$variant,)+
                }
            }
        }
    };
}

same_variants!(ProfileType, profile::ProfileType, [Client, Contractor]);
same_variants!(
    ContractStatus,
    contract::ContractStatus,
    [New, InProgress, Terminated]
);
same_variants!(
    EntryKind,
    ledger_entry::EntryKind,
    [
        Opening,
        Deposit,
        JobPayment,
        Withdrawal,
        Transfer,
        Payout,
        ExternalCredit,
        ExternalDebit,
        LoanDisbursement,
        LoanRepayment,
        Reversal,
    ]
);
same_variants!(
    PayoutState,
    payout::PayoutState,
    [Requested, Cancelled, PaidOut]
);
same_variants!(
    LoanPaymentStatus,
    loan_payment::LoanPaymentStatus,
    [Made, Missed]
);
same_variants!(FeedItemState, feed_item::FeedItemState, [Applied, Rejected]);

impl From<profile::Model> for Profile {
    fn from(model: profile::Model) -> Self {
        Profile {
            id: model.id,
            first_name: model.first_name,
            last_name: model.last_name,
            profession: model.profession,
            profile_type: model.profile_type.into(),
            external_id: model.external_id,
            create_time: model.created_at,
        }
    }
}

impl From<contract::Model> for Contract {
    fn from(model: contract::Model) -> Self {
        Contract {
            id: model.id,
            terms: model.terms,
            status: model.status.into(),
            client_id: model.client_id,
            contractor_id: model.contractor_id,
            currency_code: model.currency_code,
            create_time: model.created_at,
            update_time: model.updated_at,
        }
    }
}

impl From<feed_item::Model> for FeedItem {
    fn from(model: feed_item::Model) -> Self {
        FeedItem {
            id: model.id,
            seq: model.seq,
            user_id: model.user_id,
            item_type: model.item_type,
            amount: model.amount,
            currency_code: model.currency_code,
            create_time: model.create_time,
            state: model.state.into(),
            reason: model.reason,
            profile_id: model.profile_id,
            apply_time: model.apply_time,
        }
    }
}

impl Job {
    /// `currency` is the job's (`model.currency_code`).
    pub fn new(model: job::Model, currency: &Currency) -> Self {
        Job {
            id: model.id,
            description: model.description,
            price: currency.money(Minor::new(model.price)),
            paid: model.paid,
            payment_time: model.payment_time,
            contract_id: model.contract_id,
            create_time: model.created_at,
            update_time: model.updated_at,
            refunded: Minor::new(model.refunded),
        }
    }
}

impl Balance {
    pub fn from_row(row: &balance::Model, currency: &Currency) -> Self {
        Balance::new(currency, Minor::new(row.balance), Minor::new(row.held))
    }
}

impl Totals {
    pub fn from_row(row: &balance::Model) -> Self {
        Totals {
            opening: row.opening,
            deposited: row.deposited,
            withdrawn: row.withdrawn,
            earned: row.earned,
            spent: row.spent,
            transferred_in: row.transferred_in,
            transferred_out: row.transferred_out,
            paid_out: row.paid_out,
            borrowed: row.borrowed,
            repaid: row.repaid,
            reversed_in: row.reversed_in,
            reversed_out: row.reversed_out,
        }
    }
}

impl BalanceSummary {
    /// `row` is `None` for a currency never held: all zero.
    pub fn new(profile_id: i64, currency: &Currency, row: Option<&balance::Model>) -> Self {
        BalanceSummary {
            profile_id,
            currency: currency.clone(),
            balance: Minor::new(row.map_or(0, |r| r.balance)),
            held: Minor::new(row.map_or(0, |r| r.held)),
            totals: row.map(Totals::from_row).unwrap_or_default(),
        }
    }
}

impl LedgerEntry {
    /// `currency` is the entry's (`model.currency_code`).
    pub fn new(model: ledger_entry::Model, currency: &Currency) -> Self {
        LedgerEntry {
            id: model.id,
            kind: model.kind.into(),
            debit_profile_id: model.debit_profile_id,
            credit_profile_id: model.credit_profile_id,
            amount: Minor::new(model.amount),
            job_id: model.job_id,
            debit_balance_after: model.debit_balance_after.map(Minor::new),
            credit_balance_after: model.credit_balance_after.map(Minor::new),
            request_id: model.request_id,
            currency: currency.clone(),
            create_time: model.created_at,
            reversal_of: model.reversal_of,
            reversed: Minor::new(model.reversed),
            reason: model.reason,
        }
    }
}

impl Payout {
    /// `currency` is the payout's (`model.currency_code`).
    pub fn new(model: payout::Model, currency: &Currency) -> Self {
        Payout {
            id: model.id,
            profile_id: model.profile_id,
            amount: currency.money(Minor::new(model.amount)),
            state: model.state.into(),
            ledger_entry_id: model.ledger_entry_id,
            external_id: model.external_id,
            create_time: model.created_at,
            update_time: model.updated_at,
        }
    }
}

impl Loan {
    /// `made` and `missed` are its payments so far.
    pub fn new(model: loan::Model, currency: &Currency, made: i64, missed: i64) -> Self {
        let owed = crate::loans::owed(model.total_repayable, model.installment, made);
        Loan {
            id: model.id,
            borrower_id: model.borrower_id,
            amount: currency.money(Minor::new(model.amount)),
            term_months: model.term_months,
            annual_rate: model.annual_rate,
            installment: currency.money(Minor::new(model.installment)),
            total_repayable: currency.money(Minor::new(model.total_repayable)),
            outstanding: currency.money(Minor::new(owed)),
            payments_made: made,
            payments_missed: missed,
            origination_time: model.origination_time,
            create_time: model.created_at,
        }
    }
}

impl LoanTerms {
    pub fn new(model: &loan::Model, currency: &Currency) -> Self {
        LoanTerms {
            id: model.id,
            currency: currency.clone(),
            installment: Minor::new(model.installment),
            total_repayable: Minor::new(model.total_repayable),
            origination_time: model.origination_time,
        }
    }
}

impl LoanPayment {
    pub fn new(model: loan_payment::Model, currency: &Currency) -> Self {
        LoanPayment {
            id: model.id,
            loan_id: model.loan_id,
            status: model.status.into(),
            amount: currency.money(Minor::new(model.amount)),
            payment_time: model.payment_time,
            ledger_entry_id: model.ledger_entry_id,
            create_time: model.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored receipts hold these enums as JSON: the domain's must read
    /// and write the same names as the entities' did.
    #[test]
    fn receipt_enums_keep_their_json_names() {
        for state in [
            payout::PayoutState::Requested,
            payout::PayoutState::Cancelled,
            payout::PayoutState::PaidOut,
        ] {
            let stored = serde_json::to_string(&state).unwrap();
            assert_eq!(
                serde_json::to_string(&PayoutState::from(state)).unwrap(),
                stored
            );
            let read: PayoutState = serde_json::from_str(&stored).unwrap();
            assert_eq!(payout::PayoutState::from(read), state);
        }
        for status in [
            loan_payment::LoanPaymentStatus::Made,
            loan_payment::LoanPaymentStatus::Missed,
        ] {
            let stored = serde_json::to_string(&status).unwrap();
            assert_eq!(
                serde_json::to_string(&LoanPaymentStatus::from(status)).unwrap(),
                stored
            );
            let read: LoanPaymentStatus = serde_json::from_str(&stored).unwrap();
            assert_eq!(loan_payment::LoanPaymentStatus::from(read), status);
        }
    }
}
