//! Loan arithmetic: annual rates, the monthly installment, and the calendar
//! month a payment falls in. Pure functions, no I/O.
//!
//! The installment is `amount * (r + r / ((1 + r)^n - 1))` with `r =
//! rate / 12`. Written over integers — rate = a / 10^k, D = 12 * 10^k,
//! B = D + a — it is `amount * a * B^n / (D * (B^n - D^n))`, which big
//! integers compute exactly for any term; the result is floored to the
//! minor unit (rounded down, as DESIGN.md asks). No float, no rounded
//! intermediate, so a (1 + r)^n beyond 28 digits changes nothing.

use chrono::{DateTime, Datelike, Utc};
use num_bigint::BigUint;
use num_traits::{ToPrimitive, Zero};

use crate::money::Minor;

/// Most decimals an annual rate may have.
pub const MAX_RATE_DECIMALS: usize = 18;
/// Longest term, in months.
pub const MAX_TERM_MONTHS: i32 = 600;

/// A yearly rate with 0 < rate <= 10, kept as `digits / 10^scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnualRate {
    digits: u128,
    scale: u32,
}

impl AnnualRate {
    /// Parses `^[0-9]+(\.[0-9]{1,18})?$` with 0 < rate <= 10.
    pub fn parse(text: &str) -> Result<AnnualRate, String> {
        let shape = "must be a decimal number like \"0.05\" (5% a year), greater than 0 and at most 10, with at most 18 decimals";
        let (units, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if units.is_empty()
            || !digits_only(units)
            || !digits_only(fraction)
            || (text.contains('.') && fraction.is_empty())
            || fraction.len() > MAX_RATE_DECIMALS
        {
            return Err(shape.to_owned());
        }
        let units = units.trim_start_matches('0');
        let fraction = fraction.trim_end_matches('0');
        if units.len() > 2 {
            return Err(shape.to_owned());
        }
        let digits: u128 = format!("{units}{fraction}").parse().unwrap_or(0);
        let rate = AnnualRate {
            digits,
            scale: fraction.len() as u32,
        };
        let ten = 10u128 * 10u128.pow(rate.scale);
        if rate.digits == 0 || rate.digits > ten {
            return Err(shape.to_owned());
        }
        Ok(rate)
    }

    /// Canonical text: no leading or trailing zeros beyond one unit digit.
    pub fn to_text(&self) -> String {
        let text = format!("{:0>width$}", self.digits, width = self.scale as usize + 1);
        let (units, fraction) = text.split_at(text.len() - self.scale as usize);
        if fraction.is_empty() {
            units.to_owned()
        } else {
            format!("{units}.{fraction}")
        }
    }
}

/// The monthly installment of `amount` (minor units) over `months` at
/// `rate`, rounded down to the minor unit; `None` when it does not fit in
/// an `i64`.
pub fn installment(amount: Minor, months: u32, rate: &AnnualRate) -> Option<Minor> {
    let a = BigUint::from(rate.digits);
    let d = BigUint::from(12u32) * BigUint::from(10u32).pow(rate.scale);
    let b = &d + &a;
    let b_n = b.pow(months);
    let d_n = d.pow(months);
    let numerator = BigUint::from(u64::try_from(amount.get()).ok()?) * a * &b_n;
    let denominator = d * (b_n - d_n);
    if denominator.is_zero() {
        return None;
    }
    (numerator / denominator).to_i64().map(Minor::new)
}

/// What a loan owes after `made` installments: `total_repayable -
/// installment * made`, never below zero (minor units).
pub fn owed(total_repayable: i64, installment: i64, made: i64) -> i64 {
    total_repayable
        .saturating_sub(installment.saturating_mul(made))
        .max(0)
}

/// The calendar month (UTC) of an instant, as stored: "YYYY-MM".
pub fn month_key(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", at.year(), at.month())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(text: &str) -> AnnualRate {
        AnnualRate::parse(text).unwrap()
    }

    #[test]
    fn rates_parse_within_bounds() {
        assert_eq!(rate("0.05").to_text(), "0.05");
        assert_eq!(rate("00.0500").to_text(), "0.05");
        assert_eq!(rate("10").to_text(), "10");
        assert_eq!(rate("10.000").to_text(), "10");
        assert_eq!(
            rate("0.000000000000000001").to_text(),
            "0.000000000000000001"
        );
        for bad in [
            "",
            "0",
            "0.0",
            "-0.05",
            "10.01",
            "11",
            "100",
            ".5",
            "5.",
            "1e-2",
            "0.05%",
            " 0.05",
            "0.0000000000000000001",
        ] {
            assert!(AnnualRate::parse(bad).is_err(), "{bad:?}");
        }
    }

    /// Expected values computed independently with Python's
    /// `fractions.Fraction` (exact rationals), floored to the minor unit.
    #[test]
    fn installments_match_exact_rational_arithmetic() {
        let cases: &[(i64, u32, &str, i64)] = &[
            // (amount in minor units, months, rate, installment)
            (100_000, 12, "0.05", 8_560),      // 1000.00 USD -> 85.60
            (10_000, 600, "10", 8_333),        // 100.00 -> 83.33
            (100_000, 1, "0.05", 100_416),     // one month: amount * (1 + r)
            (120_000, 1, "0.12", 121_200),     // exact: 1200 * 1.01
            (100_000, 600, "0.05", 454),       // 50 years at 5%
            (100_000, 360, "0.065", 632),      // a 30-year mortgage
            (2_500_000, 60, "0.0399", 46_030), // 25,000.00 over 5 years
            (1, 12, "0.05", 0),                // one cent rounds down to 0
            (999_999, 7, "0.123456789", 148_796),
            (50_000_000, 24, "0.08", 2_261_364), // 0.5 BTC in satoshis
            (123_456_789, 36, "0.2", 4_588_096), // 1.23456789 BTC
            (1_000_000, 12, "0.05", 85_607),     // precision 0: 1,000,000 units
            (7, 3, "0.5", 2),                    // precision 0, tiny
            (100_000, 600, "0.000000000000000001", 166), // rate near zero
            (9_223_372_036_854_775, 12, "0.05", 789_589_653_673_301),
            (100_000, 240, "1", 8_333),
            (100_000, 2, "10", 118_627),
            (100_000, 599, "9.999999", 83_333),
            (31_415_926, 48, "0.0725", 755_942),
            (100_000, 12, "0.000001", 8_333),
            (999_999_999_999, 600, "0.03", 3_219_774_979),
        ];
        for &(amount, months, rate_text, expected) in cases {
            assert_eq!(
                installment(Minor::new(amount), months, &rate(rate_text)),
                Some(Minor::new(expected)),
                "{amount} over {months} at {rate_text}"
            );
        }
    }

    #[test]
    fn an_installment_too_large_is_none_not_a_panic() {
        assert_eq!(
            installment(Minor::new(i64::MAX), 1, &rate("10")),
            None,
            "i64::MAX * (1 + 10/12) overflows"
        );
        assert!(installment(Minor::new(i64::MAX), 600, &rate("0.01")).is_some());
    }

    #[test]
    fn months_are_utc_calendar_months() {
        let at = DateTime::parse_from_rfc3339("2026-01-31T23:30:00-02:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(month_key(at), "2026-02");
    }
}
