//! Exact money: integer cents inside, decimal strings outside.
//!
//! `Cents` is the only money type the domain uses. Requests carry amounts as
//! strings matching `^[0-9]+(\.[0-9]{1,2})?$`; responses always carry exactly
//! two decimals. Arithmetic is checked: an overflow is an error, never a wrap.

use std::fmt;

use rust_decimal::Decimal;

/// An amount of money in minor units (cents). May be negative only as an
/// intermediate value; balances and amounts stored are never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(i64);

/// Why a money string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// Not of the form `123`, `123.4` or `123.45`.
    Malformed,
    /// More cents than an `i64` holds.
    OutOfRange,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::Malformed => f.write_str(
                "must be a decimal number with at most 2 decimals, like \"150\" or \"150.25\" \
                 (no sign, exponent or spaces)",
            ),
            MoneyError::OutOfRange => f.write_str("is too large (at most 92233720368547758.07)"),
        }
    }
}

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub const fn new(cents: i64) -> Self {
        Cents(cents)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    /// Parses a request amount: digits, optionally a dot and one or two
    /// digits. Anything else (sign, exponent, spaces, a third decimal) is
    /// refused rather than rounded.
    pub fn parse(text: &str) -> Result<Cents, MoneyError> {
        let (units, fraction) = match text.split_once('.') {
            Some((units, fraction)) => (units, Some(fraction)),
            None => (text, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(units) {
            return Err(MoneyError::Malformed);
        }
        if let Some(fraction) = fraction
            && (!all_digits(fraction) || fraction.len() > 2)
        {
            return Err(MoneyError::Malformed);
        }
        // Exact decimal arithmetic: the string is already validated, so the
        // only failure left is magnitude.
        let value = Decimal::from_str_exact(text).map_err(|_| MoneyError::OutOfRange)?;
        let cents = value
            .checked_mul(Decimal::ONE_HUNDRED)
            .ok_or(MoneyError::OutOfRange)?;
        i64::try_from(cents)
            .map(Cents)
            .map_err(|_| MoneyError::OutOfRange)
    }

    /// The amount as an exact decimal with two decimal places.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }

    pub fn checked_sub(self, other: Cents) -> Option<Cents> {
        self.0.checked_sub(other.0).map(Cents)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
}

/// Always exactly two decimals: `201.00`, `0.05`, `-3.10`.
impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_decimal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_accepted_forms_exactly() {
        assert_eq!(Cents::parse("0"), Ok(Cents(0)));
        assert_eq!(Cents::parse("201"), Ok(Cents(20100)));
        assert_eq!(Cents::parse("201.5"), Ok(Cents(20150)));
        assert_eq!(Cents::parse("201.05"), Ok(Cents(20105)));
        assert_eq!(Cents::parse("007.10"), Ok(Cents(710)));
        assert_eq!(Cents::parse("92233720368547758.07"), Ok(Cents(i64::MAX)));
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "", " 1", "1 ", "-1", "+1", "1e2", "1.", ".5", "1.234", "1,00", "NaN", "1.2.3", "١",
            "0x10", "1_000",
        ] {
            assert_eq!(Cents::parse(bad), Err(MoneyError::Malformed), "{bad:?}");
        }
        assert_eq!(
            Cents::parse("92233720368547758.08"),
            Err(MoneyError::OutOfRange)
        );
        assert_eq!(
            Cents::parse("99999999999999999999999999999999999"),
            Err(MoneyError::OutOfRange)
        );
    }

    #[test]
    fn formats_two_decimals() {
        assert_eq!(Cents(20100).to_string(), "201.00");
        assert_eq!(Cents(5).to_string(), "0.05");
        assert_eq!(Cents(0).to_string(), "0.00");
        assert_eq!(Cents(-310).to_string(), "-3.10");
        assert_eq!(Cents(i64::MAX).to_string(), "92233720368547758.07");
        assert_eq!(Cents(i64::MIN).to_string(), "-92233720368547758.08");
    }
}
