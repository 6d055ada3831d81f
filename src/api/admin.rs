//! AdminService: profiles and earnings reports, behind the admin API key.

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use sea_orm::sea_query::{Alias, Expr, JoinType, Order};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait,
};
use tonic::{Request, Response, Status};

use super::pagination::{IdOrder, PageRequest};
use super::{AppState, call_hold, id_field, move_money, text_field, with_balances};
use crate::domain::{BalanceSummary, PayoutRequestTotal};
use crate::error::{Error, Resource};
use crate::ledger::{ADMIN, Op};
use crate::money::{Currency, Minor, Money};
use crate::proto::pb::{self, admin_service_server::AdminService};
use crate::store::entities::feed_item::{self, FeedItemState};
use crate::store::entities::profile::{self, ProfileType};
use crate::store::entities::{contract, job};
use crate::store::queries;
use crate::store::{self, saturating_sum};

const MAX_NAME_CHARS: usize = 200;
const DEFAULT_CLIENTS: i32 = 2;
const MAX_CLIENTS: i32 = 1000;

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

/// An inclusive range of payment times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentRange {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Clone, Copy)]
enum Bound {
    Start,
    End,
}

impl PaymentRange {
    /// `start` and `end` are each `YYYY-MM-DD` or RFC 3339. A date start is
    /// that day's 00:00:00 UTC, a date end includes its whole day.
    pub fn parse(start: &str, end: &str) -> Result<Self, Error> {
        let start_at = parse_bound("start", start, Bound::Start);
        let end_at = parse_bound("end", end, Bound::End);
        let (start, end) = match (start_at, end_at) {
            (Ok(start), Ok(end)) => (start, end),
            (Err(Error::InvalidArgument(mut a)), Err(Error::InvalidArgument(b))) => {
                a.extend(b);
                return Err(Error::InvalidArgument(a));
            }
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        if start > end {
            return Err(Error::invalid("start", "must not be after end"));
        }
        Ok(PaymentRange { start, end })
    }
}

fn parse_bound(field: &str, text: &str, bound: Bound) -> Result<DateTime<Utc>, Error> {
    if text.is_empty() {
        return Err(Error::invalid(
            field,
            "is required: a date YYYY-MM-DD or an RFC 3339 instant",
        ));
    }
    let is_date_shape = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if is_date_shape {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| Error::invalid(field, format!("{text:?} is not a valid date")))?;
        let midnight = date
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc();
        return Ok(match bound {
            Bound::Start => midnight,
            // The whole day: up to its last microsecond (what is stored).
            Bound::End => midnight + Duration::days(1) - Duration::microseconds(1),
        });
    }
    let instant = DateTime::parse_from_rfc3339(text)
        .map_err(|_| {
            Error::invalid(
                field,
                format!(
                    "{:?} is neither a date YYYY-MM-DD nor an RFC 3339 instant",
                    crate::error::excerpt(text, 40)
                ),
            )
        })?
        .with_timezone(&Utc);
    use chrono::Datelike;
    if !(1..=9999).contains(&instant.year()) {
        return Err(Error::invalid(field, "must be between years 0001 and 9999"));
    }
    // Stored times have microsecond precision: round the bounds inwards.
    let truncated = instant.trunc_subsecs(6);
    Ok(match bound {
        Bound::Start if truncated < instant => truncated + Duration::microseconds(1),
        _ => truncated,
    })
}

/// Total earned by the contractor profession that earned most in `range`;
/// ties go to the profession first in byte order.
pub async fn best_profession<C: ConnectionTrait>(
    db: &C,
    range: PaymentRange,
    currency: &Currency,
) -> Result<Option<(String, Money)>, Error> {
    let sum = saturating_sum(db.get_database_backend(), "\"jobs\".\"price\"");
    let best: Option<(String, i64)> = job::Entity::find()
        .select_only()
        .column(profile::Column::Profession)
        .column_as(Expr::cust(sum), "earned")
        .join(JoinType::InnerJoin, job::Relation::Contract.def())
        .join(JoinType::InnerJoin, contract::Relation::Contractor.def())
        .filter(job::Column::Paid.eq(true))
        .filter(job::Column::PaymentTime.between(range.start, range.end))
        .filter(job::Column::CurrencyCode.eq(currency.code.clone()))
        .group_by(profile::Column::Profession)
        .order_by(Expr::col(Alias::new("earned")), Order::Desc)
        .order_by_asc(profile::Column::Profession)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(best.map(|(profession, earned)| (profession, currency.money(Minor::new(earned)))))
}

