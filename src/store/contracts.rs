//! Contracts and their jobs: the rows the contract and job services read
//! and write (paying a job is the ledger's).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveEnum, ActiveModelTrait,
    ActiveValue::{Set, Unchanged},
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, RuntimeErr,
    sqlx,
};

use super::entities::{contract, job, profile};
use super::lists::party_of;
use crate::domain::{Contract, ContractStatus, Job, NewContract};
use crate::error::{Error, Resource};
use crate::money::{Minor, Money};

/// The contract `id` if `party` is its client or contractor; NOT_FOUND
/// otherwise, so that outsiders learn nothing about its existence.
pub async fn contract_of_party<C: ConnectionTrait>(
    db: &C,
    party: i64,
    id: i64,
) -> Result<Contract, Error> {
    contract::Entity::find_by_id(id)
        .filter(party_of(party))
        .one(db)
        .await?
        .map(Contract::from)
        .ok_or(Error::NotFound(Resource::Contract, id))
}

/// A contract row as sqlx reads it.
type ContractRow = (
    i64,
    String,
    String,
    i64,
    i64,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
);

/// [`contract_of_party`] on the read pool, straight through sqlx with a
/// fixed statement: GetContract is the hottest read of the service, and
/// SeaORM's statement building and its layers of futures (moved on every
/// poll) cost it more than the query itself (BENCHMARKS.md, the read
/// limit). Same row, same rule.
pub async fn contract_of_party_read(
    db: &DatabaseConnection,
    party: i64,
    id: i64,
) -> Result<Contract, Error> {
    macro_rules! select_where {
        ($condition:literal) => {
            concat!(
                "SELECT id, terms, status, client_id, contractor_id, currency_code, ",
                "created_at, updated_at FROM contracts WHERE ",
                $condition
            )
        };
    }
    let row: Option<ContractRow> = match db.get_database_backend() {
        DbBackend::Postgres => {
            const SQL: &str = select_where!("id = $1 AND (client_id = $2 OR contractor_id = $2)");
            sqlx::query_as(SQL)
                .bind(id)
                .bind(party)
                .fetch_optional(db.get_postgres_connection_pool())
                .await
        }
        DbBackend::Sqlite => {
            const SQL: &str = select_where!("id = ?1 AND (client_id = ?2 OR contractor_id = ?2)");
            sqlx::query_as(SQL)
                .bind(id)
                .bind(party)
                .fetch_optional(db.get_sqlite_connection_pool())
                .await
        }
        _ => return contract_of_party(db, party, id).await,
    }
    .map_err(|e| DbErr::Query(RuntimeErr::SqlxError(Arc::new(e))))?;
    let Some((id, terms, status, client_id, contractor_id, currency_code, created_at, updated_at)) =
        row
    else {
        return Err(Error::NotFound(Resource::Contract, id));
    };
    let status = contract::ContractStatus::try_from_value(&status)?;
    Ok(Contract::from(contract::Model {
        id,
        terms,
        status,
        client_id,
        contractor_id,
        currency_code,
        created_at,
        updated_at,
    }))
}

/// Whether `id` is a contractor's profile.
pub async fn is_contractor<C: ConnectionTrait>(db: &C, id: i64) -> Result<bool, Error> {
    let found = profile::Entity::find_by_id(id).one(db).await?;
    Ok(found.is_some_and(|p| p.profile_type == profile::ProfileType::Contractor))
}

/// Inserts a contract, `New`.
pub async fn create_contract<C: ConnectionTrait>(
    db: &C,
    new: NewContract,
) -> Result<Contract, Error> {
    let now = super::now();
    let created = contract::ActiveModel {
        terms: Set(new.terms),
        status: Set(contract::ContractStatus::New),
        client_id: Set(new.client_id),
        contractor_id: Set(new.contractor_id),
        currency_code: Set(new.currency_code),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(created.into())
}

/// Sets a contract's status (its update time too) and returns it.
pub async fn set_contract_status<C: ConnectionTrait>(
    db: &C,
    id: i64,
    status: ContractStatus,
) -> Result<Contract, Error> {
    let changed = contract::ActiveModel {
        id: Unchanged(id),
        status: Set(status.into()),
        updated_at: Set(super::now()),
        ..Default::default()
    };
    Ok(changed.update(db).await?.into())
}

/// Inserts an unpaid job under `contract_id`, priced in its contract's
/// currency.
pub async fn create_job<C: ConnectionTrait>(
    db: &C,
    contract_id: i64,
    description: String,
    price: Money,
) -> Result<Job, Error> {
    let now = super::now();
    let created = job::ActiveModel {
        description: Set(description),
        price: Set(price.amount().get()),
        currency_code: Set(price.currency_code.clone()),
        paid: Set(false),
        payment_time: Set(None),
        contract_id: Set(contract_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Job {
        id: created.id,
        description: created.description,
        price,
        paid: created.paid,
        payment_time: created.payment_time,
        contract_id: created.contract_id,
        create_time: created.created_at,
        update_time: created.updated_at,
        refunded: Minor::new(created.refunded),
    })
}
