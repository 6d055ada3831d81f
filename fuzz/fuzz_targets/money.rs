//! The money parser and formatter: never a panic; what parses exactly
//! formats back to the same value, and rounding stays within half a unit.
#![no_main]

use jobpay::money::{Currency, Rounding};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&precision, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let currency = Currency::new("FUZ", precision % 19);
    if let Ok(minor) = currency.parse_amount(text, Rounding::Exact) {
        let printed = minor.format(currency.precision);
        assert_eq!(
            currency.parse_amount(&printed, Rounding::Exact),
            Ok(minor),
            "{text:?} printed as {printed:?}"
        );
    }
    if let Ok(rounded) = currency.parse_amount(text, Rounding::HalfAwayFromZero) {
        let printed = rounded.format(currency.precision);
        assert_eq!(
            currency.parse_amount(&printed, Rounding::Exact),
            Ok(rounded)
        );
    }
});
