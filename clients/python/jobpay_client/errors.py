"""Typed exceptions for the errors the jobpay API returns.

Every failed call raises a :class:`JobpayError` (or a subclass) carrying the
gRPC status code, the message, and the rich details of the
``grpc-status-details-bin`` trailer: the ``google.rpc.ErrorInfo`` reason
(e.g. ``"INSUFFICIENT_FUNDS"``), domain and metadata, and the
``google.rpc.BadRequest`` field violations. The class is picked by code and,
for the outcomes callers most often branch on, by reason::

    try:
        client.pay_job(5)
    except InsufficientFunds as e:      # FAILED_PRECONDITION / INSUFFICIENT_FUNDS
        print(e.metadata["balance"], e.metadata["required"])
    except FailedPrecondition as e:     # any other FAILED_PRECONDITION
        print(e.reason)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Type

import grpc
from google.rpc import error_details_pb2, status_pb2

try:  # grpcio-status; the trailer is parsed by hand below when missing
    from grpc_status import rpc_status as _rpc_status
except ImportError:  # pragma: no cover
    _rpc_status = None

_DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class FieldViolation:
    """One bad request field (``google.rpc.BadRequest.FieldViolation``)."""

    field: str
    description: str


class JobpayError(Exception):
    """A call that failed: the base class of every SDK error.

    Attributes:
        code: the :class:`grpc.StatusCode`.
        message: the status message.
        reason: ``google.rpc.ErrorInfo.reason`` (``""`` when the server sent
            none, e.g. for transport errors).
        domain: ``google.rpc.ErrorInfo.domain`` (``"jobpay"``).
        metadata: ``google.rpc.ErrorInfo.metadata`` (e.g. ``balance`` and
            ``required`` for INSUFFICIENT_FUNDS, ``limit`` for
            DEPOSIT_LIMIT_EXCEEDED, ``state`` for PAYOUT_NOT_REQUESTED,
            ``reversible`` for REVERSAL_EXCEEDS_ENTRY).
        field_violations: the ``google.rpc.BadRequest`` violations.
        details: every decoded detail message (``google.protobuf.Any``
            unpacked when its type is known, else the ``Any`` itself).
        method: the full gRPC method name, when known.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        reason: str = "",
        domain: str = "",
        metadata: Optional[Dict[str, str]] = None,
        field_violations: Optional[List[FieldViolation]] = None,
        details: Optional[list] = None,
        method: str = "",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.metadata: Dict[str, str] = dict(metadata or {})
        self.field_violations: List[FieldViolation] = list(field_violations or [])
        self.details: list = list(details or [])
        self.method = method

    def __str__(self) -> str:
        code = self.code.name if isinstance(self.code, grpc.StatusCode) else str(self.code)
        text = f"{code}"
        if self.reason and self.reason != code:
            text += f" ({self.reason})"
        text += f": {self.message}"
        if self.field_violations:
            text += " [" + "; ".join(f"{v.field}: {v.description}" for v in self.field_violations) + "]"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


# One subclass per status code jobpay uses ...
class InvalidArgument(JobpayError):
    """INVALID_ARGUMENT: a malformed request field (see ``field_violations``)."""


class NotFound(JobpayError):
    """NOT_FOUND: no such resource, or the caller is not a party of it."""


class PermissionDenied(JobpayError):
    """PERMISSION_DENIED: the caller is a party in the wrong role."""


class Unauthenticated(JobpayError):
    """UNAUTHENTICATED: missing/unknown ``profile_id``, a missing, invalid or
    expired token (JWT mode), or a bad admin key."""


class TokenExpired(Unauthenticated):
    """UNAUTHENTICATED (TOKEN_EXPIRED): the caller's JWT has expired (its
    signature verified); get a fresh one and call again."""


class TokenInvalid(Unauthenticated):
    """UNAUTHENTICATED (TOKEN_INVALID): no token, or one that does not verify
    (signature, algorithm, issuer, audience, ``nbf`` or subject)."""


class FailedPrecondition(JobpayError):
    """FAILED_PRECONDITION: the state does not allow the call (see ``reason``)."""


class Aborted(JobpayError):
    """ABORTED: the server gave up on contention; retry with the same request_id."""


class Unavailable(JobpayError):
    """UNAVAILABLE: the server or its database cannot be reached right now."""


