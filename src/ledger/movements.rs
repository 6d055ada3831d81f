//! Movements a profile makes on its own balance: deposits, withdrawals
//! and transfers to another profile.

use super::Receipt;
use super::decide::{Batch, same_currency};
use crate::domain::EntryKind;
use crate::error::Error;
use crate::money::{Minor, Money};
use crate::store::entities::profile::ProfileType;

impl Batch {
    /// A client tops up its own balance, by at most a quarter of its
    /// outstanding jobs in the deposit's currency.
    pub(super) fn deposit(
        &mut self,
        caller: i64,
        profile_id: i64,
        amount: &Money,
        request_id: Option<String>,
    ) -> Result<Receipt, Error> {
        if profile_id != caller {
            return Err(Error::DepositNotAllowed(
                "a deposit can only be made into the caller's own balance",
            ));
        }
        if self.profiles[&caller].profile_type != ProfileType::Client {
            return Err(Error::DepositNotAllowed("only clients can deposit"));
        }
        let key = (caller, amount.currency_code.clone());
        let outstanding = self.outstanding.get(&key).copied().unwrap_or(0);
        if 4 * i128::from(amount.amount().get()) > outstanding {
            let limit = i64::try_from(outstanding.max(0) / 4).unwrap_or(i64::MAX);
            return Err(Error::DepositLimitExceeded {
                limit: same_currency(amount, Minor::new(limit)),
            });
        }
        let after = self.after_credit(caller, amount)?;
        self.set_balance(caller, &amount.currency_code, after);
        self.append_entry(
            EntryKind::Deposit,
            None,
            Some((caller, after)),
            amount,
            None,
            request_id,
        );
        Ok(Receipt::Deposit {
            balance: same_currency(amount, after),
        })
    }

    /// The caller takes money out of the platform, out of what is
    /// available.
    pub(super) fn withdraw(
        &mut self,
        caller: i64,
        amount: &Money,
        request_id: Option<String>,
    ) -> Result<Receipt, Error> {
        let after = self.after_debit(caller, amount)?;
        self.set_balance(caller, &amount.currency_code, after);
        self.append_entry(
            EntryKind::Withdrawal,
            Some((caller, after)),
            None,
            amount,
            None,
            request_id,
        );
        Ok(Receipt::Withdraw {
            balance: same_currency(amount, after),
        })
    }

    /// The caller moves money to another existing profile.
    pub(super) fn transfer(
        &mut self,
        caller: i64,
        to: i64,
        amount: &Money,
        request_id: Option<String>,
    ) -> Result<Receipt, Error> {
        if to == caller {
            return Err(Error::invalid(
                "to_profile_id",
                "must be another profile than the caller",
            ));
        }
        if !self.profiles.contains_key(&to) {
            return Err(Error::invalid(
                "to_profile_id",
                format!("must be the id of a profile: no profile has id {to}"),
            ));
        }
        let caller_after = self.after_debit(caller, amount)?;
        let to_after = self.after_credit(to, amount)?;
        self.set_balance(caller, &amount.currency_code, caller_after);
        self.set_balance(to, &amount.currency_code, to_after);
        self.append_entry(
            EntryKind::Transfer,
            Some((caller, caller_after)),
            Some((to, to_after)),
            amount,
            None,
            request_id,
        );
        Ok(Receipt::Transfer {
            balance: same_currency(amount, caller_after),
        })
    }
}
