//! The statement of one profile's currency over a period, as
//! BalanceService (the caller's own) and AdminService (any profile's)
//! answer it.

use super::AppState;
use super::pagination::PageRequest;
use crate::domain::{PaymentRange, StatementPage};
use crate::error::Error;
use crate::money::Currency;
use crate::proto::pb;
use crate::store::lists::statements;

/// The list name in page tokens.
pub(super) const LIST: &str = "statement";

/// One page of `profile_id`'s statement; the period's figures come with
/// the first page only (see `pb::Statement`), so that paging through a long
/// period never sums it more than once.
pub(super) async fn statement_page(
    state: &AppState,
    profile_id: i64,
    currency: Currency,
    period: PaymentRange,
    page: PageRequest,
) -> Result<pb::Statement, Error> {
    let db = state.store.reads();
    let after = match page.after {
        None => None,
        Some(id) => Some(
            statements::entry_position(db, profile_id, &currency.code, id)
                .await?
                .ok_or_else(|| {
                    Error::invalid(
                        "page_token",
                        "is not a next_page_token of this statement; start again with an empty token",
                    )
                })?,
        ),
    };
    let figures = match after {
        None => Some(statements::statement_figures(db, profile_id, &currency, period).await?),
        Some(_) => None,
    };
    let mut entries = statements::statement_entries(
        db,
        profile_id,
        &currency,
        period,
        after,
        page.keyset().limit,
    )
    .await?;
    let next_page_token = page.finish(&mut entries, |entry| entry.id);
    let mut statement = pb::Statement::from(StatementPage {
        profile_id,
        currency,
        period,
        figures,
        entries,
    });
    statement.next_page_token = next_page_token;
    Ok(statement)
}
