//! Reversals: a correcting entry moves (part of) an entry's amount back
//! from its credit side to its debit side. A refund is a reversal of a
//! job's payment by the job's contractor.
//!
//! The entry's `reversed` total is what keeps the sum of its reversals
//! within its amount: the entry row is locked by `prefetch`, so reversals
//! of one entry take turns, and each sees what the one before it left.

use super::Receipt;
use super::decide::{Batch, Decision, Fill, NewEntry, same_currency};
use super::state::{JobWithContract, LoadedEntry};
use crate::domain::{EntryKind, Job, LedgerEntry};
use crate::error::{Error, Resource};
use crate::money::{Minor, Money};

/// What a reversal wrote: its entry's index, and the balance after of the
/// side that gave the money back.
struct Reversed {
    reversal: LedgerEntry,
    original: LedgerEntry,
    fill: Fill,
    giver_after: Option<Minor>,
}

impl Batch {
    /// An admin reverses entry `entry_id`: `amount`, or all that is left.
    pub(super) fn reverse_entry(
        &mut self,
        entry_id: i64,
        amount: Option<&Money>,
        reason: Option<String>,
        request_id: Option<String>,
    ) -> Result<Decision, Error> {
        if !self.entries.contains_key(&entry_id) {
            return Err(Error::NotFound(Resource::LedgerEntry, entry_id));
        }
        let done = self.reverse(entry_id, amount, reason, request_id)?;
        Ok(Decision::Done {
            receipt: Receipt::Reversal {
                reversal: done.reversal,
                original: done.original,
            },
            fills: vec![done.fill],
        })
    }

    /// The job's contractor refunds its client: `amount` of the job's
    /// payment, or all not refunded yet.
    pub(super) fn refund_job(
        &mut self,
        caller: i64,
        job_id: i64,
        amount: Option<&Money>,
        request_id: Option<String>,
    ) -> Result<Decision, Error> {
        let Some(JobWithContract { job, contract, .. }) = self.jobs.get(&job_id) else {
            return Err(Error::NotFound(Resource::Job, job_id));
        };
        if caller != contract.client_id && caller != contract.contractor_id {
            return Err(Error::NotFound(Resource::Job, job_id));
        }
        if caller != contract.contractor_id {
            return Err(Error::WrongParty(
                "only the job's contractor may refund its payment",
            ));
        }
        if !job.paid {
            return Err(Error::JobNotPaid);
        }
        let payment = *self
            .job_payments
            .get(&job_id)
            .ok_or(Error::PaymentNotInLedger)?;
        let done = self.reverse(payment, amount, None, request_id)?;
        let loaded = self.jobs.get_mut(&job_id).expect("looked up above");
        loaded.job.refunded = done.original.reversed.get();
        loaded.job.updated_at = self.now;
        let job = Job::new(loaded.job.clone(), &loaded.currency);
        let contractor_balance = done
            .giver_after
            .map(|after| same_currency(&job.price, after))
            .ok_or_else(|| Error::Internal("a job payment has no credit side".to_owned()))?;
        Ok(Decision::Done {
            receipt: Receipt::Refund {
                job,
                reversal: done.reversal,
                contractor_balance,
            },
            fills: vec![done.fill],
        })
    }

    /// Reverses `amount` (or the rest) of loaded entry `entry_id`.
    fn reverse(
        &mut self,
        entry_id: i64,
        amount: Option<&Money>,
        reason: Option<String>,
        request_id: Option<String>,
    ) -> Result<Reversed, Error> {
        let LoadedEntry {
            model: original,
            currency,
        } = &self.entries[&entry_id];
        let kind = EntryKind::from(original.kind);
        if !kind.is_reversible() {
            return Err(Error::EntryNotReversible {
                kind: kind.as_api_name(),
            });
        }
        let left = currency.money(Minor::new(original.amount - original.reversed));
        let amount = match amount {
            Some(amount) if amount.currency_code != currency.code => {
                return Err(Error::invalid(
                    "amount",
                    format!("must be in the entry's currency, {}", currency.code),
                ));
            }
            Some(amount) => amount.clone(),
            None => left.clone(),
        };
        if !left.amount().is_positive() || amount.amount() > left.amount() {
            return Err(Error::ReversalExceedsEntry { reversible: left });
        }
        // Back from the credit side (it gives, out of what is available)
        // to the debit side.
        let (giver, receiver) = (original.credit_profile_id, original.debit_profile_id);
        let giver_after = giver
            .map(|id| self.after_debit(id, &amount).map(|after| (id, after)))
            .transpose()?;
        let receiver_after = receiver
            .map(|id| self.after_credit(id, &amount).map(|after| (id, after)))
            .transpose()?;
        for (id, after) in giver_after.into_iter().chain(receiver_after) {
            self.set_balance(id, &amount.currency_code, after);
        }
        let index = self.push_entry(NewEntry {
            kind: EntryKind::Reversal,
            debit: giver_after,
            credit: receiver_after,
            amount: amount.amount(),
            currency_code: amount.currency_code.clone(),
            job_id: None,
            request_id: request_id.clone(),
            reversal_of: Some(entry_id),
            reason: reason.clone(),
        });
        let loaded = self.entries.get_mut(&entry_id).expect("looked up above");
        loaded.model.reversed += amount.amount().get();
        self.reversed.insert(entry_id);
        let original = LedgerEntry::new(loaded.model.clone(), &loaded.currency);
        let reversal = LedgerEntry {
            id: 0,
            kind: EntryKind::Reversal,
            debit_profile_id: giver,
            credit_profile_id: receiver,
            amount: amount.amount(),
            job_id: None,
            debit_balance_after: giver_after.map(|(_, after)| after),
            credit_balance_after: receiver_after.map(|(_, after)| after),
            request_id,
            currency: loaded.currency.clone(),
            create_time: self.now,
            reversal_of: Some(entry_id),
            reversed: Minor::ZERO,
            reason,
        };
        Ok(Reversed {
            reversal,
            original,
            fill: Fill::ReversalEntry(index),
            giver_after: giver_after.map(|(_, after)| after),
        })
    }
}
