use sea_orm::entity::prelude::*;

/// An installment loan. Money columns are minor units of `currency_code`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub borrower_id: i64,
    pub currency_code: String,
    pub amount: i64,
    pub term_months: i32,
    /// Canonical decimal text, e.g. "0.05".
    pub annual_rate: String,
    pub installment: i64,
    pub total_repayable: i64,
    pub origination_time: DateTimeUtc,
    pub request_id: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
