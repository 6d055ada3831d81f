//! Page tokens: any text and size is a page request or INVALID_ARGUMENT,
//! never a panic, and a token never names an id below 1.
#![no_main]

use jobpay::api::pagination::PageRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let size = i32::from_le_bytes([data[0], data[1], data[2], data[3]]);
    let token = String::from_utf8_lossy(&data[4..]);
    for list in ["contracts", "jobs", "feed_items"] {
        if let Ok(page) = PageRequest::parse(list, size, &token) {
            assert!(page.size >= 1 && page.size <= 1000);
            assert!(page.after.is_none_or(|id| id >= 1));
        }
    }
});
