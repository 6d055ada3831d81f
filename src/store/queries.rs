//! Named queries for currencies and balances: the SQL behind the handlers'
//! and the registry's reads, so that neither builds queries of its own.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::entities::{balance, currency};
use crate::error::Error;

pub async fn currency_by_code<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> Result<Option<currency::Model>, Error> {
    Ok(currency::Entity::find_by_id(code.to_owned())
        .one(db)
        .await?)
}

pub async fn all_currencies<C: ConnectionTrait>(db: &C) -> Result<Vec<currency::Model>, Error> {
    Ok(currency::Entity::find()
        .order_by_asc(currency::Column::Code)
        .all(db)
        .await?)
}

/// Inserts a currency; `Ok(None)` when the code exists already.
pub async fn insert_currency<C: ConnectionTrait>(
    db: &C,
    code: &str,
    precision: u8,
) -> Result<Option<currency::Model>, Error> {
    if currency_by_code(db, code).await?.is_some() {
        return Ok(None);
    }
    let created = currency::ActiveModel {
        code: Set(code.to_owned()),
        precision: Set(i32::from(precision)),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await?;
    Ok(Some(created))
}

/// The balance rows of these profiles, by profile then currency code.
pub async fn balances_of<C: ConnectionTrait>(
    db: &C,
    profile_ids: BTreeSet<i64>,
) -> Result<Vec<balance::Model>, Error> {
    if profile_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(balance::Entity::find()
        .filter(balance::Column::ProfileId.is_in(profile_ids))
        .order_by_asc(balance::Column::ProfileId)
        .order_by_asc(balance::Column::CurrencyCode)
        .all(db)
        .await?)
}

/// One balance row, if the profile ever held the currency.
pub async fn balance_of<C: ConnectionTrait>(
    db: &C,
    profile_id: i64,
    currency_code: &str,
) -> Result<Option<balance::Model>, Error> {
    Ok(
        balance::Entity::find_by_id((profile_id, currency_code.to_owned()))
            .one(db)
            .await?,
    )
}
