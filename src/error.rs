//! Domain errors, and the one place where they become gRPC statuses.
//!
//! Handlers and the domain return [`Error`]; `From<Error> for tonic::Status`
//! picks the code, the `google.rpc.ErrorInfo` reason (domain `jobpay`) and,
//! for bad fields, the `google.rpc.BadRequest` field violations. Nothing else
//! in the crate builds a `Status` for a domain outcome.

use std::collections::HashMap;
use std::fmt;

use tonic::Code;
use tonic_types::{ErrorDetails, StatusExt};

use crate::money::Money;

/// `google.rpc.ErrorInfo.domain` of every error jobpay returns.
pub const ERROR_DOMAIN: &str = "jobpay";

/// One bad request field (`google.rpc.BadRequest.FieldViolation`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub description: String,
}

/// A value from a request, cut to at most `max` characters for quoting in
/// an error: a status travels in HTTP/2 headers, which clients cap (16 KiB
/// by default), so unbounded input must never be echoed back whole.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

impl Violation {
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Violation {
            field: field.into(),
            description: description.into(),
        }
    }
}

/// Why a caller could not be identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    MissingProfileId,
    MalformedProfileId,
    UnknownProfile,
    MissingAdminKey,
    /// `authorization` metadata that is not `Bearer <key>` (reason
    /// MISSING_ADMIN_KEY, as before: only the message says more).
    AdminKeyWithoutBearer,
    WrongAdminKey,
    AdminDisabled,
    /// JWT mode: no `authorization: Bearer <token>`.
    MissingToken,
    /// JWT mode: a token that does not verify (signature, algorithm, claims).
    TokenInvalid,
    /// JWT mode: a token past its `exp`.
    TokenExpired,
}

/// What a contract-scoped call tried to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Contract,
    Job,
    Payout,
    Profile,
    Loan,
    LedgerEntry,
}

