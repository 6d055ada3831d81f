//! The gRPC services. Each handler authenticates, validates the request into
//! domain values (`crate::conversions::from_wire`), runs one transaction (or
//! one read, or one ledger command) and maps the result back
//! (`crate::conversions::to_wire`); errors become statuses in `crate::error`.

pub mod admin;
pub mod balances;
pub mod contracts;
pub mod jobs;
pub mod loans;
pub mod pagination;
pub mod payouts;
mod statements;

use std::sync::Arc;

use tonic::Request;

use crate::auth::{AdminKey, CallerAuth, KnownProfiles};
use crate::conversions::to_wire::FromReceipt;
use crate::currencies::Currencies;
use crate::domain::{Profile, ProfileBalances};
use crate::error::Error;
use crate::ledger::{Command, Hold, Ledger, Op, RequestId};
use crate::store::{Store, profiles};

pub(crate) use crate::conversions::from_wire::{id_field, text_field};

/// What every service shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub ledger: Arc<Ledger>,
    pub admin_key: AdminKey,
    pub currencies: Arc<Currencies>,
    pub caller_auth: Arc<CallerAuth>,
    pub known_profiles: Arc<KnownProfiles>,
    /// Whether this process runs the upstream feed (`--feed-url`).
    pub feed_enabled: bool,
}

impl AppState {
    /// The caller of a profile service: `profile_id` metadata or the
    /// `sub` of a verified JWT (UNAUTHENTICATED when missing or invalid;
    /// existence is checked with the first query).
    fn caller<T>(&self, request: &Request<T>) -> Result<i64, Error> {
        self.caller_auth.caller(request.metadata())
    }

    /// The caller, the call's hold (see [`call_hold`]) and the validated
    /// input of a money movement. It takes the request, so the call's
    /// future does not keep it while the movement waits in the ledger's
    /// queue (10,000 calls in flight each keep their future).
    fn movement<T, I>(&self, request: Request<T>) -> Result<(i64, Option<Hold>, I), Error>
    where
        I: for<'a> TryFrom<&'a T, Error = Error>,
    {
        let caller = self.caller(&request)?;
        let input = I::try_from(request.get_ref())?;
        Ok((caller, call_hold(&request), input))
    }

    /// UNAUTHENTICATED unless the caller is a profile; cached, so a read
    /// costs its own query only.
    async fn authenticate(&self, caller: i64) -> Result<(), Error> {
        self.known_profiles.check(self.store.reads(), caller).await
    }
}

/// Submits a money movement to the ledger and returns its response.
/// `hold` is what the call holds until its command has run (see
/// [`call_hold`]).
async fn move_money<R: FromReceipt>(
    state: &AppState,
    hold: Option<Hold>,
    caller: i64,
    op: Op,
    request_id: Option<RequestId>,
) -> Result<tonic::Response<R>, tonic::Status> {
    let method = op.method();
    let receipt = state
        .ledger
        .submit(
            Command {
                caller,
                op,
                request_id,
            },
            hold,
        )
        .await?;
    match R::from_receipt(receipt) {
        Some(response) => Ok(tonic::Response::new(response)),
        None => Err(Error::Internal(format!("{method} got another method's receipt")).into()),
    }
}

/// The call's share of the server's capacity (put in the request by the
/// call envelope), to be held by its money movement until it has run.
fn call_hold<T>(request: &Request<T>) -> Option<Hold> {
    request.extensions().get::<Hold>().cloned()
}

/// A profile with its balances: every currency it has held plus the
/// platform currency (zero when never held), by code.
async fn with_balances(state: &AppState, profile: Profile) -> Result<ProfileBalances, Error> {
    profiles::with_balances(state.store.reads(), &state.currencies, vec![profile])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("profile vanished".to_owned()))
}
