//! AdminService: profiles and earnings reports, behind the admin API key.

use tonic::{Request, Response, Status};

use super::pagination::PageRequest;
use super::{AppState, call_hold, id_field, move_money, with_balances};
use crate::conversions::from_wire::{BestClientsInput, ReverseEntryInput, feed_item_state_field};
use crate::domain::{BestProfession, FeedItemState, NewProfile, PaymentRange};
use crate::error::{Error, Resource};
use crate::ledger::{ADMIN, Op};
use crate::proto::pb::{self, admin_service_server::AdminService};
use crate::store::{lists, profiles, queries, reports};

pub struct AdminApi {
    state: AppState,
}

impl AdminApi {
    pub fn new(state: AppState) -> Self {
        AdminApi { state }
    }

    fn authorize<T>(&self, request: &Request<T>) -> Result<(), Error> {
        self.state.admin_key.verify(request.metadata())
    }
}

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn create_profile(
        &self,
        request: Request<pb::CreateProfileRequest>,
    ) -> Result<Response<pb::Profile>, Status> {
        self.authorize(&request)?;
        let new = NewProfile::try_from(request.get_ref())?;
        let created = self
            .state
            .store
            .write(|tx| {
                let new = new.clone();
                Box::pin(async move { profiles::create_profile(tx, new).await })
            })
            .await?;
        let profile = with_balances(&self.state, created).await?;
        Ok(Response::new(profile.into()))
    }

    async fn get_best_profession(
        &self,
        request: Request<pb::GetBestProfessionRequest>,
    ) -> Result<Response<pb::GetBestProfessionResponse>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let range = PaymentRange::try_from(req)?;
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &req.currency_code)
            .await?;
        let BestProfession { profession, earned } =
            reports::best_profession(self.state.store.reads(), range, &currency)
                .await?
                .ok_or(Error::NoPaidJobs)?;
        Ok(Response::new(pb::GetBestProfessionResponse {
            profession,
            earned: earned.to_string(),
            currency_code: currency.code,
        }))
    }

    async fn list_best_clients(
        &self,
        request: Request<pb::ListBestClientsRequest>,
    ) -> Result<Response<pb::ListBestClientsResponse>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let BestClientsInput { range, limit } = BestClientsInput::try_from(req)?;
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &req.currency_code)
            .await?;
        let clients =
            reports::best_clients(self.state.store.reads(), range, &currency, limit).await?;
        Ok(Response::new(pb::ListBestClientsResponse {
            clients: clients.into_iter().map(Into::into).collect(),
            currency_code: currency.code,
        }))
    }

    async fn create_currency(
        &self,
        request: Request<pb::CreateCurrencyRequest>,
    ) -> Result<Response<pb::Currency>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let currency = self
            .state
            .currencies
            .create(&req.code, req.precision)
            .await?;
        Ok(Response::new(currency.into()))
    }

    async fn get_balance_summary(
        &self,
        request: Request<pb::AdminServiceGetBalanceSummaryRequest>,
    ) -> Result<Response<pb::BalanceSummary>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let profile_id = id_field("profile_id", req.profile_id)?;
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &req.currency_code)
            .await?;
        let db = self.state.store.reads();
        profiles::profile(db, profile_id)
            .await?
            .ok_or(Error::NotFound(Resource::Profile, profile_id))?;
        let summary = queries::balance_summary(db, profile_id, &currency).await?;
        Ok(Response::new(summary.into()))
    }

    async fn complete_payout(
        &self,
        request: Request<pb::CompletePayoutRequest>,
    ) -> Result<Response<pb::Payout>, Status> {
        self.authorize(&request)?;
        let payout_id = id_field("id", request.get_ref().id)?;
        move_money(
            &self.state,
            call_hold(&request),
            ADMIN,
            Op::CompletePayout { payout_id },
            None,
        )
        .await
    }

    async fn cancel_payout(
        &self,
        request: Request<pb::AdminServiceCancelPayoutRequest>,
    ) -> Result<Response<pb::Payout>, Status> {
        self.authorize(&request)?;
        let payout_id = id_field("id", request.get_ref().id)?;
        move_money(
            &self.state,
            call_hold(&request),
            ADMIN,
            Op::CancelPayout { payout_id },
            None,
        )
        .await
    }

    async fn list_payout_requests(
        &self,
        request: Request<pb::ListPayoutRequestsRequest>,
    ) -> Result<Response<pb::ListPayoutRequestsResponse>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let page = PageRequest::parse("payout_requests", req.page_size, &req.page_token)?;
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &req.currency_code)
            .await?;
        let mut totals =
            reports::payout_request_totals(self.state.store.reads(), &currency, page.keyset())
                .await?;
        let next_page_token = page.finish(&mut totals, |total| total.profile_id);
        Ok(Response::new(pb::ListPayoutRequestsResponse {
            requests: totals.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }

    async fn list_profiles(
        &self,
        request: Request<pb::ListProfilesRequest>,
    ) -> Result<Response<pb::ListProfilesResponse>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let page = PageRequest::parse("profiles", req.page_size, &req.page_token)?;
        let mut profiles = lists::profiles(
            self.state.store.reads(),
            &self.state.currencies,
            page.keyset(),
        )
        .await?;
        let next_page_token = page.finish(&mut profiles, |p| p.profile.id);
        Ok(Response::new(pb::ListProfilesResponse {
            profiles: profiles.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }

    async fn get_feed_status(
        &self,
        request: Request<pb::GetFeedStatusRequest>,
    ) -> Result<Response<pb::FeedStatus>, Status> {
        self.authorize(&request)?;
        let status =
            crate::feed::status::feed_status(&self.state.store, self.state.feed_enabled).await?;
        Ok(Response::new(status.into()))
    }

    async fn list_feed_items(
        &self,
        request: Request<pb::ListFeedItemsRequest>,
    ) -> Result<Response<pb::ListFeedItemsResponse>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let state = feed_item_state_field(req.state)?;
        // Tokens name the filter, so that one list's token cannot page another.
        let list = match state {
            None => "feed_items",
            Some(FeedItemState::Applied) => "feed_items_applied",
            Some(FeedItemState::Rejected) => "feed_items_rejected",
        };
        let page = PageRequest::parse(list, req.page_size, &req.page_token)?;
        let mut items = lists::feed_items(self.state.store.reads(), state, page.keyset()).await?;
        let next_page_token = page.finish(&mut items, |item| item.seq);
        Ok(Response::new(pb::ListFeedItemsResponse {
            items: items.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }

    async fn get_statement(
        &self,
        request: Request<pb::AdminServiceGetStatementRequest>,
    ) -> Result<Response<pb::Statement>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let profile_id = id_field("profile_id", req.profile_id)?;
        let period = PaymentRange::try_from(req)?;
        let page = PageRequest::parse(super::statements::LIST, req.page_size, &req.page_token)?;
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &req.currency_code)
            .await?;
        profiles::profile(self.state.store.reads(), profile_id)
            .await?
            .ok_or(Error::NotFound(Resource::Profile, profile_id))?;
        let statement =
            super::statements::statement_page(&self.state, profile_id, currency, period, page)
                .await?;
        Ok(Response::new(statement))
    }

    async fn reverse_ledger_entry(
        &self,
        request: Request<pb::ReverseLedgerEntryRequest>,
    ) -> Result<Response<pb::ReverseLedgerEntryResponse>, Status> {
        self.authorize(&request)?;
        let input = ReverseEntryInput::try_from(request.get_ref())?;
        let amount = match &input.amount {
            None => None,
            Some(amount) => {
                // In the entry's currency (it never changes): read first.
                let db = self.state.store.reads();
                let currency = queries::entry_currency(db, &self.state.currencies, input.entry_id)
                    .await?
                    .ok_or(Error::NotFound(Resource::LedgerEntry, input.entry_id))?;
                Some(amount.in_currency(&currency)?)
            }
        };
        let op = Op::ReverseEntry {
            entry_id: input.entry_id,
            amount,
            reason: input.reason,
        };
        move_money(
            &self.state,
            call_hold(&request),
            ADMIN,
            op,
            input.request_id,
        )
        .await
    }
}
