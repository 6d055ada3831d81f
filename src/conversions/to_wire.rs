//! Domain values into `jobpay.v1` messages.

use crate::domain::{
    Balance, BalanceSummary, BestClient, Contract, ContractStatus, EntryKind, FeedItem,
    FeedItemState, Job, LedgerEntry, Loan, LoanPayment, LoanPaymentStatus, Payout,
    PayoutRequestTotal, PayoutState, ProfileBalances, ProfileType, StatementPage,
};
use crate::feed::status::FeedStatus;
use crate::ledger::Receipt;
use crate::money::{Currency, Minor, Money};
use crate::proto::{pb, timestamp};

impl From<ProfileType> for pb::ProfileType {
    fn from(value: ProfileType) -> Self {
        match value {
            ProfileType::Client => pb::ProfileType::Client,
            ProfileType::Contractor => pb::ProfileType::Contractor,
        }
    }
}

impl From<ContractStatus> for pb::ContractStatus {
    fn from(value: ContractStatus) -> Self {
        match value {
            ContractStatus::New => pb::ContractStatus::New,
            ContractStatus::InProgress => pb::ContractStatus::InProgress,
            ContractStatus::Terminated => pb::ContractStatus::Terminated,
        }
    }
}

impl From<EntryKind> for pb::LedgerEntryKind {
    fn from(value: EntryKind) -> Self {
        match value {
            EntryKind::Opening => pb::LedgerEntryKind::Opening,
            EntryKind::Deposit => pb::LedgerEntryKind::Deposit,
            EntryKind::JobPayment => pb::LedgerEntryKind::JobPayment,
            EntryKind::Withdrawal => pb::LedgerEntryKind::Withdrawal,
            EntryKind::Transfer => pb::LedgerEntryKind::Transfer,
            EntryKind::Payout => pb::LedgerEntryKind::Payout,
            EntryKind::ExternalCredit => pb::LedgerEntryKind::ExternalCredit,
            EntryKind::ExternalDebit => pb::LedgerEntryKind::ExternalDebit,
            EntryKind::LoanDisbursement => pb::LedgerEntryKind::LoanDisbursement,
            EntryKind::LoanRepayment => pb::LedgerEntryKind::LoanRepayment,
            EntryKind::Reversal => pb::LedgerEntryKind::Reversal,
        }
    }
}

impl From<Currency> for pb::Currency {
    fn from(currency: Currency) -> Self {
        pb::Currency {
            code: currency.code,
            precision: i32::from(currency.precision),
        }
    }
}

impl From<Balance> for pb::Balance {
    fn from(balance: Balance) -> Self {
        pb::Balance {
            currency_code: balance.currency_code().to_owned(),
            available: balance.available().to_string(),
            held: balance.held.to_string(),
            balance: balance.balance.to_string(),
        }
    }
}

/// A balance at a past instant: held and available are known for now only,
/// so they are left empty.
pub fn balance_at(balance: Money) -> pb::Balance {
    pb::Balance {
        currency_code: balance.currency_code.clone(),
        balance: balance.to_string(),
        held: String::new(),
        available: String::new(),
    }
}

/// A statement page; `next_page_token` is the handler's to set.
impl From<StatementPage> for pb::Statement {
    fn from(page: StatementPage) -> Self {
        let precision = page.currency.precision;
        let (opening, closing, credits, debits) = match page.figures {
            Some(figures) => (
                figures.opening.format(precision),
                figures.closing.format(precision),
                figures.credits.format(precision),
                figures.debits.format(precision),
            ),
            None => Default::default(),
        };
        pb::Statement {
            profile_id: page.profile_id,
            currency_code: page.currency.code,
            start_time: Some(timestamp(page.period.start)),
            end_time: Some(timestamp(page.period.end)),
            opening_balance: opening,
            closing_balance: closing,
            credits,
            debits,
            entries: page.entries.into_iter().map(Into::into).collect(),
            next_page_token: String::new(),
        }
    }
}

