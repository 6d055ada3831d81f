use sea_orm::entity::prelude::*;

/// Made or missed, stored as text.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum LoanPaymentStatus {
    #[sea_orm(string_value = "made")]
    Made,
    #[sea_orm(string_value = "missed")]
    Missed,
}

/// One month's payment of a loan; unique per (loan, payment_month).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub loan_id: i64,
    pub status: LoanPaymentStatus,
    /// The installment, minor units.
    pub amount: i64,
    pub payment_time: DateTimeUtc,
    /// "YYYY-MM" (UTC) of payment_time.
    pub payment_month: String,
    /// The LOAN_REPAYMENT entry of a made payment.
    pub ledger_entry_id: Option<i64>,
    pub request_id: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
