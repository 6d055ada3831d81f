//! `jobpay.v1` requests into validated domain inputs.
//!
//! Each `TryFrom<&pb::…Request>` checks every field that can be checked
//! without the database and names the field it refuses. An amount is
//! checked for its shape here and resolved against its currency (which
//! sets how many decimals it may have) by [`AmountInput::resolve`].

use crate::currencies::Currencies;
use crate::error::Error;
use crate::ledger::RequestId;
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
}

impl AmountInput {
    /// Checks the amount's shape (digits, optionally a dot and digits).
    pub fn new(
        field: &'static str,
        text: &str,
        currency_code: &str,
        rounding: Rounding,
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
            rounding,
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
            .map_err(|e| Error::invalid(self.field, e.to_string()))?;
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
                rounding_field(req.rounding)?,
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
                rounding_field(req.rounding)?,
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
                rounding_field(req.rounding)?,
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
            amount: AmountInput::new("amount", &req.amount, &req.currency_code, Rounding::Exact)?,
            request_id: RequestId::parse_optional(&req.request_id)?,
        })
    }
}
