//! The gRPC services. Each handler authenticates, validates the request into
//! domain values, runs one transaction (or one read, or one ledger command)
//! and maps the result back; errors become statuses in `crate::error`.

pub mod admin;
pub mod balances;
pub mod contracts;
pub mod jobs;
mod pagination;

use std::sync::Arc;

use tonic::Request;

use crate::auth::{self, AdminKey};
use crate::error::Error;
use crate::ledger::{Command, Ledger, Op, Receipt, RequestId};
use crate::money::{Cents, MoneyError};
use crate::store::Store;

/// What every service shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub ledger: Arc<Ledger>,
    pub admin_key: AdminKey,
}

/// Submits a money movement to the ledger and returns its response;
/// `response` picks the method's response out of the receipt.
async fn move_money<R>(
    state: &AppState,
    caller: i64,
    op: Op,
    request_id: &str,
    response: fn(Receipt) -> Option<R>,
) -> Result<tonic::Response<R>, tonic::Status> {
    let method = op.method();
    let request_id = RequestId::parse_optional(request_id)?;
    let receipt = state
        .ledger
        .submit(Command {
            caller,
            op,
            request_id,
        })
        .await?;
    match response(receipt) {
        Some(response) => Ok(tonic::Response::new(response)),
        None => Err(Error::Internal(format!("{method} got another method's receipt")).into()),
    }
}

/// The caller's claimed profile id (UNAUTHENTICATED when missing or
/// malformed; existence is checked with the first query).
fn caller<T>(request: &Request<T>) -> Result<i64, Error> {
    auth::claimed_profile_id(request.metadata())
}

/// A positive id field.
fn id_field(field: &str, value: i64) -> Result<i64, Error> {
    if value > 0 {
        Ok(value)
    } else {
        Err(Error::invalid(field, "must be a positive id"))
    }
}

/// A positive amount of money field.
fn amount_field(field: &str, text: &str) -> Result<Cents, Error> {
    match Cents::parse(text) {
        Ok(amount) if amount.is_positive() => Ok(amount),
        Ok(_) => Err(Error::invalid(field, "must be greater than zero")),
        Err(MoneyError::Malformed) if text.is_empty() => {
            Err(Error::invalid(field, "is required, e.g. \"150.00\""))
        }
        Err(e) => Err(Error::invalid(field, e.to_string())),
    }
}

/// A required text field: not blank, at most `max_chars` characters.
fn text_field(field: &str, text: &str, max_chars: usize) -> Result<String, Error> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, "is required and may not be blank"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(Error::invalid(
            field,
            format!("may be at most {max_chars} characters long"),
        ));
    }
    if trimmed.chars().any(|c| c == '\0') {
        return Err(Error::invalid(field, "may not contain NUL characters"));
    }
    Ok(trimmed.to_owned())
}
