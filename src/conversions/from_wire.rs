//! `jobpay.v1` requests into validated domain inputs.
//!
//! Each `TryFrom<&pb::…Request>` checks every field that can be checked
//! without the database and names the field it refuses. An amount is
//! checked for its shape here and resolved against its currency (which
//! sets how many decimals it may have) by [`AmountInput::resolve`].

use chrono::{DateTime, Datelike, Duration, NaiveDate, SubsecRound, Utc};

use crate::currencies::Currencies;
use crate::domain::{FeedItemState, LoanPaymentStatus, NewProfile, PaymentRange, ProfileType};
use crate::error::{Error, Violation};
use crate::ledger::RequestId;
use crate::loans::{AnnualRate, MAX_TERM_MONTHS};
use crate::money::{Currency, Money, MoneyError, Rounding};
use crate::proto::pb;

/// A positive id field.
pub fn id_field(field: &str, value: i64) -> Result<i64, Error> {
    if value > 0 {
        Ok(value)
    } else {
        Err(Error::invalid(field, "must be a positive id"))
    }
}

/// A required text field: not blank, at most `max_chars` characters.
pub fn text_field(field: &str, text: &str, max_chars: usize) -> Result<String, Error> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, "is required and may not be blank"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(Error::invalid(
            field,
            format!("may be at most {max_chars} characters long"),
        ));
    }
    if trimmed.chars().any(|c| c == '\0') {
        return Err(Error::invalid(field, "may not contain NUL characters"));
    }
    Ok(trimmed.to_owned())
}

/// The `rounding` field.
pub fn rounding_field(value: i32) -> Result<Rounding, Error> {
    match pb::Rounding::try_from(value) {
        Ok(pb::Rounding::Unspecified) => Ok(Rounding::Exact),
        Ok(pb::Rounding::HalfAwayFromZero) => Ok(Rounding::HalfAwayFromZero),
        Err(_) => Err(Error::invalid(
            "rounding",
            "must be ROUNDING_UNSPECIFIED (exact) or ROUNDING_HALF_AWAY_FROM_ZERO",
        )),
    }
}

/// A positive amount of money in a currency still to be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountInput {
    field: &'static str,
    text: String,
    currency_code: String,
    rounding: Rounding,
    /// Whether the request has a `rounding` field to suggest.
    offers_rounding: bool,
}

impl AmountInput {
    /// Checks the amount's shape (digits, optionally a dot and digits).
    /// `rounding` is `None` when the request has no `rounding` field
    /// (exact, and errors do not suggest one).
    pub fn new(
        field: &'static str,
        text: &str,
        currency_code: &str,
        rounding: Option<Rounding>,
    ) -> Result<Self, Error> {
        if text.is_empty() {
            return Err(Error::invalid(field, "is required, e.g. \"150.00\""));
        }
        // Any currency accepts the shape; precision is checked on resolve.
        if let Err(e @ MoneyError::Malformed) = Currency::new("ANY", crate::money::MAX_PRECISION)
            .parse_amount(text, Rounding::HalfAwayFromZero)
        {
            return Err(Error::invalid(field, e.to_string()));
        }
        Ok(AmountInput {
            field,
            text: text.to_owned(),
            currency_code: currency_code.to_owned(),
            offers_rounding: rounding.is_some(),
            rounding: rounding.unwrap_or_default(),
        })
    }

    /// The amount in its currency (`currency_code`, empty = the platform
    /// currency): at most its precision in decimals unless rounding, and
    /// greater than zero (after rounding).
    pub async fn resolve(&self, currencies: &Currencies) -> Result<Money, Error> {
        let currency = currencies
            .resolve("currency_code", &self.currency_code)
            .await?;
        self.in_currency(&currency)
    }

    /// The amount in a currency known otherwise (a job's price in its
    /// contract's currency).
    pub fn in_currency(&self, currency: &Currency) -> Result<Money, Error> {
        let amount = currency
            .parse_amount(&self.text, self.rounding)
            .map_err(|e| {
                let hint = match e {
                    MoneyError::TooManyDecimals { .. } if self.offers_rounding => {
                        " (or set rounding to ROUNDING_HALF_AWAY_FROM_ZERO)"
                    }
                    _ => "",
                };
                Error::invalid(self.field, format!("{e}{hint}"))
            })?;
        if !amount.is_positive() {
            let why = if self.rounding == Rounding::Exact {
                "must be greater than zero".to_owned()
            } else {
                format!(
                    "rounds to zero at the precision of {} ({})",
                    currency.code, currency.precision
                )
            };
            return Err(Error::invalid(self.field, why));
        }
        Ok(currency.money(amount))
    }
}

