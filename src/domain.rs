//! Domain values that handlers and the ledger hand out: stored rows joined
//! with what gives them meaning (a job's price as [`Money`], a balance with
//! its currency). `crate::conversions::to_wire` turns them into messages;
//! nothing here knows protobuf.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Minor, Money};
use crate::store::entities::{balance, job, ledger_entry, profile};

/// A job with its price in its currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: i64,
    pub description: String,
    pub price: Money,
    pub paid: bool,
    pub payment_time: Option<DateTime<Utc>>,
    pub contract_id: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

impl Job {
    /// `currency` is the job's (`model.currency_code`).
    pub fn new(model: job::Model, currency: &Currency) -> Self {
        Job {
            id: model.id,
            description: model.description,
            price: currency.money(Minor::new(model.price)),
            paid: model.paid,
            payment_time: model.payment_time,
            contract_id: model.contract_id,
            create_time: model.created_at,
            update_time: model.updated_at,
        }
    }
}

/// A profile's money in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub balance: Money,
    pub held: Money,
}

impl Balance {
    pub fn new(currency: &Currency, balance: Minor, held: Minor) -> Self {
        Balance {
            balance: currency.money(balance),
            held: currency.money(held),
        }
    }

    /// A currency never held: zero.
    pub fn zero(currency: &Currency) -> Self {
        Balance::new(currency, Minor::ZERO, Minor::ZERO)
    }

    pub fn from_row(row: &balance::Model, currency: &Currency) -> Self {
        Balance::new(currency, Minor::new(row.balance), Minor::new(row.held))
    }

    pub fn currency_code(&self) -> &str {
        &self.balance.currency_code
    }

    /// What can be spent: balance minus held.
    pub fn available(&self) -> Money {
        let mut available = self.balance.clone();
        available.minor_units = Minor::new(self.balance.amount().get() - self.held.amount().get());
        available
    }
}

/// A profile with its balances: the platform currency's first, then all
/// (every currency held plus the platform currency, by code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub model: profile::Model,
    pub platform_balance: Balance,
    pub balances: Vec<Balance>,
}

/// A ledger entry with its amounts in its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub model: ledger_entry::Model,
    pub currency: Currency,
}
