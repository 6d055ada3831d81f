//! Payouts: a request holds money of the available balance; a
//! cancellation releases it; a completion pays it out of the platform.
//! Feed items request and complete payouts made upstream.

use super::decide::{Batch, Decision, Fill, PayoutSlot, PayoutView};
use super::{ADMIN, Receipt};
use crate::domain::EntryKind;
use crate::domain::Payout;
use crate::error::{Error, Resource};
use crate::money::{Currency, Minor, Money};
use crate::store::entities::payout::{self, PayoutState};

impl Batch {
    /// Holds `amount` of `profile_id`'s available balance as a new payout
    /// request (by the caller, or upstream's with its item's id).
    pub(super) fn request_payout(
        &mut self,
        profile_id: i64,
        amount: &Money,
        request_id: Option<String>,
        external_id: Option<String>,
    ) -> Result<Decision, Error> {
        self.after_debit(profile_id, amount)?;
        self.update_state(profile_id, &amount.currency_code, |state| {
            state.held = Minor::new(state.held.get() + amount.amount().get())
        });
        let model = payout::Model {
            id: 0,
            profile_id,
            currency_code: amount.currency_code.clone(),
            amount: amount.amount().get(),
            state: PayoutState::Requested,
            ledger_entry_id: None,
            external_id,
            request_id,
            created_at: self.now,
            updated_at: self.now,
        };
        let currency = Currency::new(amount.currency_code.clone(), amount.precision);
        let receipt = Receipt::Payout {
            payout: Payout::new(model.clone(), &currency),
        };
        self.new_payouts.push(PayoutView {
            model,
            currency,
            entry: None,
            changed: true,
        });
        Ok(Decision::Done {
            receipt,
            fills: vec![Fill::Payout(self.new_payouts.len() - 1)],
        })
    }

    /// Releases a requested payout's hold: by its requester, or an admin.
    pub(super) fn cancel_payout(&mut self, caller: i64, id: i64) -> Result<Decision, Error> {
        let (profile_id, amount) = self.requested_payout(caller, id)?;
        self.update_state(profile_id, &amount.currency_code, |state| {
            state.held = Minor::new(state.held.get() - amount.amount().get())
        });
        Ok(self.finish_payout(PayoutSlot::Stored(id), PayoutState::Cancelled, None))
    }

    /// An admin pays a requested payout out: its hold and its amount
    /// leave the balance together.
    pub(super) fn complete_payout(&mut self, caller: i64, id: i64) -> Result<Decision, Error> {
        self.requested_payout(caller, id)?;
        Ok(self.pay_out(PayoutSlot::Stored(id)))
    }

    /// Completes `profile_id`'s oldest requested payout of exactly
    /// `amount`: stored ones first (smaller ids), then those requested
    /// earlier in this batch.
    pub(super) fn complete_matching_payout(
        &mut self,
        profile_id: i64,
        amount: &Money,
    ) -> Result<Decision, Error> {
        let matches = |view: &PayoutView| {
            view.model.profile_id == profile_id
                && view.model.currency_code == amount.currency_code
                && view.model.amount == amount.amount().get()
                && view.model.state == PayoutState::Requested
        };
        let slot = self
            .stored_payouts
            .iter()
            .find(|(_, view)| matches(view))
            .map(|(id, _)| PayoutSlot::Stored(*id))
            .or_else(|| {
                self.new_payouts
                    .iter()
                    .position(matches)
                    .map(PayoutSlot::New)
            })
            .ok_or(Error::NoMatchingPayout)?;
        Ok(self.pay_out(slot))
    }

    /// Stored payout `id`'s owner and amount, if `caller` may act on it
    /// and it is still requested.
    fn requested_payout(&self, caller: i64, id: i64) -> Result<(i64, Money), Error> {
        let view = self
            .stored_payouts
            .get(&id)
            .filter(|p| caller == ADMIN || p.model.profile_id == caller)
            .ok_or(Error::NotFound(Resource::Payout, id))?;
        if view.model.state != PayoutState::Requested {
            return Err(Error::PayoutNotRequested {
                state: view.model.state.as_api_name(),
            });
        }
        Ok((
            view.model.profile_id,
            view.currency.money(Minor::new(view.model.amount)),
        ))
    }

    /// Pays a requested payout out with a `payout` entry.
    fn pay_out(&mut self, slot: PayoutSlot) -> Decision {
        let view = self.payout(slot);
        let (profile_id, amount) = (
            view.model.profile_id,
            view.currency.money(Minor::new(view.model.amount)),
        );
        let state = self.state(profile_id, &amount.currency_code);
        let after = Minor::new(state.balance.get() - amount.amount().get());
        self.update_state(profile_id, &amount.currency_code, |state| {
            state.balance = after;
            state.held = Minor::new(state.held.get() - amount.amount().get());
        });
        let entry = self.append_entry(
            EntryKind::Payout,
            Some((profile_id, after)),
            None,
            &amount,
            None,
            None,
        );
        self.finish_payout(slot, PayoutState::PaidOut, Some(entry))
    }

    /// Moves a payout to its final `state` and answers it.
    fn finish_payout(
        &mut self,
        slot: PayoutSlot,
        state: PayoutState,
        entry: Option<usize>,
    ) -> Decision {
        let now = self.now;
        let view = self.payout_mut(slot);
        view.model.state = state;
        view.model.updated_at = now;
        view.entry = entry;
        view.changed = true;
        let receipt = Receipt::Payout {
            payout: Payout::new(view.model.clone(), &view.currency),
        };
        let mut fills = Vec::new();
        if let PayoutSlot::New(index) = slot {
            fills.push(Fill::Payout(index));
        }
        if let Some(entry) = entry {
            fills.push(Fill::PayoutEntry(entry));
        }
        Decision::Done { receipt, fills }
    }

    fn payout(&self, slot: PayoutSlot) -> &PayoutView {
        match slot {
            PayoutSlot::Stored(id) => &self.stored_payouts[&id],
            PayoutSlot::New(index) => &self.new_payouts[index],
        }
    }

    fn payout_mut(&mut self, slot: PayoutSlot) -> &mut PayoutView {
        match slot {
            PayoutSlot::Stored(id) => self.stored_payouts.get_mut(&id).expect("looked up"),
            PayoutSlot::New(index) => &mut self.new_payouts[index],
        }
    }
}