impl From<ProfileBalances> for pb::Profile {
    fn from(with_balances: ProfileBalances) -> Self {
        let profile = with_balances.profile;
        pb::Profile {
            id: profile.id,
            first_name: profile.first_name,
            last_name: profile.last_name,
            profession: profile.profession,
            r#type: pb::ProfileType::from(profile.profile_type).into(),
            balance: with_balances.platform_balance.balance.to_string(),
            create_time: Some(timestamp(profile.create_time)),
            balances: with_balances.balances.into_iter().map(Into::into).collect(),
            external_id: profile.external_id.unwrap_or_default(),
        }
    }
}

impl From<Contract> for pb::Contract {
    fn from(contract: Contract) -> Self {
        pb::Contract {
            id: contract.id,
            terms: contract.terms,
            status: pb::ContractStatus::from(contract.status).into(),
            client_id: contract.client_id,
            contractor_id: contract.contractor_id,
            create_time: Some(timestamp(contract.create_time)),
            update_time: Some(timestamp(contract.update_time)),
            currency_code: contract.currency_code,
        }
    }
}

impl From<Job> for pb::Job {
    fn from(job: Job) -> Self {
        pb::Job {
            id: job.id,
            description: job.description,
            currency_code: job.price.currency_code.clone(),
            price: job.price.to_string(),
            paid: job.paid,
            payment_time: job.payment_time.map(timestamp),
            contract_id: job.contract_id,
            create_time: Some(timestamp(job.create_time)),
            update_time: Some(timestamp(job.update_time)),
            refunded: job.refunded.format(job.price.precision),
        }
    }
}

impl From<LedgerEntry> for pb::LedgerEntry {
    fn from(entry: LedgerEntry) -> Self {
        let precision = entry.currency.precision;
        let money = |units: Option<Minor>| units.map(|u| u.format(precision)).unwrap_or_default();
        pb::LedgerEntry {
            id: entry.id,
            kind: pb::LedgerEntryKind::from(entry.kind).into(),
            debit_profile_id: entry.debit_profile_id.unwrap_or(0),
            credit_profile_id: entry.credit_profile_id.unwrap_or(0),
            amount: entry.amount.format(precision),
            job_id: entry.job_id.unwrap_or(0),
            debit_balance_after: money(entry.debit_balance_after),
            credit_balance_after: money(entry.credit_balance_after),
            request_id: entry.request_id.unwrap_or_default(),
            create_time: Some(timestamp(entry.create_time)),
            reversal_of: entry.reversal_of.unwrap_or(0),
            reversed: entry.reversed.format(precision),
            reason: entry.reason.unwrap_or_default(),
            currency_code: entry.currency.code,
        }
    }
}

/// A receipt as the response of the method that made it; `None` when the
/// receipt is another method's (a bug, reported as INTERNAL by the caller).
pub trait FromReceipt: Sized {
    fn from_receipt(receipt: Receipt) -> Option<Self>;
}

impl FromReceipt for pb::PayJobResponse {
    fn from_receipt(receipt: Receipt) -> Option<Self> {
        match receipt {
            Receipt::PayJob {
                job,
                client_balance,
            } => Some(pb::PayJobResponse {
                job: Some(job.into()),
                client_balance: client_balance.to_string(),
            }),
            _ => None,
        }
    }
}

impl FromReceipt for pb::ReverseLedgerEntryResponse {
    fn from_receipt(receipt: Receipt) -> Option<Self> {
        match receipt {
            Receipt::Reversal { reversal, original } => Some(pb::ReverseLedgerEntryResponse {
                reversal: Some(reversal.into()),
                original: Some(original.into()),
            }),
            _ => None,
        }
    }
}

