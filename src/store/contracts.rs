//! Contracts and their jobs: the rows the contract and job services read
//! and write (paying a job is the ledger's).

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{Set, Unchanged},
    ConnectionTrait, EntityTrait, QueryFilter,
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