class DeadlineExceeded(JobpayError):
    """DEADLINE_EXCEEDED: the call did not finish in time (a money movement may
    still have happened: retry with the same request_id)."""


class ResourceExhausted(JobpayError):
    """RESOURCE_EXHAUSTED: the server is overloaded or the message too large."""


class AlreadyExists(JobpayError):
    """ALREADY_EXISTS."""


class Internal(JobpayError):
    """INTERNAL: a server bug."""


class Cancelled(JobpayError):
    """CANCELLED: the call was cancelled."""


class Unimplemented(JobpayError):
    """UNIMPLEMENTED: the server does not know the method (an older server?)."""


# ... and, below them, the reasons callers most often branch on.
class RequestIdReused(InvalidArgument):
    """INVALID_ARGUMENT (REQUEST_ID_REUSED): the request_id was already used
    with other parameters."""


class CurrencyNotSupported(InvalidArgument):
    """INVALID_ARGUMENT (CURRENCY_NOT_SUPPORTED): an unknown currency code;
    ``metadata["currency_code"]`` is the code as sent."""


class CurrencyExists(AlreadyExists):
    """ALREADY_EXISTS (CURRENCY_EXISTS): CreateCurrency of a code that exists
    (in any letter case)."""


class InsufficientFunds(FailedPrecondition):
    """FAILED_PRECONDITION (INSUFFICIENT_FUNDS); ``metadata`` has ``balance``,
    ``available`` (balance minus held), ``required`` and ``currency_code``."""


class JobAlreadyPaid(FailedPrecondition):
    """FAILED_PRECONDITION (JOB_ALREADY_PAID)."""


class ContractNotActive(FailedPrecondition):
    """FAILED_PRECONDITION (CONTRACT_NOT_ACTIVE): the job's contract is not in
    progress."""


class ContractTerminated(FailedPrecondition):
    """FAILED_PRECONDITION (CONTRACT_TERMINATED): no job can be added."""


class InvalidContractTransition(FailedPrecondition):
    """FAILED_PRECONDITION (INVALID_CONTRACT_TRANSITION); ``metadata["status"]``
    is the contract's current status."""


class DepositLimitExceeded(FailedPrecondition):
    """FAILED_PRECONDITION (DEPOSIT_LIMIT_EXCEEDED); ``metadata["limit"]`` is
    the largest deposit allowed now in ``metadata["currency_code"]`` (see
    :attr:`limit`)."""

    @property
    def limit(self):
        """The largest deposit allowed now: a :class:`~jobpay_client.Money`
        (a Decimal) of the deposit's currency, or None."""
        from .money import Money

        value = self.metadata.get("limit")
        return Money(value, self.metadata.get("currency_code", "")) if value else None


class NotTheInstallment(InvalidArgument):
    """INVALID_ARGUMENT (NOT_THE_INSTALLMENT): a loan payment whose amount is
    not the loan's installment; ``metadata`` has ``installment`` and
    ``currency_code`` (see :attr:`installment`)."""

    @property
    def installment(self):
        """The loan's installment: a :class:`~jobpay_client.Money`, or None."""
        from .money import Money

        value = self.metadata.get("installment")
        return Money(value, self.metadata.get("currency_code", "")) if value else None


class ProfileNotFound(NotFound):
    """NOT_FOUND (PROFILE_NOT_FOUND): no profile has that id (an admin's
    balance summary); ``metadata["id"]``."""


class PayoutNotFound(NotFound):
    """NOT_FOUND (PAYOUT_NOT_FOUND): no such payout, or another profile's;
    ``metadata["id"]``."""


class LoanNotFound(NotFound):
    """NOT_FOUND (LOAN_NOT_FOUND): no such loan; ``metadata["id"]``."""


class LoanPaymentAlreadyRecorded(AlreadyExists):
    """ALREADY_EXISTS (LOAN_PAYMENT_ALREADY_RECORDED): the loan already has a
    payment, made or missed, in that calendar month (UTC);
    ``metadata["month"]`` is ``YYYY-MM``."""


