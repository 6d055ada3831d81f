//! Paying a job: the client's balance to the contractor's, in the
//! contract's currency.

use super::Receipt;
use super::decide::Batch;
use super::state::JobWithContract;
use crate::domain::EntryKind;
use crate::domain::Job;
use crate::error::{Error, Resource};
use crate::money::Minor;
use crate::store::entities::contract::ContractStatus;

impl Batch {
    /// The caller (the job's client) pays the job. A job of a contract the
    /// caller is no party to is not found.
    pub(super) fn pay_job(
        &mut self,
        caller: i64,
        job_id: i64,
        request_id: Option<String>,
    ) -> Result<Receipt, Error> {
        let not_found = Error::NotFound(Resource::Job, job_id);
        let Some(JobWithContract {
            job,
            contract,
            currency,
        }) = self.jobs.get(&job_id)
        else {
            return Err(not_found);
        };
        if caller != contract.client_id && caller != contract.contractor_id {
            return Err(not_found);
        }
        if caller != contract.client_id {
            return Err(Error::WrongParty(
                "only the contract's client may pay its jobs",
            ));
        }
        if job.paid {
            return Err(Error::JobAlreadyPaid);
        }
        if contract.status != ContractStatus::InProgress {
            return Err(Error::ContractNotActive);
        }
        let (client, contractor, currency) =
            (contract.client_id, contract.contractor_id, currency.clone());
        let price = currency.money(Minor::new(job.price));
        let client_after = self.after_debit(client, &price)?;
        let contractor_after = self.after_credit(contractor, &price)?;
        self.set_balance(client, &currency.code, client_after);
        self.set_balance(contractor, &currency.code, contractor_after);
        if let Some(total) = self.outstanding.get_mut(&(client, currency.code.clone())) {
            *total -= i128::from(price.amount().get());
        }
        self.append_entry(
            EntryKind::JobPayment,
            Some((client, client_after)),
            Some((contractor, contractor_after)),
            &price,
            Some(job_id),
            request_id,
        );
        let now = self.now;
        let paid = &mut self.jobs.get_mut(&job_id).expect("looked up above").job;
        paid.paid = true;
        paid.payment_time = Some(now);
        paid.updated_at = now;
        let job = Job::new(paid.clone(), &currency);
        self.effects.paid_jobs.push(job_id);
        Ok(Receipt::PayJob {
            job,
            client_balance: currency.money(client_after),
        })
    }
}
