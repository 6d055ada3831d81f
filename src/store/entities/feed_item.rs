use sea_orm::entity::prelude::*;

/// Applied or rejected, stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum FeedItemState {
    #[sea_orm(string_value = "applied")]
    Applied,
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

/// One upstream feed item, as received, with what became of it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feed_items")]
pub struct Model {
    /// The upstream's id: unique, so an item is applied at most once.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Arrival order.
    pub seq: i64,
    pub user_id: String,
    pub item_type: String,
    /// The canonical decimal text when valid, else the upstream's text.
    pub amount: String,
    pub currency_code: String,
    /// The upstream's `createdAt`, when it was a valid instant.
    pub create_time: Option<DateTimeUtc>,
    pub state: FeedItemState,
    /// Why it was rejected (a stable reason code).
    pub reason: Option<String>,
    pub profile_id: Option<i64>,
    pub apply_time: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
