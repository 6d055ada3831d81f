//! JobService: jobs under contracts, and paying for them.

use tonic::{Request, Response, Status};

use super::pagination::PageRequest;
use super::{AppState, id_field, move_money, text_field};
use crate::auth::load_caller;
use crate::conversions::from_wire::{AmountInput, PayJobInput, RefundJobInput};
use crate::domain::ContractStatus;
use crate::error::{Error, Resource};
use crate::ledger::Op;
use crate::proto::pb::{self, job_service_server::JobService};
use crate::store::{contracts, lists, queries};

const MAX_DESCRIPTION_CHARS: usize = 10_000;

pub struct JobApi {
    state: AppState,
}

impl JobApi {
    pub fn new(state: AppState) -> Self {
        JobApi { state }
    }
}

#[tonic::async_trait]
impl JobService for JobApi {
    async fn list_unpaid_jobs(
        &self,
        request: Request<pb::ListUnpaidJobsRequest>,
    ) -> Result<Response<pb::ListUnpaidJobsResponse>, Status> {
        let caller = self.state.caller(&request)?;
        let req = request.get_ref();
        let page = PageRequest::parse("unpaid_jobs", req.page_size, &req.page_token)?;
        let db = self.state.store.reads();
        self.state.authenticate(caller).await?;
        let mut jobs =
            lists::unpaid_jobs_of(db, &self.state.currencies, caller, page.keyset()).await?;
        let next_page_token = page.finish(&mut jobs, |j| j.id);
        Ok(Response::new(pb::ListUnpaidJobsResponse {
            jobs: jobs.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }

    async fn create_job(
        &self,
        request: Request<pb::CreateJobRequest>,
    ) -> Result<Response<pb::Job>, Status> {
        let caller = self.state.caller(&request)?;
        let req = request.get_ref();
        let contract_id = id_field("contract_id", req.contract_id)?;
        let description = text_field("description", &req.description, MAX_DESCRIPTION_CHARS)?;
        let price = AmountInput::new("price", &req.price, "", None)?;
        let currencies = std::sync::Arc::clone(&self.state.currencies);
        let job = self
            .state
            .store
            .write(|tx| {
                let (description, price) = (description.clone(), price.clone());
                let currencies = std::sync::Arc::clone(&currencies);
                Box::pin(async move {
                    load_caller(tx, caller).await?;
                    let contract = contracts::contract_of_party(tx, caller, contract_id).await?;
                    if contract.status == ContractStatus::Terminated {
                        return Err(Error::ContractTerminated);
                    }
                    // Priced in the contract's currency, at its precision.
                    let currency = currencies.known_in(tx, &contract.currency_code).await?;
                    let price = price.in_currency(&currency)?;
                    contracts::create_job(tx, contract_id, description, price).await
                })
            })
            .await?;
        Ok(Response::new(job.into()))
    }

    async fn pay_job(
        &self,
        request: Request<pb::PayJobRequest>,
    ) -> Result<Response<pb::PayJobResponse>, Status> {
        let (caller, hold, input): (_, _, PayJobInput) = self.state.movement(request)?;
        let op = Op::PayJob {
            job_id: input.job_id,
        };
        move_money(&self.state, hold, caller, op, input.request_id).await
    }

    async fn refund_job_payment(
        &self,
        request: Request<pb::RefundJobPaymentRequest>,
    ) -> Result<Response<pb::RefundJobPaymentResponse>, Status> {
        let (caller, hold, input): (_, _, RefundJobInput) = self.state.movement(request)?;
        let amount = match &input.amount {
            None => None,
            Some(amount) => {
                // In the job's currency (it never changes): read first.
                self.state.authenticate(caller).await?;
                let db = self.state.store.reads();
                let currency = queries::job_currency_for_party(
                    db,
                    &self.state.currencies,
                    input.job_id,
                    caller,
                )
                .await?
                .ok_or(Error::NotFound(Resource::Job, input.job_id))?;
                Some(amount.in_currency(&currency)?)
            }
        };
        let op = Op::RefundJob {
            job_id: input.job_id,
            amount,
        };
        move_money(&self.state, hold, caller, op, input.request_id).await
    }
}
