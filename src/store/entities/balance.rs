use sea_orm::entity::prelude::*;

/// A profile's money in one currency. Opened (inserted) by the first
/// movement that touches it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "balances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub profile_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub currency_code: String,
    /// Minor units, never negative (CHECK constraint).
    pub balance: i64,
    /// Minor units reserved by pending payout requests, `0 <= held <=
    /// balance` (CHECK constraint).
    pub held: i64,
    /// Running totals by kind of movement (minor units), kept by each
    /// movement's own transaction, such that `balance` equals opening plus
    /// deposited, earned, transferred_in, borrowed and reversed_in, minus
    /// withdrawn, spent, transferred_out, paid_out, repaid and reversed_out.
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
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
