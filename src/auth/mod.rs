//! Who is calling: the caller of the profile services (`profile_id`
//! metadata, or a verified JWT with `--caller-auth jwt`), and the admin API
//! key of AdminService and LoanService calls.

pub mod jwt;

use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};
use tonic::metadata::MetadataMap;

use crate::domain::Profile;
use crate::error::{AuthFailure, Error};
use crate::store::profiles;

/// Metadata key carrying the caller's profile id.
pub const PROFILE_ID_KEY: &str = "profile_id";

/// The caller's profile id as claimed by the metadata (not yet checked to
/// exist).
pub fn claimed_profile_id(metadata: &MetadataMap) -> Result<i64, Error> {
    let value = metadata
        .get(PROFILE_ID_KEY)
        .ok_or(Error::Unauthenticated(AuthFailure::MissingProfileId))?;
    let malformed = Error::Unauthenticated(AuthFailure::MalformedProfileId);
    let text = value.to_str().map_err(|_| malformed.clone())?;
    // Digits only: no sign, spaces or leading '+', and a positive i64.
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed);
    }
    match text.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(malformed),
    }
}

/// How callers of the profile services are identified.
#[derive(Debug)]
pub enum CallerAuth {
    /// `profile_id` metadata (the demo's, and the default).
    Header,
    /// The `sub` of a verified JWT; `profile_id` metadata is ignored.
    Jwt(jwt::JwtVerifier),
}

impl CallerAuth {
    /// The caller's profile id (existence is checked with the first query).
    pub fn caller(&self, metadata: &MetadataMap) -> Result<i64, Error> {
        match self {
            CallerAuth::Header => claimed_profile_id(metadata),
            CallerAuth::Jwt(verifier) => verifier.caller(metadata),
        }
    }

    /// Where admin calls carry the key: `x-admin-key` when `authorization`
    /// carries the caller's token.
    pub fn admin_key_header(&self) -> AdminHeader {
        match self {
            CallerAuth::Header => AdminHeader::Authorization,
            CallerAuth::Jwt(_) => AdminHeader::XAdminKey,
        }
    }
}

/// The metadata that carries the admin key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdminHeader {
    /// `authorization: Bearer <key>`.
    #[default]
    Authorization,
    /// `x-admin-key: <key>` (JWT mode).
    XAdminKey,
}

/// Profile ids known to exist. Profiles are never deleted while serving
/// (only `jobpay seed --force` empties a database, offline), so a read can
/// authenticate its caller from this set and fetch its data in one
/// statement; a miss asks the database once.
#[derive(Debug, Default)]
pub struct KnownProfiles {
    ids: std::sync::RwLock<std::collections::HashSet<i64>>,
}

impl KnownProfiles {
    /// UNAUTHENTICATED unless `id` is a profile.
    pub async fn check<C: ConnectionTrait>(&self, db: &C, id: i64) -> Result<(), Error> {
        if self
            .ids
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&id)
        {
            return Ok(());
        }
        // Boxed: allocated on a miss only, not carried by every call.
        Box::pin(load_caller(db, id)).await?;
        self.ids
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id);
        Ok(())
    }
}

/// The caller's profile; an id with no profile is UNAUTHENTICATED.
pub async fn load_caller<C: ConnectionTrait>(db: &C, id: i64) -> Result<Profile, Error> {
    profiles::profile(db, id)
        .await?
        .ok_or(Error::Unauthenticated(AuthFailure::UnknownProfile))
}

/// The admin API key check: `authorization: Bearer <key>` where
/// SHA-256(key) equals the configured hash, compared in constant time.
#[derive(Clone, Default)]
pub struct AdminKey {
    sha256: Option<[u8; 32]>,
    header: AdminHeader,
}

impl std::fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.sha256.is_some() {
            "AdminKey(configured)"
        } else {
            "AdminKey(disabled)"
        })
    }
}

impl AdminKey {
    /// No key: every admin call is refused.
    pub fn disabled() -> Self {
        AdminKey {
            sha256: None,
            header: AdminHeader::Authorization,
        }
    }

