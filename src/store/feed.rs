//! Named queries of the upstream feed: its cursor row, its items, and the
//! profiles its users map to.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};

use super::entities::feed_item;
use super::entities::feed_state;
use super::entities::profile::{self, ProfileType};
use crate::error::Error;

/// The cursor row's id.
const STATE_ID: i32 = 1;

/// The feed's state, if it ever started.
pub async fn state<C: ConnectionTrait>(db: &C) -> Result<Option<feed_state::Model>, Error> {
    Ok(feed_state::Entity::find_by_id(STATE_ID).one(db).await?)
}

/// The feed's state inside a writing transaction, locked on PostgreSQL so
/// that two writers of the cursor queue instead of racing.
pub async fn state_for_update<C: ConnectionTrait>(
    db: &C,
) -> Result<Option<feed_state::Model>, Error> {
    let mut query = feed_state::Entity::find_by_id(STATE_ID);
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    Ok(query.one(db).await?)
}

/// Creates the state at its first start, reading from `start`; a state
/// that exists is left as it is.
pub async fn start_state<C: ConnectionTrait>(db: &C, start: DateTime<Utc>) -> Result<(), Error> {
    let row = feed_state::ActiveModel {
        id: Set(STATE_ID),
        window_start: Set(start),
        window_end: Set(None),
        page: Set(1),
        items_applied: Set(0),
        items_rejected: Set(0),
        items_duplicate: Set(0),
        requests: Set(0),
        request_times: Set(String::new()),
        last_error: Set(None),
        last_success_time: Set(None),
    };
    feed_state::Entity::insert(row)
        .on_conflict(
            OnConflict::column(feed_state::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes the whole state row back.
pub async fn save_state<C: ConnectionTrait>(db: &C, state: feed_state::Model) -> Result<(), Error> {
    let active: feed_state::ActiveModel = state.into();
    feed_state::Entity::update(sea_orm::ActiveModelTrait::reset_all(active))
        .exec(db)
        .await?;
    Ok(())
}

/// Which of `ids` are stored already.
pub async fn stored_item_ids<C: ConnectionTrait>(
    db: &C,
    ids: &BTreeSet<&str>,
) -> Result<HashSet<String>, Error> {
    let mut found = HashSet::new();
    let ids: Vec<&str> = ids.iter().copied().collect();
    for chunk in ids.chunks(500) {
        let rows: Vec<String> = feed_item::Entity::find()
            .select_only()
            .column(feed_item::Column::Id)
            .filter(feed_item::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Profile ids of the feed users in `user_ids`, creating a contractor
/// profile (last name = the user id) for each one not seen before.
pub async fn profiles_of_users<C: ConnectionTrait>(
    db: &C,
    user_ids: &BTreeSet<&str>,
    now: DateTime<Utc>,
) -> Result<HashMap<String, i64>, Error> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut known = profiles_by_external_id(db, user_ids).await?;
    let missing: Vec<profile::ActiveModel> = user_ids
        .iter()
        .filter(|id| !known.contains_key(**id))
        .map(|id| profile::ActiveModel {
            first_name: Set(String::new()),
            last_name: Set((*id).to_owned()),
            profession: Set(String::new()),
            profile_type: Set(ProfileType::Contractor),
            external_id: Set(Some((*id).to_owned())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    if !missing.is_empty() {
        for chunk in missing.chunks(500) {
            profile::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await?;
        }
        known = profiles_by_external_id(db, user_ids).await?;
    }
    Ok(known)
}

async fn profiles_by_external_id<C: ConnectionTrait>(
    db: &C,
    user_ids: &BTreeSet<&str>,
) -> Result<HashMap<String, i64>, Error> {
    let ids: Vec<&str> = user_ids.iter().copied().collect();
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, Option<String>)> = profile::Entity::find()
            .select_only()
            .column(profile::Column::Id)
            .column(profile::Column::ExternalId)
            .filter(profile::Column::ExternalId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().filter_map(|(id, ext)| Some((ext?, id))));
    }
    Ok(found)
}

/// Stores items received.
pub async fn insert_items<C: ConnectionTrait>(
    db: &C,
    items: Vec<feed_item::ActiveModel>,
) -> Result<(), Error> {
    let mut items = items;
    while !items.is_empty() {
        let rest = items.split_off(items.len().min(300));
        feed_item::Entity::insert_many(items)
            .exec_without_returning(db)
            .await?;
        items = rest;
    }
    Ok(())
}

/// Stored items, optionally of one state, in arrival order (for paging).
pub fn items(state: Option<feed_item::FeedItemState>) -> sea_orm::Select<feed_item::Entity> {
    let query = feed_item::Entity::find();
    match state {
        Some(state) => query.filter(feed_item::Column::State.eq(state)),
        None => query,
    }
}

/// `pg_try_advisory_lock` key of the feed worker: "jpfeed" in ASCII.
const FEED_LOCK_KEY: i64 = 0x6a70_6665_6564;

/// The right to ingest, one holder per database. On PostgreSQL it is a
/// session advisory lock on a connection of its own: a replica that dies
/// or loses its connection releases it, and another takes over. SQLite is
/// one process's file, so its holder always has it. (Two holders would
/// still apply nothing twice: a page commits only where the stored cursor
/// is the one it was read for.)
pub struct FeedLease {
    url: String,
    backend: sea_orm::DbBackend,
    connection: Option<sea_orm::sqlx::PgConnection>,
}

impl FeedLease {
    pub fn new(store: &super::Store) -> FeedLease {
        FeedLease {
            url: store.url.to_string(),
            backend: store.backend(),
            connection: None,
        }
    }

    /// Whether this process holds the lease now, taking it if it is free.
    pub async fn hold(&mut self) -> bool {
        use sea_orm::sqlx::Connection as _;
        if self.backend != sea_orm::DbBackend::Postgres {
            return true;
        }
        if let Some(connection) = self.connection.as_mut() {
            if connection.ping().await.is_ok() {
                return true;
            }
            self.connection = None;
        }
        let Some(mut connection) = super::own_postgres_connection(&self.url).await else {
            return false;
        };
        let taken: Result<bool, _> = sea_orm::sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(FEED_LOCK_KEY)
            .fetch_one(&mut connection)
            .await;
        if taken.unwrap_or(false) {
            tracing::info!("feed: this replica holds the feed lease and ingests");
            self.connection = Some(connection);
            true
        } else {
            let _ = connection.close().await;
            false
        }
    }
}
