//! Exact money: integer minor units inside, decimal strings outside.
//!
//! A [`Currency`] is a code and a precision (decimals of its minor unit, 0
//! to 12). [`Minor`] is an amount in minor units of some currency (cents of
//! USD, satoshis of BTC); [`Money`] is a `Minor` with its currency, which is
//! what the domain hands out and what prints as a decimal string with
//! exactly the currency's precision. Requests carry amounts as strings
//! matching `^[0-9]+(\.[0-9]+)?$` with at most `precision` decimals, or more
//! when the caller asks for [`Rounding::HalfAwayFromZero`]. No float is ever
//! involved: parsing goes through `rust_decimal`'s exact decimal, arithmetic
//! is checked `i64`.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An amount in minor units. May be negative only as an intermediate value;
/// balances and amounts stored are never negative.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Minor(i64);

impl Minor {
    pub const ZERO: Minor = Minor(0);

    pub const fn new(units: i64) -> Self {
        Minor(units)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Minor) -> Option<Minor> {
        self.0.checked_add(other.0).map(Minor)
    }

    pub fn checked_sub(self, other: Minor) -> Option<Minor> {
        self.0.checked_sub(other.0).map(Minor)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// The amount as an exact decimal string with `precision` decimals.
    pub fn format(self, precision: u8) -> String {
        Decimal::new(self.0, u32::from(precision)).to_string()
    }
}

/// The largest precision a currency may have.
pub const MAX_PRECISION: u8 = 12;

/// A currency: upper-case code and precision. Currencies never change once
/// created, so a `Currency` value is always current.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Currency {
    pub code: String,
    pub precision: u8,
}

/// How to treat more decimals than the currency has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rounding {
    /// Extra decimals are refused.
    #[default]
    Exact,
    /// Round to the currency's precision, halves away from zero.
    HalfAwayFromZero,
}

/// Why a money string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// Not of the form `123` or `123.45`.
    Malformed,
    /// More decimals than the currency's precision, without rounding.
    TooManyDecimals { code: String, precision: u8 },
    /// More minor units than an `i64` holds.
    OutOfRange { code: String, max: String },
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::Malformed => f.write_str(
                "must be a decimal number like \"150\" or \"150.25\" \
                 (digits, optionally a dot and more digits; no sign, exponent or spaces)",
            ),
            MoneyError::TooManyDecimals { code, precision: 0 } => {
                write!(f, "must be a whole number: {code} has no decimals")
            }
            MoneyError::TooManyDecimals { code, precision } => write!(
                f,
                "has more than {precision} decimals, the precision of {code}"
            ),
            MoneyError::OutOfRange { code, max } => {
                write!(f, "is too large: at most {max} {code}")
            }
        }
    }
}

impl Currency {
    pub fn new(code: impl Into<String>, precision: u8) -> Self {
        Currency {
            code: code.into(),
            precision,
        }
    }

    /// The platform's historical currency, the default `--default-currency`.
    pub fn usd() -> Self {
        Currency::new("USD", 2)
    }

    /// `amount` of this currency.
    pub fn money(&self, amount: Minor) -> Money {
        Money {
            currency_code: self.code.clone(),
            precision: self.precision,
            minor_units: amount,
        }
    }

    /// Parses a request amount into minor units. Without rounding, more
    /// decimals than the precision are refused rather than rounded.
    pub fn parse_amount(&self, text: &str, rounding: Rounding) -> Result<Minor, MoneyError> {
        let (units, fraction) = match text.split_once('.') {
            Some((units, fraction)) => (units, fraction),
            None => (text, ""),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(units) || (text.contains('.') && !all_digits(fraction)) {
            return Err(MoneyError::Malformed);
        }
        let out_of_range = || MoneyError::OutOfRange {
            code: self.code.clone(),
            max: Minor(i64::MAX).format(self.precision),
        };
        let precision = u32::from(self.precision);
        if fraction.len() > precision as usize && rounding == Rounding::Exact {
            return Err(MoneyError::TooManyDecimals {
                code: self.code.clone(),
                precision: self.precision,
            });
        }
        // Leading zeros carry no value; dropping them keeps long but exact
        // inputs ("0001.5") within Decimal's 28 digits.
        let units = units.trim_start_matches('0');
        // Rounding needs only one digit past the precision, plus whether
        // anything non-zero follows (which never changes a half-away-from-
        // zero result here: a tail after the first dropped digit only
        // matters for exact halves, and "5" then anything rounds up too).
        let kept = fraction.len().min(precision as usize + 1);
        let canonical = format!(
            "{}.{}",
            if units.is_empty() { "0" } else { units },
            &fraction[..kept]
        );
        let canonical = canonical.trim_end_matches('.');
        let value = Decimal::from_str_exact(canonical).map_err(|_| out_of_range())?;
        let value = value.round_dp_with_strategy(precision, RoundingStrategy::MidpointAwayFromZero);
        let scaled = value
            .checked_mul(Decimal::from(10_i64.pow(precision)))
            .ok_or_else(out_of_range)?;
        i64::try_from(scaled).map(Minor).map_err(|_| out_of_range())
    }
}

/// An amount with its currency: prints with exactly the currency's
/// precision (`"201.00"`, `"0.50000000"`, `"100"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub currency_code: String,
    pub precision: u8,
    pub minor_units: Minor,
}

