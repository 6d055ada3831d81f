//! AIP-155 request ids: parsing, request fingerprints, stored responses and
//! their expiry.

use std::time::Duration;

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Op, Receipt};
use crate::error::Error;
use crate::store::entities::request_record;
use crate::store::{self, Store};

/// A client-chosen UUID naming one logical request, in canonical
/// (lowercase, hyphenated) form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    /// Empty means "no request id"; anything else must be a UUID.
    pub fn parse_optional(text: &str) -> Result<Option<RequestId>, Error> {
        if text.is_empty() {
            return Ok(None);
        }
        uuid::Uuid::try_parse(text)
            .map(|uuid| Some(RequestId(uuid.hyphenated().to_string())))
            .map_err(|_| {
                Error::invalid(
                    "request_id",
                    "must be a UUID such as 123e4567-e89b-12d3-a456-426614174000, or empty",
                )
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Hex SHA-256 of the method and its canonical parameters.
pub(super) fn request_hash(op: &Op) -> String {
    let mut hasher = Sha256::new();
    hasher.update(op.method().as_bytes());
    hasher.update(b"\n");
    hasher.update(op.canonical_parameters().as_bytes());
    hex::encode(hasher.finalize())
}

/// The stored form of a receipt: `{"version": 1, "receipt": {...}}`.
/// A later change of [`Receipt`] bumps the version and converts older
/// records when reading them (or in a migration), so a stored response
/// never depends on the API's messages.
#[derive(Serialize, Deserialize)]
struct StoredReceipt {
    version: u32,
    receipt: Receipt,
}

const STORED_VERSION: u32 = 1;

impl Receipt {
    pub(super) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(&StoredReceiptRef {
            version: STORED_VERSION,
            receipt: self,
        })
        .expect("a receipt always serializes")
    }

    /// The stored response of `method`.
    pub(super) fn decode(method: &str, bytes: &[u8]) -> Result<Receipt, Error> {
        let stored: StoredReceipt = serde_json::from_slice(bytes).map_err(|e| {
            Error::Internal(format!("stored response of {method} does not decode: {e}"))
        })?;
        if stored.version != STORED_VERSION {
            return Err(Error::Internal(format!(
                "stored response of {method} has unknown version {}",
                stored.version
            )));
        }
        Ok(stored.receipt)
    }
}

#[derive(Serialize)]
struct StoredReceiptRef<'a> {
    version: u32,
    receipt: &'a Receipt,
}

/// Deletes idempotency records older than `ttl`; returns how many.
pub async fn purge_expired_requests(store: &Store, ttl: Duration) -> Result<u64, DbErr> {
    let cutoff = store::now()
        - chrono::Duration::from_std(ttl).unwrap_or_else(|_| chrono::Duration::days(36500));
    let result = request_record::Entity::delete_many()
        .filter(request_record::Column::CreatedAt.lt(cutoff))
        .exec(store.conn())
        .await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Currency, Minor};

    #[test]
    fn request_ids_are_uuids_in_canonical_form() {
        assert_eq!(RequestId::parse_optional("").unwrap(), None);
        let id = RequestId::parse_optional("123E4567-E89B-12D3-A456-426614174000")
            .unwrap()
            .unwrap();
        assert_eq!(id.as_str(), "123e4567-e89b-12d3-a456-426614174000");
        for bad in ["x", "123", "123e4567-e89b-12d3-a456-42661417400", " "] {
            assert!(RequestId::parse_optional(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hash_depends_on_method_and_parameters_only() {
        let usd = Currency::usd();
        let withdraw = |units: i64, currency: &Currency| Op::Withdraw {
            amount: currency.money(Minor::new(units)),
        };
        let a = request_hash(&withdraw(200, &usd));
        assert_eq!(a, request_hash(&withdraw(200, &usd)));
        assert_ne!(a, request_hash(&withdraw(201, &usd)));
        assert_ne!(a, request_hash(&withdraw(200, &Currency::new("EUR", 2))));
        assert_ne!(
            a,
            request_hash(&Op::Transfer {
                to_profile_id: 0,
                amount: usd.money(Minor::new(200)),
            })
        );
        // Fingerprints of USD requests are those of the first release.
        assert_eq!(a, hex::encode(Sha256::digest(b"Withdraw\namount=200")));
    }

    #[test]
    fn stored_receipts_round_trip_and_read_migrated_records() {
        let receipt = Receipt::Withdraw {
            balance: Currency::new("BTC", 8).money(Minor::new(5)),
        };
        assert_eq!(
            Receipt::decode("Withdraw", &receipt.encode()).unwrap(),
            receipt
        );
        let migrated =
            migration::stored_responses::v0_to_v1("Deposit", &[0x0a, 0x04, b'1', b'.', b'5', b'0'])
                .unwrap();
        assert_eq!(
            Receipt::decode("Deposit", migrated.as_bytes()).unwrap(),
            Receipt::Deposit {
                balance: Currency::usd().money(Minor::new(150))
            }
        );
    }
}
