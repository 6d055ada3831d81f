//! BalanceService: the caller's balance and the movements that change it.

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use tonic::{Request, Response, Status};

use super::pagination::{IdOrder, PageRequest};
use super::{AppState, amount_field, caller, id_field, move_money};
use crate::auth::load_caller;
use crate::error::Error;
use crate::ledger::{Op, Receipt};
use crate::money::Cents;
use crate::proto::pb::{self, balance_service_server::BalanceService};
use crate::store::entities::ledger_entry;

pub struct BalanceApi {
    state: AppState,
}

impl BalanceApi {
    pub fn new(state: AppState) -> Self {
        BalanceApi { state }
    }
}

#[tonic::async_trait]
impl BalanceService for BalanceApi {
    async fn get_balance(
        &self,
        request: Request<pb::GetBalanceRequest>,
    ) -> Result<Response<pb::GetBalanceResponse>, Status> {
        let caller = caller(&request)?;
        let profile = load_caller(self.state.store.conn(), caller).await?;
        Ok(Response::new(pb::GetBalanceResponse {
            profile_id: profile.id,
            balance: Cents::new(profile.balance).to_string(),
        }))
    }

    async fn deposit(
        &self,
        request: Request<pb::DepositRequest>,
    ) -> Result<Response<pb::DepositResponse>, Status> {
        let caller = caller(&request)?;
        let req = request.get_ref();
        let op = Op::Deposit {
            profile_id: id_field("profile_id", req.profile_id)?,
            amount: amount_field("amount", &req.amount)?,
        };
        move_money(&self.state, caller, op, &req.request_id, |r| match r {
            Receipt::Deposit(response) => Some(response),
            _ => None,
        })
        .await
    }

    async fn withdraw(
        &self,
        request: Request<pb::WithdrawRequest>,
    ) -> Result<Response<pb::WithdrawResponse>, Status> {
        let caller = caller(&request)?;
        let req = request.get_ref();
        let op = Op::Withdraw {
            amount: amount_field("amount", &req.amount)?,
        };
        move_money(&self.state, caller, op, &req.request_id, |r| match r {
            Receipt::Withdraw(response) => Some(response),
            _ => None,
        })
        .await
    }

    async fn transfer(
        &self,
        request: Request<pb::TransferRequest>,
    ) -> Result<Response<pb::TransferResponse>, Status> {
        let caller = caller(&request)?;
        let req = request.get_ref();
        let to_profile_id = id_field("to_profile_id", req.to_profile_id)?;
        if to_profile_id == caller {
            return Err(
                Error::invalid("to_profile_id", "must be another profile than the caller").into(),
            );
        }
        let op = Op::Transfer {
            to_profile_id,
            amount: amount_field("amount", &req.amount)?,
        };
        move_money(&self.state, caller, op, &req.request_id, |r| match r {
            Receipt::Transfer(response) => Some(response),
            _ => None,
        })
        .await
    }

    async fn list_ledger_entries(
        &self,
        request: Request<pb::ListLedgerEntriesRequest>,
    ) -> Result<Response<pb::ListLedgerEntriesResponse>, Status> {
        let caller = caller(&request)?;
        let req = request.get_ref();
        let page = PageRequest::parse("ledger_entries", req.page_size, &req.page_token)?;
        let db = self.state.store.conn();
        load_caller(db, caller).await?;
        let query = ledger_entry::Entity::find().filter(
            Condition::any()
                .add(ledger_entry::Column::DebitProfileId.eq(caller))
                .add(ledger_entry::Column::CreditProfileId.eq(caller)),
        );
        let (rows, next_page_token) = page
            .fetch(
                db,
                query,
                ledger_entry::Column::Id,
                IdOrder::Descending,
                |e| e.id,
            )
            .await?;
        Ok(Response::new(pb::ListLedgerEntriesResponse {
            entries: rows.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }
}
