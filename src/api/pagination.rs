//! AIP-158 pagination: `page_size` / `page_token` in, `next_page_token` out.
//!
//! Lists are keyset-paginated by id: a token names the list it belongs to and
//! the last id returned, so a page is one indexed range scan however deep.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::Error;
use crate::store::lists::Keyset;

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

    /// Where the page starts and how many rows its list reads: the page
    /// and one more, to learn whether another page follows.
    pub fn keyset(&self) -> Keyset {
        Keyset {
            after: self.after,
            limit: self.size + 1,
        }
    }

    /// Cuts `rows` (fetched with [`PageRequest::keyset`]) to the page and returns the
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
