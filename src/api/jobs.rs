//! JobService: jobs under contracts, and paying for them.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    RelationTrait, sea_query::JoinType,
};
use tonic::{Request, Response, Status};

use super::contracts::{contract_of_party, party_of};
use super::pagination::{IdOrder, PageRequest};
use super::{AppState, id_field, move_money, text_field};
use crate::auth::load_caller;
use crate::conversions::from_wire::{AmountInput, PayJobInput};
use crate::domain::Job;
use crate::error::Error;
use crate::ledger::Op;
use crate::proto::pb::{self, job_service_server::JobService};
use crate::store;
use crate::store::entities::contract::{self, ContractStatus};
use crate::store::entities::job;

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
        let query = job::Entity::find()
            .join(JoinType::InnerJoin, job::Relation::Contract.def())
            .filter(party_of(caller))
            .filter(contract::Column::Status.eq(ContractStatus::InProgress))
            .filter(job::Column::Paid.eq(false));
        let (rows, next_page_token) = page
            .fetch(db, query, job::Column::Id, IdOrder::Ascending, |j| j.id)
            .await?;
        let mut jobs = Vec::with_capacity(rows.len());
        for model in rows {
            let currency = self.state.currencies.known(&model.currency_code).await?;
            jobs.push(Job::new(model, &currency).into());
        }
        Ok(Response::new(pb::ListUnpaidJobsResponse {
            jobs,
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
                    let contract = contract_of_party(tx, caller, contract_id).await?;
                    if contract.status == ContractStatus::Terminated {
                        return Err(Error::ContractTerminated);
                    }
                    // Priced in the contract's currency, at its precision.
                    let currency = currencies.known_in(tx, &contract.currency_code).await?;
                    let price = price.in_currency(&currency)?;
                    let now = store::now();
                    let created = job::ActiveModel {
                        description: Set(description),
                        price: Set(price.amount().get()),
                        currency_code: Set(currency.code.clone()),
                        paid: Set(false),
                        payment_time: Set(None),
                        contract_id: Set(contract_id),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    Ok(Job::new(created, &currency))
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
}
