//! Balances at an instant and statements over a period, read from the
//! ledger's `*_balance_after` through the point-in-time indexes on
//! (profile side, currency, created_at, id) (migration
//! `m20261204_000008_point_in_time`).
//!
//! Entries are ordered by (created_at, id): `created_at` is what callers
//! ask about, `id` orders the entries of one batch (which share its
//! instant) as they were decided. Each side of an entry (debit, credit) has
//! its index, so every read here is one seek per side into an ordered
//! range: O(log n) for a balance, O(log n + page) for a page, whatever the
//! profile's history.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};

use crate::currencies::Currencies;
use crate::domain::{EntryPosition, LedgerEntry, PaymentRange, ProfileBalances, StatementFigures};
use crate::error::Error;
use crate::money::{Currency, Minor, Money};
use crate::store::entities::ledger_entry::{self, Column};
use crate::store::saturating_sum;

/// Which side of an entry a profile is on, with its columns.
#[derive(Debug, Clone, Copy)]
enum Side {
    Debit,
    Credit,
}

impl Side {
    fn profile(self) -> Column {
        match self {
            Side::Debit => Column::DebitProfileId,
            Side::Credit => Column::CreditProfileId,
        }
    }

    fn balance_after(self) -> Column {
        match self {
            Side::Debit => Column::DebitBalanceAfter,
            Side::Credit => Column::CreditBalanceAfter,
        }
    }
}

/// `profile_id`'s balance in `currency` right after its last entry at or
/// before `at`; zero before its first.
pub async fn balance_at<C: ConnectionTrait>(
    db: &C,
    profile_id: i64,
    currency: &Currency,
    at: DateTime<Utc>,
) -> Result<Money, Error> {
    // The newest entry of each side (one index seek each), then the newer
    // of the two: one statement.
    let newest = |side: Side| {
        let mut newest = Query::select();
        newest
            .expr_as(Expr::col(Column::CreatedAt), Alias::new("created_at"))
            .expr_as(Expr::col(Column::Id), Alias::new("id"))
            .expr_as(Expr::col(side.balance_after()), Alias::new("balance_after"))
            .from(ledger_entry::Entity)
            .and_where(Expr::col(side.profile()).eq(profile_id))
            .and_where(Expr::col(Column::CurrencyCode).eq(currency.code.as_str()))
            .and_where(Expr::col(Column::CreatedAt).lte(at))
            .order_by(Column::CreatedAt, Order::Desc)
            .order_by(Column::Id, Order::Desc)
            .limit(1);
        wrapped(newest, "side")
    };
    let mut sides = newest(Side::Debit);
    sides.union(UnionType::All, newest(Side::Credit));
    let mut query = Query::select();
    query
        .column(Alias::new("balance_after"))
        .from_subquery(sides, Alias::new("sides"))
        .order_by(Alias::new("created_at"), Order::Desc)
        .order_by(Alias::new("id"), Order::Desc)
        .limit(1);
    let backend = db.get_database_backend();
    let balance = match db.query_one_raw(backend.build(&query)).await? {
        None => Minor::ZERO,
        Some(row) => {
            let after: Option<i64> = row.try_get("", "balance_after")?;
            Minor::new(after.ok_or_else(|| {
                Error::Internal(format!(
                    "an entry of profile {profile_id} has no balance after it"
                ))
            })?)
        }
    };
    Ok(currency.money(balance))
}

/// `SELECT * FROM (query) AS alias`: SQLite takes ORDER BY and LIMIT in a
/// compound select's members only inside a subquery.
fn wrapped(query: SelectStatement, alias: &str) -> SelectStatement {
    Query::select()
        .column(Asterisk)
        .from_subquery(query, Alias::new(alias))
        .to_owned()
}

/// Each balance of `profile` (every currency held plus the platform
/// currency, by code) as it stood at `at`: one lookup per currency.
pub async fn balances_at<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    profile: ProfileBalances,
    at: DateTime<Utc>,
) -> Result<Vec<Money>, Error> {
    let mut balances = Vec::with_capacity(profile.balances.len());
    for current in &profile.balances {
        let currency = currencies.known(current.currency_code()).await?;
        balances.push(balance_at(db, profile.profile.id, &currency, at).await?);
    }
    Ok(balances)
}

