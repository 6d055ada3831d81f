//! Money moved outside the platform, reported by the upstream feed:
//! earned (credited from outside) and spent (debited to outside).

use super::Receipt;
use super::decide::{Batch, same_currency};
use crate::domain::EntryKind;
use crate::error::Error;
use crate::money::Money;

impl Batch {
    /// Money earned outside the platform.
    pub(super) fn external_credit(
        &mut self,
        profile_id: i64,
        amount: &Money,
    ) -> Result<Receipt, Error> {
        let after = self.after_credit(profile_id, amount)?;
        self.set_balance(profile_id, &amount.currency_code, after);
        self.append_entry(
            EntryKind::ExternalCredit,
            None,
            Some((profile_id, after)),
            amount,
            None,
            None,
        );
        Ok(Receipt::External {
            balance: same_currency(amount, after),
        })
    }

    /// Money spent outside the platform, out of what is available.
    pub(super) fn external_debit(
        &mut self,
        profile_id: i64,
        amount: &Money,
    ) -> Result<Receipt, Error> {
        let after = self.after_debit(profile_id, amount)?;
        self.set_balance(profile_id, &amount.currency_code, after);
        self.append_entry(
            EntryKind::ExternalDebit,
            Some((profile_id, after)),
            None,
            amount,
            None,
            None,
        );
        Ok(Receipt::External {
            balance: same_currency(amount, after),
        })
    }
}
