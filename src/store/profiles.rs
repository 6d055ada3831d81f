//! Profiles: reading one, creating one, and joining profiles with their
//! balances.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};

use super::entities::profile;
use super::queries;
use crate::currencies::Currencies;
use crate::domain::{Balance, NewProfile, Profile, ProfileBalances};
use crate::error::Error;

/// A profile, if it exists.
pub async fn profile<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Profile>, Error> {
    Ok(profile::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Profile::from))
}

/// Inserts a profile; `ExternalIdTaken` when another has its external id.
pub async fn create_profile<C: ConnectionTrait>(db: &C, new: NewProfile) -> Result<Profile, Error> {
    if let Some(external_id) = &new.external_id
        && queries::external_id_taken(db, external_id).await?
    {
        return Err(Error::ExternalIdTaken);
    }
    let now = super::now();
    let created = profile::ActiveModel {
        first_name: Set(new.first_name),
        last_name: Set(new.last_name),
        profession: Set(new.profession),
        profile_type: Set(new.profile_type.into()),
        external_id: Set(new.external_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(created.into())
}

/// Profiles with their balances: every currency each has held plus the
/// platform currency (zero when never held), by code. One query.
pub async fn with_balances<C: ConnectionTrait>(
    db: &C,
    currencies: &Currencies,
    profiles: Vec<Profile>,
) -> Result<Vec<ProfileBalances>, Error> {
    let ids: BTreeSet<i64> = profiles.iter().map(|p| p.id).collect();
    let platform = currencies.platform().await?;
    let mut by_profile: BTreeMap<i64, BTreeMap<String, Balance>> = BTreeMap::new();
    for row in queries::balances_of(db, ids).await? {
        let currency = currencies.known(&row.currency_code).await?;
        by_profile.entry(row.profile_id).or_default().insert(
            row.currency_code.clone(),
            Balance::from_row(&row, &currency),
        );
    }
    Ok(profiles
        .into_iter()
        .map(|profile| {
            let mut balances = by_profile.remove(&profile.id).unwrap_or_default();
            let platform_balance = balances
                .entry(platform.code.clone())
                .or_insert_with(|| Balance::zero(&platform))
                .clone();
            ProfileBalances {
                profile,
                platform_balance,
                balances: balances.into_values().collect(),
            }
        })
        .collect())
}