impl FromReceipt for pb::RefundJobPaymentResponse {
    fn from_receipt(receipt: Receipt) -> Option<Self> {
        match receipt {
            Receipt::Refund {
                job,
                reversal,
                contractor_balance,
            } => Some(pb::RefundJobPaymentResponse {
                job: Some(job.into()),
                reversal: Some(reversal.into()),
                contractor_balance: contractor_balance.to_string(),
            }),
            _ => None,
        }
    }
}

impl FromReceipt for pb::DepositResponse {
    fn from_receipt(receipt: Receipt) -> Option<Self> {
        match receipt {
            Receipt::Deposit { balance } => Some(pb::DepositResponse {
                balance: balance.to_string(),
                currency_code: balance.currency_code,
            }),
            _ => None,
        }
    }
}

impl FromReceipt for pb::WithdrawResponse {
    fn from_receipt(receipt: Receipt) -> Option<Self> {
        match receipt {
            Receipt::Withdraw { balance } => Some(pb::WithdrawResponse {
                balance: balance.to_string(),
                currency_code: balance.currency_code,
            }),
            _ => None,
        }
    }
}

impl FromReceipt for pb::TransferResponse {
    fn from_receipt(receipt: Receipt) -> Option<Self> {
        match receipt {
            Receipt::Transfer { balance } => Some(pb::TransferResponse {
                balance: balance.to_string(),
                currency_code: balance.currency_code,
            }),
            _ => None,
        }
    }
}

impl From<PayoutState> for pb::PayoutState {
    fn from(state: PayoutState) -> Self {
        match state {
            PayoutState::Requested => pb::PayoutState::Requested,
            PayoutState::Cancelled => pb::PayoutState::Cancelled,
            PayoutState::PaidOut => pb::PayoutState::PaidOut,
        }
    }
}

impl From<Payout> for pb::Payout {
    fn from(payout: Payout) -> Self {
        pb::Payout {
            id: payout.id,
            profile_id: payout.profile_id,
            currency_code: payout.amount.currency_code.clone(),
            amount: payout.amount.to_string(),
            state: pb::PayoutState::from(payout.state).into(),
            ledger_entry_id: payout.ledger_entry_id.unwrap_or(0),
            external_id: payout.external_id.unwrap_or_default(),
            create_time: Some(timestamp(payout.create_time)),
            update_time: Some(timestamp(payout.update_time)),
        }
    }
}

impl FromReceipt for pb::Payout {
    fn from_receipt(receipt: Receipt) -> Option<Self> {
        match receipt {
            Receipt::Payout { payout } => Some(payout.into()),
            _ => None,
        }
    }
}

impl From<BalanceSummary> for pb::BalanceSummary {
    fn from(summary: BalanceSummary) -> Self {
        let precision = summary.currency.precision;
        let money = |units: i64| Minor::new(units).format(precision);
        let t = summary.totals;
        pb::BalanceSummary {
            profile_id: summary.profile_id,
            balance: summary.balance.format(precision),
            held: summary.held.format(precision),
            available: money(summary.balance.get() - summary.held.get()),
            opening: money(t.opening),
            deposited: money(t.deposited),
            withdrawn: money(t.withdrawn),
            earned: money(t.earned),
            spent: money(t.spent),
            transferred_in: money(t.transferred_in),
            transferred_out: money(t.transferred_out),
            payout: summary.held.format(precision),
            paid_out: money(t.paid_out),
            borrowed: money(t.borrowed),
            repaid: money(t.repaid),
            reversed_in: money(t.reversed_in),
            reversed_out: money(t.reversed_out),
            currency_code: summary.currency.code,
        }
    }
}

impl From<PayoutRequestTotal> for pb::PayoutRequestTotal {
    fn from(total: PayoutRequestTotal) -> Self {
        pb::PayoutRequestTotal {
            profile_id: total.profile_id,
            full_name: total.full_name,
            currency_code: total.amount.currency_code.clone(),
            amount: total.amount.to_string(),
            payout_count: i32::try_from(total.payout_count).unwrap_or(i32::MAX),
        }
    }
}

