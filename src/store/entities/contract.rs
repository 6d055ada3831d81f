use sea_orm::entity::prelude::*;

/// Where a contract stands, stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum ContractStatus {
    #[sea_orm(string_value = "new")]
    New,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    #[sea_orm(string_value = "terminated")]
    Terminated,
}

impl ContractStatus {
    /// The name used in messages, e.g. "in_progress".
    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::New => "new",
            ContractStatus::InProgress => "in_progress",
            ContractStatus::Terminated => "terminated",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub terms: String,
    pub status: ContractStatus,
    pub client_id: i64,
    pub contractor_id: i64,
    /// The currency of its jobs, fixed at creation.
    pub currency_code: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::job::Entity")]
    Job,
    #[sea_orm(
        belongs_to = "super::profile::Entity",
        from = "Column::ClientId",
        to = "super::profile::Column::Id"
    )]
    Client,
    #[sea_orm(
        belongs_to = "super::profile::Entity",
        from = "Column::ContractorId",
        to = "super::profile::Column::Id"
    )]
    Contractor,
}

impl Related<super::job::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Job.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