/// A job payment.
pub struct PayJobInput {
    pub job_id: i64,
    pub request_id: Option<RequestId>,
}

impl TryFrom<&pb::PayJobRequest> for PayJobInput {
    type Error = Error;
    fn try_from(req: &pb::PayJobRequest) -> Result<Self, Error> {
        Ok(PayJobInput {
            job_id: id_field("job_id", req.job_id)?,
            request_id: RequestId::parse_optional(&req.request_id)?,
        })
    }
}

/// A deposit into the caller's own balance.
pub struct DepositInput {
    pub profile_id: i64,
    pub amount: AmountInput,
    pub request_id: Option<RequestId>,
}

impl TryFrom<&pb::DepositRequest> for DepositInput {
    type Error = Error;
    fn try_from(req: &pb::DepositRequest) -> Result<Self, Error> {
        Ok(DepositInput {
            profile_id: id_field("profile_id", req.profile_id)?,
            amount: AmountInput::new(
                "amount",
                &req.amount,
                &req.currency_code,
                Some(rounding_field(req.rounding)?),
            )?,
            request_id: RequestId::parse_optional(&req.request_id)?,
        })
    }
}

/// A withdrawal from the caller's balance.
pub struct WithdrawInput {
    pub amount: AmountInput,
    pub request_id: Option<RequestId>,
}

impl TryFrom<&pb::WithdrawRequest> for WithdrawInput {
    type Error = Error;
    fn try_from(req: &pb::WithdrawRequest) -> Result<Self, Error> {
        Ok(WithdrawInput {
            amount: AmountInput::new(
                "amount",
                &req.amount,
                &req.currency_code,
                Some(rounding_field(req.rounding)?),
            )?,
            request_id: RequestId::parse_optional(&req.request_id)?,
        })
    }
}

/// A transfer to another profile.
pub struct TransferInput {
    pub to_profile_id: i64,
    pub amount: AmountInput,
    pub request_id: Option<RequestId>,
}

impl TryFrom<&pb::TransferRequest> for TransferInput {
    type Error = Error;
    fn try_from(req: &pb::TransferRequest) -> Result<Self, Error> {
        Ok(TransferInput {
            to_profile_id: id_field("to_profile_id", req.to_profile_id)?,
            amount: AmountInput::new(
                "amount",
                &req.amount,
                &req.currency_code,
                Some(rounding_field(req.rounding)?),
            )?,
            request_id: RequestId::parse_optional(&req.request_id)?,
        })
    }
}

/// A payout request.
pub struct RequestPayoutInput {
    pub amount: AmountInput,
    pub request_id: Option<RequestId>,
}

impl TryFrom<&pb::RequestPayoutRequest> for RequestPayoutInput {
    type Error = Error;
    fn try_from(req: &pb::RequestPayoutRequest) -> Result<Self, Error> {
        Ok(RequestPayoutInput {
            amount: AmountInput::new("amount", &req.amount, &req.currency_code, None)?,
            request_id: RequestId::parse_optional(&req.request_id)?,
        })
    }
}

/// An optional instant field: unset is `None`; set, it must be a valid
/// timestamp in years 1 to 9999, and (unless `future_ok`) not after `now`.
/// Stored instants have microsecond precision: it is truncated to that.
pub fn instant_field(
    field: &str,
    value: Option<&prost_types::Timestamp>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    let at = u32::try_from(value.nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000)
        .and_then(|nanos| DateTime::from_timestamp(value.seconds, nanos))
        .filter(|at| (1..=9999).contains(&at.year()))
        .ok_or_else(|| Error::invalid(field, "is not a valid timestamp"))?;
    if at > now {
        return Err(Error::invalid(field, "may not be in the future"));
    }
    Ok(Some(at.trunc_subsecs(6)))
}

