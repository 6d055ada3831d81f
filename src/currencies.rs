//! The currency registry: codes in requests resolved to [`Currency`] values.
//!
//! Currencies are data (the `currencies` table) and never change once
//! created, so every currency found is cached for the life of the process;
//! a code not in the cache is looked up in the database, so a currency
//! created through another replica is known here on its first use.

use std::collections::HashMap;
use std::sync::RwLock;

use sea_orm::ConnectionTrait;

use crate::error::Error;
use crate::money::{Currency, MAX_PRECISION};
use crate::store::{Store, queries};

/// A stored currency as a domain value (the CHECK keeps the precision in
/// 0..=12).
pub fn from_row(code: String, precision: i32) -> Currency {
    Currency::new(code, u8::try_from(precision).unwrap_or(MAX_PRECISION))
}

/// Resolves and creates currencies.
pub struct Currencies {
    store: Store,
    /// The code an empty `currency_code` means (`--default-currency`).
    platform_code: String,
    cache: RwLock<HashMap<String, Currency>>,
}

/// A syntactically valid code, upper case: `^[A-Za-z0-9]{3,8}$`.
pub fn normalize_code(code: &str) -> Option<String> {
    let valid = (3..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric());
    valid.then(|| code.to_ascii_uppercase())
}

impl Currencies {
    /// `platform_code` is checked by [`Currencies::check_platform`] once
    /// the database answers.
    pub fn new(store: Store, platform_code: &str) -> Self {
        Currencies {
            store,
            platform_code: platform_code.to_ascii_uppercase(),
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// The platform currency, or a one-line explanation of why it is not
    /// usable (start-up stops on it).
    pub async fn check_platform(&self) -> Result<Currency, String> {
        if normalize_code(&self.platform_code).is_none() {
            return Err(format!(
                "invalid --default-currency (JOBPAY_DEFAULT_CURRENCY) {:?}: expected 3 to 8 letters or digits",
                self.platform_code
            ));
        }
        match self.lookup(&self.platform_code).await {
            Ok(Some(currency)) => Ok(currency),
            Ok(None) => Err(format!(
                "invalid --default-currency (JOBPAY_DEFAULT_CURRENCY) {}: no such currency in the database \
                 (it has USD, EUR, BTC and those added with AdminService.CreateCurrency)",
                self.platform_code
            )),
            Err(e) => Err(format!("cannot read the currencies: {e}")),
        }
    }

    /// The currency an empty `currency_code` means.
    pub async fn platform(&self) -> Result<Currency, Error> {
        self.known(&self.platform_code).await
    }

    /// A request's `currency_code` field: empty means the platform
    /// currency; any letter case; unknown is INVALID_ARGUMENT
    /// (CURRENCY_NOT_SUPPORTED).
    pub async fn resolve(&self, field: &str, code: &str) -> Result<Currency, Error> {
        if code.is_empty() {
            return self.platform().await;
        }
        let unsupported = || Error::CurrencyNotSupported {
            field: field.to_owned(),
            code: crate::error::excerpt(code, 16),
        };
        let normalized = normalize_code(code).ok_or_else(unsupported)?;
        self.lookup(&normalized).await?.ok_or_else(unsupported)
    }

    /// A code read from the database (it exists).
    pub async fn known(&self, code: &str) -> Result<Currency, Error> {
        self.lookup(code)
            .await?
            .ok_or_else(|| Error::Internal(format!("currency {code} is not in the database")))
    }

    /// [`Currencies::known`] inside a transaction: a cache miss reads
    /// through `db` (on SQLite, the transaction holds the only connection).
    pub async fn known_in<C: ConnectionTrait>(
        &self,
        db: &C,
        code: &str,
    ) -> Result<Currency, Error> {
        self.lookup_in(db, code)
            .await?
            .ok_or_else(|| Error::Internal(format!("currency {code} is not in the database")))
    }

    async fn lookup(&self, code: &str) -> Result<Option<Currency>, Error> {
        self.lookup_in(self.store.reads(), code).await
    }

    async fn lookup_in<C: ConnectionTrait>(
        &self,
        db: &C,
        code: &str,
    ) -> Result<Option<Currency>, Error> {
        if let Some(found) = self
            .cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(code)
        {
            return Ok(Some(found.clone()));
        }
        // Boxed: the query's large future is allocated on a miss only, not
        // carried by every call that resolves a currency.
        let Some(model) = Box::pin(queries::currency_by_code(db, code)).await? else {
            return Ok(None);
        };
        Ok(Some(self.remember(model.code, model.precision)))
    }

    fn remember(&self, code: String, precision: i32) -> Currency {
        let currency = from_row(code, precision);
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(currency.code.clone(), currency.clone());
        currency
    }

    /// Every currency, by code.
    pub async fn list(&self) -> Result<Vec<Currency>, Error> {
        let models = queries::all_currencies(self.store.reads()).await?;
        Ok(models
            .into_iter()
            .map(|m| self.remember(m.code, m.precision))
            .collect())
    }

    /// Adds a currency (admin). The code is validated and upper-cased;
    /// an existing code is ALREADY_EXISTS.
    pub async fn create(&self, code: &str, precision: i32) -> Result<Currency, Error> {
        let mut violations = Vec::new();
        let normalized = normalize_code(code);
        if normalized.is_none() {
            violations.push(crate::error::Violation::new(
                "code",
                "must be 3 to 8 letters or digits, e.g. \"GBP\"",
            ));
        }
        let precision = u8::try_from(precision).ok().filter(|p| *p <= MAX_PRECISION);
        if precision.is_none() {
            violations.push(crate::error::Violation::new(
                "precision",
                "must be between 0 and 12",
            ));
        }
        let (Some(code), Some(precision)) = (normalized, precision) else {
            return Err(Error::InvalidArgument(violations));
        };
        let created = self
            .store
            .write(|tx| {
                let code = code.clone();
                Box::pin(async move { queries::insert_currency(tx, &code, precision).await })
            })
            .await?
            .ok_or(Error::CurrencyExists(code))?;
        Ok(self.remember(created.code, created.precision))
    }
}
