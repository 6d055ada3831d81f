//! Profiles, contracts, jobs and the ledger.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Profiles {
    Table,
    Id,
    FirstName,
    LastName,
    Profession,
    ProfileType,
    Balance,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
    Terms,
    Status,
    ClientId,
    ContractorId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Description,
    Price,
    Paid,
    PaymentTime,
    ContractId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Id,
    Kind,
    DebitProfileId,
    CreditProfileId,
    Amount,
    JobId,
    DebitBalanceAfter,
    CreditBalanceAfter,
    RequestId,
    CreatedAt,
}

fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn instant<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn text<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

fn money<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

fn one_of<T: IntoIden>(column: T, values: &[&str]) -> SimpleExpr {
    Expr::col(column).is_in(values.iter().copied())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Reports break ties by profession in byte order on every backend
        // (SQLite's default BINARY collation; PostgreSQL needs "C").
        let mut profession = text(Profiles::Profession);
        if manager.get_database_backend() == DbBackend::Postgres {
            profession.extra("COLLATE \"C\"");
        }

        manager
            .create_table(
                Table::create()
                    .table(Profiles::Table)
                    .col(id(Profiles::Id))
                    .col(text(Profiles::FirstName))
                    .col(text(Profiles::LastName))
                    .col(profession)
                    .col(text(Profiles::ProfileType))
                    .col(money(Profiles::Balance).default(0))
                    .col(instant(Profiles::CreatedAt))
                    .col(instant(Profiles::UpdatedAt))
                    .check((
                        "profiles_type_known",
                        one_of(Profiles::ProfileType, &["client", "contractor"]),
                    ))
                    .check((
                        "profiles_balance_not_negative",
                        Expr::col(Profiles::Balance).gte(0),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Contracts::Table)
                    .col(id(Contracts::Id))
                    .col(text(Contracts::Terms))
                    .col(text(Contracts::Status))
                    .col(ColumnDef::new(Contracts::ClientId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Contracts::ContractorId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(instant(Contracts::CreatedAt))
                    .col(instant(Contracts::UpdatedAt))
                    .check((
                        "contracts_status_known",
                        one_of(Contracts::Status, &["new", "in_progress", "terminated"]),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("contracts_client_id_fkey")
                            .from(Contracts::Table, Contracts::ClientId)
                            .to(Profiles::Table, Profiles::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("contracts_contractor_id_fkey")
                            .from(Contracts::Table, Contracts::ContractorId)
                            .to(Profiles::Table, Profiles::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("contracts_client_id_idx", Contracts::ClientId),
            ("contracts_contractor_id_idx", Contracts::ContractorId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Contracts::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(id(Jobs::Id))
                    .col(text(Jobs::Description))
                    .col(money(Jobs::Price))
                    .col(
                        ColumnDef::new(Jobs::Paid)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Jobs::PaymentTime).timestamp_with_time_zone())
                    .col(ColumnDef::new(Jobs::ContractId).big_integer().not_null())
                    .col(instant(Jobs::CreatedAt))
                    .col(instant(Jobs::UpdatedAt))
                    .check(("jobs_price_positive", Expr::col(Jobs::Price).gt(0)))
                    .check((
                        "jobs_paid_has_payment_time",
                        Expr::col(Jobs::Paid).eq(Expr::col(Jobs::PaymentTime).is_not_null()),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("jobs_contract_id_fkey")
                            .from(Jobs::Table, Jobs::ContractId)
                            .to(Contracts::Table, Contracts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("jobs_contract_id_idx")
                    .table(Jobs::Table)
                    .col(Jobs::ContractId)
                    .to_owned(),
            )
            .await?;
        // Admin reports scan paid jobs by payment time.
        manager
            .create_index(
                Index::create()
                    .name("jobs_paid_payment_time_idx")
                    .table(Jobs::Table)
                    .col(Jobs::PaymentTime)
                    .and_where(Expr::col(Jobs::Paid).eq(true))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LedgerEntries::Table)
                    .col(id(LedgerEntries::Id))
                    .col(text(LedgerEntries::Kind))
                    .col(ColumnDef::new(LedgerEntries::DebitProfileId).big_integer())
                    .col(ColumnDef::new(LedgerEntries::CreditProfileId).big_integer())
                    .col(money(LedgerEntries::Amount))
                    .col(ColumnDef::new(LedgerEntries::JobId).big_integer())
                    .col(ColumnDef::new(LedgerEntries::DebitBalanceAfter).big_integer())
                    .col(ColumnDef::new(LedgerEntries::CreditBalanceAfter).big_integer())
                    .col(ColumnDef::new(LedgerEntries::RequestId).text())
                    .col(instant(LedgerEntries::CreatedAt))
                    .check((
                        "ledger_entries_kind_known",
                        one_of(
                            LedgerEntries::Kind,
                            &[
                                "opening",
                                "deposit",
                                "job_payment",
                                "withdrawal",
                                "transfer",
                            ],
                        ),
                    ))
                    .check((
                        "ledger_entries_amount_positive",
                        Expr::col(LedgerEntries::Amount).gt(0),
                    ))
                    .check((
                        "ledger_entries_has_a_side",
                        Expr::col(LedgerEntries::DebitProfileId)
                            .is_not_null()
                            .or(Expr::col(LedgerEntries::CreditProfileId).is_not_null()),
                    ))
                    .check((
                        "ledger_entries_sides_differ",
                        Expr::col(LedgerEntries::DebitProfileId)
                            .ne(Expr::col(LedgerEntries::CreditProfileId)),
                    ))
                    .check((
                        "ledger_entries_balances_after_not_negative",
                        Expr::col(LedgerEntries::DebitBalanceAfter)
                            .gte(0)
                            .and(Expr::col(LedgerEntries::CreditBalanceAfter).gte(0)),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("ledger_entries_debit_profile_id_fkey")
                            .from(LedgerEntries::Table, LedgerEntries::DebitProfileId)
                            .to(Profiles::Table, Profiles::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("ledger_entries_credit_profile_id_fkey")
                            .from(LedgerEntries::Table, LedgerEntries::CreditProfileId)
                            .to(Profiles::Table, Profiles::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("ledger_entries_job_id_fkey")
                            .from(LedgerEntries::Table, LedgerEntries::JobId)
                            .to(Jobs::Table, Jobs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A profile's entries, newest first, from either side.
        for (name, column) in [
            (
                "ledger_entries_debit_profile_idx",
                LedgerEntries::DebitProfileId,
            ),
            (
                "ledger_entries_credit_profile_idx",
                LedgerEntries::CreditProfileId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(LedgerEntries::Table)
                        .col(column)
                        .col(LedgerEntries::Id)
                        .to_owned(),
                )
                .await?;
        }
        // A job is paid at most once, whatever the application does.
        manager
            .create_index(
                Index::create()
                    .name("ledger_entries_job_payment_once_idx")
                    .table(LedgerEntries::Table)
                    .col(LedgerEntries::JobId)
                    .unique()
                    .and_where(Expr::col(LedgerEntries::JobId).is_not_null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LedgerEntries::Table.into_iden(),
            Jobs::Table.into_iden(),
            Contracts::Table.into_iden(),
            Profiles::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