impl Money {
    pub fn amount(&self) -> Minor {
        self.minor_units
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.minor_units.format(self.precision))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(text: &str) -> Result<Minor, MoneyError> {
        Currency::usd().parse_amount(text, Rounding::Exact)
    }

    #[test]
    fn parses_the_accepted_forms_exactly() {
        assert_eq!(usd("0"), Ok(Minor(0)));
        assert_eq!(usd("201"), Ok(Minor(20100)));
        assert_eq!(usd("201.5"), Ok(Minor(20150)));
        assert_eq!(usd("201.05"), Ok(Minor(20105)));
        assert_eq!(usd("007.10"), Ok(Minor(710)));
        assert_eq!(usd("92233720368547758.07"), Ok(Minor(i64::MAX)));
        let btc = Currency::new("BTC", 8);
        assert_eq!(
            btc.parse_amount("0.00000001", Rounding::Exact),
            Ok(Minor(1))
        );
        assert_eq!(
            btc.parse_amount("1.5", Rounding::Exact),
            Ok(Minor(150_000_000))
        );
        let whole = Currency::new("JPY", 0);
        assert_eq!(whole.parse_amount("100", Rounding::Exact), Ok(Minor(100)));
        assert!(whole.parse_amount("100.0", Rounding::Exact).is_err());
        assert!(usd("1.230").is_err());
        let fine = Currency::new("FINE", 12);
        assert_eq!(
            fine.parse_amount("0.000000000001", Rounding::Exact),
            Ok(Minor(1))
        );
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "", " 1", "1 ", "-1", "+1", "1e2", "1.", ".5", "1,00", "NaN", "1.2.3", "١", "0x10",
            "1_000",
        ] {
            assert_eq!(usd(bad), Err(MoneyError::Malformed), "{bad:?}");
        }
        assert!(matches!(
            usd("1.234"),
            Err(MoneyError::TooManyDecimals { precision: 2, .. })
        ));
        assert!(matches!(
            Currency::new("JPY", 0).parse_amount("1.5", Rounding::Exact),
            Err(MoneyError::TooManyDecimals { precision: 0, .. })
        ));
        assert!(matches!(
            usd("92233720368547758.08"),
            Err(MoneyError::OutOfRange { .. })
        ));
        assert!(matches!(
            usd("99999999999999999999999999999999999"),
            Err(MoneyError::OutOfRange { .. })
        ));
        assert!(matches!(
            Currency::new("FINE", 12).parse_amount("10000000", Rounding::Exact),
            Err(MoneyError::OutOfRange { .. })
        ));
    }

    #[test]
    fn rounds_half_away_from_zero_when_asked() {
        let round = |text: &str| {
            Currency::usd()
                .parse_amount(text, Rounding::HalfAwayFromZero)
                .unwrap()
        };
        assert_eq!(round("100.111"), Minor(10011));
        assert_eq!(round("100.115"), Minor(10012));
        assert_eq!(round("100.114999999999999999999999999999"), Minor(10011));
        assert_eq!(round("0.004"), Minor(0));
        assert_eq!(round("0.005"), Minor(1));
        assert_eq!(
            Currency::new("JPY", 0)
                .parse_amount("2.5", Rounding::HalfAwayFromZero)
                .unwrap(),
            Minor(3)
        );
    }

    #[test]
    fn formats_with_the_currency_precision() {
        assert_eq!(Currency::usd().money(Minor(20100)).to_string(), "201.00");
        assert_eq!(Currency::usd().money(Minor(5)).to_string(), "0.05");
        assert_eq!(
            Currency::new("BTC", 8).money(Minor(50_000_000)).to_string(),
            "0.50000000"
        );
        assert_eq!(Currency::new("JPY", 0).money(Minor(100)).to_string(), "100");
        assert_eq!(Minor(-310).format(2), "-3.10");
        assert_eq!(Minor(i64::MAX).format(2), "92233720368547758.07");
        assert_eq!(Minor(i64::MIN).format(12), "-9223372.036854775808");
    }
}
