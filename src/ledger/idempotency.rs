//! AIP-155 request ids: parsing, request fingerprints, stored responses and
//! their expiry.

use std::time::Duration;

use prost::Message;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
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

impl Receipt {
    pub(super) fn encode(&self) -> Vec<u8> {
        match self {
            Receipt::PayJob(r) => r.encode_to_vec(),
            Receipt::Deposit(r) => r.encode_to_vec(),
            Receipt::Withdraw(r) => r.encode_to_vec(),
            Receipt::Transfer(r) => r.encode_to_vec(),
        }
    }

    /// The stored response of `method`.
    pub(super) fn decode(method: &str, bytes: &[u8]) -> Result<Receipt, Error> {
        let corrupt = |e: prost::DecodeError| {
            Error::Internal(format!("stored response of {method} does not decode: {e}"))
        };
        Ok(match method {
            "PayJob" => Receipt::PayJob(Message::decode(bytes).map_err(corrupt)?),
            "Deposit" => Receipt::Deposit(Message::decode(bytes).map_err(corrupt)?),
            "Withdraw" => Receipt::Withdraw(Message::decode(bytes).map_err(corrupt)?),
            "Transfer" => Receipt::Transfer(Message::decode(bytes).map_err(corrupt)?),
            other => return Err(Error::Internal(format!("unknown stored method {other}"))),
        })
    }
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
    use crate::money::Cents;

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
        let a = request_hash(&Op::Withdraw {
            amount: Cents::new(200),
        });
        assert_eq!(
            a,
            request_hash(&Op::Withdraw {
                amount: Cents::new(200)
            })
        );
        assert_ne!(
            a,
            request_hash(&Op::Withdraw {
                amount: Cents::new(201)
            })
        );
        assert_ne!(
            a,
            request_hash(&Op::Transfer {
                to_profile_id: 0,
                amount: Cents::new(200)
            })
        );
    }
}