/// Everything that can go wrong in a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The caller is not identified (bad or missing metadata, unknown id).
    Unauthenticated(AuthFailure),
    /// Request fields that are malformed or out of range.
    InvalidArgument(Vec<Violation>),
    /// A `request_id` seen before from this caller with other parameters.
    RequestIdReused,
    /// The resource does not exist, or the caller is not a party of it.
    NotFound(Resource, i64),
    /// A report range with no paid job in it.
    NoPaidJobs,
    /// Only clients may do this.
    CallerNotClient(&'static str),
    /// The caller is a party of the contract, but in the wrong role.
    WrongParty(&'static str),
    /// A deposit into someone else's balance, or by a contractor.
    DepositNotAllowed(&'static str),
    /// A contract status change that its current status does not allow.
    InvalidContractTransition {
        action: &'static str,
        status: &'static str,
    },
    /// A job cannot be created under a terminated contract.
    ContractTerminated,
    /// A job can only be paid while its contract is in progress.
    ContractNotActive,
    JobAlreadyPaid,
    /// A debit above the available amount (balance minus held).
    InsufficientFunds {
        balance: Money,
        available: Money,
        required: Money,
    },
    DepositLimitExceeded {
        limit: Money,
    },
    /// A `currency_code` that is not a currency of the platform.
    CurrencyNotSupported {
        field: String,
        code: String,
    },
    /// CreateCurrency with a code that exists.
    CurrencyExists(String),
    /// CreateProfile with an `external_id` another profile has.
    ExternalIdTaken,
    /// A second payment record of a loan in one calendar month.
    LoanPaymentAlreadyRecorded {
        month: String,
    },
    /// Every installment of the loan is made.
    LoanRepaid,
    /// A loan payment whose amount is not the installment.
    NotTheInstallment {
        installment: Money,
    },
    /// A feed `paid_out` item with no requested payout of its profile and
    /// amount to complete.
    NoMatchingPayout,
    /// A payout transition from a state other than requested.
    PayoutNotRequested {
        state: &'static str,
    },
    /// A credit that would push a balance beyond what can be represented.
    BalanceLimitExceeded,
    /// A reversal of an entry of a kind that cannot be reversed (the API's
    /// name of the kind).
    EntryNotReversible {
        kind: &'static str,
    },
    /// A reversal above what is left of its entry.
    ReversalExceedsEntry {
        reversible: Money,
    },
    /// A refund of a job that is not paid.
    JobNotPaid,
    /// A refund of a job paid before the ledger existed (seeded data).
    PaymentNotInLedger,
    /// Lost a race with a concurrent transaction (serialization failure,
    /// deadlock, SQLite busy). The transaction runner retries these; one
    /// that escapes it means retries were exhausted.
    Conflict,
    /// The database cannot be reached.
    Unavailable(String),
    /// The connection failed while COMMIT was in flight: the call may have
    /// completed. The text is logged, not sent.
    OutcomeUnknown(String),
    /// The server is at its concurrency limit and sheds the call.
    Overloaded,
    /// The caller has as many movements waiting as it may; the call is shed.
    CallerQueueFull,
    /// The request message is larger than the server accepts.
    MessageTooLarge(String),
    /// The call's deadline (or the server's default timeout) passed.
    DeadlineExceeded,
    /// A bug or an unexpected database error. The text is logged, not sent.
    Internal(String),
}

impl Error {
    /// A single bad field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Error::InvalidArgument(vec![Violation::new(field, description)])
    }

    /// The gRPC code of this error.
    pub fn code(&self) -> Code {
        match self {
            Error::Unauthenticated(_) => Code::Unauthenticated,
            Error::InvalidArgument(_)
            | Error::RequestIdReused
            | Error::CurrencyNotSupported { .. } => Code::InvalidArgument,
            Error::CurrencyExists(_)
            | Error::ExternalIdTaken
            | Error::LoanPaymentAlreadyRecorded { .. } => Code::AlreadyExists,
            Error::NotTheInstallment { .. } => Code::InvalidArgument,
            Error::NotFound(..) | Error::NoPaidJobs => Code::NotFound,
            Error::CallerNotClient(_) | Error::WrongParty(_) | Error::DepositNotAllowed(_) => {
                Code::PermissionDenied
            }
            Error::InvalidContractTransition { .. }
            | Error::ContractTerminated
            | Error::ContractNotActive
            | Error::JobAlreadyPaid
            | Error::InsufficientFunds { .. }
            | Error::DepositLimitExceeded { .. }
            | Error::PayoutNotRequested { .. }
            | Error::NoMatchingPayout
            | Error::LoanRepaid
            | Error::BalanceLimitExceeded
            | Error::EntryNotReversible { .. }
            | Error::ReversalExceedsEntry { .. }
            | Error::JobNotPaid
            | Error::PaymentNotInLedger => Code::FailedPrecondition,
            Error::Conflict => Code::Aborted,
            Error::Unavailable(_) | Error::OutcomeUnknown(_) => Code::Unavailable,
            Error::Overloaded | Error::CallerQueueFull | Error::MessageTooLarge(_) => {
                Code::ResourceExhausted
            }
            Error::DeadlineExceeded => Code::DeadlineExceeded,
            Error::Internal(_) => Code::Internal,
        }
    }

    /// The `google.rpc.ErrorInfo.reason`: a stable UPPER_SNAKE_CASE name
    /// clients can branch on.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Unauthenticated(failure) => match failure {
                AuthFailure::MissingProfileId => "MISSING_PROFILE_ID",
                AuthFailure::MalformedProfileId => "MALFORMED_PROFILE_ID",
                AuthFailure::UnknownProfile => "UNKNOWN_PROFILE",
                AuthFailure::MissingAdminKey | AuthFailure::AdminKeyWithoutBearer => {
                    "MISSING_ADMIN_KEY"
                }
                AuthFailure::WrongAdminKey => "WRONG_ADMIN_KEY",
                AuthFailure::AdminDisabled => "ADMIN_DISABLED",
                AuthFailure::MissingToken | AuthFailure::TokenInvalid => "TOKEN_INVALID",
                AuthFailure::TokenExpired => "TOKEN_EXPIRED",
            },
            Error::InvalidArgument(_) => "INVALID_ARGUMENT",
            Error::RequestIdReused => "REQUEST_ID_REUSED",
            Error::CurrencyNotSupported { .. } => "CURRENCY_NOT_SUPPORTED",
            Error::CurrencyExists(_) => "CURRENCY_EXISTS",
            Error::ExternalIdTaken => "EXTERNAL_ID_TAKEN",
            Error::NotFound(Resource::Contract, _) => "CONTRACT_NOT_FOUND",
            Error::NotFound(Resource::Job, _) => "JOB_NOT_FOUND",
            Error::NotFound(Resource::Payout, _) => "PAYOUT_NOT_FOUND",
            Error::NotFound(Resource::Profile, _) => "PROFILE_NOT_FOUND",
            Error::NotFound(Resource::Loan, _) => "LOAN_NOT_FOUND",
            Error::NotFound(Resource::LedgerEntry, _) => "LEDGER_ENTRY_NOT_FOUND",
            Error::EntryNotReversible { .. } => "ENTRY_NOT_REVERSIBLE",
            Error::ReversalExceedsEntry { .. } => "REVERSAL_EXCEEDS_ENTRY",
            Error::JobNotPaid => "JOB_NOT_PAID",
            Error::PaymentNotInLedger => "PAYMENT_NOT_IN_LEDGER",
            Error::LoanPaymentAlreadyRecorded { .. } => "LOAN_PAYMENT_ALREADY_RECORDED",
            Error::LoanRepaid => "LOAN_REPAID",
            Error::NotTheInstallment { .. } => "NOT_THE_INSTALLMENT",
            Error::PayoutNotRequested { .. } => "PAYOUT_NOT_REQUESTED",
            Error::NoMatchingPayout => "NO_MATCHING_PAYOUT",
            Error::NoPaidJobs => "NO_PAID_JOBS",
            Error::CallerNotClient(_) => "CALLER_NOT_CLIENT",
            Error::WrongParty(_) => "WRONG_PARTY",
            Error::DepositNotAllowed(_) => "DEPOSIT_NOT_ALLOWED",
            Error::InvalidContractTransition { .. } => "INVALID_CONTRACT_TRANSITION",
            Error::ContractTerminated => "CONTRACT_TERMINATED",
            Error::ContractNotActive => "CONTRACT_NOT_ACTIVE",
            Error::JobAlreadyPaid => "JOB_ALREADY_PAID",
            Error::InsufficientFunds { .. } => "INSUFFICIENT_FUNDS",
            Error::DepositLimitExceeded { .. } => "DEPOSIT_LIMIT_EXCEEDED",
            Error::BalanceLimitExceeded => "BALANCE_LIMIT_EXCEEDED",
            Error::Conflict => "TOO_MUCH_CONTENTION",
            Error::Unavailable(_) => "DATABASE_UNAVAILABLE",
            Error::OutcomeUnknown(_) => "OUTCOME_UNKNOWN",
            Error::Overloaded => "OVERLOADED",
            Error::CallerQueueFull => "CALLER_QUEUE_FULL",
            Error::MessageTooLarge(_) => "MESSAGE_TOO_LARGE",
            Error::DeadlineExceeded => "DEADLINE_EXCEEDED",
            Error::Internal(_) => "INTERNAL",
        }
    }

    fn metadata(&self) -> HashMap<String, String> {
        let mut metadata = HashMap::new();
        match self {
            Error::NotFound(_, id) => {
                metadata.insert("id".to_owned(), id.to_string());
            }
            Error::InsufficientFunds {
                balance,
                available,
                required,
            } => {
                metadata.insert("balance".to_owned(), balance.to_string());
                metadata.insert("available".to_owned(), available.to_string());
                metadata.insert("required".to_owned(), required.to_string());
                metadata.insert("currency_code".to_owned(), required.currency_code.clone());
            }
            Error::DepositLimitExceeded { limit } => {
                metadata.insert("limit".to_owned(), limit.to_string());
                metadata.insert("currency_code".to_owned(), limit.currency_code.clone());
            }
            Error::CurrencyNotSupported { code, .. } | Error::CurrencyExists(code) => {
                metadata.insert("currency_code".to_owned(), code.clone());
            }
            Error::PayoutNotRequested { state } => {
                metadata.insert("state".to_owned(), (*state).to_owned());
            }
            Error::NotTheInstallment { installment } => {
                metadata.insert("installment".to_owned(), installment.to_string());
                metadata.insert(
                    "currency_code".to_owned(),
                    installment.currency_code.clone(),
                );
            }
            Error::LoanPaymentAlreadyRecorded { month } => {
                metadata.insert("month".to_owned(), month.clone());
            }
            Error::EntryNotReversible { kind } => {
                metadata.insert("kind".to_owned(), (*kind).to_owned());
            }
            Error::ReversalExceedsEntry { reversible } => {
                metadata.insert("reversible".to_owned(), reversible.to_string());
                metadata.insert("currency_code".to_owned(), reversible.currency_code.clone());
            }
            Error::InvalidContractTransition { status, .. } => {
                metadata.insert("status".to_owned(), (*status).to_owned());
            }
            _ => {}
        }
        metadata
    }

    /// Whether this is the client's doing (logged below ERROR) or ours.
    pub fn is_server_fault(&self) -> bool {
        matches!(
            self,
            Error::Internal(_) | Error::Unavailable(_) | Error::OutcomeUnknown(_)
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unauthenticated(failure) => f.write_str(match failure {
                AuthFailure::MissingProfileId => {
                    "missing `profile_id` metadata: send the caller's profile id"
                }
                AuthFailure::MalformedProfileId => {
                    "malformed `profile_id` metadata: expected a positive decimal id"
                }
                AuthFailure::UnknownProfile => "no profile has the id in `profile_id` metadata",
                AuthFailure::AdminKeyWithoutBearer => {
                    "`authorization` must be `Bearer <admin key>`: the value sent has no \
                     `Bearer ` scheme"
                }
                AuthFailure::MissingAdminKey => {
                    "missing admin key: send `authorization: Bearer <admin key>` metadata \
                     (`x-admin-key: <admin key>` when callers use JWTs)"
                }
                AuthFailure::MissingToken => {
                    "missing `authorization: Bearer <token>` metadata: send the caller's JWT"
                }
                AuthFailure::TokenInvalid => {
                    "the token is not valid (signature, algorithm, issuer, audience or subject)"
                }
                AuthFailure::TokenExpired => "the token has expired",
                AuthFailure::WrongAdminKey => "the admin key is not valid",
                AuthFailure::AdminDisabled => {
                    "admin calls are disabled: the server has no admin key configured"
                }
            }),
            Error::InvalidArgument(violations) => {
                f.write_str("invalid request: ")?;
                for (i, v) in violations.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{} {}", v.field, v.description)?;
                }
                Ok(())
            }
            Error::RequestIdReused => f.write_str(
                "request_id was already used by this caller with other parameters; \
                 use a new request_id for a new request",
            ),
            Error::NotFound(Resource::Contract, id) => write!(f, "contract {id} not found"),
            Error::NotFound(Resource::Job, id) => write!(f, "job {id} not found"),
            Error::NotFound(Resource::Payout, id) => write!(f, "payout {id} not found"),
            Error::NotFound(Resource::Profile, id) => write!(f, "profile {id} not found"),
            Error::NotFound(Resource::Loan, id) => write!(f, "loan {id} not found"),
            Error::NotFound(Resource::LedgerEntry, id) => write!(f, "ledger entry {id} not found"),
            Error::EntryNotReversible { kind } => write!(
                f,
                "a {kind} entry cannot be reversed: only deposits, job payments, transfers, \
                 withdrawals, external credits and debits, and payouts can"
            ),
            Error::ReversalExceedsEntry { reversible } => write!(
                f,
                "the reversals of an entry may not exceed it: at most {reversible} {} is left \
                 to reverse",
                reversible.currency_code
            ),
            Error::JobNotPaid => f.write_str("the job is not paid: there is nothing to refund"),
            Error::PaymentNotInLedger => f.write_str(
                "the job was paid before the ledger existed (seeded data): there is no payment \
                 entry to refund",
            ),
            Error::LoanPaymentAlreadyRecorded { month } => write!(
                f,
                "a payment of this loan is already recorded for {month}: one per calendar month (UTC)"
            ),
            Error::LoanRepaid => f.write_str("the loan is repaid: every installment is made"),
            Error::NotTheInstallment { installment } => write!(
                f,
                "invalid request: amount must be the installment, {installment} {} (or empty)",
                installment.currency_code
            ),
            Error::PayoutNotRequested { state } => write!(
                f,
                "the payout is {state}: only a requested payout can be completed or cancelled"
            ),
            Error::NoPaidJobs => f.write_str("no job was paid in the given range"),
            Error::CallerNotClient(action) => write!(f, "only a client may {action}"),
            Error::WrongParty(action) => write!(f, "{action}"),
            Error::DepositNotAllowed(why) => write!(f, "{why}"),
            Error::InvalidContractTransition { action, status } => {
                write!(f, "cannot {action} a contract that is {status}")
            }
            Error::ContractTerminated => {
                f.write_str("the contract is terminated: no job can be added to it")
            }
            Error::ContractNotActive => {
                f.write_str("the job's contract is not in progress: it cannot be paid")
            }
            Error::JobAlreadyPaid => f.write_str("the job is already paid"),
            Error::InsufficientFunds {
                balance,
                available,
                required,
            } => {
                let code = &required.currency_code;
                if balance == available {
                    write!(f, "insufficient funds: balance is {balance} {code}, {required} {code} needed")
                } else {
                    write!(
                        f,
                        "insufficient funds: {available} {code} available (balance {balance} {code}, \
                         the rest held by payout requests), {required} {code} needed"
                    )
                }
            }
            Error::DepositLimitExceeded { limit } => write!(
                f,
                "a deposit may not exceed 25% of the outstanding jobs' total in its currency: \
                 at most {limit} {} now",
                limit.currency_code
            ),
            Error::CurrencyNotSupported { code, .. } => write!(
                f,
                "currency {code:?} is not supported: see BalanceService.ListCurrencies"
            ),
            Error::CurrencyExists(code) => write!(f, "currency {code} exists already"),
            Error::ExternalIdTaken => f.write_str("another profile has this external_id"),
            Error::NoMatchingPayout => {
                f.write_str("no requested payout of this profile has exactly this amount")
            }
            Error::BalanceLimitExceeded => {
                f.write_str("the resulting balance would exceed the largest representable amount")
            }
            Error::Conflict => f.write_str(
                "the transaction kept conflicting with concurrent ones; retry with the same request_id",
            ),
            Error::Unavailable(_) => f.write_str("the database is unavailable; retry later"),
            Error::OutcomeUnknown(_) => f.write_str(
                "the database connection failed while the call was committing: it may have \
                 completed; retry with the same request_id to find out",
            ),
            Error::Overloaded => {
                f.write_str("the server is at its concurrency limit; retry with backoff")
            }
            Error::CallerQueueFull => f.write_str(
                "too many of this caller's money movements are waiting; retry with backoff \
                 (with the same request_id)",
            ),
            Error::MessageTooLarge(detail) => write!(f, "request message too large: {detail}"),
            Error::DeadlineExceeded => {
                f.write_str("the deadline passed before the call completed; a money movement \
                             may still complete: retry with the same request_id")
            }
            Error::Internal(_) => f.write_str("internal error"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for tonic::Status {
    fn from(error: Error) -> Self {
        match &error {
            Error::Internal(detail) => tracing::error!(%detail, "internal error"),
            Error::Unavailable(detail) => tracing::warn!(%detail, "database unavailable"),
            Error::OutcomeUnknown(detail) => {
                tracing::error!(%detail, "commit outcome unknown")
            }
            _ => {}
        }
        let mut details = ErrorDetails::new();
        details.set_error_info(error.reason(), ERROR_DOMAIN, error.metadata());
        match &error {
            Error::InvalidArgument(violations) => {
                for v in violations {
                    details.add_bad_request_violation(v.field.clone(), v.description.clone());
                }
            }
            Error::RequestIdReused => {
                details.add_bad_request_violation(
                    "request_id",
                    "already used by this caller with other parameters",
                );
            }
            Error::NotTheInstallment { installment } => {
                details.add_bad_request_violation(
                    "amount",
                    format!("must be the installment, {installment}, or empty"),
                );
            }
            Error::CurrencyNotSupported { field, code } => {
                details.add_bad_request_violation(
                    field.clone(),
                    format!("{code:?} is not a supported currency code"),
                );
            }
            _ => {}
        }
        tonic::Status::with_error_details(error.code(), error.to_string(), details)
    }
}