    /// From the hex SHA-256 of the key (exactly 64 hex digits, any case).
    pub fn from_sha256_hex(hex_digest: &str) -> Result<Self, String> {
        let mut sha256 = [0u8; 32];
        let hex_digest = hex_digest.trim();
        if hex_digest.len() != 64 {
            return Err("must be the 64 hex digits of a SHA-256 digest".to_owned());
        }
        hex::decode_to_slice(hex_digest, &mut sha256)
            .map_err(|_| "must be the 64 hex digits of a SHA-256 digest".to_owned())?;
        Ok(AdminKey {
            sha256: Some(sha256),
            header: AdminHeader::Authorization,
        })
    }

    /// The same key, read from `header`.
    pub fn read_from(mut self, header: AdminHeader) -> Self {
        self.header = header;
        self
    }

    /// From the key itself (used by `serve --demo`, which generates one).
    pub fn from_key(key: &str) -> Self {
        AdminKey {
            sha256: Some(Sha256::digest(key.as_bytes()).into()),
            header: AdminHeader::Authorization,
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.sha256.is_some()
    }

    pub fn verify(&self, metadata: &MetadataMap) -> Result<(), Error> {
        let expected = self
            .sha256
            .ok_or(Error::Unauthenticated(AuthFailure::AdminDisabled))?;
        let missing = Error::Unauthenticated(AuthFailure::MissingAdminKey);
        let key = match self.header {
            AdminHeader::Authorization => {
                match metadata.get("authorization").and_then(|v| v.to_str().ok()) {
                    Some(value) if !value.trim().is_empty() && !value.starts_with("Bearer ") => {
                        return Err(Error::Unauthenticated(AuthFailure::AdminKeyWithoutBearer));
                    }
                    value => value.and_then(|value| value.strip_prefix("Bearer ")),
                }
            }
            AdminHeader::XAdminKey => metadata.get("x-admin-key").and_then(|v| v.to_str().ok()),
        }
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .ok_or(missing)?;
        let presented: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        if constant_time_eq(&presented, &expected) {
            Ok(())
        } else {
            Err(Error::Unauthenticated(AuthFailure::WrongAdminKey))
        }
    }
}

/// A fresh random admin key: 32 random bytes, hex.
pub fn generate_admin_key() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Compares every byte whatever the first difference, so the time taken
/// says nothing about how much of a guess was right.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(pairs: &[(&'static str, &str)]) -> MetadataMap {
        let mut map = MetadataMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn profile_id_must_be_a_positive_decimal() {
        assert_eq!(
            claimed_profile_id(&metadata(&[("profile_id", "42")])),
            Ok(42)
        );
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            " 1",
            "1.0",
            "abc",
            "99999999999999999999",
        ] {
            assert_eq!(
                claimed_profile_id(&metadata(&[("profile_id", bad)])),
                Err(Error::Unauthenticated(AuthFailure::MalformedProfileId)),
                "{bad:?}"
            );
        }
        assert_eq!(
            claimed_profile_id(&MetadataMap::new()),
            Err(Error::Unauthenticated(AuthFailure::MissingProfileId))
        );
    }

    #[test]
    fn admin_key_matches_its_hash_only() {
        let key = AdminKey::from_sha256_hex(&hex::encode(Sha256::digest(b"s3cret"))).unwrap();
        assert_eq!(
            key.verify(&metadata(&[("authorization", "Bearer s3cret")])),
            Ok(())
        );
        assert_eq!(
            key.verify(&metadata(&[("authorization", "Bearer s3cres")])),
            Err(Error::Unauthenticated(AuthFailure::WrongAdminKey))
        );
        assert_eq!(
            key.verify(&metadata(&[("authorization", "Basic s3cret")])),
            Err(Error::Unauthenticated(AuthFailure::AdminKeyWithoutBearer))
        );
        assert_eq!(
            key.verify(&metadata(&[])),
            Err(Error::Unauthenticated(AuthFailure::MissingAdminKey))
        );
        assert_eq!(
            AdminKey::disabled().verify(&metadata(&[("authorization", "Bearer s3cret")])),
            Err(Error::Unauthenticated(AuthFailure::AdminDisabled))
        );
        assert!(AdminKey::from_sha256_hex("abc").is_err());
    }
}
