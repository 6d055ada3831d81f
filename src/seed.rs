//! The demo data (`jobpay seed`, `serve --demo`): `data/deel_seed.json`,
//! compiled into the binary.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, PaginatorTrait, Statement,
};
use serde::Deserialize;

use crate::error::Error;
use crate::money::{Currency, Minor, Rounding};
use crate::store::entities::contract::{self, ContractStatus};
use crate::store::entities::ledger_entry::{self, EntryKind};
use crate::store::entities::profile::{self, ProfileType};
use crate::store::entities::{balance, job, request_record};
use crate::store::{self, Store};

/// The demo data set, as shipped.
pub const DEMO_DATA: &str = include_str!("../data/deel_seed.json");

#[derive(Debug, Deserialize)]
struct SeedFile {
    profiles: Vec<SeedProfile>,
    contracts: Vec<SeedContract>,
    jobs: Vec<SeedJob>,
}

#[derive(Debug, Deserialize)]
struct SeedProfile {
    id: i64,
    first_name: String,
    last_name: String,
    profession: String,
    balance: String,
    #[serde(rename = "type")]
    profile_type: String,
}

#[derive(Debug, Deserialize)]
struct SeedContract {
    id: i64,
    terms: String,
    status: String,
    client_id: i64,
    contractor_id: i64,
}

#[derive(Debug, Deserialize)]
struct SeedJob {
    id: i64,
    description: String,
    price: String,
    paid: bool,
    payment_date: Option<DateTime<Utc>>,
    contract_id: i64,
}

/// What seeding did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedOutcome {
    Loaded {
        profiles: usize,
        contracts: usize,
        jobs: usize,
    },
    /// The database has profiles already and `force` was not given.
    NotEmpty,
}

/// Loads `data` (JSON of the demo format) in one transaction. An empty
/// database is required unless `force`, which deletes everything first.
pub async fn seed(store: &Store, data: &str, force: bool) -> Result<SeedOutcome, Error> {
    let file: SeedFile = serde_json::from_str(data)
        .map_err(|e| Error::Internal(format!("seed data is not valid JSON: {e}")))?;
    let rows = Rows::from_file(&file)?;
    store
        .write(|tx| {
            let rows = rows.clone();
            Box::pin(async move {
                let existing = profile::Entity::find().count(tx).await?;
                if existing > 0 && !force {
                    return Ok(SeedOutcome::NotEmpty);
                }
                if existing > 0 {
                    delete_everything(tx).await?;
                }
                let outcome = SeedOutcome::Loaded {
                    profiles: rows.profiles.len(),
                    contracts: rows.contracts.len(),
                    jobs: rows.jobs.len(),
                };
                rows.insert(tx).await?;
                Ok(outcome)
            })
        })
        .await
}

/// The seed file as rows ready to insert.
#[derive(Clone)]
struct Rows {
    profiles: Vec<profile::ActiveModel>,
    balances: Vec<balance::ActiveModel>,
    contracts: Vec<contract::ActiveModel>,
    jobs: Vec<job::ActiveModel>,
    openings: Vec<ledger_entry::ActiveModel>,
}

fn bad(what: String) -> Error {
    Error::Internal(format!("invalid seed data: {what}"))
}

/// The demo data's amounts are USD.
fn money(what: &str, id: i64, text: &str) -> Result<Minor, Error> {
    Currency::usd()
        .parse_amount(text, Rounding::Exact)
        .map_err(|e| bad(format!("{what} {id}: {text:?} {e}")))
}

const SEED_CURRENCY: &str = "USD";

