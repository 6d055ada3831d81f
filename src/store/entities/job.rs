use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub description: String,
    /// Minor units of `currency_code`, greater than zero (CHECK constraint).
    pub price: i64,
    /// Its contract's currency.
    pub currency_code: String,
    pub paid: bool,
    pub payment_time: Option<DateTimeUtc>,
    pub contract_id: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Minor units refunded so far, `0..=price` (CHECK constraint): its
    /// payment entry's `reversed`.
    pub refunded: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::contract::Entity",
        from = "Column::ContractId",
        to = "super::contract::Column::Id"
    )]
    Contract,
}

impl Related<super::contract::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contract.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
