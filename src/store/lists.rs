//! The lists handlers page through, keyset-paginated by id: each takes the
//! caller's filter as domain values and a [`Keyset`], and answers one
//! indexed range scan of domain values however deep the page.

use sea_orm::sea_query::{ExprTrait, JoinType, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Select,
};

pub mod statements;

use super::entities::{contract, feed_item, job, ledger_entry, loan, payout, profile};
use super::{profiles, queries};
use crate::currencies::Currencies;
use crate::domain::{
    Contract, FeedItem, FeedItemState, Job, LedgerEntry, Loan, Payout, ProfileBalances,
};
use crate::error::Error;

/// Where a page starts and how many rows to read: `limit` is the page size
/// plus one, so the caller learns whether another page follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    /// The last key of the previous page, if any.
    pub after: Option<i64>,
    pub limit: u64,
}

/// A list's order: by id, ascending or newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdOrder {
    Ascending,
    Descending,
}

/// The page of `query` (already filtered to the caller's rows) that
/// follows `keyset`, ordered by `id`.
async fn page<E, C>(
    db: &C,
    query: Select<E>,
    id: E::Column,
    order: IdOrder,
    keyset: Keyset,
) -> Result<Vec<E::Model>, Error>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let query = match (keyset.after, order) {
        (Some(after), IdOrder::Ascending) => query.filter(id.gt(after)),
        (Some(before), IdOrder::Descending) => query.filter(id.lt(before)),
        (None, _) => query,
    };
    let direction = match order {
        IdOrder::Ascending => Order::Asc,
        IdOrder::Descending => Order::Desc,
    };
    Ok(query
        .order_by(sort_key(id), direction)
        .limit(keyset.limit)
        .all(db)
        .await?)
}

/// The id as an expression: a caller's rows are then found through the
/// party indexes and sorted, whereas ordering by the bare column lets
/// PostgreSQL walk the whole primary key filtering for the caller's few rows,
/// which grows with the table.
fn sort_key<C: ColumnTrait>(id: C) -> SimpleExpr {
    id.into_expr().add(0)
}

/// Contracts where `profile_id` is the client or the contractor.
pub(super) fn party_of(profile_id: i64) -> Condition {
    Condition::any()
        .add(contract::Column::ClientId.eq(profile_id))
        .add(contract::Column::ContractorId.eq(profile_id))
}

/// The caller's contracts that are not terminated, by id.
pub async fn open_contracts_of<C: ConnectionTrait>(
    db: &C,
    party: i64,
    keyset: Keyset,
) -> Result<Vec<Contract>, Error> {
    let query = contract::Entity::find()
        .filter(party_of(party))
        .filter(contract::Column::Status.ne(contract::ContractStatus::Terminated));
    let rows = page(db, query, contract::Column::Id, IdOrder::Ascending, keyset).await?;
    Ok(rows.into_iter().map(Contract::from).collect())
}

/// Unpaid jobs of the caller's contracts in progress, by id.
pub async fn unpaid_jobs_of<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    party: i64,
    keyset: Keyset,
) -> Result<Vec<Job>, Error> {
    let query = job::Entity::find()
        .join(JoinType::InnerJoin, job::Relation::Contract.def())
        .filter(party_of(party))
        .filter(contract::Column::Status.eq(contract::ContractStatus::InProgress))
        .filter(job::Column::Paid.eq(false));
    let rows = page(db, query, job::Column::Id, IdOrder::Ascending, keyset).await?;
    let mut jobs = Vec::with_capacity(rows.len());
    for model in rows {
        let currency = currencies.known(&model.currency_code).await?;
        jobs.push(Job::new(model, &currency));
    }
    Ok(jobs)
}

/// The entries on either side of which `profile_id` is, in one currency
/// or all, newest first.
pub async fn ledger_entries_of<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    profile_id: i64,
    currency_code: Option<&str>,
    keyset: Keyset,
) -> Result<Vec<LedgerEntry>, Error> {
    let mut query = ledger_entry::Entity::find().filter(
        Condition::any()
            .add(ledger_entry::Column::DebitProfileId.eq(profile_id))
            .add(ledger_entry::Column::CreditProfileId.eq(profile_id)),
    );
    if let Some(code) = currency_code {
        query = query.filter(ledger_entry::Column::CurrencyCode.eq(code));
    }
    let rows = page(
        db,
        query,
        ledger_entry::Column::Id,
        IdOrder::Descending,
        keyset,
    )
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for model in rows {
        let currency = currencies.known(&model.currency_code).await?;
        entries.push(LedgerEntry::new(model, &currency));
    }
    Ok(entries)
}

/// A profile's payouts, newest first.
pub async fn payouts_of<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    profile_id: i64,
    keyset: Keyset,
) -> Result<Vec<Payout>, Error> {
    let query = payout::Entity::find().filter(payout::Column::ProfileId.eq(profile_id));
    let rows = page(db, query, payout::Column::Id, IdOrder::Descending, keyset).await?;
    queries::payouts(currencies, rows).await
}

/// Loans, all or one borrower's, by id, with their payment counts.
pub async fn loans_of<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    borrower_id: Option<i64>,
    keyset: Keyset,
) -> Result<Vec<Loan>, Error> {
    let mut query = loan::Entity::find();
    if let Some(id) = borrower_id {
        query = query.filter(loan::Column::BorrowerId.eq(id));
    }
    let rows = page(db, query, loan::Column::Id, IdOrder::Ascending, keyset).await?;
    queries::with_payment_counts(db, currencies, rows).await
}

/// Every profile by id, with its balances.
pub async fn profiles<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    keyset: Keyset,
) -> Result<Vec<ProfileBalances>, Error> {
    let rows = page(
        db,
        profile::Entity::find(),
        profile::Column::Id,
        IdOrder::Ascending,
        keyset,
    )
    .await?;
    profiles::with_balances(db, currencies, rows.into_iter().map(Into::into).collect()).await
}

/// Feed items, all or in one state, by arrival.
pub async fn feed_items<C: ConnectionTrait>(
    db: &C,
    state: Option<FeedItemState>,
    keyset: Keyset,
) -> Result<Vec<FeedItem>, Error> {
    let query = super::feed::items(state.map(Into::into));
    let rows = page(
        db,
        query,
        feed_item::Column::Seq,
        IdOrder::Ascending,
        keyset,
    )
    .await?;
    Ok(rows.into_iter().map(FeedItem::from).collect())
}
