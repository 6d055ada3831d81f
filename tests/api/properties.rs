//! Property tests of the pure functions the library exports: money strings,
//! annual rates and installments, request ids and report ranges. They need
//! no server; each runs a modest number of cases so CI stays fast.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use jobpay::domain::PaymentRange;
use jobpay::error::Error;
use jobpay::ledger::RequestId;
use jobpay::loans::{AnnualRate, MAX_TERM_MONTHS, installment};
use jobpay::money::{Currency, MAX_PRECISION, Minor, Rounding};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Few enough cases for CI (256); a long run sets `PROPTEST_CASES`, e.g.
/// `PROPTEST_CASES=200000 cargo test --release --test api properties`. No
/// regression files are written into the tree: a failure found becomes an
/// example test of its own.
fn config() -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..Config::default()
    }
}

/// A JWT verifier (HS256) shared by the token properties.
fn verifier() -> &'static jobpay::auth::jwt::JwtVerifier {
    static VERIFIER: std::sync::OnceLock<jobpay::auth::jwt::JwtVerifier> =
        std::sync::OnceLock::new();
    VERIFIER.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("jobpay_prop_secret_{}", std::process::id()));
        std::fs::write(&path, b"0123456789abcdef0123456789abcdef-properties").unwrap();
        let verifier = jobpay::auth::jwt::JwtVerifier::new(&jobpay::auth::jwt::JwtSettings {
            secret_file: Some(path.clone()),
            ..Default::default()
        })
        .unwrap();
        std::fs::remove_file(path).ok();
        verifier
    })
}

