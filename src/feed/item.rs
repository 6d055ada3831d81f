//! One upstream item: from its raw JSON to what it asks jobpay to do, or
//! the reason it cannot apply. Amounts are read from the JSON number's own
//! text, never through a float.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::money::{Currency, Minor, Rounding};

/// Longest upstream id or user id kept; longer ones are refused.
pub const MAX_ID_LEN: usize = 200;
/// Longest text of a refused field kept for the record.
const MAX_KEPT_TEXT: usize = 64;

/// What an item asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Earned,
    Spent,
    Payout,
    PaidOut,
}

impl Effect {
    fn parse(text: &str) -> Option<Effect> {
        match text {
            "earned" => Some(Effect::Earned),
            "spent" => Some(Effect::Spent),
            "payout" => Some(Effect::Payout),
            "paid_out" => Some(Effect::PaidOut),
            _ => None,
        }
    }
}

/// An item as the upstream sent it, every field optional so that one bad
/// item is a rejection, not a malformed page.
#[derive(Debug, Deserialize)]
struct RawItem<'a> {
    #[serde(default, borrow)]
    id: Option<&'a RawValue>,
    #[serde(default, rename = "userId", borrow)]
    user_id: Option<&'a RawValue>,
    #[serde(default, rename = "createdAt", borrow)]
    created_at: Option<&'a RawValue>,
    #[serde(default, rename = "type", borrow)]
    kind: Option<&'a RawValue>,
    #[serde(default, borrow)]
    amount: Option<&'a RawValue>,
}

/// An item read: what is stored about it whatever happens, and either its
/// effect or why it cannot apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The upstream id (or, for an item without a usable one, a stand-in
    /// naming where it was: window, page and position).
    pub id: String,
    pub user_id: String,
    pub kind: String,
    /// The canonical amount when valid, else the upstream's text (cut).
    pub amount_text: String,
    pub created_at: Option<DateTime<Utc>>,
    pub outcome: Result<(Effect, Minor), &'static str>,
}

