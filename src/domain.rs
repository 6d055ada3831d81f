//! Domain values that handlers and the ledger hand out: stored rows joined
//! with what gives them meaning (a job's price as [`Money`], a balance with
//! its currency). `crate::conversions::to_wire` turns them into messages;
//! nothing here knows protobuf or SeaORM: rows become these values, and
//! these enums become stored ones, at the store's door (`crate::store::convert`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Minor, Money};

/// Client or contractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileType {
    Client,
    Contractor,
}

/// Where a contract stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractStatus {
    New,
    InProgress,
    Terminated,
}

impl ContractStatus {
    /// The name used in messages, e.g. "in_progress".
    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::New => "new",
            ContractStatus::InProgress => "in_progress",
            ContractStatus::Terminated => "terminated",
        }
    }
}

/// Why money moved. Its serde names are those of stored receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
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
}

impl EntryKind {
    /// The API's name of the kind, as in error metadata.
    pub fn as_api_name(self) -> &'static str {
        match self {
            EntryKind::Opening => "LEDGER_ENTRY_KIND_OPENING",
            EntryKind::Deposit => "LEDGER_ENTRY_KIND_DEPOSIT",
            EntryKind::JobPayment => "LEDGER_ENTRY_KIND_JOB_PAYMENT",
            EntryKind::Withdrawal => "LEDGER_ENTRY_KIND_WITHDRAWAL",
            EntryKind::Transfer => "LEDGER_ENTRY_KIND_TRANSFER",
            EntryKind::Payout => "LEDGER_ENTRY_KIND_PAYOUT",
            EntryKind::ExternalCredit => "LEDGER_ENTRY_KIND_EXTERNAL_CREDIT",
            EntryKind::ExternalDebit => "LEDGER_ENTRY_KIND_EXTERNAL_DEBIT",
            EntryKind::LoanDisbursement => "LEDGER_ENTRY_KIND_LOAN_DISBURSEMENT",
            EntryKind::LoanRepayment => "LEDGER_ENTRY_KIND_LOAN_REPAYMENT",
            EntryKind::Reversal => "LEDGER_ENTRY_KIND_REVERSAL",
        }
    }

    /// Whether an entry of this kind can be reversed.
    pub fn is_reversible(self) -> bool {
        match self {
            EntryKind::Deposit
            | EntryKind::JobPayment
            | EntryKind::Transfer
            | EntryKind::Withdrawal
            | EntryKind::ExternalCredit
            | EntryKind::ExternalDebit
            | EntryKind::Payout => true,
            EntryKind::Opening
            | EntryKind::LoanDisbursement
            | EntryKind::LoanRepayment
            | EntryKind::Reversal => false,
        }
    }
}

/// Where a payout stands. Its serde names are those of stored receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayoutState {
    Requested,
    Cancelled,
    PaidOut,
}

impl PayoutState {
    /// The API's name of the state, as in error metadata.
    pub fn as_api_name(self) -> &'static str {
        match self {
            PayoutState::Requested => "PAYOUT_STATE_REQUESTED",
            PayoutState::Cancelled => "PAYOUT_STATE_CANCELLED",
            PayoutState::PaidOut => "PAYOUT_STATE_PAID_OUT",
        }
    }
}

/// Made or missed. Its serde names are those of stored receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoanPaymentStatus {
    Made,
    Missed,
}

/// What became of an upstream feed item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedItemState {
    Applied,
    Rejected,
}

/// An inclusive range of instants, for the admin reports (payment times)
/// and statements (entry times); `crate::conversions::from_wire` parses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentRange {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A profile, without its money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub profession: String,
    pub profile_type: ProfileType,
    pub external_id: Option<String>,
    pub create_time: DateTime<Utc>,
}

/// A profile to create, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    pub first_name: String,
    pub last_name: String,
    pub profession: String,
    pub profile_type: ProfileType,
    pub external_id: Option<String>,
}

/// A contract between a client and a contractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub id: i64,
    pub terms: String,
    pub status: ContractStatus,
    pub client_id: i64,
    pub contractor_id: i64,
    /// The currency of its jobs, fixed at creation.
    pub currency_code: String,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

/// A contract to create, validated (its client is the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContract {
    pub client_id: i64,
    pub contractor_id: i64,
    pub terms: String,
    pub currency_code: String,
}

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
    /// What its contractor has refunded of the price so far, in the
    /// price's currency (absent from receipts stored before refunds: 0).
    #[serde(default)]
    pub refunded: Minor,
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
pub struct ProfileBalances {
    pub profile: Profile,
    pub platform_balance: Balance,
    pub balances: Vec<Balance>,
}

