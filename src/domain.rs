//! Domain values that handlers and the ledger hand out: stored rows joined
//! with what gives them meaning (a job's price as [`Money`], a balance with
//! its currency). `crate::conversions::to_wire` turns them into messages;
//! nothing here knows protobuf.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Minor, Money};
use crate::store::entities::loan_payment::{self, LoanPaymentStatus};
use crate::store::entities::payout::{self, PayoutState};
use crate::store::entities::{balance, job, ledger_entry, loan, profile};

/// A job with its price in its currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: i64,
    pub description: String,
    pub price: Money,
    pub paid: bool,
    pub payment_time: Option<DateTime<Utc>>,
    pub contract_id: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
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
        }
    }
}

/// A profile's money in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub balance: Money,
    pub held: Money,
}

impl Balance {
    pub fn new(currency: &Currency, balance: Minor, held: Minor) -> Self {
        Balance {
            balance: currency.money(balance),
            held: currency.money(held),
        }
    }

    /// A currency never held: zero.
    pub fn zero(currency: &Currency) -> Self {
        Balance::new(currency, Minor::ZERO, Minor::ZERO)
    }

    pub fn from_row(row: &balance::Model, currency: &Currency) -> Self {
        Balance::new(currency, Minor::new(row.balance), Minor::new(row.held))
    }

    pub fn currency_code(&self) -> &str {
        &self.balance.currency_code
    }

    /// What can be spent: balance minus held.
    pub fn available(&self) -> Money {
        let mut available = self.balance.clone();
        available.minor_units = Minor::new(self.balance.amount().get() - self.held.amount().get());
        available
    }
}

/// A profile with its balances: the platform currency's first, then all
/// (every currency held plus the platform currency, by code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub model: profile::Model,
    pub platform_balance: Balance,
    pub balances: Vec<Balance>,
}

/// A ledger entry with its amounts in its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub model: ledger_entry::Model,
    pub currency: Currency,
}

/// A payout with its amount in its currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payout {
    pub id: i64,
    pub profile_id: i64,
    pub amount: Money,
    pub state: PayoutState,
    pub ledger_entry_id: Option<i64>,
    pub external_id: Option<String>,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

impl Payout {
    /// `currency` is the payout's (`model.currency_code`).
    pub fn new(model: payout::Model, currency: &Currency) -> Self {
        Payout {
            id: model.id,
            profile_id: model.profile_id,
            amount: currency.money(Minor::new(model.amount)),
            state: model.state,
            ledger_entry_id: model.ledger_entry_id,
            external_id: model.external_id,
            create_time: model.created_at,
            update_time: model.updated_at,
        }
    }
}

/// Running totals of one balance by kind of movement, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub opening: i64,
    pub deposited: i64,
    pub withdrawn: i64,
    pub earned: i64,
    pub spent: i64,
    pub transferred_in: i64,
    pub transferred_out: i64,
    pub paid_out: i64,
    pub borrowed: i64,
    pub repaid: i64,
}

/// Which side of a ledger entry a balance is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Debit,
    Credit,
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
        }
    }

    /// The total an entry of `kind` feeds on `side`, if any. The same
    /// mapping as the back-fill of `migration::m20261127_000004_payouts`.
    fn slot(&mut self, kind: ledger_entry::EntryKind, side: Side) -> Option<&mut i64> {
        use ledger_entry::EntryKind as K;
        match (kind, side) {
            (K::Opening, Side::Credit) => Some(&mut self.opening),
            (K::Deposit, Side::Credit) => Some(&mut self.deposited),
            (K::Withdrawal, Side::Debit) => Some(&mut self.withdrawn),
            (K::JobPayment | K::ExternalCredit, Side::Credit) => Some(&mut self.earned),
            (K::JobPayment | K::ExternalDebit, Side::Debit) => Some(&mut self.spent),
            (K::Transfer, Side::Credit) => Some(&mut self.transferred_in),
            (K::Transfer, Side::Debit) => Some(&mut self.transferred_out),
            (K::Payout, Side::Debit) => Some(&mut self.paid_out),
            (K::LoanDisbursement, Side::Credit) => Some(&mut self.borrowed),
            (K::LoanRepayment, Side::Debit) => Some(&mut self.repaid),
            _ => None,
        }
    }

    /// Adds an entry's amount to the total it feeds. Totals saturate: the
    /// balance itself is checked, and a total of all history can exceed
    /// what the balance ever held.
    pub fn record(&mut self, kind: ledger_entry::EntryKind, side: Side, amount: Minor) {
        if let Some(total) = self.slot(kind, side) {
            *total = total.saturating_add(amount.get());
        }
    }
}

/// Where one balance stands and how it got there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceSummary {
    pub profile_id: i64,
    pub currency: Currency,
    pub balance: Minor,
    pub held: Minor,
    pub totals: Totals,
}

impl BalanceSummary {
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

/// One profile's pending payout requests in one currency, added up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRequestTotal {
    pub profile_id: i64,
    pub full_name: String,
    pub amount: Money,
    pub payout_count: i64,
}

/// A loan with its amounts in its currency and what it owes now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loan {
    pub id: i64,
    pub borrower_id: i64,
    pub amount: Money,
    pub term_months: i32,
    pub annual_rate: String,
    pub installment: Money,
    pub total_repayable: Money,
    pub outstanding: Money,
    pub payments_made: i64,
    pub payments_missed: i64,
    pub origination_time: DateTime<Utc>,
    pub create_time: DateTime<Utc>,
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

/// One month's payment of a loan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoanPayment {
    pub id: i64,
    pub loan_id: i64,
    pub status: LoanPaymentStatus,
    pub amount: Money,
    pub payment_time: DateTime<Utc>,
    pub ledger_entry_id: Option<i64>,
    pub create_time: DateTime<Utc>,
}

impl LoanPayment {
    pub fn new(model: loan_payment::Model, currency: &Currency) -> Self {
        LoanPayment {
            id: model.id,
            loan_id: model.loan_id,
            status: model.status,
            amount: currency.money(Minor::new(model.amount)),
            payment_time: model.payment_time,
            ledger_entry_id: model.ledger_entry_id,
            create_time: model.created_at,
        }
    }
}
