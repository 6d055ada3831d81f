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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tonic::Request;

use crate::auth::{AdminKey, CallerAuth, KnownProfiles};
use crate::conversions::to_wire::FromReceipt;
use crate::currencies::Currencies;
use crate::domain::{Balance, Profile};
use crate::error::Error;
use crate::ledger::{Command, Hold, Ledger, Op, RequestId};
use crate::store::entities::profile;
use crate::store::{Store, queries};

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

/// Profiles with their balances: every currency each has held plus the
/// platform currency (zero when never held), by code. One query.
async fn with_balances(
    state: &AppState,
    profiles: Vec<profile::Model>,
) -> Result<Vec<Profile>, Error> {
    let ids: BTreeSet<i64> = profiles.iter().map(|p| p.id).collect();
    let platform = state.currencies.platform().await?;
    let mut by_profile: BTreeMap<i64, BTreeMap<String, Balance>> = BTreeMap::new();
    for row in queries::balances_of(state.store.reads(), ids).await? {
        let currency = state.currencies.known(&row.currency_code).await?;
        by_profile.entry(row.profile_id).or_default().insert(
            row.currency_code.clone(),
            Balance::from_row(&row, &currency),
        );
    }
    Ok(profiles
        .into_iter()
        .map(|model| {
            let mut balances = by_profile.remove(&model.id).unwrap_or_default();
            let platform_balance = balances
                .entry(platform.code.clone())
                .or_insert_with(|| Balance::zero(&platform))
                .clone();
            Profile {
                model,
                platform_balance,
                balances: balances.into_values().collect(),
            }
        })
        .collect())
}