impl Rows {
    fn from_file(file: &SeedFile) -> Result<Rows, Error> {
        let now = store::now();
        let mut rows = Rows {
            profiles: Vec::new(),
            balances: Vec::new(),
            contracts: Vec::new(),
            jobs: Vec::new(),
            openings: Vec::new(),
        };
        for p in &file.profiles {
            let profile_type = match p.profile_type.as_str() {
                "client" => ProfileType::Client,
                "contractor" => ProfileType::Contractor,
                other => return Err(bad(format!("profile {}: type {other:?}", p.id))),
            };
            let balance = money("profile", p.id, &p.balance)?;
            rows.profiles.push(profile::ActiveModel {
                id: Set(p.id),
                first_name: Set(p.first_name.clone()),
                last_name: Set(p.last_name.clone()),
                profession: Set(p.profession.clone()),
                profile_type: Set(profile_type),
                external_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            });
            rows.balances.push(balance::ActiveModel {
                profile_id: Set(p.id),
                currency_code: Set(SEED_CURRENCY.to_owned()),
                balance: Set(balance.get()),
                held: Set(0),
                opening: Set(balance.get()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            // Balances that predate the ledger enter it as opening entries,
            // so every balance equals its credits minus its debits.
            if balance.is_positive() {
                rows.openings.push(ledger_entry::ActiveModel {
                    id: NotSet,
                    kind: Set(EntryKind::Opening),
                    debit_profile_id: Set(None),
                    credit_profile_id: Set(Some(p.id)),
                    amount: Set(balance.get()),
                    job_id: Set(None),
                    debit_balance_after: Set(None),
                    credit_balance_after: Set(Some(balance.get())),
                    request_id: Set(None),
                    currency_code: Set(SEED_CURRENCY.to_owned()),
                    created_at: Set(now),
                    reversal_of: Set(None),
                    reversed: Set(0),
                    reason: Set(None),
                });
            }
        }
        for c in &file.contracts {
            let status = match c.status.as_str() {
                "new" => ContractStatus::New,
                "in_progress" => ContractStatus::InProgress,
                "terminated" => ContractStatus::Terminated,
                other => return Err(bad(format!("contract {}: status {other:?}", c.id))),
            };
            rows.contracts.push(contract::ActiveModel {
                id: Set(c.id),
                terms: Set(c.terms.clone()),
                status: Set(status),
                client_id: Set(c.client_id),
                contractor_id: Set(c.contractor_id),
                currency_code: Set(SEED_CURRENCY.to_owned()),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        for j in &file.jobs {
            let price = money("job", j.id, &j.price)?;
            let payment_time = match (j.paid, j.payment_date) {
                (true, Some(at)) => Some(store::truncate(at)),
                (false, None) => None,
                _ => return Err(bad(format!("job {}: paid and payment_date disagree", j.id))),
            };
            rows.jobs.push(job::ActiveModel {
                id: Set(j.id),
                description: Set(j.description.clone()),
                price: Set(price.get()),
                currency_code: Set(SEED_CURRENCY.to_owned()),
                paid: Set(j.paid),
                payment_time: Set(payment_time),
                contract_id: Set(j.contract_id),
                created_at: Set(now),
                updated_at: Set(payment_time.unwrap_or(now)),
                refunded: Set(0),
            });
        }
        Ok(rows)
    }

    async fn insert(self, tx: &DatabaseTransaction) -> Result<(), Error> {
        if !self.profiles.is_empty() {
            profile::Entity::insert_many(self.profiles)
                .exec_without_returning(tx)
                .await?;
        }
        if !self.balances.is_empty() {
            balance::Entity::insert_many(self.balances)
                .exec_without_returning(tx)
                .await?;
        }
        if !self.contracts.is_empty() {
            contract::Entity::insert_many(self.contracts)
                .exec_without_returning(tx)
                .await?;
        }
        if !self.jobs.is_empty() {
            job::Entity::insert_many(self.jobs)
                .exec_without_returning(tx)
                .await?;
        }
        if !self.openings.is_empty() {
            ledger_entry::Entity::insert_many(self.openings)
                .exec_without_returning(tx)
                .await?;
        }
        // Explicit ids do not advance PostgreSQL sequences: move them past
        // the seeded rows. (SQLite's AUTOINCREMENT follows by itself.)
        if tx.get_database_backend() == DbBackend::Postgres {
            for table in ["profiles", "contracts", "jobs", "ledger_entries"] {
                tx.execute_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                         COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    ),
                ))
                .await?;
            }
        }
        Ok(())
    }
}

async fn delete_everything(tx: &DatabaseTransaction) -> Result<(), Error> {
    request_record::Entity::delete_many().exec(tx).await?;
    ledger_entry::Entity::delete_many().exec(tx).await?;
    balance::Entity::delete_many().exec(tx).await?;
    job::Entity::delete_many().exec(tx).await?;
    contract::Entity::delete_many().exec(tx).await?;
    profile::Entity::delete_many().exec(tx).await?;
    Ok(())
}
