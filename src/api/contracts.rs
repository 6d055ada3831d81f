//! ContractService: contracts between a client and a contractor.

use tonic::{Request, Response, Status};

use super::pagination::PageRequest;
use super::{AppState, id_field, text_field};
use crate::auth::load_caller;
use crate::domain::{Contract, ContractStatus, NewContract, ProfileType};
use crate::error::Error;
use crate::proto::pb::{self, contract_service_server::ContractService};
use crate::store::{contracts, lists};

const MAX_TERMS_CHARS: usize = 10_000;

pub struct ContractApi {
    state: AppState,
}

impl ContractApi {
    pub fn new(state: AppState) -> Self {
        ContractApi { state }
    }
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
    fn apply(self, contract: &Contract, caller: i64) -> Result<ContractStatus, Error> {
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
    ) -> Result<Contract, Error> {
        self.state
            .store
            .write(|tx| {
                Box::pin(async move {
                    load_caller(tx, caller).await?;
                    let contract = contracts::contract_of_party(tx, caller, id).await?;
                    let status = transition.apply(&contract, caller)?;
                    contracts::set_contract_status(tx, contract.id, status).await
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
        let contract = contracts::contract_of_party_read(db, caller, id).await?;
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
        let mut rows = lists::open_contracts_of(db, caller, page.keyset()).await?;
        let next_page_token = page.finish(&mut rows, |c| c.id);
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
                    if !contracts::is_contractor(tx, contractor_id).await? {
                        return Err(Error::invalid(
                            "contractor_id",
                            "is not the id of an existing contractor",
                        ));
                    }
                    let new = NewContract {
                        client_id: caller,
                        contractor_id,
                        terms,
                        currency_code,
                    };
                    contracts::create_contract(tx, new).await
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
