use sea_orm::entity::prelude::*;

/// Where a payout stands, stored as text.
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
pub enum PayoutState {
    #[sea_orm(string_value = "requested")]
    Requested,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "paid_out")]
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

/// A request to take money out of the platform; while `requested`, its
/// amount is part of its balance's `held`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payouts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub profile_id: i64,
    pub currency_code: String,
    /// Minor units, greater than zero.
    pub amount: i64,
    pub state: PayoutState,
    /// The `payout` ledger entry, once paid out.
    pub ledger_entry_id: Option<i64>,
    /// The upstream feed item that requested it, if any.
    pub external_id: Option<String>,
    pub request_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