/// A loan to create, before its currency is resolved.
pub struct CreateLoanInput {
    pub borrower_id: i64,
    pub amount: AmountInput,
    pub term_months: i32,
    pub annual_rate: AnnualRate,
    pub origination_time: Option<DateTime<Utc>>,
    pub request_id: Option<RequestId>,
}

impl CreateLoanInput {
    pub fn parse(req: &pb::CreateLoanRequest, now: DateTime<Utc>) -> Result<Self, Error> {
        let mut violations = Vec::new();
        let mut check = |result: Result<(), Error>| {
            if let Err(Error::InvalidArgument(v)) = result {
                violations.extend(v);
            }
        };
        check(id_field("borrower_id", req.borrower_id).map(drop));
        let amount = AmountInput::new("amount", &req.amount, &req.currency_code, None);
        check(amount.as_ref().map(drop).map_err(Clone::clone));
        if !(1..=MAX_TERM_MONTHS).contains(&req.term_months) {
            check(Err(Error::invalid(
                "term_months",
                "must be between 1 and 600",
            )));
        }
        let rate = AnnualRate::parse(&req.annual_rate);
        if let Err(why) = &rate {
            check(Err(Error::invalid("annual_rate", why.clone())));
        }
        let origination = instant_field("origination_time", req.origination_time.as_ref(), now);
        check(origination.as_ref().map(drop).map_err(Clone::clone));
        let request_id = RequestId::parse_optional(&req.request_id);
        check(request_id.as_ref().map(drop).map_err(Clone::clone));
        match (amount, rate, origination, request_id) {
            (Ok(amount), Ok(annual_rate), Ok(origination_time), Ok(request_id))
                if violations.is_empty() =>
            {
                Ok(CreateLoanInput {
                    borrower_id: req.borrower_id,
                    amount,
                    term_months: req.term_months,
                    annual_rate,
                    origination_time,
                    request_id,
                })
            }
            _ => Err(Error::InvalidArgument(violations)),
        }
    }
}

/// The `status` of a loan payment.
pub fn loan_payment_status_field(value: i32) -> Result<LoanPaymentStatus, Error> {
    match pb::LoanPaymentStatus::try_from(value) {
        Ok(pb::LoanPaymentStatus::Made) => Ok(LoanPaymentStatus::Made),
        Ok(pb::LoanPaymentStatus::Missed) => Ok(LoanPaymentStatus::Missed),
        _ => Err(Error::invalid(
            "status",
            "must be LOAN_PAYMENT_STATUS_MADE or LOAN_PAYMENT_STATUS_MISSED",
        )),
    }
}

/// The `state` filter of feed items: unspecified is every state.
pub fn feed_item_state_field(value: i32) -> Result<Option<FeedItemState>, Error> {
    match pb::FeedItemState::try_from(value) {
        Ok(pb::FeedItemState::Unspecified) => Ok(None),
        Ok(pb::FeedItemState::Applied) => Ok(Some(FeedItemState::Applied)),
        Ok(pb::FeedItemState::Rejected) => Ok(Some(FeedItemState::Rejected)),
        Err(_) => Err(Error::invalid(
            "state",
            "must be FEED_ITEM_STATE_APPLIED, FEED_ITEM_STATE_REJECTED or unspecified",
        )),
    }
}

const MAX_NAME_CHARS: usize = 200;

/// Every field of a new profile is checked, and all refusals reported
/// together.
impl TryFrom<&pb::CreateProfileRequest> for NewProfile {
    type Error = Error;
    fn try_from(req: &pb::CreateProfileRequest) -> Result<Self, Error> {
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
            violations.push(Violation::new(
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
                Err(e) => return Err(e),
            }
        };
        let Some(profile_type) = profile_type.filter(|_| violations.is_empty()) else {
            return Err(Error::InvalidArgument(violations));
        };
        Ok(NewProfile {
            first_name,
            last_name,
            profession,
            profile_type,
            external_id,
        })
    }
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
            let shown = crate::error::excerpt(text, 40);
            let zoneless =
                chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok();
            Error::invalid(
                field,
                if zoneless {
                    format!(
                        "{shown:?} has no time zone: add `Z` for UTC or an offset such as \
                         +02:00 (2024-01-01T00:00:00Z), or give a date YYYY-MM-DD"
                    )
                } else {
                    format!("{shown:?} is neither a date YYYY-MM-DD nor an RFC 3339 instant")
                },
            )
        })?
        .with_timezone(&Utc);
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