/// Clients by total paid in `range`, descending, ties by id.
pub async fn best_clients<C: ConnectionTrait>(
    db: &C,
    range: PaymentRange,
    currency: &Currency,
    limit: u64,
) -> Result<Vec<pb::BestClient>, Error> {
    let sum = saturating_sum(db.get_database_backend(), "\"jobs\".\"price\"");
    let rows: Vec<(i64, String, String, i64)> = job::Entity::find()
        .select_only()
        .column(profile::Column::Id)
        .column(profile::Column::FirstName)
        .column(profile::Column::LastName)
        .column_as(Expr::cust(sum), "paid_total")
        .join(JoinType::InnerJoin, job::Relation::Contract.def())
        .join(JoinType::InnerJoin, contract::Relation::Client.def())
        .filter(job::Column::Paid.eq(true))
        .filter(job::Column::PaymentTime.between(range.start, range.end))
        .filter(job::Column::CurrencyCode.eq(currency.code.clone()))
        .group_by(profile::Column::Id)
        .group_by(profile::Column::FirstName)
        .group_by(profile::Column::LastName)
        .order_by(Expr::col(Alias::new("paid_total")), Order::Desc)
        .order_by_asc(profile::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, first_name, last_name, paid)| pb::BestClient {
            id,
            full_name: format!("{first_name} {last_name}"),
            paid: currency.money(Minor::new(paid)).to_string(),
        })
        .collect())
}

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn create_profile(
        &self,
        request: Request<pb::CreateProfileRequest>,
    ) -> Result<Response<pb::Profile>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let mut violations = Vec::new();
        let mut field = |name: &str, text: &str| match text_field(name, text, MAX_NAME_CHARS) {
            Ok(value) => value,
            Err(Error::InvalidArgument(v)) => {
                violations.extend(v);
                String::new()
            }
            Err(_) => String::new(),
        };
        let first_name = field("first_name", &req.first_name);
        let last_name = field("last_name", &req.last_name);
        let profession = field("profession", &req.profession);
        let profile_type = match pb::ProfileType::try_from(req.r#type) {
            Ok(pb::ProfileType::Client) => Some(ProfileType::Client),
            Ok(pb::ProfileType::Contractor) => Some(ProfileType::Contractor),
            _ => None,
        };
        if profile_type.is_none() {
            violations.push(crate::error::Violation::new(
                "type",
                "must be PROFILE_TYPE_CLIENT or PROFILE_TYPE_CONTRACTOR",
            ));
        }
        let external_id = if req.external_id.is_empty() {
            None
        } else {
            match text_field("external_id", &req.external_id, MAX_NAME_CHARS) {
                Ok(id) => Some(id),
                Err(Error::InvalidArgument(v)) => {
                    violations.extend(v);
                    None
                }
                Err(e) => return Err(e.into()),
            }
        };
        let Some(profile_type) = profile_type.filter(|_| violations.is_empty()) else {
            return Err(Error::InvalidArgument(violations).into());
        };
        let created = self
            .state
            .store
            .write(|tx| {
                let (first_name, last_name, profession, external_id) = (
                    first_name.clone(),
                    last_name.clone(),
                    profession.clone(),
                    external_id.clone(),
                );
                Box::pin(async move {
                    if let Some(external_id) = &external_id
                        && queries::external_id_taken(tx, external_id).await?
                    {
                        return Err(Error::ExternalIdTaken);
                    }
                    let now = store::now();
                    Ok(profile::ActiveModel {
                        first_name: Set(first_name),
                        last_name: Set(last_name),
                        profession: Set(profession),
                        profile_type: Set(profile_type),
                        external_id: Set(external_id),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?)
                })
            })
            .await?;
        let profile = with_balances(&self.state, vec![created])
            .await?
            .pop()
            .ok_or_else(|| Error::Internal("profile vanished".to_owned()))?;
        Ok(Response::new(profile.into()))
    }

    async fn get_best_profession(
        &self,
        request: Request<pb::GetBestProfessionRequest>,
    ) -> Result<Response<pb::GetBestProfessionResponse>, Status> {
        self.authorize(&request)?;
        let req = request.get_ref();
        let range = PaymentRange::parse(&req.start, &req.end)?;
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &req.currency_code)
            .await?;
        let (profession, earned) = best_profession(self.state.store.reads(), range, &currency)
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
        let limit = match req.limit {
            0 => DEFAULT_CLIENTS,
            n if (1..=MAX_CLIENTS).contains(&n) => n,
            _ => {
                return Err(
                    Error::invalid("limit", "must be between 0 (meaning 2) and 1000").into(),
                );
            }
        };
        let range = PaymentRange::parse(&req.start, &req.end)?;
        let currency = self
            .state
            .currencies
            .resolve("currency_code", &req.currency_code)
            .await?;
        let clients =
            best_clients(self.state.store.reads(), range, &currency, limit as u64).await?;
        Ok(Response::new(pb::ListBestClientsResponse {
            clients,
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
        profile::Entity::find_by_id(profile_id)
            .one(db)
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound(Resource::Profile, profile_id))?;
        let row = queries::balance_of(db, profile_id, &currency.code).await?;
        Ok(Response::new(
            BalanceSummary::new(profile_id, &currency, row.as_ref()).into(),
        ))
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
        let mut rows = queries::payout_request_totals(
            self.state.store.reads(),
            &currency.code,
            page.after,
            page.fetch_limit(),
        )
        .await?;
        let next_page_token = page.finish(&mut rows, |row| row.0);
        let requests = rows
            .into_iter()
            .map(|(profile_id, first_name, last_name, amount, count)| {
                pb::PayoutRequestTotal::from(PayoutRequestTotal {
                    profile_id,
                    full_name: format!("{first_name} {last_name}"),
                    amount: currency.money(Minor::new(amount)),
                    payout_count: count,
                })
            })
            .collect();
        Ok(Response::new(pb::ListPayoutRequestsResponse {
            requests,
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
        let (rows, next_page_token) = page
            .fetch(
                self.state.store.reads(),
                profile::Entity::find(),
                profile::Column::Id,
                IdOrder::Ascending,
                |p| p.id,
            )
            .await?;
        let profiles = with_balances(&self.state, rows).await?;
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
        let state = match pb::FeedItemState::try_from(req.state) {
            Ok(pb::FeedItemState::Unspecified) => None,
            Ok(pb::FeedItemState::Applied) => Some(FeedItemState::Applied),
            Ok(pb::FeedItemState::Rejected) => Some(FeedItemState::Rejected),
            Err(_) => {
                return Err(Error::invalid(
                    "state",
                    "must be FEED_ITEM_STATE_APPLIED, FEED_ITEM_STATE_REJECTED or unspecified",
                )
                .into());
            }
        };
        // Tokens name the filter, so that one list's token cannot page another.
        let list = match state {
            None => "feed_items",
            Some(FeedItemState::Applied) => "feed_items_applied",
            Some(FeedItemState::Rejected) => "feed_items_rejected",
        };
        let page = PageRequest::parse(list, req.page_size, &req.page_token)?;
        let (rows, next_page_token) = page
            .fetch(
                self.state.store.reads(),
                store::feed::items(state),
                feed_item::Column::Seq,
                IdOrder::Ascending,
                |item| item.seq,
            )
            .await?;
        Ok(Response::new(pb::ListFeedItemsResponse {
            items: rows.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn dates_cover_whole_days() {
        let range = PaymentRange::parse("2020-08-10", "2020-08-15").unwrap();
        assert_eq!(range.start, utc("2020-08-10T00:00:00Z"));
        assert_eq!(range.end, utc("2020-08-15T23:59:59.999999Z"));
    }

    #[test]
    fn instants_are_inclusive_and_zoned() {
        let range =
            PaymentRange::parse("2020-08-15T19:11:26.737Z", "2020-08-15T21:11:26.737+02:00")
                .unwrap();
        assert_eq!(range.start, range.end);
    }

    #[test]
    fn refuses_garbage_and_reversed_ranges() {
        for (start, end) in [
            ("", "2020-01-01"),
            ("2020-01-01", ""),
            ("2020-13-01", "2020-12-31"),
            ("2020-02-30", "2020-12-31"),
            ("yesterday", "2020-12-31"),
            ("2020-1-1", "2020-12-31"),
            ("2020-12-31", "2020-01-01"),
            ("2020-01-01T00:00:00", "2020-12-31"),
        ] {
            assert!(
                PaymentRange::parse(start, end).is_err(),
                "{start:?} {end:?}"
            );
        }
    }
}
