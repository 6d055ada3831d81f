//! Applies one page of upstream items in one transaction: the items'
//! effects (through the ledger), their stored states, and the cursor's
//! advance commit together or not at all.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;

use super::item::{Effect, Item};
use crate::error::Error;
use crate::ledger::{self, ADMIN, Command, Op};
use crate::money::Currency;
use crate::store::entities::feed_item::{self, FeedItemState};
use crate::store::{self, Store};

/// Where the cursor is: the window being read and the page to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub page: i32,
}

/// What applying a page did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageOutcome {
    pub applied: u64,
    pub rejected: u64,
    pub duplicate: u64,
    /// The cursor had moved on (another replica applied the page): nothing
    /// was written.
    pub stale: bool,
}

/// Applies `items` (page `cursor.page` of its window; `last` when no page
/// follows) and advances the cursor, unless the stored cursor is elsewhere.
pub async fn apply_page(
    store: &Store,
    currency: &Currency,
    cursor: Cursor,
    items: Vec<Item>,
    last: bool,
) -> Result<PageOutcome, Error> {
    let items = std::sync::Arc::new(items);
    let currency = std::sync::Arc::new(currency.clone());
    store
        .write(|tx| {
            let items = std::sync::Arc::clone(&items);
            let currency = std::sync::Arc::clone(&currency);
            Box::pin(async move {
                let now = store::now();
                let Some(mut state) = store::feed::state_for_update(tx).await? else {
                    return Ok(PageOutcome {
                        stale: true,
                        ..PageOutcome::default()
                    });
                };
                if state.window_start != cursor.window_start
                    || state.window_end != Some(cursor.window_end)
                    || state.page != cursor.page
                {
                    return Ok(PageOutcome {
                        stale: true,
                        ..PageOutcome::default()
                    });
                }

                // Duplicates: stored before, or earlier in this page.
                let ids: BTreeSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
                let stored = store::feed::stored_item_ids(tx, &ids).await?;
                let mut seen: HashSet<&str> = HashSet::new();
                let fresh: Vec<&Item> = items
                    .iter()
                    .filter(|item| !stored.contains(&item.id) && seen.insert(item.id.as_str()))
                    .collect();
                let duplicate = (items.len() - fresh.len()) as u64;

                let users: BTreeSet<&str> = fresh
                    .iter()
                    .filter(|item| item.outcome.is_ok())
                    .map(|item| item.user_id.as_str())
                    .collect();
                let profiles = store::feed::profiles_of_users(tx, &users, now).await?;

                // One command per applicable item, in the upstream's order.
                let mut commands = Vec::new();
                let mut command_of = Vec::with_capacity(fresh.len());
                for item in &fresh {
                    let command = match (item.outcome, profiles.get(&item.user_id)) {
                        (Ok((effect, minor)), Some(&profile_id)) => {
                            let amount = currency.money(minor);
                            let op = match effect {
                                Effect::Earned => Op::ExternalCredit { profile_id, amount },
                                Effect::Spent => Op::ExternalDebit { profile_id, amount },
                                Effect::Payout => Op::ExternalPayout {
                                    profile_id,
                                    amount,
                                    external_id: item.id.clone(),
                                },
                                Effect::PaidOut => Op::ExternalPaidOut { profile_id, amount },
                            };
                            commands.push(Command {
                                caller: ADMIN,
                                op,
                                request_id: None,
                            });
                            Some(commands.len() - 1)
                        }
                        _ => None,
                    };
                    command_of.push(command);
                }
                let outcomes = ledger::execute(tx, &commands, now).await?;

                // Arrival order from 1 (page tokens name the last one seen).
                let first_seq = state.items_applied + state.items_rejected + 1;
                let mut rows = Vec::with_capacity(fresh.len());
                let (mut applied, mut rejected) = (0u64, 0u64);
                for (index, (item, command)) in fresh.iter().zip(command_of).enumerate() {
                    let reason: Option<String> = match (command, item.outcome) {
                        (_, Err(reason)) => Some(reason.to_owned()),
                        (Some(at), Ok(_)) => match &outcomes[at] {
                            Ok(_) => None,
                            Err(refused) => Some(refused.reason().to_owned()),
                        },
                        (None, Ok(_)) => Some("USER_UNKNOWN".to_owned()),
                    };
                    if reason.is_some() {
                        rejected += 1;
                    } else {
                        applied += 1;
                    }
                    rows.push(feed_item::ActiveModel {
                        id: Set(item.id.clone()),
                        seq: Set(first_seq + index as i64),
                        user_id: Set(item.user_id.clone()),
                        item_type: Set(item.kind.clone()),
                        amount: Set(item.amount_text.clone()),
                        currency_code: Set(currency.code.clone()),
                        create_time: Set(item.created_at),
                        state: Set(if reason.is_some() {
                            FeedItemState::Rejected
                        } else {
                            FeedItemState::Applied
                        }),
                        reason: Set(reason),
                        profile_id: Set(profiles.get(&item.user_id).copied()),
                        apply_time: Set(now),
                    });
                }
                store::feed::insert_items(tx, rows).await?;

                state.items_applied += applied as i64;
                state.items_rejected += rejected as i64;
                state.items_duplicate += duplicate as i64;
                state.last_error = None;
                state.last_success_time = Some(now);
                if last {
                    state.window_start = cursor.window_end;
                    state.window_end = None;
                    state.page = 1;
                } else {
                    state.page += 1;
                }
                store::feed::save_state(tx, state).await?;
                Ok(PageOutcome {
                    applied,
                    rejected,
                    duplicate,
                    stale: false,
                })
            })
        })
        .await
}