impl From<BestClient> for pb::BestClient {
    fn from(client: BestClient) -> Self {
        pb::BestClient {
            id: client.id,
            full_name: client.full_name,
            paid: client.paid.to_string(),
        }
    }
}

impl From<LoanPaymentStatus> for pb::LoanPaymentStatus {
    fn from(status: LoanPaymentStatus) -> Self {
        match status {
            LoanPaymentStatus::Made => pb::LoanPaymentStatus::Made,
            LoanPaymentStatus::Missed => pb::LoanPaymentStatus::Missed,
        }
    }
}

impl From<Loan> for pb::Loan {
    fn from(loan: Loan) -> Self {
        let count = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
        pb::Loan {
            id: loan.id,
            borrower_id: loan.borrower_id,
            currency_code: loan.amount.currency_code.clone(),
            amount: loan.amount.to_string(),
            term_months: loan.term_months,
            annual_rate: loan.annual_rate,
            installment: loan.installment.to_string(),
            total_repayable: loan.total_repayable.to_string(),
            outstanding: loan.outstanding.to_string(),
            payments_made: count(loan.payments_made),
            payments_missed: count(loan.payments_missed),
            origination_time: Some(timestamp(loan.origination_time)),
            create_time: Some(timestamp(loan.create_time)),
        }
    }
}

impl From<LoanPayment> for pb::LoanPayment {
    fn from(payment: LoanPayment) -> Self {
        pb::LoanPayment {
            id: payment.id,
            loan_id: payment.loan_id,
            status: pb::LoanPaymentStatus::from(payment.status).into(),
            currency_code: payment.amount.currency_code.clone(),
            amount: payment.amount.to_string(),
            payment_time: Some(timestamp(payment.payment_time)),
            ledger_entry_id: payment.ledger_entry_id.unwrap_or(0),
            create_time: Some(timestamp(payment.create_time)),
        }
    }
}

impl FromReceipt for pb::Loan {
    fn from_receipt(receipt: Receipt) -> Option<Self> {
        match receipt {
            Receipt::CreateLoan { loan } => Some(loan.into()),
            _ => None,
        }
    }
}

impl FromReceipt for pb::LoanPayment {
    fn from_receipt(receipt: Receipt) -> Option<Self> {
        match receipt {
            Receipt::RecordLoanPayment { payment } => Some(payment.into()),
            _ => None,
        }
    }
}

impl From<FeedItemState> for pb::FeedItemState {
    fn from(state: FeedItemState) -> Self {
        match state {
            FeedItemState::Applied => pb::FeedItemState::Applied,
            FeedItemState::Rejected => pb::FeedItemState::Rejected,
        }
    }
}

impl From<FeedItem> for pb::FeedItem {
    fn from(item: FeedItem) -> Self {
        pb::FeedItem {
            id: item.id,
            user_id: item.user_id,
            r#type: item.item_type,
            amount: item.amount,
            currency_code: item.currency_code,
            create_time: item.create_time.map(timestamp),
            state: pb::FeedItemState::from(item.state).into(),
            reason: item.reason.unwrap_or_default(),
            profile_id: item.profile_id.unwrap_or(0),
            apply_time: Some(timestamp(item.apply_time)),
        }
    }
}

impl From<FeedStatus> for pb::FeedStatus {
    fn from(status: FeedStatus) -> Self {
        pb::FeedStatus {
            enabled: status.enabled,
            cursor_time: status.cursor_time.map(timestamp),
            lag_seconds: status.lag_seconds,
            items_applied: status.items_applied,
            items_rejected: status.items_rejected,
            items_duplicate: status.items_duplicate,
            requests: status.requests,
            last_error: status.last_error.unwrap_or_default(),
            last_success_time: status.last_success_time.map(timestamp),
        }
    }
}