/// A ledger entry with its amounts in its currency. A `None` side is
/// outside the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub id: i64,
    pub kind: EntryKind,
    pub debit_profile_id: Option<i64>,
    pub credit_profile_id: Option<i64>,
    pub amount: Minor,
    pub job_id: Option<i64>,
    pub debit_balance_after: Option<Minor>,
    pub credit_balance_after: Option<Minor>,
    pub request_id: Option<String>,
    pub currency: Currency,
    pub create_time: DateTime<Utc>,
    /// For a reversal, the entry it corrects.
    pub reversal_of: Option<i64>,
    /// What this entry's reversals add up to so far.
    pub reversed: Minor,
    /// For a reversal, why.
    pub reason: Option<String>,
}

/// Where an entry stands in a profile's history: statements order entries
/// by instant, then id (the entries of one batch share its instant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntryPosition {
    pub create_time: DateTime<Utc>,
    pub id: i64,
}

/// A statement period's figures, in minor units of its currency. Identity:
/// `opening + credits - debits = closing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementFigures {
    /// The balance right before the period.
    pub opening: Minor,
    /// The balance at its end.
    pub closing: Minor,
    /// What its entries credited to the profile.
    pub credits: Minor,
    /// What its entries debited from it.
    pub debits: Minor,
}

/// One page of a profile's statement of one currency over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementPage {
    pub profile_id: i64,
    pub currency: Currency,
    pub period: PaymentRange,
    /// The period's figures: read with the first page only.
    pub figures: Option<StatementFigures>,
    /// The page's entries, oldest first.
    pub entries: Vec<LedgerEntry>,
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
    pub reversed_in: i64,
    pub reversed_out: i64,
}

/// Which side of a ledger entry a balance is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Debit,
    Credit,
}

impl Totals {
    /// The total an entry of `kind` feeds on `side`, if any. The same
    /// mapping as `migration::m20261203_000007_reversals::TOTALS`.
    fn slot(&mut self, kind: EntryKind, side: Side) -> Option<&mut i64> {
        use EntryKind as K;
        // (credit side, debit side); no wildcard, so a new kind of entry
        // does not compile until it says which totals it feeds.
        let (credit, debit) = match kind {
            K::Opening => (Some(&mut self.opening), None),
            K::Deposit => (Some(&mut self.deposited), None),
            K::Withdrawal => (None, Some(&mut self.withdrawn)),
            K::JobPayment => (Some(&mut self.earned), Some(&mut self.spent)),
            K::ExternalCredit => (Some(&mut self.earned), None),
            K::ExternalDebit => (None, Some(&mut self.spent)),
            K::Transfer => (
                Some(&mut self.transferred_in),
                Some(&mut self.transferred_out),
            ),
            K::Payout => (None, Some(&mut self.paid_out)),
            K::LoanDisbursement => (Some(&mut self.borrowed), None),
            K::LoanRepayment => (None, Some(&mut self.repaid)),
            K::Reversal => (Some(&mut self.reversed_in), Some(&mut self.reversed_out)),
        };
        match side {
            Side::Credit => credit,
            Side::Debit => debit,
        }
    }

    /// Adds an entry's amount to the total it feeds. Totals saturate: the
    /// balance itself is checked, and a total of all history can exceed
    /// what the balance ever held.
    pub fn record(&mut self, kind: EntryKind, side: Side, amount: Minor) {
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

/// One profile's pending payout requests in one currency, added up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRequestTotal {
    pub profile_id: i64,
    pub full_name: String,
    pub amount: Money,
    pub payout_count: i64,
}

/// The contractor profession that earned most in a range, and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BestProfession {
    pub profession: String,
    pub earned: Money,
}

/// A client and what it paid in a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BestClient {
    pub id: i64,
    pub full_name: String,
    pub paid: Money,
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

/// What never changes about a loan: enough to check a payment or compute
/// what it owes, without counting its payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanTerms {
    pub id: i64,
    pub currency: Currency,
    pub installment: Minor,
    pub total_repayable: Minor,
    pub origination_time: DateTime<Utc>,
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

/// One upstream feed item, as received, with what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    pub id: String,
    /// Arrival order: the key its list pages by.
    pub seq: i64,
    pub user_id: String,
    pub item_type: String,
    pub amount: String,
    pub currency_code: String,
    pub create_time: Option<DateTime<Utc>>,
    pub state: FeedItemState,
    pub reason: Option<String>,
    pub profile_id: Option<i64>,
    pub apply_time: DateTime<Utc>,
}