class PayoutNotRequested(FailedPrecondition):
    """FAILED_PRECONDITION (PAYOUT_NOT_REQUESTED): only a requested payout can
    be completed or cancelled; ``metadata["state"]`` is its state (see
    :attr:`state`)."""

    @property
    def state(self):
        """The payout's state: a :class:`~jobpay_client.PayoutState` (the raw
        string for a state this SDK does not know), or None."""
        from .types import PayoutState

        value = self.metadata.get("state")
        if not value:
            return None
        name = value[len("PAYOUT_STATE_"):] if value.startswith("PAYOUT_STATE_") else value
        try:
            return PayoutState[name]
        except KeyError:
            return value


class LoanRepaid(FailedPrecondition):
    """FAILED_PRECONDITION (LOAN_REPAID): every installment of the loan is
    made; nothing more can be recorded."""


class LedgerEntryNotFound(NotFound):
    """NOT_FOUND (LEDGER_ENTRY_NOT_FOUND): no ledger entry has that id (an
    admin's reversal); ``metadata["id"]``."""


class EntryNotReversible(FailedPrecondition):
    """FAILED_PRECONDITION (ENTRY_NOT_REVERSIBLE): the entry's kind cannot be
    reversed (OPENING, LOAN_DISBURSEMENT, LOAN_REPAYMENT, REVERSAL);
    ``metadata["kind"]`` is its kind (see :attr:`kind`)."""

    @property
    def kind(self):
        """The entry's kind: a :class:`~jobpay_client.LedgerEntryKind` (the
        raw string for a kind this SDK does not know), or None."""
        from .types import LedgerEntryKind

        value = self.metadata.get("kind")
        if not value:
            return None
        prefix = "LEDGER_ENTRY_KIND_"
        name = value[len(prefix):] if value.startswith(prefix) else value
        try:
            return LedgerEntryKind[name]
        except KeyError:
            return value


class ReversalExceedsEntry(FailedPrecondition):
    """FAILED_PRECONDITION (REVERSAL_EXCEEDS_ENTRY): a reversal or refund
    above what is left of its entry (the reversals of an entry never add up
    to more than it); ``metadata`` has ``reversible``, what is left to
    reverse or refund, and ``currency_code`` (see :attr:`reversible`)."""

    @property
    def reversible(self):
        """What is left to reverse (or refund): a
        :class:`~jobpay_client.Money` of the entry's currency, or None."""
        from .money import Money

        value = self.metadata.get("reversible")
        return Money(value, self.metadata.get("currency_code", "")) if value else None


class JobNotPaid(FailedPrecondition):
    """FAILED_PRECONDITION (JOB_NOT_PAID): a refund of a job that is not paid."""


class PaymentNotInLedger(FailedPrecondition):
    """FAILED_PRECONDITION (PAYMENT_NOT_IN_LEDGER): a refund of a job paid
    before the ledger existed (seeded data): there is no payment entry to
    reverse."""


