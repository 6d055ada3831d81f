//! Named queries for currencies and balances: the SQL behind the handlers'
//! and the registry's reads, so that neither builds queries of its own.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::entities::{balance, currency, payout};
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

/// A payout, if it exists and belongs to `profile_id` (any profile when
/// `None`).
pub async fn payout_of<C: ConnectionTrait>(
    db: &C,
    id: i64,
    profile_id: Option<i64>,
) -> Result<Option<payout::Model>, Error> {
    let mut query = payout::Entity::find_by_id(id);
    if let Some(profile_id) = profile_id {
        query = query.filter(payout::Column::ProfileId.eq(profile_id));
    }
    Ok(query.one(db).await?)
}

/// A profile's payouts, as a query to page through.
pub fn payouts_of(profile_id: i64) -> sea_orm::Select<payout::Entity> {
    payout::Entity::find().filter(payout::Column::ProfileId.eq(profile_id))
}

/// Per profile with requested payouts in `currency_code` and an id above
/// `after`: (profile id, first name, last name, amounts added up, count),
/// by profile id, at most `limit` rows.
pub async fn payout_request_totals<C: ConnectionTrait>(
    db: &C,
    currency_code: &str,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<(i64, String, String, i64, i64)>, Error> {
    use sea_orm::sea_query::{Expr, JoinType};
    use sea_orm::{QuerySelect, RelationDef};
    let sum = super::saturating_sum(db.get_database_backend(), "\"payouts\".\"amount\"");
    let to_profile: RelationDef = payout::Entity::belongs_to(super::entities::profile::Entity)
        .from(payout::Column::ProfileId)
        .to(super::entities::profile::Column::Id)
        .into();
    let mut query = payout::Entity::find()
        .select_only()
        .column(payout::Column::ProfileId)
        .column(super::entities::profile::Column::FirstName)
        .column(super::entities::profile::Column::LastName)
        .column_as(Expr::cust(sum), "amount_total")
        .column_as(payout::Column::Id.count(), "payout_count")
        .join(JoinType::InnerJoin, to_profile)
        .filter(payout::Column::State.eq(payout::PayoutState::Requested))
        .filter(payout::Column::CurrencyCode.eq(currency_code));
    if let Some(after) = after {
        query = query.filter(payout::Column::ProfileId.gt(after));
    }
    Ok(query
        .group_by(payout::Column::ProfileId)
        .group_by(super::entities::profile::Column::FirstName)
        .group_by(super::entities::profile::Column::LastName)
        .order_by_asc(payout::Column::ProfileId)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?)
}
