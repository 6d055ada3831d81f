//! BalanceService: the caller's balances and the movements that change them.

use tonic::{Request, Response, Status};

use super::pagination::PageRequest;
use super::{AppState, move_money, with_balances};
use crate::auth::load_caller;
use crate::conversions::from_wire::{DepositInput, TransferInput, WithdrawInput, instant_field};
use crate::conversions::to_wire;
use crate::domain::PaymentRange;
use crate::error::Error;
use crate::ledger::Op;
use crate::proto::pb::{self, balance_service_server::BalanceService};
use crate::proto::timestamp;
use crate::store::lists::statements;
use crate::store::{self, lists, queries};

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
        let caller = self.state.caller(&request)?;
        let req = request.get_ref();
        let as_of = instant_field("as_of", req.as_of.as_ref(), store::now())?;
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &req.currency_code)
            .await?;
        let db = self.state.store.reads();
        self.state.authenticate(caller).await?;
        let balance = match as_of {
            None => queries::balance_in(db, caller, &currency).await?.into(),
            Some(at) => {
                to_wire::balance_at(statements::balance_at(db, caller, &currency, at).await?)
            }
        };
        let pb::Balance {
            currency_code,
            balance,
            held,
            available,
        } = balance;
        Ok(Response::new(pb::GetBalanceResponse {
            profile_id: caller,
            balance,
            currency_code,
            available,
            held,
            as_of: as_of.map(timestamp),
        }))
    }

    async fn deposit(
        &self,
        request: Request<pb::DepositRequest>,
    ) -> Result<Response<pb::DepositResponse>, Status> {
        let (caller, hold, input): (_, _, DepositInput) = self.state.movement(request)?;
        let op = Op::Deposit {
            profile_id: input.profile_id,
            amount: input.amount.resolve(&self.state.currencies).await?,
        };
        move_money(&self.state, hold, caller, op, input.request_id).await
    }

    async fn withdraw(
        &self,
        request: Request<pb::WithdrawRequest>,
    ) -> Result<Response<pb::WithdrawResponse>, Status> {
        let (caller, hold, input): (_, _, WithdrawInput) = self.state.movement(request)?;
        let op = Op::Withdraw {
            amount: input.amount.resolve(&self.state.currencies).await?,
        };
        move_money(&self.state, hold, caller, op, input.request_id).await
    }

    async fn transfer(
        &self,
        request: Request<pb::TransferRequest>,
    ) -> Result<Response<pb::TransferResponse>, Status> {
        let (caller, hold, input): (_, _, TransferInput) = self.state.movement(request)?;
        if input.to_profile_id == caller {
            return Err(
                Error::invalid("to_profile_id", "must be another profile than the caller").into(),
            );
        }
        let op = Op::Transfer {
            to_profile_id: input.to_profile_id,
            amount: input.amount.resolve(&self.state.currencies).await?,
        };
        move_money(&self.state, hold, caller, op, input.request_id).await
    }

    async fn list_ledger_entries(
        &self,
        request: Request<pb::ListLedgerEntriesRequest>,
    ) -> Result<Response<pb::ListLedgerEntriesResponse>, Status> {
        let caller = self.state.caller(&request)?;
        let req = request.get_ref();
        let page = PageRequest::parse("ledger_entries", req.page_size, &req.page_token)?;
        let currency = if req.currency_code.is_empty() {
            None
        } else {
            Some(
                self.state
                    .currencies
                    .resolve("currency_code", &req.currency_code)
                    .await?,
            )
        };
        let db = self.state.store.reads();
        self.state.authenticate(caller).await?;
        let mut entries = lists::ledger_entries_of(
            db,
            &self.state.currencies,
            caller,
            currency.as_ref().map(|c| c.code.as_str()),
            page.keyset(),
        )
        .await?;
        let next_page_token = page.finish(&mut entries, |e| e.id);
        Ok(Response::new(pb::ListLedgerEntriesResponse {
            entries: entries.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }

    async fn list_balances(
        &self,
        request: Request<pb::ListBalancesRequest>,
    ) -> Result<Response<pb::ListBalancesResponse>, Status> {
        let caller = self.state.caller(&request)?;
        let as_of = instant_field("as_of", request.get_ref().as_of.as_ref(), store::now())?;
        let profile = load_caller(self.state.store.reads(), caller).await?;
        let profile = with_balances(&self.state, profile).await?;
        let balances = match as_of {
            None => profile.balances.into_iter().map(Into::into).collect(),
            Some(at) => statements::balances_at(
                self.state.store.reads(),
                &self.state.currencies,
                profile,
                at,
            )
            .await?
            .into_iter()
            .map(to_wire::balance_at)
            .collect(),
        };
        Ok(Response::new(pb::ListBalancesResponse {
            balances,
            as_of: as_of.map(timestamp),
        }))
    }

    async fn get_balance_summary(
        &self,
        request: Request<pb::GetBalanceSummaryRequest>,
    ) -> Result<Response<pb::BalanceSummary>, Status> {
        let caller = self.state.caller(&request)?;
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &request.get_ref().currency_code)
            .await?;
        let db = self.state.store.reads();
        self.state.authenticate(caller).await?;
        let summary = queries::balance_summary(db, caller, &currency).await?;
        Ok(Response::new(summary.into()))
    }

    async fn get_statement(
        &self,
        request: Request<pb::GetStatementRequest>,
    ) -> Result<Response<pb::Statement>, Status> {
        let caller = self.state.caller(&request)?;
        let req = request.get_ref();
        let period = PaymentRange::try_from(req)?;
        let page = PageRequest::parse(super::statements::LIST, req.page_size, &req.page_token)?;
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &req.currency_code)
            .await?;
        self.state.authenticate(caller).await?;
        let statement =
            super::statements::statement_page(&self.state, caller, currency, period, page).await?;
        Ok(Response::new(statement))
    }

    async fn list_currencies(
        &self,
        request: Request<pb::ListCurrenciesRequest>,
    ) -> Result<Response<pb::ListCurrenciesResponse>, Status> {
        self.state
            .authenticate(self.state.caller(&request)?)
            .await?;
        let currencies = self.state.currencies.list().await?;
        Ok(Response::new(pb::ListCurrenciesResponse {
            currencies: currencies.into_iter().map(Into::into).collect(),
        }))
    }
}
