use sea_orm::entity::prelude::*;

/// A currency the platform holds money in. Never changed once created.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "currencies")]
pub struct Model {
    /// Upper case, 3 to 8 letters or digits.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Decimals of the minor unit, 0 to 12 (CHECK constraint).
    pub precision: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
