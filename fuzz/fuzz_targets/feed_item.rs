//! Upstream feed items: any JSON value is an item to apply or a rejection
//! with a reason, never a panic; accepted amounts are positive and exact.
#![no_main]

use jobpay::feed::item::{self, parse_amount};
use jobpay::money::Currency;
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let usd = Currency::usd();
    if let Some(minor) = parse_amount(text, &usd) {
        assert!(minor.is_positive());
    }
    if let Ok(raw) = serde_json::from_str::<Box<RawValue>>(text) {
        let read = item::read(&raw, &usd, "stand-in".into());
        assert!(!read.id.is_empty());
        if let Ok((_, minor)) = read.outcome {
            assert!(minor.is_positive());
        }
    }
});
