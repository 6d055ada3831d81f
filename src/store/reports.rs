//! The admin reports: aggregates over paid jobs and requested payouts in
//! one currency, each one query, sums saturating instead of overflowing.

use sea_orm::sea_query::{Alias, Expr, JoinType, Order};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, RelationDef,
    RelationTrait,
};

use super::entities::{contract, job, payout, profile};
use super::lists::Keyset;
use super::saturating_sum;
use crate::domain::{BestClient, BestProfession, PaymentRange, PayoutRequestTotal};
use crate::error::Error;
use crate::money::{Currency, Minor};

/// What a paid job counts for in the reports: its price less what was
/// refunded of it.
const EARNED: &str = r#"("jobs"."price" - "jobs"."refunded")"#;

/// The contractor profession that earned most in `range`; ties go to the
/// profession first in byte order. `None` when no job was paid then.
pub async fn best_profession<C: ConnectionTrait>(
    db: &C,
    range: PaymentRange,
    currency: &Currency,
) -> Result<Option<BestProfession>, Error> {
    let sum = saturating_sum(db.get_database_backend(), EARNED);
    let best: Option<(String, i64)> = job::Entity::find()
        .select_only()
        .column(profile::Column::Profession)
        .column_as(Expr::cust(sum), "earned")
        .join(JoinType::InnerJoin, job::Relation::Contract.def())
        .join(JoinType::InnerJoin, contract::Relation::Contractor.def())
        .filter(job::Column::Paid.eq(true))
        .filter(job::Column::PaymentTime.between(range.start, range.end))
        .filter(job::Column::CurrencyCode.eq(currency.code.clone()))
        .group_by(profile::Column::Profession)
        .order_by(Expr::col(Alias::new("earned")), Order::Desc)
        .order_by_asc(profile::Column::Profession)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(best.map(|(profession, earned)| BestProfession {
        profession,
        earned: currency.money(Minor::new(earned)),
    }))
}

/// Clients by total paid in `range`, descending, ties by id; at most
/// `limit`.
pub async fn best_clients<C: ConnectionTrait>(
    db: &C,
    range: PaymentRange,
    currency: &Currency,
    limit: u64,
) -> Result<Vec<BestClient>, Error> {
    let sum = saturating_sum(db.get_database_backend(), EARNED);
    let rows: Vec<(i64, String, String, i64)> = job::Entity::find()
        .select_only()
        .column(profile::Column::Id)
        .column(profile::Column::FirstName)
        .column(profile::Column::LastName)
        .column_as(Expr::cust(sum), "paid_total")
        .join(JoinType::InnerJoin, job::Relation::Contract.def())
        .join(JoinType::InnerJoin, contract::Relation::Client.def())
        .filter(job::Column::Paid.eq(true))
        .filter(job::Column::PaymentTime.between(range.start, range.end))
        .filter(job::Column::CurrencyCode.eq(currency.code.clone()))
        .group_by(profile::Column::Id)
        .group_by(profile::Column::FirstName)
        .group_by(profile::Column::LastName)
        .order_by(Expr::col(Alias::new("paid_total")), Order::Desc)
        .order_by_asc(profile::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, first_name, last_name, paid)| BestClient {
            id,
            full_name: format!("{first_name} {last_name}"),
            paid: currency.money(Minor::new(paid)),
        })
        .collect())
}

/// Per profile with requested payouts in `currency`, after the keyset's
/// profile id: their amounts added up and counted, by profile id.
pub async fn payout_request_totals<C: ConnectionTrait>(
    db: &C,
    currency: &Currency,
    keyset: Keyset,
) -> Result<Vec<PayoutRequestTotal>, Error> {
    let sum = saturating_sum(db.get_database_backend(), "\"payouts\".\"amount\"");
    let to_profile: RelationDef = payout::Entity::belongs_to(profile::Entity)
        .from(payout::Column::ProfileId)
        .to(profile::Column::Id)
        .into();
    let mut query = payout::Entity::find()
        .select_only()
        .column(payout::Column::ProfileId)
        .column(profile::Column::FirstName)
        .column(profile::Column::LastName)
        .column_as(Expr::cust(sum), "amount_total")
        .column_as(payout::Column::Id.count(), "payout_count")
        .join(JoinType::InnerJoin, to_profile)
        .filter(payout::Column::State.eq(payout::PayoutState::Requested))
        .filter(payout::Column::CurrencyCode.eq(currency.code.as_str()));
    if let Some(after) = keyset.after {
        query = query.filter(payout::Column::ProfileId.gt(after));
    }
    let rows: Vec<(i64, String, String, i64, i64)> = query
        .group_by(payout::Column::ProfileId)
        .group_by(profile::Column::FirstName)
        .group_by(profile::Column::LastName)
        .order_by_asc(payout::Column::ProfileId)
        .limit(keyset.limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(profile_id, first_name, last_name, amount, payout_count)| PayoutRequestTotal {
                profile_id,
                full_name: format!("{first_name} {last_name}"),
                amount: currency.money(Minor::new(amount)),
                payout_count,
            },
        )
        .collect())
}