_BY_CODE: Dict[grpc.StatusCode, Type[JobpayError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.ABORTED: Aborted,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.INTERNAL: Internal,
    grpc.StatusCode.CANCELLED: Cancelled,
    grpc.StatusCode.UNIMPLEMENTED: Unimplemented,
}

_BY_REASON: Dict[Tuple[grpc.StatusCode, str], Type[JobpayError]] = {
    (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED"): RequestIdReused,
    (grpc.StatusCode.INVALID_ARGUMENT, "CURRENCY_NOT_SUPPORTED"): CurrencyNotSupported,
    (grpc.StatusCode.ALREADY_EXISTS, "CURRENCY_EXISTS"): CurrencyExists,
    (grpc.StatusCode.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS"): InsufficientFunds,
    (grpc.StatusCode.FAILED_PRECONDITION, "JOB_ALREADY_PAID"): JobAlreadyPaid,
    (grpc.StatusCode.FAILED_PRECONDITION, "CONTRACT_NOT_ACTIVE"): ContractNotActive,
    (grpc.StatusCode.FAILED_PRECONDITION, "CONTRACT_TERMINATED"): ContractTerminated,
    (grpc.StatusCode.FAILED_PRECONDITION, "INVALID_CONTRACT_TRANSITION"): InvalidContractTransition,
    (grpc.StatusCode.FAILED_PRECONDITION, "DEPOSIT_LIMIT_EXCEEDED"): DepositLimitExceeded,
    (grpc.StatusCode.INVALID_ARGUMENT, "NOT_THE_INSTALLMENT"): NotTheInstallment,
    (grpc.StatusCode.NOT_FOUND, "PROFILE_NOT_FOUND"): ProfileNotFound,
    (grpc.StatusCode.NOT_FOUND, "PAYOUT_NOT_FOUND"): PayoutNotFound,
    (grpc.StatusCode.NOT_FOUND, "LOAN_NOT_FOUND"): LoanNotFound,
    (grpc.StatusCode.ALREADY_EXISTS, "LOAN_PAYMENT_ALREADY_RECORDED"): LoanPaymentAlreadyRecorded,
    (grpc.StatusCode.FAILED_PRECONDITION, "PAYOUT_NOT_REQUESTED"): PayoutNotRequested,
    (grpc.StatusCode.FAILED_PRECONDITION, "LOAN_REPAID"): LoanRepaid,
    (grpc.StatusCode.NOT_FOUND, "LEDGER_ENTRY_NOT_FOUND"): LedgerEntryNotFound,
    (grpc.StatusCode.FAILED_PRECONDITION, "ENTRY_NOT_REVERSIBLE"): EntryNotReversible,
    (grpc.StatusCode.FAILED_PRECONDITION, "REVERSAL_EXCEEDS_ENTRY"): ReversalExceedsEntry,
    (grpc.StatusCode.FAILED_PRECONDITION, "JOB_NOT_PAID"): JobNotPaid,
    (grpc.StatusCode.FAILED_PRECONDITION, "PAYMENT_NOT_IN_LEDGER"): PaymentNotInLedger,
    (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_EXPIRED"): TokenExpired,
    (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID"): TokenInvalid,
}

_KNOWN_DETAILS = (
    error_details_pb2.ErrorInfo,
    error_details_pb2.BadRequest,
    error_details_pb2.RetryInfo,
    error_details_pb2.DebugInfo,
    error_details_pb2.QuotaFailure,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.RequestInfo,
    error_details_pb2.ResourceInfo,
    error_details_pb2.Help,
    error_details_pb2.LocalizedMessage,
)


def _rich_status(call) -> Optional[status_pb2.Status]:
    """The google.rpc.Status of the trailer, or None."""
    if _rpc_status is not None:
        try:
            return _rpc_status.from_call(call)
        except ValueError:
            pass  # code/message mismatch: read the trailer as it is
    try:
        trailers = call.trailing_metadata() or ()
    except Exception:  # pragma: no cover - not a grpc.Call
        return None
    for key, value in trailers:
        if key == _DETAILS_KEY:
            try:
                return status_pb2.Status.FromString(value)
            except Exception:
                return None
    return None


def error_class(code: grpc.StatusCode, reason: str = "") -> Type[JobpayError]:
    """The exception class for a status code and ErrorInfo reason."""
    return _BY_REASON.get((code, reason)) or _BY_CODE.get(code, JobpayError)


def from_rpc_error(error: grpc.RpcError, method: str = "") -> JobpayError:
    """Turns a :class:`grpc.RpcError` (a failed unary call) into the typed
    :class:`JobpayError` subclass, decoding the rich error details."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = (error.details() if hasattr(error, "details") else None) or ""
    reason = domain = ""
    metadata: Dict[str, str] = {}
    violations: List[FieldViolation] = []
    details: list = []
    status = _rich_status(error) if hasattr(error, "trailing_metadata") else None
    if status is not None:
        for any_detail in status.details:
            for cls in _KNOWN_DETAILS:
                if any_detail.Is(cls.DESCRIPTOR):
                    msg = cls()
                    any_detail.Unpack(msg)
                    break
            else:
                msg = any_detail
            details.append(msg)
            if isinstance(msg, error_details_pb2.ErrorInfo) and not reason:
                reason, domain, metadata = msg.reason, msg.domain, dict(msg.metadata)
            elif isinstance(msg, error_details_pb2.BadRequest):
                violations.extend(
                    FieldViolation(v.field, v.description) for v in msg.field_violations
                )
    cls = error_class(code, reason)
    return cls(
        code,
        message,
        reason=reason,
        domain=domain,
        metadata=metadata,
        field_violations=violations,
        details=details,
        method=method,
    )


__all__ = [
    "FieldViolation",
    "JobpayError",
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
    "error_class",
    "from_rpc_error",
]