/// The figures of `profile_id`'s statement of `currency` over `period`:
/// opening and closing from two point-in-time lookups, credits and debits
/// each one range sum on its side's index.
pub async fn statement_figures<C: ConnectionTrait>(
    db: &C,
    profile_id: i64,
    currency: &Currency,
    period: PaymentRange,
) -> Result<StatementFigures, Error> {
    // Stored instants have microsecond precision: the last one before the
    // period is a microsecond before its start.
    let before_start = period.start - Duration::microseconds(1);
    let opening = balance_at(db, profile_id, currency, before_start).await?;
    let closing = balance_at(db, profile_id, currency, period.end).await?;
    let backend = db.get_database_backend();
    let mut sums = [Minor::ZERO; 2];
    for (sum, side) in sums.iter_mut().zip([Side::Credit, Side::Debit]) {
        let total: Option<i64> = ledger_entry::Entity::find()
            .select_only()
            .column_as(Expr::cust(saturating_sum(backend, "amount")), "total")
            .filter(side.profile().eq(profile_id))
            .filter(Column::CurrencyCode.eq(currency.code.as_str()))
            .filter(Column::CreatedAt.between(period.start, period.end))
            .into_tuple()
            .one(db)
            .await?;
        *sum = Minor::new(total.unwrap_or(0));
    }
    let [credits, debits] = sums;
    Ok(StatementFigures {
        opening: opening.amount(),
        closing: closing.amount(),
        credits,
        debits,
    })
}

/// Where entry `id` stands, if it is one of `profile_id`'s in
/// `currency_code` (a page token names the last entry of its page; an entry
/// of someone else's is no position in this statement).
pub async fn entry_position<C: ConnectionTrait>(
    db: &C,
    profile_id: i64,
    currency_code: &str,
    id: i64,
) -> Result<Option<EntryPosition>, Error> {
    let row: Option<(DateTime<Utc>, i64)> = ledger_entry::Entity::find_by_id(id)
        .select_only()
        .column(Column::CreatedAt)
        .column(Column::Id)
        .filter(
            sea_orm::Condition::any()
                .add(Column::DebitProfileId.eq(profile_id))
                .add(Column::CreditProfileId.eq(profile_id)),
        )
        .filter(Column::CurrencyCode.eq(currency_code))
        .into_tuple()
        .one(db)
        .await?;
    Ok(row.map(|(create_time, id)| EntryPosition { create_time, id }))
}

/// The first `limit` of `profile_id`'s entries in `currency` within
/// `period` that come after `after` (from the start when `None`), oldest
/// first: each side's index read in order from the position, the two
/// merged.
pub async fn statement_entries<C: ConnectionTrait>(
    db: &C,
    profile_id: i64,
    currency: &Currency,
    period: PaymentRange,
    after: Option<EntryPosition>,
    limit: u64,
) -> Result<Vec<LedgerEntry>, Error> {
    let page_of = |side: Side| {
        let mut page = Query::select();
        page.column(Asterisk)
            .from(ledger_entry::Entity)
            .and_where(Expr::col(side.profile()).eq(profile_id))
            .and_where(Expr::col(Column::CurrencyCode).eq(currency.code.as_str()))
            .and_where(Expr::col(Column::CreatedAt).between(period.start, period.end));
        if let Some(position) = after {
            // A row comparison: both backends seek the index to it.
            page.and_where(
                Expr::tuple([Expr::col(Column::CreatedAt), Expr::col(Column::Id)]).gt(Expr::tuple(
                    [Expr::val(position.create_time), Expr::val(position.id)],
                )),
            );
        }
        page.order_by(Column::CreatedAt, Order::Asc)
            .order_by(Column::Id, Order::Asc)
            .limit(limit);
        wrapped(page, "side")
    };
    let mut sides = page_of(Side::Debit);
    // DISTINCT: an entry with the profile on both sides is listed once.
    sides.union(UnionType::Distinct, page_of(Side::Credit));
    let mut query = Query::select();
    query
        .column(Asterisk)
        .from_subquery(sides, Alias::new("sides"))
        .order_by(Alias::new("created_at"), Order::Asc)
        .order_by(Alias::new("id"), Order::Asc)
        .limit(limit);
    let backend = db.get_database_backend();
    let rows = db.query_all_raw(backend.build(&query)).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let model = ledger_entry::Model::from_query_result(&row, "")?;
        entries.push(LedgerEntry::new(model, currency));
    }
    Ok(entries)
}
