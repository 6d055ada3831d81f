use sea_orm::entity::prelude::*;

/// Why money moved, stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum EntryKind {
    #[sea_orm(string_value = "opening")]
    Opening,
    #[sea_orm(string_value = "deposit")]
    Deposit,
    #[sea_orm(string_value = "job_payment")]
    JobPayment,
    #[sea_orm(string_value = "withdrawal")]
    Withdrawal,
    #[sea_orm(string_value = "transfer")]
    Transfer,
    #[sea_orm(string_value = "payout")]
    Payout,
    #[sea_orm(string_value = "external_credit")]
    ExternalCredit,
    #[sea_orm(string_value = "external_debit")]
    ExternalDebit,
    #[sea_orm(string_value = "loan_disbursement")]
    LoanDisbursement,
    #[sea_orm(string_value = "loan_repayment")]
    LoanRepayment,
    #[sea_orm(string_value = "reversal")]
    Reversal,
}

/// One immutable money movement. A `None` side is outside the platform.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: EntryKind,
    pub debit_profile_id: Option<i64>,
    pub credit_profile_id: Option<i64>,
    pub amount: i64,
    pub job_id: Option<i64>,
    pub debit_balance_after: Option<i64>,
    pub credit_balance_after: Option<i64>,
    pub request_id: Option<String>,
    /// The currency of `amount` and both balances after.
    pub currency_code: String,
    pub created_at: DateTimeUtc,
    /// For a reversal, the entry it corrects.
    pub reversal_of: Option<i64>,
    /// What this entry's reversals add up to, `0..=amount` (CHECK).
    pub reversed: i64,
    /// For a reversal, why.
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