/// Three base64url segments of arbitrary bytes: shaped like a JWT.
fn jwt_shaped() -> impl Strategy<Value = String> {
    use base64::Engine;
    let segment = proptest::collection::vec(any::<u8>(), 0..96)
        .prop_map(|b| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b));
    let header = prop_oneof![
        Just(r#"{"alg":"none"}"#.to_owned()),
        Just(r#"{"alg":"HS256","typ":"JWT"}"#.to_owned()),
        Just(r#"{"alg":"RS256"}"#.to_owned()),
        any::<String>(),
    ]
    .prop_map(|h| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h));
    (header, segment.clone(), segment).prop_map(|(h, p, s)| format!("{h}.{p}.{s}"))
}

fn currency(precision: u8) -> Currency {
    Currency::new("TST", precision)
}

/// The request shape `^[0-9]+(\.[0-9]+)?$`.
fn is_plain_decimal(text: &str) -> bool {
    let (units, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(units) && digits(fraction)
}

/// Strings shaped like RFC 3339 instants (many of them invalid).
const INSTANT_LIKE: &str = concat!(
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}",
    "(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})",
);

/// Strings close to amounts: digits, dots, signs, exponents, blanks,
/// non-ASCII digits and NUL.
fn amount_like() -> impl Strategy<Value = String> {
    "[0-9.+\\-eE \t\u{0}٣１_,]{0,40}"
}

/// A valid annual rate as text: 0 < rate <= 10 with at most 18 decimals.
fn valid_rate() -> impl Strategy<Value = (String, AnnualRate)> {
    (0u32..=10, "[0-9]{0,18}", "0{0,3}").prop_filter_map(
        "rate must be > 0 and <= 10",
        |(units, fraction, zeros)| {
            let text = if fraction.is_empty() {
                format!("{zeros}{units}")
            } else {
                format!("{zeros}{units}.{fraction}")
            };
            AnnualRate::parse(&text).ok().map(|rate| (text, rate))
        },
    )
}

/// The rate as `digits / 10^scale`, read back from its canonical text.
fn rate_parts(rate: &AnnualRate) -> (u128, u32) {
    let text = rate.to_text();
    let (units, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = format!("{units}{fraction}").parse().expect("rate digits");
    (digits, fraction.len() as u32)
}

fn is_invalid_argument_on(error: &Error, fields: &[&str]) -> bool {
    match error {
        Error::InvalidArgument(violations) => {
            !violations.is_empty()
                && violations
                    .iter()
                    .all(|v| fields.contains(&v.field.as_str()) && !v.description.is_empty())
        }
        _ => false,
    }
}

proptest! {
    #![proptest_config(config())]

    /// Formatting any amount at any precision and parsing it back is the
    /// identity, with or without rounding.
    #[test]
    fn amounts_round_trip(units in 0..=i64::MAX, precision in 0..=MAX_PRECISION) {
        let text = Minor::new(units).format(precision);
        prop_assert!(is_plain_decimal(&text), "{text:?}");
        let currency = currency(precision);
        prop_assert_eq!(currency.parse_amount(&text, Rounding::Exact), Ok(Minor::new(units)));
        prop_assert_eq!(
            currency.parse_amount(&text, Rounding::HalfAwayFromZero),
            Ok(Minor::new(units))
        );
    }

    /// Leading zeros change nothing.
    #[test]
    fn padding_changes_nothing(
        units in 0..=1_000_000_000i64,
        precision in 0..=MAX_PRECISION,
        zeros in 0usize..30,
    ) {
        let text = format!("{}{}", "0".repeat(zeros), Minor::new(units).format(precision));
        prop_assert_eq!(
            currency(precision).parse_amount(&text, Rounding::Exact),
            Ok(Minor::new(units))
        );
        if precision < MAX_PRECISION {
            // One decimal more than the currency has, even a zero, is
            // refused when exact and changes nothing when rounding.
            let longer = Minor::new(units.checked_mul(10).unwrap()).format(precision + 1);
            prop_assert!(
                currency(precision).parse_amount(&longer, Rounding::Exact).is_err(),
                "exact accepted {:?}", longer
            );
            prop_assert_eq!(
                currency(precision).parse_amount(&longer, Rounding::HalfAwayFromZero),
                Ok(Minor::new(units))
            );
        }
    }

    /// Any string: no panic, and anything accepted has the plain shape and
    /// formats back to the same value.
    #[test]
    fn any_string_parses_or_is_refused(
        text in prop_oneof![any::<String>(), amount_like()],
        precision in 0..=MAX_PRECISION,
    ) {
        for rounding in [Rounding::Exact, Rounding::HalfAwayFromZero] {
            if let Ok(amount) = currency(precision).parse_amount(&text, rounding) {
                prop_assert!(is_plain_decimal(&text), "accepted {text:?}");
                prop_assert!(amount.get() >= 0);
                let text = amount.format(precision);
                let again = currency(precision).parse_amount(&text, Rounding::Exact);
                prop_assert_eq!(again, Ok(amount));
            }
        }
    }

    /// A sign, an exponent or a blank anywhere in a valid amount makes it
    /// invalid, whatever the rounding.
    #[test]
    fn signs_exponents_and_blanks_are_refused(
        units in 0..=i64::MAX,
        precision in 0..=MAX_PRECISION,
        bad in prop::sample::select(vec!['+', '-', 'e', 'E', ' ', '\t', '\n', '\u{0}', '\u{a0}']),
        at in any::<prop::sample::Index>(),
    ) {
        let mut text: Vec<char> = Minor::new(units).format(precision).chars().collect();
        let at = at.index(text.len() + 1);
        text.insert(at, bad);
        let text: String = text.into_iter().collect();
        for rounding in [Rounding::Exact, Rounding::HalfAwayFromZero] {
            prop_assert!(
                currency(precision).parse_amount(&text, rounding).is_err(),
                "accepted {text:?}"
            );
        }
    }

    /// More decimals than the precision: refused when exact, rounded half
    /// away from zero on the first extra digit otherwise.
    #[test]
    fn rounding_only_drops_extra_decimals(
        units in 0..=1_000_000_000_000i64,
        extra in "[0-9]{1,20}",
        precision in 0..=MAX_PRECISION,
    ) {
        let currency = currency(precision);
        let exact = Minor::new(units).format(precision);
        let text = if precision == 0 {
            format!("{exact}.{extra}")
        } else {
            format!("{exact}{extra}")
        };
        prop_assert!(
            currency.parse_amount(&text, Rounding::Exact).is_err(),
            "exact accepted {text:?}"
        );
        let expected = if extra.as_bytes()[0] >= b'5' { units + 1 } else { units };
        prop_assert_eq!(
            currency.parse_amount(&text, Rounding::HalfAwayFromZero),
            Ok(Minor::new(expected)),
            "{}", text
        );
    }

    /// Rates: no panic on any string; an accepted rate is within (0, 10]
    /// and its canonical text parses to the same rate.
    #[test]
    fn rates_parse_or_are_refused(text in prop_oneof![any::<String>(), "[0-9.\\-+e ]{0,24}"]) {
        if let Ok(rate) = AnnualRate::parse(&text) {
            prop_assert!(is_plain_decimal(&text), "accepted {text:?}");
            let canonical = rate.to_text();
            prop_assert_eq!(AnnualRate::parse(&canonical), Ok(rate.clone()));
            let (digits, scale) = rate_parts(&rate);
            prop_assert!(digits > 0 && digits <= 10 * 10u128.pow(scale), "{canonical}");
        }
    }

    /// Installments never panic for any amount, term and valid rate, stay
    /// between amount / term and amount * (1 + rate / 12), and are Some
    /// whenever that bound fits in an i64.
    #[test]
    fn installments_are_bounded(
        amount in prop_oneof![0..=1_000_000_000i64, 0..=i64::MAX],
        months in 1..=MAX_TERM_MONTHS as u32,
        (text, rate) in valid_rate(),
    ) {
        let result = installment(Minor::new(amount), months, &rate);
        let (digits, scale) = rate_parts(&rate);
        let d = 12 * 10u128.pow(scale);
        if amount <= i64::MAX / 2 {
            prop_assert!(result.is_some(), "{amount} over {months} at {text}");
        }
        if let Some(value) = result {
            let value = u128::try_from(value.get()).expect("non-negative installment");
            let amount = amount as u128;
            prop_assert!(
                value >= amount / u128::from(months),
                "{value} < {amount} / {months} at {text}"
            );
            prop_assert!(
                value * d <= amount * (d + digits),
                "{value} > {amount} * (1 + {text} / 12)"
            );
        }
    }

    /// A larger amount never gives a smaller installment; a longer term
    /// never gives a larger one.
    #[test]
    fn installments_are_monotonic(
        a in 0..=i64::MAX / 2,
        b in 0..=i64::MAX / 2,
        m in 1..=MAX_TERM_MONTHS as u32,
        n in 1..=MAX_TERM_MONTHS as u32,
        (text, rate) in valid_rate(),
    ) {
        let (small, large) = (a.min(b), a.max(b));
        let (short, long) = (m.min(n), m.max(n));
        let at = |amount: i64, months: u32| {
            installment(Minor::new(amount), months, &rate).expect("fits")
        };
        prop_assert!(
            at(small, short) <= at(large, short),
            "amounts {small} {large}, {short} months at {text}"
        );
        prop_assert!(
            at(large, short) >= at(large, long),
            "{large} over {short} and {long} months at {text}"
        );
    }

    /// Request ids: no panic on any string; every spelling of a UUID is
    /// accepted as its canonical form; other text is INVALID_ARGUMENT on
    /// request_id.
    #[test]
    fn request_ids(bits in any::<u128>(), text in any::<String>()) {
        let uuid = uuid::Uuid::from_u128(bits);
        let canonical = uuid.hyphenated().to_string();
        for spelling in [
            canonical.clone(),
            canonical.to_uppercase(),
            uuid.simple().to_string(),
            uuid.braced().to_string(),
            uuid.urn().to_string(),
        ] {
            let id = RequestId::parse_optional(&spelling);
            prop_assert!(
                matches!(&id, Ok(Some(id)) if id.as_str() == canonical),
                "{spelling:?}: {id:?}"
            );
        }
        match RequestId::parse_optional(&text) {
            Ok(None) => prop_assert!(text.is_empty()),
            Ok(Some(id)) => prop_assert_eq!(
                id.as_str(),
                uuid::Uuid::try_parse(&text).expect("a uuid").hyphenated().to_string()
            ),
            Err(error) => prop_assert!(
                is_invalid_argument_on(&error, &["request_id"]),
                "{error:?}"
            ),
        }
    }

    /// Report ranges: no panic on any strings; when accepted, start <= end;
    /// refusals name start or end.
    #[test]
    fn payment_ranges_parse_or_are_refused(
        start in prop_oneof![
            any::<String>(),
            "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            INSTANT_LIKE,
        ],
        end in prop_oneof![
            any::<String>(),
            "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            INSTANT_LIKE,
        ],
    ) {
        match PaymentRange::parse(&start, &end) {
            Ok(range) => prop_assert!(range.start <= range.end, "{start:?} {end:?}: {range:?}"),
            Err(error) => prop_assert!(
                is_invalid_argument_on(&error, &["start", "end"]),
                "{start:?} {end:?}: {error:?}"
            ),
        }
    }

    /// Two valid dates in order cover whole days: from the first's midnight
    /// to the last microsecond of the second.
    #[test]
    fn date_ranges_cover_whole_days(a in 1i32..=3_652_058, b in 1i32..=3_652_058) {
        let day = |n: i32| NaiveDate::from_num_days_from_ce_opt(n).expect("a date in 1..=9999");
        let (first, last) = (day(a.min(b)), day(a.max(b)));
        let range = PaymentRange::parse(
            &first.format("%Y-%m-%d").to_string(),
            &last.format("%Y-%m-%d").to_string(),
        );
        prop_assert!(range.is_ok(), "{first} {last}: {range:?}");
        let range = range.unwrap();
        let midnight = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap());
        prop_assert_eq!(range.start, midnight(first));
        prop_assert_eq!(range.end, midnight(last) + Duration::days(1) - Duration::microseconds(1));
    }

    /// Whatever the token, verification answers (never panics) and refuses
    /// it as invalid: no forged header or payload gets a caller.
    #[test]
    fn tokens_that_were_not_signed_are_invalid(
        token in prop_oneof![any::<String>(), jwt_shaped()],
    ) {
        let mut metadata = tonic::metadata::MetadataMap::new();
        if let Ok(value) = format!("Bearer {token}").parse() {
            metadata.insert("authorization", value);
            let refused = verifier().caller(&metadata).unwrap_err();
            prop_assert_eq!(refused.reason(), "TOKEN_INVALID");
        }
    }
}
