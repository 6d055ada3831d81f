//! JWT parsing: whatever arrives in `authorization`, the verifier answers
//! a caller or UNAUTHENTICATED, never a panic; a random token is never
//! accepted (it would need the secret).
#![no_main]

use std::sync::LazyLock;

use jobpay::auth::jwt::{JwtSettings, JwtVerifier};
use libfuzzer_sys::fuzz_target;
use tonic::metadata::{MetadataMap, MetadataValue};

static VERIFIER: LazyLock<JwtVerifier> = LazyLock::new(|| {
    let path = std::env::temp_dir().join(format!("jobpay-fuzz-secret-{}", std::process::id()));
    std::fs::write(&path, "a fuzzing secret of at least thirty-two bytes").unwrap();
    JwtVerifier::new(&JwtSettings {
        secret_file: Some(path),
        public_key_files: Vec::new(),
        issuer: None,
        audience: None,
        leeway: std::time::Duration::from_secs(30),
    })
    .expect("verifier")
});

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    let _ = jsonwebtoken::decode_header(&token);
    let Ok(value) = MetadataValue::try_from(format!("Bearer {token}")) else {
        return;
    };
    let mut metadata = MetadataMap::new();
    metadata.insert("authorization", value);
    assert!(VERIFIER.caller(&metadata).is_err());
});
