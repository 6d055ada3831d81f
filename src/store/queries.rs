//! Named queries for currencies, balances, payouts and loans: the SQL
//! behind the handlers' and the registry's reads, so that neither builds
//! queries of its own. What a handler gets back is a domain value.

use std::collections::BTreeSet;

use sea_orm::sea_query::JoinType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};

use chrono::{DateTime, Utc};

use super::entities::loan_payment::{self, LoanPaymentStatus};
use super::entities::{balance, contract, currency, job, ledger_entry, loan, payout};
use super::lists::Keyset;
use crate::currencies::Currencies;
use crate::domain::{Balance, BalanceSummary, Loan, LoanPayment, LoanTerms, Payout};
use crate::error::Error;
use crate::money::Currency;

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
async fn balance_row<C: ConnectionTrait>(
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

/// A profile's money in one currency; zero when never held.
pub async fn balance_in<C: ConnectionTrait>(
    db: &C,
    profile_id: i64,
    currency: &Currency,
) -> Result<Balance, Error> {
    Ok(match balance_row(db, profile_id, &currency.code).await? {
        Some(row) => Balance::from_row(&row, currency),
        None => Balance::zero(currency),
    })
}

/// A profile's balance in one currency with its totals; zero when never
/// held.
pub async fn balance_summary<C: ConnectionTrait>(
    db: &C,
    profile_id: i64,
    currency: &Currency,
) -> Result<BalanceSummary, Error> {
    let row = balance_row(db, profile_id, &currency.code).await?;
    Ok(BalanceSummary::new(profile_id, currency, row.as_ref()))
}

/// A payout, if it exists and belongs to `profile_id` (any profile when
/// `None`).
pub async fn payout_of<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    id: i64,
    profile_id: Option<i64>,
) -> Result<Option<Payout>, Error> {
    let mut query = payout::Entity::find_by_id(id);
    if let Some(profile_id) = profile_id {
        query = query.filter(payout::Column::ProfileId.eq(profile_id));
    }
    let Some(model) = query.one(db).await? else {
        return Ok(None);
    };
    Ok(payouts(currencies, vec![model]).await?.pop())
}

/// Stored payouts as domain values, each in its currency.
pub(super) async fn payouts(
    currencies: &Currencies,
    rows: Vec<payout::Model>,
) -> Result<Vec<Payout>, Error> {
    let mut payouts = Vec::with_capacity(rows.len());
    for model in rows {
        let currency = currencies.known(&model.currency_code).await?;
        payouts.push(Payout::new(model, &currency));
    }
    Ok(payouts)
}

async fn loan_row<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<loan::Model>, Error> {
    Ok(loan::Entity::find_by_id(id).one(db).await?)
}

/// A loan with its payment counts, if it exists.
pub async fn loan<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    id: i64,
) -> Result<Option<Loan>, Error> {
    let Some(model) = loan_row(db, id).await? else {
        return Ok(None);
    };
    Ok(with_payment_counts(db, currencies, vec![model])
        .await?
        .pop())
}

/// What never changes about a loan, if it exists: one row read, no count.
pub async fn loan_terms<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    id: i64,
) -> Result<Option<LoanTerms>, Error> {
    let Some(model) = loan_row(db, id).await? else {
        return Ok(None);
    };
    let currency = currencies.known(&model.currency_code).await?;
    Ok(Some(LoanTerms::new(&model, &currency)))
}

/// Loans with their payment counts (one query for all).
pub(super) async fn with_payment_counts<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    models: Vec<loan::Model>,
) -> Result<Vec<Loan>, Error> {
    let ids: BTreeSet<i64> = models.iter().map(|l| l.id).collect();
    let counts = loan_payment_counts(db, ids).await?;
    let mut loans = Vec::with_capacity(models.len());
    for model in models {
        let currency = currencies.known(&model.currency_code).await?;
        let (made, missed) = counts.get(&model.id).copied().unwrap_or((0, 0));
        loans.push(Loan::new(model, &currency, made, missed));
    }
    Ok(loans)
}