/// Reads one raw item; `stand_in_id` names it when its own id is unusable.
pub fn read(raw: &RawValue, currency: &Currency, stand_in_id: String) -> Item {
    // Only an object: serde would read an array positionally.
    let parsed: Option<RawItem<'_>> = raw
        .get()
        .trim_start()
        .starts_with('{')
        .then(|| serde_json::from_str(raw.get()).ok())
        .flatten();
    let Some(fields) = parsed else {
        return Item {
            id: stand_in_id,
            user_id: String::new(),
            kind: String::new(),
            amount_text: String::new(),
            created_at: None,
            outcome: Err("ITEM_MALFORMED"),
        };
    };
    let id = string(fields.id).filter(|id| valid_id(id));
    let user_id = string(fields.user_id);
    let kind = string(fields.kind).unwrap_or_default();
    let created_at = string(fields.created_at)
        .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
        .map(|t| t.with_timezone(&Utc));
    let amount = fields.amount.map(|raw| raw.get().trim().to_owned());
    let parsed_amount = amount
        .as_deref()
        .and_then(|text| parse_amount(text, currency));

    let outcome = if id.is_none() {
        Err("ID_INVALID")
    } else if !user_id.as_deref().is_some_and(valid_id) {
        Err("USER_ID_INVALID")
    } else if created_at.is_none() {
        Err("CREATED_AT_INVALID")
    } else {
        match (Effect::parse(&kind), parsed_amount) {
            (None, _) => Err("TYPE_UNKNOWN"),
            (Some(_), None) => Err("AMOUNT_INVALID"),
            (Some(effect), Some(minor)) => Ok((effect, minor)),
        }
    };
    Item {
        id: id.unwrap_or(stand_in_id),
        user_id: cut(user_id.unwrap_or_default(), MAX_ID_LEN),
        kind: cut(kind, MAX_KEPT_TEXT),
        amount_text: match parsed_amount {
            Some(minor) => minor.format(currency.precision),
            None => cut(amount.unwrap_or_default(), MAX_KEPT_TEXT),
        },
        created_at,
        outcome,
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && !id.chars().any(char::is_control)
}

/// A JSON string's value (numbers are accepted as their text: some
/// upstreams send numeric ids).
fn string(raw: Option<&RawValue>) -> Option<String> {
    let raw = raw?;
    match serde_json::from_str::<serde_json::Value>(raw.get()).ok()? {
        serde_json::Value::String(text) => Some(text),
        serde_json::Value::Number(_) => Some(raw.get().trim().to_owned()),
        _ => None,
    }
}

fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// A positive amount of `currency` from a JSON number's text (`12.5`,
/// `7`, `1.25e2`); more decimals than the currency has, a sign, zero, a
/// string or an out-of-range value are refused.
pub fn parse_amount(text: &str, currency: &Currency) -> Option<Minor> {
    let plain = plain_decimal(text)?;
    let minor = currency.parse_amount(&plain, Rounding::Exact).ok()?;
    minor.is_positive().then_some(minor)
}

/// The JSON number grammar without a sign, its exponent applied by moving
/// the decimal point: `1.25e2` → `125`, `5E-1` → `0.5`. Anything else
/// (strings, signs, leading zeros, huge exponents) is `None`.
fn plain_decimal(text: &str) -> Option<String> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (mantissa, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (int.len() > 1 && int.starts_with('0')) {
        return None;
    }
    if frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    let frac = frac.unwrap_or("");
    let shift: i64 = match exponent {
        None => 0,
        Some(e) => {
            let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
            if !digits(unsigned) || unsigned.len() > 3 {
                return None;
            }
            let value: i64 = unsigned.parse().ok()?;
            if e.starts_with('-') { -value } else { value }
        }
    };
    // All digits, and where the point goes among them.
    let all = format!("{int}{frac}");
    let point = int.len() as i64 + shift;
    if !(-40..=40).contains(&point) {
        return None;
    }
    let (whole, fraction) = if point <= 0 {
        (
            "0".to_owned(),
            format!("{}{all}", "0".repeat((-point) as usize)),
        )
    } else if point as usize >= all.len() {
        (
            format!("{all}{}", "0".repeat(point as usize - all.len())),
            String::new(),
        )
    } else {
        let (w, f) = all.split_at(point as usize);
        (w.to_owned(), f.to_owned())
    };
    let fraction = fraction.trim_end_matches('0');
    Some(if fraction.is_empty() {
        whole
    } else {
        format!("{whole}.{fraction}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::usd()
    }

    #[test]
    fn amounts_are_read_from_their_text() {
        let cents = |t: &str| parse_amount(t, &usd()).map(Minor::get);
        assert_eq!(cents("12.5"), Some(1250));
        assert_eq!(cents("7"), Some(700));
        assert_eq!(cents("0.01"), Some(1));
        assert_eq!(cents("1.25e2"), Some(12_500));
        assert_eq!(cents("125E-2"), Some(125));
        assert_eq!(cents("1.50"), Some(150));
        assert_eq!(cents("0.1e1"), Some(100));
        // 0.1 + 0.2 in a float is not 0.3; here it never is a float.
        assert_eq!(cents("0.30000000000000004"), None);
        for refused in [
            "0",
            "0.00",
            "-3",
            "+3",
            "12.345",
            "\"12.5\"",
            "1e400",
            "01",
            "1.",
            ".5",
            "",
            "NaN",
            "null",
            "true",
            "1e-400",
            "99999999999999999999",
        ] {
            assert_eq!(cents(refused), None, "{refused}");
        }
    }

    #[test]
    fn a_bad_field_is_a_reason_not_a_lost_item() {
        let raw = |json: &str| serde_json::from_str::<Box<RawValue>>(json).unwrap();
        let item = read(
            &raw(
                r#"{"id":"t1","userId":"u1","createdAt":"2026-11-27T10:00:00Z","type":"earned","amount":12.5}"#,
            ),
            &usd(),
            "stand-in".into(),
        );
        assert_eq!(item.outcome, Ok((Effect::Earned, Minor::new(1250))));
        assert_eq!(item.amount_text, "12.50");
        let item = read(
            &raw(
                r#"{"id":"t2","userId":"u1","createdAt":"2026-11-27T10:00:00Z","type":"gift","amount":1}"#,
            ),
            &usd(),
            "stand-in".into(),
        );
        assert_eq!(item.outcome, Err("TYPE_UNKNOWN"));
        let item = read(
            &raw(
                r#"{"id":"t3","userId":"u1","createdAt":"2026-11-27T10:00:00Z","type":"spent","amount":1.001}"#,
            ),
            &usd(),
            "stand-in".into(),
        );
        assert_eq!(item.outcome, Err("AMOUNT_INVALID"));
        assert_eq!(item.amount_text, "1.001");
        let item = read(&raw(r#"[1,2]"#), &usd(), "stand-in".into());
        assert_eq!(
            (item.id.as_str(), item.outcome),
            ("stand-in", Err("ITEM_MALFORMED"))
        );
        let item = read(&raw(r#"{"userId":"u"}"#), &usd(), "stand-in".into());
        assert_eq!(
            (item.id.as_str(), item.outcome),
            ("stand-in", Err("ID_INVALID"))
        );
    }
}
