"""Python SDK of the jobpay gRPC API (package ``jobpay.v1``).

    from decimal import Decimal
    from jobpay_client import JobpayClient, InsufficientFunds

    with JobpayClient("127.0.0.1:50051", profile_id=1) as client:
        for contract in client.iter_contracts():
            print(contract.id, contract.status.name)
        try:
            result = client.pay_job(2)
        except InsufficientFunds as e:
            print("short of", Decimal(e.metadata["required"]) - Decimal(e.metadata["balance"]))

Against a server run with ``--caller-auth jwt``, pass the caller's token
instead of the profile id (``JobpayClient(target, token=jwt)``, or a function
returning the current token); the admin key then goes as ``x-admin-key``.

Money is :class:`decimal.Decimal` in and out (amounts returned are
:class:`Money`, Decimals that know their ``currency_code``); calls that move
or hold money take ``currency`` ("" = the platform currency); instants are
aware :class:`datetime.datetime`. Each money movement (payments, deposits,
withdrawals, transfers, payout requests, loans and their payments, refunds
and reversals) carries a ``request_id`` that is reused by its retries, so it
happens at most once.
The generated code is in ``jobpay_client._generated`` (``jobpay_client.pb``
re-exports it); regenerate it with ``scripts/gen-python.sh``.
"""

from . import pb
from .client import DEFAULT_RETRY_CODES, KNOWN_PRECISIONS, JobpayClient
from .errors import (
    Aborted,
    AlreadyExists,
    Cancelled,
    ContractNotActive,
    ContractTerminated,
    CurrencyExists,
    CurrencyNotSupported,
    DeadlineExceeded,
    DepositLimitExceeded,
    EntryNotReversible,
    FailedPrecondition,
    FieldViolation,
    InsufficientFunds,
    Internal,
    InvalidArgument,
    InvalidContractTransition,
    JobAlreadyPaid,
    JobNotPaid,
    JobpayError,
    LedgerEntryNotFound,
    LoanNotFound,
    LoanPaymentAlreadyRecorded,
    LoanRepaid,
    NotFound,
    NotTheInstallment,
    PaymentNotInLedger,
    PayoutNotFound,
    PayoutNotRequested,
    PermissionDenied,
    ProfileNotFound,
    RequestIdReused,
    ResourceExhausted,
    ReversalExceedsEntry,
    TokenExpired,
    TokenInvalid,
    Unauthenticated,
    Unavailable,
    Unimplemented,
    from_rpc_error,
)
from .money import MAX_AMOUNT, Money, from_money_string, max_amount, to_money_string
from .types import (
    Balance,
    BalanceSummary,
    BestClient,
    BestProfession,
    Contract,
    ContractStatus,
    Currency,
    CurrencyBalance,
    FeedItem,
    FeedItemState,
    FeedStatus,
    Job,
    LedgerEntry,
    LedgerEntryKind,
    Loan,
    LoanBalance,
    LoanPayment,
    LoanPaymentStatus,
    OutstandingDebt,
    Page,
    PayJobResult,
    Payout,
    RefundResult,
    ReversalResult,
    PayoutRequestTotal,
    PayoutState,
    Profile,
    ProfileType,
    Rounding,
)

__version__ = "0.6.0"

__all__ = [
    "pb",
    "JobpayClient",
    "DEFAULT_RETRY_CODES",
    "KNOWN_PRECISIONS",
    "JobpayError",
    "FieldViolation",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "Unauthenticated",
    "FailedPrecondition",
    "Aborted",
    "Unavailable",
    "DeadlineExceeded",
    "ResourceExhausted",
    "AlreadyExists",
    "Internal",
    "Cancelled",
    "Unimplemented",
    "RequestIdReused",
    "CurrencyNotSupported",
    "CurrencyExists",
    "InsufficientFunds",
    "JobAlreadyPaid",
    "ContractNotActive",
    "ContractTerminated",
    "InvalidContractTransition",
    "DepositLimitExceeded",
    "NotTheInstallment",
    "ProfileNotFound",
    "PayoutNotFound",
    "LoanNotFound",
    "LoanPaymentAlreadyRecorded",
    "PayoutNotRequested",
    "LoanRepaid",
    "LedgerEntryNotFound",
    "EntryNotReversible",
    "ReversalExceedsEntry",
    "JobNotPaid",
    "PaymentNotInLedger",
    "TokenExpired",
    "TokenInvalid",
    "from_rpc_error",
    "MAX_AMOUNT",
    "Money",
    "max_amount",
    "to_money_string",
    "from_money_string",
    "Balance",
    "BalanceSummary",
    "BestClient",
    "BestProfession",
    "Contract",
    "ContractStatus",
    "Currency",
    "CurrencyBalance",
    "FeedItem",
    "FeedItemState",
    "FeedStatus",
    "Job",
    "LedgerEntry",
    "LedgerEntryKind",
    "Loan",
    "LoanBalance",
    "LoanPayment",
    "LoanPaymentStatus",
    "OutstandingDebt",
    "Page",
    "PayJobResult",
    "Payout",
    "RefundResult",
    "ReversalResult",
    "PayoutRequestTotal",
    "PayoutState",
    "Profile",
    "ProfileType",
    "Rounding",
]