/// Made and missed payments per loan, for these loans.
async fn loan_payment_counts<C: ConnectionTrait>(
    db: &C,
    loan_ids: BTreeSet<i64>,
) -> Result<std::collections::HashMap<i64, (i64, i64)>, Error> {
    use sea_orm::QuerySelect;
    let mut counts = std::collections::HashMap::new();
    if loan_ids.is_empty() {
        return Ok(counts);
    }
    let rows: Vec<(i64, LoanPaymentStatus, i64)> = loan_payment::Entity::find()
        .select_only()
        .column(loan_payment::Column::LoanId)
        .column(loan_payment::Column::Status)
        .column_as(loan_payment::Column::Id.count(), "payments")
        .filter(loan_payment::Column::LoanId.is_in(loan_ids))
        .group_by(loan_payment::Column::LoanId)
        .group_by(loan_payment::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (loan_id, status, n) in rows {
        let entry = counts.entry(loan_id).or_insert((0, 0));
        match status {
            LoanPaymentStatus::Made => entry.0 = n,
            LoanPaymentStatus::Missed => entry.1 = n,
        }
    }
    Ok(counts)
}

/// Payments of a loan made at or before `as_of`: one range count on the
/// (loan_id, status, payment_time) index.
pub async fn made_payments_as_of<C: ConnectionTrait>(
    db: &C,
    loan_id: i64,
    as_of: DateTime<Utc>,
) -> Result<i64, Error> {
    use sea_orm::PaginatorTrait;
    Ok(loan_payment::Entity::find()
        .filter(loan_payment::Column::LoanId.eq(loan_id))
        .filter(loan_payment::Column::Status.eq(LoanPaymentStatus::Made))
        .filter(loan_payment::Column::PaymentTime.lte(as_of))
        .count(db)
        .await? as i64)
}

/// A loan's payments by payment time (unique per loan: one per month),
/// in the loan's `currency`; the keyset's key is a payment time in
/// microseconds since the epoch.
pub async fn loan_payments_of<C: ConnectionTrait>(
    db: &C,
    loan_id: i64,
    currency: &Currency,
    keyset: Keyset,
) -> Result<Vec<LoanPayment>, Error> {
    use sea_orm::QuerySelect;
    let mut query = loan_payment::Entity::find().filter(loan_payment::Column::LoanId.eq(loan_id));
    if let Some(after) = keyset.after.and_then(DateTime::from_timestamp_micros) {
        query = query.filter(loan_payment::Column::PaymentTime.gt(after));
    }
    let rows = query
        .order_by_asc(loan_payment::Column::PaymentTime)
        .limit(keyset.limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| LoanPayment::new(row, currency))
        .collect())
}

/// The debt outstanding at `as_of` over the loans in `currency_code`
/// originated by then: (value in minor units, loans still owing). One
/// aggregate query: made payments counted per loan through the
/// point-in-time index, joined to the loans.
pub async fn outstanding_debt<C: ConnectionTrait>(
    db: &C,
    currency_code: &str,
    as_of: DateTime<Utc>,
) -> Result<(i128, i64), Error> {
    use sea_orm::{DbBackend, Statement};
    let backend = db.get_database_backend();
    let placeholder = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let debt = "(l.total_repayable - l.installment * COALESCE(p.made, 0))";
    let sql = format!(
        "SELECT CAST(COALESCE(SUM({debt}), 0) AS TEXT),
                COUNT(CASE WHEN {debt} > 0 THEN 1 END)
         FROM loans l
         LEFT JOIN (SELECT loan_id, COUNT(*) AS made FROM loan_payments
                    WHERE status = 'made' AND payment_time <= {p1}
                    GROUP BY loan_id) p ON p.loan_id = l.id
         WHERE l.currency_code = {p2} AND l.origination_time <= {p3}",
        p1 = placeholder(1),
        p2 = placeholder(2),
        p3 = placeholder(3),
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [as_of.into(), currency_code.into(), as_of.into()],
        ))
        .await?
        .ok_or_else(|| Error::Internal("outstanding debt returned no row".to_owned()))?;
    let value: String = row.try_get_by_index(0)?;
    let volume: i64 = row.try_get_by_index(1)?;
    let value = value
        .split('.')
        .next()
        .unwrap_or("0")
        .parse::<i128>()
        .map_err(|e| Error::Internal(format!("outstanding debt {value:?}: {e}")))?;
    Ok((value, volume))
}

/// Whether a profile has this `external_id`.
pub async fn external_id_taken<C: ConnectionTrait>(
    db: &C,
    external_id: &str,
) -> Result<bool, Error> {
    Ok(super::entities::profile::Entity::find()
        .filter(super::entities::profile::Column::ExternalId.eq(external_id))
        .one(db)
        .await?
        .is_some())
}

/// The currency of ledger entry `id`, if it exists. An entry's currency
/// never changes, so it may be read before the transaction that uses it.
pub async fn entry_currency<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    id: i64,
) -> Result<Option<Currency>, Error> {
    let code: Option<String> = ledger_entry::Entity::find_by_id(id)
        .select_only()
        .column(ledger_entry::Column::CurrencyCode)
        .into_tuple()
        .one(db)
        .await?;
    match code {
        Some(code) => Ok(Some(currencies.known(&code).await?)),
        None => Ok(None),
    }
}

/// The currency of job `id` (its contract's, which never changes), if it
/// exists and `party` is a party of its contract: to anyone else the job
/// does not exist.
pub async fn job_currency_for_party<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    id: i64,
    party: i64,
) -> Result<Option<Currency>, Error> {
    let code: Option<String> = job::Entity::find_by_id(id)
        .select_only()
        .column(job::Column::CurrencyCode)
        .join(JoinType::InnerJoin, job::Relation::Contract.def())
        .filter(
            Condition::any()
                .add(contract::Column::ClientId.eq(party))
                .add(contract::Column::ContractorId.eq(party)),
        )
        .into_tuple()
        .one(db)
        .await?;
    match code {
        Some(code) => Ok(Some(currencies.known(&code).await?)),
        None => Ok(None),
    }
}
