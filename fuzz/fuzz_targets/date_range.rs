//! Report date ranges (`YYYY-MM-DD` or RFC 3339, inclusive): any pair of
//! texts is a range with start <= end, or INVALID_ARGUMENT.
#![no_main]

use jobpay::domain::PaymentRange;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (start, end) = text.split_once('|').unwrap_or((&text, ""));
    if let Ok(range) = PaymentRange::parse(start, end) {
        assert!(range.start <= range.end);
    }
});