impl TryFrom<&pb::GetBestProfessionRequest> for PaymentRange {
    type Error = Error;
    fn try_from(req: &pb::GetBestProfessionRequest) -> Result<Self, Error> {
        PaymentRange::parse(&req.start, &req.end)
    }
}

/// A statement's period: its range, parsed as the reports' ranges.
impl TryFrom<&pb::GetStatementRequest> for PaymentRange {
    type Error = Error;
    fn try_from(req: &pb::GetStatementRequest) -> Result<Self, Error> {
        PaymentRange::parse(&req.start, &req.end)
    }
}

impl TryFrom<&pb::AdminServiceGetStatementRequest> for PaymentRange {
    type Error = Error;
    fn try_from(req: &pb::AdminServiceGetStatementRequest) -> Result<Self, Error> {
        PaymentRange::parse(&req.start, &req.end)
    }
}

const DEFAULT_CLIENTS: i32 = 2;
const MAX_CLIENTS: i32 = 1000;

/// The best-clients report's range and how many clients it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BestClientsInput {
    pub range: PaymentRange,
    pub limit: u64,
}

impl TryFrom<&pb::ListBestClientsRequest> for BestClientsInput {
    type Error = Error;
    fn try_from(req: &pb::ListBestClientsRequest) -> Result<Self, Error> {
        let limit = match req.limit {
            0 => DEFAULT_CLIENTS,
            n if (1..=MAX_CLIENTS).contains(&n) => n,
            _ => {
                return Err(Error::invalid(
                    "limit",
                    "must be between 0 (meaning 2) and 1000",
                ));
            }
        };
        Ok(BestClientsInput {
            range: PaymentRange::parse(&req.start, &req.end)?,
            limit: limit as u64,
        })
    }
}

/// A reversal asked for: the entry, an amount still to be put in the
/// entry's currency (`None`: all that is left), why.
pub struct ReverseEntryInput {
    pub entry_id: i64,
    pub amount: Option<AmountInput>,
    pub reason: Option<String>,
    pub request_id: Option<RequestId>,
}

/// Longest reason a reversal keeps.
pub const MAX_REASON_CHARS: usize = 500;

impl TryFrom<&pb::ReverseLedgerEntryRequest> for ReverseEntryInput {
    type Error = Error;
    fn try_from(req: &pb::ReverseLedgerEntryRequest) -> Result<Self, Error> {
        let entry_id = id_field("entry_id", req.entry_id)?;
        let amount = optional_amount("amount", &req.amount)?;
        if req.reason.chars().count() > MAX_REASON_CHARS {
            return Err(Error::invalid(
                "reason",
                format!("must be at most {MAX_REASON_CHARS} characters"),
            ));
        }
        let reason = Some(req.reason.clone()).filter(|r| !r.is_empty());
        Ok(ReverseEntryInput {
            entry_id,
            amount,
            reason,
            request_id: RequestId::parse_optional(&req.request_id)?,
        })
    }
}

/// A refund asked for: the job, an amount still to be put in the job's
/// currency (`None`: all not refunded yet).
pub struct RefundJobInput {
    pub job_id: i64,
    pub amount: Option<AmountInput>,
    pub request_id: Option<RequestId>,
}

impl TryFrom<&pb::RefundJobPaymentRequest> for RefundJobInput {
    type Error = Error;
    fn try_from(req: &pb::RefundJobPaymentRequest) -> Result<Self, Error> {
        Ok(RefundJobInput {
            job_id: id_field("job_id", req.job_id)?,
            amount: optional_amount("amount", &req.amount)?,
            request_id: RequestId::parse_optional(&req.request_id)?,
        })
    }
}

/// An amount whose currency comes from what it applies to; empty is
/// `None`.
fn optional_amount(field: &'static str, text: &str) -> Result<Option<AmountInput>, Error> {
    if text.is_empty() {
        return Ok(None);
    }
    AmountInput::new(field, text, "", None).map(Some)
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
