use sea_orm::entity::prelude::*;

/// The first successful response to a `(caller, request_id)` pair.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "request_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub caller_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_id: String,
    /// The gRPC method, e.g. "Withdraw".
    pub method: String,
    /// Hex SHA-256 of the request's parameters (without the request id).
    pub request_hash: String,
    /// The first response: versioned JSON of the domain receipt (see
    /// `ledger::idempotency`).
    pub response: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
