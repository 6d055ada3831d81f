//! Request ids: a canonical UUID or INVALID_ARGUMENT, never a panic; what
//! is accepted is stored in canonical form.
#![no_main]

use jobpay::ledger::RequestId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(Some(id)) = RequestId::parse_optional(&text) {
        assert_eq!(id.as_str().len(), 36);
        assert_eq!(
            RequestId::parse_optional(id.as_str())
                .ok()
                .flatten()
                .as_ref()
                .map(RequestId::as_str),
            Some(id.as_str())
        );
    }
});
