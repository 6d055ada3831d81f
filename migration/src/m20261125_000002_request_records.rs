//! Idempotency records (AIP-155): the first response to each
//! `(caller, request_id)`, kept for a configurable time.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RequestRecords {
    Table,
    CallerId,
    RequestId,
    Method,
    RequestHash,
    Response,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Profiles {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RequestRecords::Table)
                    .col(
                        ColumnDef::new(RequestRecords::CallerId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RequestRecords::RequestId).text().not_null())
                    .col(ColumnDef::new(RequestRecords::Method).text().not_null())
                    .col(
                        ColumnDef::new(RequestRecords::RequestHash)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RequestRecords::Response).blob().not_null())
                    .col(
                        ColumnDef::new(RequestRecords::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(RequestRecords::CallerId)
                            .col(RequestRecords::RequestId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("request_records_caller_id_fkey")
                            .from(RequestRecords::Table, RequestRecords::CallerId)
                            .to(Profiles::Table, Profiles::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("request_records_created_at_idx")
                    .table(RequestRecords::Table)
                    .col(RequestRecords::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RequestRecords::Table).to_owned())
            .await
    }
}
