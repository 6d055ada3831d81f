//! PayoutService: the caller's payout requests.

use tonic::{Request, Response, Status};

use super::pagination::PageRequest;
use super::{AppState, call_hold, id_field, move_money};
use crate::conversions::from_wire::RequestPayoutInput;
use crate::error::{Error, Resource};
use crate::ledger::Op;
use crate::proto::pb::{self, payout_service_server::PayoutService};
use crate::store::{lists, queries};

pub struct PayoutApi {
    state: AppState,
}

impl PayoutApi {
    pub fn new(state: AppState) -> Self {
        PayoutApi { state }
    }
}

#[tonic::async_trait]
impl PayoutService for PayoutApi {
    async fn request_payout(
        &self,
        request: Request<pb::RequestPayoutRequest>,
    ) -> Result<Response<pb::Payout>, Status> {
        let (caller, hold, input): (_, _, RequestPayoutInput) = self.state.movement(request)?;
        let op = Op::RequestPayout {
            amount: input.amount.resolve(&self.state.currencies).await?,
        };
        move_money(&self.state, hold, caller, op, input.request_id).await
    }

    async fn get_payout(
        &self,
        request: Request<pb::GetPayoutRequest>,
    ) -> Result<Response<pb::Payout>, Status> {
        let caller = self.state.caller(&request)?;
        let id = id_field("id", request.get_ref().id)?;
        let db = self.state.store.reads();
        self.state.authenticate(caller).await?;
        let payout = queries::payout_of(db, &self.state.currencies, id, Some(caller))
            .await?
            .ok_or(Error::NotFound(Resource::Payout, id))?;
        Ok(Response::new(payout.into()))
    }

    async fn list_payouts(
        &self,
        request: Request<pb::ListPayoutsRequest>,
    ) -> Result<Response<pb::ListPayoutsResponse>, Status> {
        let caller = self.state.caller(&request)?;
        let req = request.get_ref();
        let page = PageRequest::parse("payouts", req.page_size, &req.page_token)?;
        let db = self.state.store.reads();
        self.state.authenticate(caller).await?;
        let mut payouts =
            lists::payouts_of(db, &self.state.currencies, caller, page.keyset()).await?;
        let next_page_token = page.finish(&mut payouts, |p| p.id);
        Ok(Response::new(pb::ListPayoutsResponse {
            payouts: payouts.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }

    async fn cancel_payout(
        &self,
        request: Request<pb::CancelPayoutRequest>,
    ) -> Result<Response<pb::Payout>, Status> {
        let caller = self.state.caller(&request)?;
        let payout_id = id_field("id", request.get_ref().id)?;
        move_money(
            &self.state,
            call_hold(&request),
            caller,
            Op::CancelPayout { payout_id },
            None,
        )
        .await
    }
}
