//! BalanceService: the caller's balance and the movements that change it.

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tonic::{Request, Response, Status};

use super::pagination::PageRequest;
use super::{AppState, amount_field, caller, id_field};
use crate::auth::load_caller;
use crate::error::Error;
use crate::ledger::{Command, Op, Receipt, RequestId};
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

    async fn submit(&self, command: Command) -> Result<Receipt, Status> {
        Ok(self.state.ledger.submit(command).await?)
    }
}

fn unexpected(method: &str, receipt: Receipt) -> Status {
    Error::Internal(format!("{method} got {receipt:?}")).into()
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
        let profile_id = id_field("profile_id", req.profile_id)?;
        let amount = amount_field("amount", &req.amount)?;
        let request_id = RequestId::parse_optional(&req.request_id)?;
        let op = Op::Deposit { profile_id, amount };
        match self
            .submit(Command {
                caller,
                op,
                request_id,
            })
            .await?
        {
            Receipt::Deposit(response) => Ok(Response::new(response)),
            other => Err(unexpected("Deposit", other)),
        }
    }

    async fn withdraw(
        &self,
        request: Request<pb::WithdrawRequest>,
    ) -> Result<Response<pb::WithdrawResponse>, Status> {
        let caller = caller(&request)?;
        let req = request.get_ref();
        let amount = amount_field("amount", &req.amount)?;
        let request_id = RequestId::parse_optional(&req.request_id)?;
        let op = Op::Withdraw { amount };
        match self
            .submit(Command {
                caller,
                op,
                request_id,
            })
            .await?
        {
            Receipt::Withdraw(response) => Ok(Response::new(response)),
            other => Err(unexpected("Withdraw", other)),
        }
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
        let amount = amount_field("amount", &req.amount)?;
        let request_id = RequestId::parse_optional(&req.request_id)?;
        let op = Op::Transfer {
            to_profile_id,
            amount,
        };
        match self
            .submit(Command {
                caller,
                op,
                request_id,
            })
            .await?
        {
            Receipt::Transfer(response) => Ok(Response::new(response)),
            other => Err(unexpected("Transfer", other)),
        }
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
        let mut query = ledger_entry::Entity::find().filter(
            Condition::any()
                .add(ledger_entry::Column::DebitProfileId.eq(caller))
                .add(ledger_entry::Column::CreditProfileId.eq(caller)),
        );
        if let Some(before) = page.after {
            query = query.filter(ledger_entry::Column::Id.lt(before));
        }
        let mut rows = query
            .order_by(
                super::id_order_key(ledger_entry::Column::Id),
                sea_orm::Order::Desc,
            )
            .limit(page.fetch_limit())
            .all(db)
            .await
            .map_err(Error::from)?;
        let next_page_token = page.finish("ledger_entries", &mut rows, |e| e.id);
        Ok(Response::new(pb::ListLedgerEntriesResponse {
            entries: rows.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }
}
