//! ContractService: contracts between a client and a contractor.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter,
};
use tonic::{Request, Response, Status};

use super::pagination::{IdOrder, PageRequest};
use super::{AppState, id_field, text_field};
use crate::auth::load_caller;
use crate::error::{Error, Resource};
use crate::proto::pb::{self, contract_service_server::ContractService};
use crate::store;
use crate::store::entities::contract::{self, ContractStatus};
use crate::store::entities::profile::{self, ProfileType};

const MAX_TERMS_CHARS: usize = 10_000;

pub struct ContractApi {
    state: AppState,
}

impl ContractApi {
    pub fn new(state: AppState) -> Self {
        ContractApi { state }
    }
}

/// Contracts where `profile_id` is the client or the contractor.
pub(super) fn party_of(profile_id: i64) -> Condition {
    Condition::any()
        .add(contract::Column::ClientId.eq(profile_id))
        .add(contract::Column::ContractorId.eq(profile_id))
}

/// The contract `id` if `caller` is a party of it; NOT_FOUND otherwise, so
/// that outsiders learn nothing about its existence.
pub(super) async fn contract_of_party<C: ConnectionTrait>(
    db: &C,
    caller: i64,
    id: i64,
) -> Result<contract::Model, Error> {
    contract::Entity::find_by_id(id)
        .filter(party_of(caller))
        .one(db)
        .await?
        .ok_or(Error::NotFound(Resource::Contract, id))
}

/// Which transition a call asks for, and who may ask.
#[derive(Clone, Copy)]
enum Transition {
    Start,
    Terminate,
}

impl Transition {
    fn verb(self) -> &'static str {
        match self {
            Transition::Start => "start",
            Transition::Terminate => "terminate",
        }
    }

    /// The new status, or why the caller may not make the change.
    fn apply(self, contract: &contract::Model, caller: i64) -> Result<ContractStatus, Error> {
        match self {
            Transition::Start if caller != contract.contractor_id => Err(Error::WrongParty(
                "only the contract's contractor may start it",
            )),
            Transition::Start if contract.status == ContractStatus::New => {
                Ok(ContractStatus::InProgress)
            }
            Transition::Terminate if contract.status != ContractStatus::Terminated => {
                Ok(ContractStatus::Terminated)
            }
            _ => Err(Error::InvalidContractTransition {
                action: self.verb(),
                status: contract.status.as_str(),
            }),
        }
    }
}

impl ContractApi {
    async fn transition(
        &self,
        caller: i64,
        id: i64,
        transition: Transition,
    ) -> Result<contract::Model, Error> {
        self.state
            .store
            .write(|tx| {
                Box::pin(async move {
                    load_caller(tx, caller).await?;
                    let contract = contract_of_party(tx, caller, id).await?;
                    let status = transition.apply(&contract, caller)?;
                    let mut changed: contract::ActiveModel = contract.into();
                    changed.status = Set(status);
                    changed.updated_at = Set(store::now());
                    Ok(changed.update(tx).await?)
                })
            })
            .await
    }
}

#[tonic::async_trait]
impl ContractService for ContractApi {
    async fn get_contract(
        &self,
        request: Request<pb::GetContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let caller = self.state.caller(&request)?;
        let id = id_field("id", request.get_ref().id)?;
        let db = self.state.store.reads();
        self.state.authenticate(caller).await?;
        let contract = contract_of_party(db, caller, id).await?;
        Ok(Response::new(contract.into()))
    }

    async fn list_contracts(
        &self,
        request: Request<pb::ListContractsRequest>,
    ) -> Result<Response<pb::ListContractsResponse>, Status> {
        let caller = self.state.caller(&request)?;
        let req = request.get_ref();
        let page = PageRequest::parse("contracts", req.page_size, &req.page_token)?;
        let db = self.state.store.reads();
        self.state.authenticate(caller).await?;
        let query = contract::Entity::find()
            .filter(party_of(caller))
            .filter(contract::Column::Status.ne(ContractStatus::Terminated));
        let (rows, next_page_token) = page
            .fetch(db, query, contract::Column::Id, IdOrder::Ascending, |c| {
                c.id
            })
            .await?;
        Ok(Response::new(pb::ListContractsResponse {
            contracts: rows.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }

    async fn create_contract(
        &self,
        request: Request<pb::CreateContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let caller = self.state.caller(&request)?;
        let req = request.get_ref();
        let contractor_id = id_field("contractor_id", req.contractor_id)?;
        let terms = text_field("terms", &req.terms, MAX_TERMS_CHARS)?;
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &req.currency_code)
            .await?;
        let contract = self
            .state
            .store
            .write(|tx| {
                let (terms, currency_code) = (terms.clone(), currency.code.clone());
                Box::pin(async move {
                    let client = load_caller(tx, caller).await?;
                    if client.profile_type != ProfileType::Client {
                        return Err(Error::CallerNotClient("create a contract"));
                    }
                    let contractor = profile::Entity::find_by_id(contractor_id).one(tx).await?;
                    if contractor.is_none_or(|p| p.profile_type != ProfileType::Contractor) {
                        return Err(Error::invalid(
                            "contractor_id",
                            "is not the id of an existing contractor",
                        ));
                    }
                    let now = store::now();
                    let created = contract::ActiveModel {
                        terms: Set(terms),
                        status: Set(ContractStatus::New),
                        client_id: Set(caller),
                        contractor_id: Set(contractor_id),
                        currency_code: Set(currency_code),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    Ok(created)
                })
            })
            .await?;
        Ok(Response::new(contract.into()))
    }

    async fn start_contract(
        &self,
        request: Request<pb::StartContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let caller = self.state.caller(&request)?;
        let id = id_field("id", request.get_ref().id)?;
        let contract = self.transition(caller, id, Transition::Start).await?;
        Ok(Response::new(contract.into()))
    }

    async fn terminate_contract(
        &self,
        request: Request<pb::TerminateContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let caller = self.state.caller(&request)?;
        let id = id_field("id", request.get_ref().id)?;
        let contract = self.transition(caller, id, Transition::Terminate).await?;
        Ok(Response::new(contract.into()))
    }
}
