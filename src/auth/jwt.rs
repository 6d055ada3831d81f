//! `--caller-auth jwt`: the caller is the `sub` claim (a profile id) of a
//! JWT in `authorization: Bearer <token>`.
//!
//! Keys: one HS256 secret (`--jwt-secret-file`), or one or more PEM public
//! keys (`--jwt-public-key-file`, RS256 for RSA keys, ES256 for P-256 keys;
//! several for rotation: a token verifies if any key accepts it). Each key
//! accepts only its own algorithm, so `alg: none` and algorithm confusion
//! (an HS256 token "signed" with a public key) are refused. `exp` is
//! required; `nbf`, `iss` and `aud` are checked when present or configured,
//! with a small leeway. Neither the token nor a key ever reaches an error
//! message or a log line.

use std::path::Path;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::Deserialize;
use tonic::metadata::MetadataMap;

use crate::error::{AuthFailure, Error};

/// How tokens are checked.
#[derive(Debug, Clone, Default)]
pub struct JwtSettings {
    pub secret_file: Option<std::path::PathBuf>,
    pub public_key_files: Vec<std::path::PathBuf>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub leeway: Duration,
}

/// Verifies caller tokens.
pub struct JwtVerifier {
    keys: Vec<(DecodingKey, Validation)>,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JwtVerifier({} key(s))", self.keys.len())
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

fn read(path: &Path, setting: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {setting} {}: {e}", path.display()))
}

impl JwtVerifier {
    /// Loads the keys; a one-line error names the setting at fault (never
    /// the key material).
    pub fn new(settings: &JwtSettings) -> Result<JwtVerifier, String> {
        let mut keys = Vec::new();
        let validation = |alg: Algorithm| {
            let mut v = Validation::new(alg);
            v.algorithms = vec![alg];
            v.leeway = settings.leeway.as_secs();
            v.validate_nbf = true;
            v.set_required_spec_claims(&["exp", "sub"]);
            if let Some(issuer) = &settings.issuer {
                v.set_issuer(&[issuer]);
            }
            match &settings.audience {
                Some(audience) => v.set_audience(&[audience]),
                None => v.validate_aud = false,
            }
            v
        };
        match (&settings.secret_file, settings.public_key_files.is_empty()) {
            (Some(_), false) => {
                return Err(
                    "set either --jwt-secret-file or --jwt-public-key-file, not both".to_owned(),
                );
            }
            (None, true) => {
                return Err(
                    "--caller-auth jwt needs --jwt-secret-file (HS256) or --jwt-public-key-file \
                     (RS256/ES256 PEM)"
                        .to_owned(),
                );
            }
            (Some(path), true) => {
                let secret = read(path, "--jwt-secret-file (JOBPAY_JWT_SECRET_FILE)")?;
                let secret = secret.trim_ascii();
                if secret.len() < 32 {
                    return Err(format!(
                        "--jwt-secret-file (JOBPAY_JWT_SECRET_FILE) {}: the secret must have at least 32 bytes",
                        path.display()
                    ));
                }
                keys.push((
                    DecodingKey::from_secret(secret),
                    validation(Algorithm::HS256),
                ));
            }
            (None, false) => {
                for path in &settings.public_key_files {
                    let pem = read(path, "--jwt-public-key-file (JOBPAY_JWT_PUBLIC_KEY_FILE)")?;
                    let key = if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
                        (key, validation(Algorithm::RS256))
                    } else if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
                        (key, validation(Algorithm::ES256))
                    } else {
                        return Err(format!(
                            "--jwt-public-key-file (JOBPAY_JWT_PUBLIC_KEY_FILE) {}: not an RSA or EC public key in PEM",
                            path.display()
                        ));
                    };
                    keys.push(key);
                }
            }
        }
        Ok(JwtVerifier { keys })
    }

    /// The caller's profile id from the token in the metadata.
    pub fn caller(&self, metadata: &MetadataMap) -> Result<i64, Error> {
        let invalid = Error::Unauthenticated(AuthFailure::TokenInvalid);
        let token = metadata
            .get("authorization")
            .ok_or(Error::Unauthenticated(AuthFailure::MissingToken))?
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Error::Unauthenticated(AuthFailure::MissingToken))?;
        let mut expired = false;
        for (key, validation) in &self.keys {
            match decode::<Claims>(token, key, validation) {
                Ok(data) => {
                    let sub = data.claims.sub;
                    let valid = !sub.is_empty() && sub.bytes().all(|b| b.is_ascii_digit());
                    return match sub.parse::<i64>() {
                        Ok(id) if valid && id > 0 => Ok(id),
                        _ => Err(invalid),
                    };
                }
                // Only a token whose signature verified can be "expired".
                Err(e) if matches!(e.kind(), ErrorKind::ExpiredSignature) => expired = true,
                Err(_) => {}
            }
        }
        Err(if expired {
            Error::Unauthenticated(AuthFailure::TokenExpired)
        } else {
            invalid
        })
    }
}
