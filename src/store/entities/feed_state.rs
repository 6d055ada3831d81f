use sea_orm::entity::prelude::*;

/// The feed's cursor and running totals: one row, id 1.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feed_state")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The end of the last window fully applied.
    pub window_start: DateTimeUtc,
    /// The end of the window being read, once chosen.
    pub window_end: Option<DateTimeUtc>,
    /// The next page of that window to apply (from 1).
    pub page: i32,
    pub items_applied: i64,
    pub items_rejected: i64,
    pub items_duplicate: i64,
    pub requests: i64,
    /// Unix milliseconds of the latest requests, comma-separated.
    pub request_times: String,
    pub last_error: Option<String>,
    pub last_success_time: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
