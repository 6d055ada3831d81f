//! The upstream transaction feed.
//!
//! - `feed_items`: every upstream item ever received, keyed by the
//!   upstream's id (so an item is applied once whatever happens), with its
//!   state (`applied` or `rejected` with a reason) and its arrival order
//!   (`seq`), written in the same transaction as its effect.
//! - `feed_state`: one row (id 1): the cursor (the window being read and
//!   its next page; `window_start` is the end of the last window fully
//!   applied), the running totals that `GetFeedStatus` reports, and the
//!   times of the last requests, so that the rate limit holds across
//!   restarts and replicas.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FeedItems {
    Table,
    Id,
    Seq,
    UserId,
    ItemType,
    Amount,
    CurrencyCode,
    CreateTime,
    State,
    Reason,
    ProfileId,
    ApplyTime,
}

#[derive(DeriveIden)]
enum FeedState {
    Table,
    Id,
    WindowStart,
    WindowEnd,
    Page,
    ItemsApplied,
    ItemsRejected,
    ItemsDuplicate,
    Requests,
    RequestTimes,
    LastError,
    LastSuccessTime,
}

fn counter<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FeedItems::Table)
                    .col(
                        ColumnDef::new(FeedItems::Id)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(FeedItems::Seq).big_integer().not_null())
                    .col(ColumnDef::new(FeedItems::UserId).text().not_null())
                    .col(ColumnDef::new(FeedItems::ItemType).text().not_null())
                    .col(ColumnDef::new(FeedItems::Amount).text().not_null())
                    .col(ColumnDef::new(FeedItems::CurrencyCode).text().not_null())
                    .col(ColumnDef::new(FeedItems::CreateTime).timestamp_with_time_zone())
                    .col(ColumnDef::new(FeedItems::State).text().not_null())
                    .col(ColumnDef::new(FeedItems::Reason).text())
                    .col(ColumnDef::new(FeedItems::ProfileId).big_integer())
                    .col(
                        ColumnDef::new(FeedItems::ApplyTime)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .check((
                        "feed_items_state_known",
                        Expr::col(FeedItems::State).is_in(["applied", "rejected"]),
                    ))
                    .check((
                        "feed_items_rejected_has_reason",
                        Expr::col(FeedItems::State)
                            .eq("applied")
                            .or(Expr::col(FeedItems::Reason).is_not_null()),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("feed_items_seq_key")
                    .table(FeedItems::Table)
                    .col(FeedItems::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("feed_items_state_seq_idx")
                    .table(FeedItems::Table)
                    .col(FeedItems::State)
                    .col(FeedItems::Seq)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FeedState::Table)
                    .col(
                        ColumnDef::new(FeedState::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(FeedState::WindowStart)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(FeedState::WindowEnd).timestamp_with_time_zone())
                    .col(
                        ColumnDef::new(FeedState::Page)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(counter(FeedState::ItemsApplied))
                    .col(counter(FeedState::ItemsRejected))
                    .col(counter(FeedState::ItemsDuplicate))
                    .col(counter(FeedState::Requests))
                    .col(
                        ColumnDef::new(FeedState::RequestTimes)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(FeedState::LastError).text())
                    .col(ColumnDef::new(FeedState::LastSuccessTime).timestamp_with_time_zone())
                    .check(("feed_state_one_row", Expr::col(FeedState::Id).eq(1)))
                    .check((
                        "feed_state_page_positive",
                        Expr::col(FeedState::Page).gte(1),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FeedState::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(FeedItems::Table).to_owned())
            .await
    }
}
