//! AIP-158 pagination: `page_size` / `page_token` in, `next_page_token` out.
//!
//! Lists are keyset-paginated by id: a token names the list it belongs to and
//! the last id returned, so a page is one indexed range scan however deep.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, Select,
};

use crate::error::Error;

const DEFAULT_PAGE_SIZE: u64 = 50;
const MAX_PAGE_SIZE: u64 = 1000;

/// One page to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Which list: tokens of one list are refused by another.
    list: &'static str,
    /// Items in the page.
    pub size: u64,
    /// The last id of the previous page, if any.
    pub after: Option<i64>,
}

/// A list's order: by id, ascending or newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdOrder {
    Ascending,
    Descending,
}

impl PageRequest {
    /// `page_size` 0 means 50, above 1000 means 1000, negative is refused;
    /// `page_token` must be one this list handed out.
    pub fn parse(list: &'static str, page_size: i32, page_token: &str) -> Result<Self, Error> {
        let size = match page_size {
            0 => DEFAULT_PAGE_SIZE,
            n if n < 0 => return Err(Error::invalid("page_size", "may not be negative")),
            n => (n as u64).min(MAX_PAGE_SIZE),
        };
        let after = if page_token.is_empty() {
            None
        } else {
            Some(decode(list, page_token).ok_or_else(|| {
                Error::invalid(
                    "page_token",
                    "is not a next_page_token of this list; start again with an empty token",
                )
            })?)
        };
        Ok(PageRequest { list, size, after })
    }

    /// Fetches the page of `query` (already filtered to the caller's rows)
    /// and the token of the next page: one indexed query.
    pub async fn fetch<E, C>(
        &self,
        db: &C,
        query: Select<E>,
        id: E::Column,
        order: IdOrder,
        id_of: impl Fn(&E::Model) -> i64,
    ) -> Result<(Vec<E::Model>, String), Error>
    where
        E: EntityTrait,
        C: ConnectionTrait,
    {
        let query = match (self.after, order) {
            (Some(after), IdOrder::Ascending) => query.filter(id.gt(after)),
            (Some(before), IdOrder::Descending) => query.filter(id.lt(before)),
            (None, _) => query,
        };
        let direction = match order {
            IdOrder::Ascending => Order::Asc,
            IdOrder::Descending => Order::Desc,
        };
        let mut rows = query
            .order_by(sort_key(id), direction)
            .limit(self.fetch_limit())
            .all(db)
            .await?;
        let next_page_token = self.finish(&mut rows, id_of);
        Ok((rows, next_page_token))
    }

    /// Rows to ask the database for: one more than the page, to learn
    /// whether another page follows.
    pub fn fetch_limit(&self) -> u64 {
        self.size + 1
    }

    /// Cuts `rows` (fetched with `fetch_limit`) to the page and returns the
    /// token of the next page, empty on the last.
    pub fn finish<T>(&self, rows: &mut Vec<T>, id: impl Fn(&T) -> i64) -> String {
        if rows.len() as u64 > self.size {
            rows.truncate(self.size as usize);
            rows.last()
                .map(|last| encode(self.list, id(last)))
                .unwrap_or_default()
        } else {
            String::new()
        }
    }
}

/// The id as an expression: a caller's rows are then found through the
/// party indexes and sorted, whereas ordering by the bare column lets
/// PostgreSQL walk the whole primary key filtering for the caller's few rows,
/// which grows with the table.
fn sort_key<C: ColumnTrait>(id: C) -> SimpleExpr {
    use sea_orm::sea_query::ExprTrait;
    id.into_expr().add(0)
}

fn encode(list: &str, last_id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}:{last_id}"))
}

fn decode(list: &str, token: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (token_list, id) = text.split_once(':')?;
    let id: i64 = id.parse().ok()?;
    (token_list == list && id > 0).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes() {
        assert_eq!(PageRequest::parse("x", 0, "").unwrap().size, 50);
        assert_eq!(PageRequest::parse("x", 7, "").unwrap().size, 7);
        assert_eq!(PageRequest::parse("x", 5000, "").unwrap().size, 1000);
        assert!(PageRequest::parse("x", -1, "").is_err());
    }

    #[test]
    fn tokens_round_trip_and_belong_to_their_list() {
        let page = PageRequest::parse("contracts", 2, "").unwrap();
        let mut rows = vec![1, 2, 3];
        let token = page.finish(&mut rows, |r| *r);
        assert_eq!(rows, vec![1, 2]);
        assert_eq!(
            PageRequest::parse("contracts", 2, &token).unwrap().after,
            Some(2)
        );
        assert!(PageRequest::parse("jobs", 2, &token).is_err());
        assert!(PageRequest::parse("contracts", 2, "garbage!").is_err());
        let mut last = vec![1, 2];
        assert_eq!(page.finish(&mut last, |r| *r), "");
    }
}
