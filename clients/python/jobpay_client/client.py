"""The hand-written client over the generated stubs."""

from __future__ import annotations

import base64
import datetime as _dt
import json
import logging
import random
import time
import uuid
from decimal import Decimal
from typing import (
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

import grpc
from google.protobuf import timestamp_pb2

from ._generated.jobpay.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    balance_service_pb2,
    balance_service_pb2_grpc,
    contract_service_pb2,
    contract_service_pb2_grpc,
    job_service_pb2,
    job_service_pb2_grpc,
    loan_service_pb2,
    loan_service_pb2_grpc,
    payout_service_pb2,
    payout_service_pb2_grpc,
)
from .errors import from_rpc_error
from .money import Money, MoneyLike, _parse, _plain, from_money_string, to_money_string
from .types import (
    Balance,
    BalanceSummary,
    BestClient,
    BestProfession,
    Contract,
    Currency,
    CurrencyBalance,
    FeedItem,
    FeedItemState,
    FeedStatus,
    Job,
    LedgerEntry,
    Loan,
    LoanBalance,
    LoanPayment,
    LoanPaymentStatus,
    OutstandingDebt,
    Page,
    PayJobResult,
    Payout,
    PayoutRequestTotal,
    Profile,
    ProfileType,
    RefundResult,
    ReversalResult,
    Rounding,
)

log = logging.getLogger("jobpay_client")

T = TypeVar("T")

#: Codes after which a call is retried by default (money movements with the
#: same request_id, reads as they are).
DEFAULT_RETRY_CODES = frozenset({grpc.StatusCode.ABORTED, grpc.StatusCode.UNAVAILABLE})

RangeBound = Union[str, _dt.date, _dt.datetime]
RoundingLike = Union[Rounding, int, str, None]
#: An instant: an aware datetime or an RFC 3339 string; None = unset (now).
InstantLike = Union[_dt.datetime, str, None]
LoanPaymentStatusLike = Union[LoanPaymentStatus, int, str]
#: A feed item state filter: the enum, its int or its name; None = any.
FeedItemStateLike = Union[FeedItemState, int, str, None]
#: A rate: Decimal, int or str ("0.05" is 5% a year); never a float.
RateLike = Union[Decimal, int, str]
#: The caller's JWT: the token itself, or a function returning the current
#: one (called before every attempt, so it can refresh it).
TokenLike = Union[str, Callable[[], str]]

#: How the server identifies callers (its ``--caller-auth``).
CALLER_AUTH_MODES = ("header", "jwt")

#: The precisions of the currencies every jobpay server has (its migrations
#: create them); others are learnt from list_currencies() and
#: create_currency().
KNOWN_PRECISIONS = {"USD": 2, "EUR": 2, "BTC": 8}


def _range_bound(value: RangeBound, field: str) -> str:
    """A report range bound: ``YYYY-MM-DD`` or an RFC 3339 instant."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{field}: pass a timezone-aware datetime (or a date)")
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise TypeError(f"{field}: pass a str, datetime.date or aware datetime.datetime")


def _currency(value: Optional[str], field: str = "currency") -> str:
    """A currency code for a request: "" (the platform currency) or the
    code, upper case (the server is case-insensitive; upper case keeps the
    client's precision cache simple)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{field}: pass a currency code such as \"EUR\" (a str)")
    return value.upper()


def _rounding(value: RoundingLike) -> int:
    """A Rounding for a request: a :class:`Rounding`, its int, or its name
    with or without the ``ROUNDING_`` prefix, in any case; None is
    UNSPECIFIED."""
    if value is None:
        return int(Rounding.UNSPECIFIED)
    if isinstance(value, bool):
        raise TypeError("rounding: pass a Rounding, not a bool")
    if isinstance(value, str):
        name = value.upper()
        if name.startswith("ROUNDING_"):
            name = name[len("ROUNDING_"):]
        try:
            return int(Rounding[name])
        except KeyError:
            raise ValueError(f"rounding: unknown rounding {value!r}") from None
    return int(value)


def _instant(value: InstantLike, field: str) -> Optional[timestamp_pb2.Timestamp]:
    """A google.protobuf.Timestamp for a request, or None (unset)."""
    if value is None:
        return None
    ts = timestamp_pb2.Timestamp()
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{field}: pass a timezone-aware datetime")
        ts.FromDatetime(value.astimezone(_dt.timezone.utc).replace(tzinfo=None))
        return ts
    if isinstance(value, str):
        try:
            ts.FromJsonString(value)
        except ValueError:
            raise ValueError(f"{field}: {value!r} is not an RFC 3339 instant") from None
        return ts
    raise TypeError(f"{field}: pass an aware datetime.datetime or an RFC 3339 str")


def _rate(value: RateLike, field: str = "annual_rate") -> str:
    """A rate for a request: a plain decimal string ("0.05"). The server
    checks its range (0 < rate <= 10)."""
    return _plain(_parse(value, field))


def _loan_payment_status(value: LoanPaymentStatusLike) -> int:
    """A LoanPaymentStatus for a request: the enum, its int, or its name with
    or without the ``LOAN_PAYMENT_STATUS_`` prefix, in any case."""
    if isinstance(value, bool):
        raise TypeError("status: pass a LoanPaymentStatus, not a bool")
    if isinstance(value, str):
        name = value.upper()
        if name.startswith("LOAN_PAYMENT_STATUS_"):
            name = name[len("LOAN_PAYMENT_STATUS_"):]
        try:
            return int(LoanPaymentStatus[name])
        except KeyError:
            raise ValueError(f"status: unknown loan payment status {value!r}") from None
    return int(value)


def _feed_item_state(value: FeedItemStateLike) -> int:
    """A FeedItemState filter for a request: the enum, its int, or its name
    with or without the ``FEED_ITEM_STATE_`` prefix, in any case ("applied",
    "rejected"); None is UNSPECIFIED (any state)."""
    if value is None:
        return int(FeedItemState.UNSPECIFIED)
    if isinstance(value, bool):
        raise TypeError("state: pass a FeedItemState, not a bool")
    if isinstance(value, str):
        name = value.upper()
        if name.startswith("FEED_ITEM_STATE_"):
            name = name[len("FEED_ITEM_STATE_"):]
        try:
            return int(FeedItemState[name])
        except KeyError:
            raise ValueError(f"state: unknown feed item state {value!r}") from None
    return int(value)


def _token_subject(token: str) -> Optional[int]:
    """The ``sub`` of a compact JWT as a profile id, read without verifying
    the signature; None when it cannot be read."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None
    sub = payload.get("sub") if isinstance(payload, dict) else None
    if isinstance(sub, str) and sub.isascii() and sub.isdigit() and int(sub) > 0:
        return int(sub)
    return None


def _check_token_arg(token: Optional[TokenLike]) -> None:
    if token is None or callable(token):
        return
    if not isinstance(token, str):
        raise TypeError("token: pass a str or a function returning the current token")
    if not token.strip():
        raise ValueError("token: empty")


def _caller_auth(
    mode: Optional[str], token: Optional[TokenLike], profile_id: Optional[int]
) -> str:
    """The caller-auth mode of a new client, checked against its arguments."""
    _check_token_arg(token)
    if mode is None:
        mode = "jwt" if token is not None else "header"
    if not isinstance(mode, str) or mode.lower() not in CALLER_AUTH_MODES:
        raise ValueError(f"caller_auth: {mode!r} is not one of {', '.join(CALLER_AUTH_MODES)}")
    mode = mode.lower()
    if mode == "header" and token is not None:
        raise ValueError("token: a token is sent in JWT mode only (caller_auth='jwt')")
    if mode == "jwt" and profile_id is not None:
        raise ValueError(
            "profile_id: in JWT mode the caller is the token's subject; pass token, not profile_id"
        )
    return mode


def _profile_type(value: Union[ProfileType, int, str]) -> int:
    if isinstance(value, str):
        name = value.upper()
        for prefix in ("PROFILE_TYPE_",):
            if name.startswith(prefix):
                name = name[len(prefix):]
        try:
            return int(ProfileType[name])
        except KeyError:
            raise ValueError(f"type: unknown profile type {value!r}") from None
    return int(value)


class JobpayClient:
    """A synchronous client of the jobpay gRPC API.

    Args:
        target: ``host:port`` of the server (e.g. ``"127.0.0.1:50051"``).
            Not needed when ``channel`` is given.
        profile_id: the caller, sent as the ``profile_id`` metadata on the
            Contract, Job, Balance and Payout services (header mode).
        admin_key: the admin API key, sent on AdminService and LoanService
            calls as ``authorization: Bearer <key>`` (header mode) or
            ``x-admin-key: <key>`` (JWT mode).
        token: the caller's JWT (JWT mode: a server run with
            ``--caller-auth jwt``), sent as ``authorization: Bearer <token>``
            on the Contract, Job, Balance and Payout services instead of
            ``profile_id``. A str, or a function returning the current token:
            it is called before every attempt, and when the server answers
            TOKEN_EXPIRED the call is made once more with a fresh token (the
            server did nothing with the refused call).
        caller_auth: the server's mode, ``"header"`` or ``"jwt"``; by default
            ``"jwt"`` when ``token`` is given, else ``"header"``. Pass
            ``"jwt"`` for an admin-only client of a JWT-mode server, so that
            the admin key goes as ``x-admin-key``.
        channel: an existing :class:`grpc.Channel` to use (not closed by
            :meth:`close`).
        credentials: :class:`grpc.ChannelCredentials` for TLS; plaintext
            when None.
        options: gRPC channel options (``[("grpc.keepalive_time_ms", ...)]``).
        interceptors: client interceptors wrapped around the channel.
        timeout: deadline of each attempt, in seconds (None: none).
        max_attempts: attempts of a call that fails with one of
            ``retry_codes`` (1 disables retries). Calls with a
            ``request_id`` (PayJob, RefundJobPayment, Deposit, Withdraw,
            Transfer, RequestPayout, CreateLoan, RecordLoanPayment,
            ReverseLedgerEntry) are retried with
            the same ``request_id``, so the server does them at most once;
            reads are retried as they are; other writes are never retried.
        initial_backoff, max_backoff, backoff_multiplier: exponential backoff
            between attempts, in seconds; each pause is jittered to 50-100%.
        retry_codes: the status codes that are retried.
        platform_currency: the server's platform currency (its
            ``--default-currency``, USD unless configured otherwise): the
            currency of calls made without ``currency``. Only used to check
            amounts before sending them; an empty ``currency_code`` is what
            is sent.

    Money: amounts are accepted as Decimal, int or str, and checked against
    the precision of their currency when the client knows it (USD, EUR and
    BTC always; others once :meth:`list_currencies` or
    :meth:`create_currency` has seen them; otherwise the server checks).
    Every amount returned is a :class:`~jobpay_client.Money`, a Decimal with
    a ``currency_code``.
    """

    def __init__(
        self,
        target: Optional[str] = None,
        profile_id: Optional[int] = None,
        admin_key: Optional[str] = None,
        *,
        token: Optional[TokenLike] = None,
        caller_auth: Optional[str] = None,
        channel: Optional[grpc.Channel] = None,
        credentials: Optional[grpc.ChannelCredentials] = None,
        options: Optional[Sequence[Tuple[str, object]]] = None,
        interceptors: Optional[Iterable[object]] = None,
        timeout: Optional[float] = 30.0,
        max_attempts: int = 4,
        initial_backoff: float = 0.1,
        max_backoff: float = 2.0,
        backoff_multiplier: float = 2.0,
        retry_codes: Iterable[grpc.StatusCode] = DEFAULT_RETRY_CODES,
        platform_currency: str = "USD",
        _sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        caller_auth = _caller_auth(caller_auth, token, profile_id)
        if channel is None:
            if not target:
                raise ValueError("pass a target (host:port) or a channel")
            if credentials is not None:
                channel = grpc.secure_channel(target, credentials, options=options)
            else:
                channel = grpc.insecure_channel(target, options=options)
            self._owns_channel = True
        else:
            self._owns_channel = False
        self._base_channel = channel
        interceptors = list(interceptors or [])
        if interceptors:
            channel = grpc.intercept_channel(channel, *interceptors)
        self._channel = channel
        self.profile_id = profile_id
        self.admin_key = admin_key
        self.token = token
        self.caller_auth = caller_auth
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.backoff_multiplier = backoff_multiplier
        self.retry_codes = frozenset(retry_codes)
        self.platform_currency = _currency(platform_currency, "platform_currency") or "USD"
        # Shared by the clients with_profile() and with_admin_key() make.
        self._precisions: Dict[str, int] = dict(KNOWN_PRECISIONS)
        self._sleep = _sleep
        self._contracts = contract_service_pb2_grpc.ContractServiceStub(channel)
        self._jobs = job_service_pb2_grpc.JobServiceStub(channel)
        self._balances = balance_service_pb2_grpc.BalanceServiceStub(channel)
        self._admin = admin_service_pb2_grpc.AdminServiceStub(channel)
        self._payouts = payout_service_pb2_grpc.PayoutServiceStub(channel)
        self._loans = loan_service_pb2_grpc.LoanServiceStub(channel)

    # -- lifecycle ---------------------------------------------------------

    @property
    def channel(self) -> grpc.Channel:
        """The channel the calls go through (with the interceptors)."""
        return self._channel

    def _clone(self) -> "JobpayClient":
        clone = object.__new__(JobpayClient)
        clone.__dict__.update(self.__dict__)
        clone._owns_channel = False
        return clone

    def with_profile(self, profile_id: Optional[int]) -> "JobpayClient":
        """A client acting as another profile, sharing this one's channel and
        settings (header mode; in JWT mode use :meth:`with_token`)."""
        if self.caller_auth == "jwt" and profile_id is not None:
            raise ValueError(
                "JWT mode: the caller is the token's subject; use with_token(token)"
            )
        clone = self._clone()
        clone.profile_id = profile_id
        return clone

    def with_token(self, token: Optional[TokenLike]) -> "JobpayClient":
        """A client acting with another JWT (a str or a function returning
        the current one), sharing this one's channel and settings. The clone
        is in JWT mode: its admin key, if any, goes as ``x-admin-key``."""
        _check_token_arg(token)
        clone = self._clone()
        clone.caller_auth = "jwt"
        clone.profile_id = None
        clone.token = token
        return clone

    def with_admin_key(self, admin_key: Optional[str]) -> "JobpayClient":
        """A client using another admin key, sharing this one's channel."""
        clone = self._clone()
        clone.admin_key = admin_key
        return clone

    def close(self) -> None:
        """Closes the channel if this client created it."""
        if self._owns_channel:
            self._base_channel.close()

    def __enter__(self) -> "JobpayClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------

    def _caller_metadata(self) -> List[Tuple[str, str]]:
        if self.caller_auth == "jwt":
            if self.token is None:
                return []
            return [("authorization", f"Bearer {self._current_token()}")]
        if self.profile_id is None:
            return []
        return [("profile_id", str(self.profile_id))]

    def _current_token(self) -> str:
        token = self.token() if callable(self.token) else self.token
        if not isinstance(token, str):
            raise TypeError(f"token: the token function returned {type(token).__name__}, not str")
        token = token.strip()
        if not token or any(c.isspace() for c in token):
            raise ValueError("token: empty, or not a single compact JWT")
        return token

    def _caller_profile_id(self) -> int:
        """The caller's profile id, for the request fields that name it
        (``DepositRequest.profile_id``). In JWT mode it is the token's
        ``sub`` (read, not verified: the server verifies the token), or,
        for a token the client cannot read, what GetBalance says."""
        if self.caller_auth != "jwt":
            return self.profile_id if self.profile_id is not None else 0
        if self.token is None:
            return 0
        sub = _token_subject(self._current_token())
        return sub if sub is not None else self.get_balance().profile_id

    def _admin_metadata(self) -> List[Tuple[str, str]]:
        if self.admin_key is None:
            return []
        if self.caller_auth == "jwt":
            return [("x-admin-key", self.admin_key)]
        return [("authorization", f"Bearer {self.admin_key}")]

    def _call(self, method, request, metadata, *, name: str, retry: bool):
        """Makes one unary call, retrying ``retry_codes`` with exponential
        backoff when ``retry``; failures become :class:`JobpayError`.

        ``metadata`` is a list, or a function returning it, called before
        every attempt (so that a token function is asked for the current
        token). A call refused with TOKEN_EXPIRED is made once more when the
        token is a function: the server did nothing with it."""
        attempts = self.max_attempts if retry else 1
        delay = self.initial_backoff
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            sent = metadata() if callable(metadata) else metadata
            try:
                return method(request, metadata=sent, timeout=self.timeout)
            except grpc.RpcError as error:
                code = error.code() if hasattr(error, "code") else None
                if attempt < attempts and code in self.retry_codes:
                    pause = min(delay, self.max_backoff) * random.uniform(0.5, 1.0)
                    log.info(
                        "%s failed with %s (attempt %d of %d); retrying in %.3fs",
                        name, code.name if code else code, attempt, attempts, pause,
                    )
                    self._sleep(pause)
                    delay *= self.backoff_multiplier
                    continue
                failure = from_rpc_error(error, name)
                if (
                    not refreshed
                    and callable(metadata)
                    and callable(self.token)
                    and self.caller_auth == "jwt"
                    and code == grpc.StatusCode.UNAUTHENTICATED
                    and failure.reason == "TOKEN_EXPIRED"
                ):
                    refreshed = True
                    attempt -= 1
                    log.info("%s: token expired; retrying once with a fresh token", name)
                    continue
                raise failure from error

    @staticmethod
    def _request_id(request_id: Optional[str]) -> str:
        if request_id is None:
            return str(uuid.uuid4())
        if not isinstance(request_id, str):
            request_id = str(request_id)  # e.g. a uuid.UUID
        return request_id

    def _precision(self, currency: str) -> Optional[int]:
        """The decimals of ``currency`` ("" = the platform currency), or None
        when the client does not know them."""
        return self._precisions.get(currency or self.platform_currency)

    def _amount(
        self, amount: MoneyLike, currency: str, field: str = "amount", rounding: int = 0
    ) -> str:
        return to_money_string(
            amount,
            field,
            self._precision(currency),
            rounding=rounding != Rounding.UNSPECIFIED,
            currency_code=currency or self.platform_currency,
        )

    @staticmethod
    def _paginate(fetch: Callable[[str], Page[T]]) -> Iterator[T]:
        token = ""
        while True:
            page = fetch(token)
            yield from page.items
            token = page.next_page_token
            if not token:
                return

    # -- ContractService -----------------------------------------------------

    def get_contract(self, id: int) -> Contract:
        """One contract of the caller, in any status (NotFound otherwise)."""
        m = self._call(
            self._contracts.GetContract,
            contract_service_pb2.GetContractRequest(id=id),
            self._caller_metadata,
            name="jobpay.v1.ContractService/GetContract",
            retry=True,
        )
        return Contract.from_proto(m)

    def list_contracts(self, page_size: int = 0, page_token: str = "") -> Page[Contract]:
        """One page of the caller's non-terminated contracts, by id."""
        m = self._call(
            self._contracts.ListContracts,
            contract_service_pb2.ListContractsRequest(page_size=page_size, page_token=page_token),
            self._caller_metadata,
            name="jobpay.v1.ContractService/ListContracts",
            retry=True,
        )
        return Page([Contract.from_proto(c) for c in m.contracts], m.next_page_token)

    def iter_contracts(self, page_size: int = 0) -> Iterator[Contract]:
        """All the caller's non-terminated contracts, fetching page by page."""
        return self._paginate(lambda token: self.list_contracts(page_size, token))

    def create_contract(self, contractor_id: int, terms: str, currency: str = "") -> Contract:
        """A NEW contract between the calling client and a contractor, whose
        jobs are priced and paid in ``currency`` (default: the platform
        currency), fixed for the contract's life."""
        m = self._call(
            self._contracts.CreateContract,
            contract_service_pb2.CreateContractRequest(
                contractor_id=contractor_id, terms=terms, currency_code=_currency(currency)
            ),
            self._caller_metadata,
            name="jobpay.v1.ContractService/CreateContract",
            retry=False,
        )
        return Contract.from_proto(m)

    def start_contract(self, id: int) -> Contract:
        """Starts a NEW contract (its contractor only)."""
        m = self._call(
            self._contracts.StartContract,
            contract_service_pb2.StartContractRequest(id=id),
            self._caller_metadata,
            name="jobpay.v1.ContractService/StartContract",
            retry=False,
        )
        return Contract.from_proto(m)

    def terminate_contract(self, id: int) -> Contract:
        """Terminates a NEW or IN_PROGRESS contract (either party)."""
        m = self._call(
            self._contracts.TerminateContract,
            contract_service_pb2.TerminateContractRequest(id=id),
            self._caller_metadata,
            name="jobpay.v1.ContractService/TerminateContract",
            retry=False,
        )
        return Contract.from_proto(m)

    # -- JobService -------------------------------------------------------------

    def list_unpaid_jobs(self, page_size: int = 0, page_token: str = "") -> Page[Job]:
        """One page of the caller's outstanding jobs, by id."""
        m = self._call(
            self._jobs.ListUnpaidJobs,
            job_service_pb2.ListUnpaidJobsRequest(page_size=page_size, page_token=page_token),
            self._caller_metadata,
            name="jobpay.v1.JobService/ListUnpaidJobs",
            retry=True,
        )
        return Page([Job.from_proto(j) for j in m.jobs], m.next_page_token)

    def iter_unpaid_jobs(self, page_size: int = 0) -> Iterator[Job]:
        """All the caller's outstanding jobs, fetching page by page."""
        return self._paginate(lambda token: self.list_unpaid_jobs(page_size, token))

    def create_job(self, contract_id: int, description: str, price: MoneyLike) -> Job:
        """An unpaid job under a contract that is not terminated, priced in
        the contract's currency (whose decimals the server checks: the
        client does not know the contract's currency)."""
        request = job_service_pb2.CreateJobRequest(
            contract_id=contract_id,
            description=description,
            price=to_money_string(price, "price", None),
        )
        m = self._call(
            self._jobs.CreateJob,
            request,
            self._caller_metadata,
            name="jobpay.v1.JobService/CreateJob",
            retry=False,
        )
        return Job.from_proto(m)

    def pay_job(self, job_id: int, request_id: Optional[str] = None) -> PayJobResult:
        """Pays a job from the calling client's balance.

        ``request_id`` (a UUID) makes the call idempotent; one is generated
        when omitted, and reused by every retry of this call.
        """
        request = job_service_pb2.PayJobRequest(
            job_id=job_id, request_id=self._request_id(request_id)
        )
        m = self._call(
            self._jobs.PayJob,
            request,
            self._caller_metadata,
            name="jobpay.v1.JobService/PayJob",
            retry=True,
        )
        job = Job.from_proto(m.job)
        return PayJobResult(
            job=job, client_balance=from_money_string(m.client_balance, job.currency_code)
        )

    def refund_job_payment(
        self,
        job_id: int,
        amount: Optional[MoneyLike] = None,
        request_id: Optional[str] = None,
    ) -> RefundResult:
        """The job's contractor (the caller) refunds its client ``amount`` of
        the job's payment, in the job's currency; all that is not refunded
        yet when None. One REVERSAL ledger entry of the job's payment moves
        it from the contractor's available balance back to the client; the
        job stays paid and its ``refunded`` grows (reports count ``price -
        refunded``).

        ReversalExceedsEntry (``.reversible``: what is left to refund) when
        ``amount`` is above what is left, or nothing is; JobNotPaid;
        InsufficientFunds when the contractor does not have it available;
        PermissionDenied (WRONG_PARTY) for the job's client; NotFound for
        anyone else. The server checks the amount's decimals (the client
        does not know the job's currency).

        ``request_id`` (a UUID) makes the call idempotent; one is generated
        when omitted, and reused by every retry of this call.
        """
        request = job_service_pb2.RefundJobPaymentRequest(
            job_id=job_id,
            amount="" if amount is None else to_money_string(amount, "amount", None),
            request_id=self._request_id(request_id),
        )
        m = self._call(
            self._jobs.RefundJobPayment,
            request,
            self._caller_metadata,
            name="jobpay.v1.JobService/RefundJobPayment",
            retry=True,
        )
        return RefundResult.from_proto(m)

    # -- BalanceService -----------------------------------------------------------

    def get_balance(self, currency: str = "") -> Balance:
        """The caller's balance in ``currency`` (default: the platform
        currency); zero in a currency it never held."""
        m = self._call(
            self._balances.GetBalance,
            balance_service_pb2.GetBalanceRequest(currency_code=_currency(currency)),
            self._caller_metadata,
            name="jobpay.v1.BalanceService/GetBalance",
            retry=True,
        )
        code = m.currency_code
        return Balance(
            profile_id=m.profile_id,
            balance=from_money_string(m.balance, code),
            currency_code=code,
            available=from_money_string(m.available, code),
            held=from_money_string(m.held, code),
        )

    def deposit(
        self,
        amount: MoneyLike,
        *,
        profile_id: Optional[int] = None,
        request_id: Optional[str] = None,
        currency: str = "",
        rounding: RoundingLike = None,
    ) -> Money:
        """Tops up the calling client's balance in ``currency`` (default: the
        platform currency); returns the new balance in it (a :class:`Money`).
        ``profile_id`` defaults to the caller (in JWT mode, the ``sub`` of
        the token, read without verifying it). ``rounding``
        (``Rounding.HALF_AWAY_FROM_ZERO``) lets the server round an amount
        with more decimals than the currency has instead of refusing it."""
        if profile_id is None:
            profile_id = self._caller_profile_id()
        currency, mode = _currency(currency), _rounding(rounding)
        request = balance_service_pb2.DepositRequest(
            profile_id=profile_id,
            amount=self._amount(amount, currency, rounding=mode),
            request_id=self._request_id(request_id),
            currency_code=currency,
            rounding=mode,
        )
        m = self._call(
            self._balances.Deposit,
            request,
            self._caller_metadata,
            name="jobpay.v1.BalanceService/Deposit",
            retry=True,
        )
        return from_money_string(m.balance, m.currency_code)

    def withdraw(
        self,
        amount: MoneyLike,
        *,
        request_id: Optional[str] = None,
        currency: str = "",
        rounding: RoundingLike = None,
    ) -> Money:
        """Takes money out of the platform, in ``currency`` (default: the
        platform currency); returns the new balance in it."""
        currency, mode = _currency(currency), _rounding(rounding)
        request = balance_service_pb2.WithdrawRequest(
            amount=self._amount(amount, currency, rounding=mode),
            request_id=self._request_id(request_id),
            currency_code=currency,
            rounding=mode,
        )
        m = self._call(
            self._balances.Withdraw,
            request,
            self._caller_metadata,
            name="jobpay.v1.BalanceService/Withdraw",
            retry=True,
        )
        return from_money_string(m.balance, m.currency_code)

    def transfer(
        self,
        to_profile_id: int,
        amount: MoneyLike,
        *,
        request_id: Optional[str] = None,
        currency: str = "",
        rounding: RoundingLike = None,
    ) -> Money:
        """Moves money in ``currency`` (default: the platform currency) to
        another profile's balance in it; returns the caller's new balance
        in it."""
        currency, mode = _currency(currency), _rounding(rounding)
        request = balance_service_pb2.TransferRequest(
            to_profile_id=to_profile_id,
            amount=self._amount(amount, currency, rounding=mode),
            request_id=self._request_id(request_id),
            currency_code=currency,
            rounding=mode,
        )
        m = self._call(
            self._balances.Transfer,
            request,
            self._caller_metadata,
            name="jobpay.v1.BalanceService/Transfer",
            retry=True,
        )
        return from_money_string(m.balance, m.currency_code)

    def list_ledger_entries(
        self, page_size: int = 0, page_token: str = "", currency: str = ""
    ) -> Page[LedgerEntry]:
        """One page of the ledger entries that touch the caller, newest
        first; only those in ``currency`` when given."""
        m = self._call(
            self._balances.ListLedgerEntries,
            balance_service_pb2.ListLedgerEntriesRequest(
                page_size=page_size, page_token=page_token, currency_code=_currency(currency)
            ),
            self._caller_metadata,
            name="jobpay.v1.BalanceService/ListLedgerEntries",
            retry=True,
        )
        return Page([LedgerEntry.from_proto(e) for e in m.entries], m.next_page_token)

    def iter_ledger_entries(self, page_size: int = 0, currency: str = "") -> Iterator[LedgerEntry]:
        """All the ledger entries that touch the caller (in ``currency`` when
        given), newest first."""
        return self._paginate(lambda token: self.list_ledger_entries(page_size, token, currency))

    def list_balances(self) -> List[CurrencyBalance]:
        """The caller's balances in every currency it has held, plus the
        platform currency, by currency code."""
        m = self._call(
            self._balances.ListBalances,
            balance_service_pb2.ListBalancesRequest(),
            self._caller_metadata,
            name="jobpay.v1.BalanceService/ListBalances",
            retry=True,
        )
        return [CurrencyBalance.from_proto(b) for b in m.balances]

    def list_currencies(self) -> List[Currency]:
        """The currencies the platform holds money in, by code. The client
        remembers their precisions to check amounts before sending them."""
        m = self._call(
            self._balances.ListCurrencies,
            balance_service_pb2.ListCurrenciesRequest(),
            self._caller_metadata,
            name="jobpay.v1.BalanceService/ListCurrencies",
            retry=True,
        )
        currencies = [Currency.from_proto(c) for c in m.currencies]
        self._precisions.update((c.code, c.precision) for c in currencies)
        return currencies

    def get_balance_summary(self, currency: str = "") -> BalanceSummary:
        """Where the caller's balance in ``currency`` (default: the platform
        currency) stands and how it got there: totals by kind of movement
        (see :class:`BalanceSummary`). Any profile's, for an admin:
        :meth:`admin_get_balance_summary`."""
        m = self._call(
            self._balances.GetBalanceSummary,
            balance_service_pb2.GetBalanceSummaryRequest(currency_code=_currency(currency)),
            self._caller_metadata,
            name="jobpay.v1.BalanceService/GetBalanceSummary",
            retry=True,
        )
        return BalanceSummary.from_proto(m)

    # -- PayoutService --------------------------------------------------------------

    def request_payout(
        self, amount: MoneyLike, *, currency: str = "", request_id: Optional[str] = None
    ) -> Payout:
        """Asks to be paid out ``amount`` in ``currency`` (default: the
        platform currency): the amount is held on the caller's balance (not
        spendable) until an admin completes the payout or it is cancelled.
        InsufficientFunds when it exceeds what is available.

        ``request_id`` (a UUID) makes the call idempotent; one is generated
        when omitted, and reused by every retry of this call.
        """
        currency = _currency(currency)
        request = payout_service_pb2.RequestPayoutRequest(
            amount=self._amount(amount, currency),
            currency_code=currency,
            request_id=self._request_id(request_id),
        )
        m = self._call(
            self._payouts.RequestPayout,
            request,
            self._caller_metadata,
            name="jobpay.v1.PayoutService/RequestPayout",
            retry=True,
        )
        return Payout.from_proto(m)

    def get_payout(self, id: int) -> Payout:
        """One of the caller's payouts (PayoutNotFound otherwise)."""
        m = self._call(
            self._payouts.GetPayout,
            payout_service_pb2.GetPayoutRequest(id=id),
            self._caller_metadata,
            name="jobpay.v1.PayoutService/GetPayout",
            retry=True,
        )
        return Payout.from_proto(m)

    def list_payouts(self, page_size: int = 0, page_token: str = "") -> Page[Payout]:
        """One page of the caller's payouts, in every state, newest first."""
        m = self._call(
            self._payouts.ListPayouts,
            payout_service_pb2.ListPayoutsRequest(page_size=page_size, page_token=page_token),
            self._caller_metadata,
            name="jobpay.v1.PayoutService/ListPayouts",
            retry=True,
        )
        return Page([Payout.from_proto(p) for p in m.payouts], m.next_page_token)

    def iter_payouts(self, page_size: int = 0) -> Iterator[Payout]:
        """All the caller's payouts, newest first, fetching page by page."""
        return self._paginate(lambda token: self.list_payouts(page_size, token))

    def cancel_payout(self, id: int) -> Payout:
        """Cancels one of the caller's requested payouts, releasing the hold;
        PayoutNotRequested when it is no longer requested. Not retried."""
        m = self._call(
            self._payouts.CancelPayout,
            payout_service_pb2.CancelPayoutRequest(id=id),
            self._caller_metadata,
            name="jobpay.v1.PayoutService/CancelPayout",
            retry=False,
        )
        return Payout.from_proto(m)

    # -- AdminService (needs admin_key) ------------------------------------------

    def create_profile(
        self,
        first_name: str,
        last_name: str,
        profession: str,
        type: Union[ProfileType, int, str],
        external_id: str = "",
    ) -> Profile:
        """A new profile with a zero balance. ``type`` is a
        :class:`ProfileType` (or "client" / "contractor"); ``external_id``,
        optional, is its id in an outside system (unique)."""
        request = admin_service_pb2.CreateProfileRequest(
            first_name=first_name,
            last_name=last_name,
            profession=profession,
            type=_profile_type(type),
            external_id=external_id,
        )
        m = self._call(
            self._admin.CreateProfile,
            request,
            self._admin_metadata,
            name="jobpay.v1.AdminService/CreateProfile",
            retry=False,
        )
        return Profile.from_proto(m)

    def get_best_profession(
        self, start: RangeBound, end: RangeBound, currency: str = ""
    ) -> BestProfession:
        """The contractor profession that earned the most in the range, from
        jobs paid in ``currency`` (default: the platform currency); NotFound
        with reason NO_PAID_JOBS when nothing was paid."""
        m = self._call(
            self._admin.GetBestProfession,
            admin_service_pb2.GetBestProfessionRequest(
                start=_range_bound(start, "start"),
                end=_range_bound(end, "end"),
                currency_code=_currency(currency),
            ),
            self._admin_metadata,
            name="jobpay.v1.AdminService/GetBestProfession",
            retry=True,
        )
        return BestProfession.from_proto(m)

    def list_best_clients(
        self, start: RangeBound, end: RangeBound, limit: int = 0, currency: str = ""
    ) -> List[BestClient]:
        """The clients that paid the most in the range (``limit`` 0 means 2),
        for jobs paid in ``currency`` (default: the platform currency)."""
        m = self._call(
            self._admin.ListBestClients,
            admin_service_pb2.ListBestClientsRequest(
                start=_range_bound(start, "start"),
                end=_range_bound(end, "end"),
                limit=limit,
                currency_code=_currency(currency),
            ),
            self._admin_metadata,
            name="jobpay.v1.AdminService/ListBestClients",
            retry=True,
        )
        return [BestClient.from_proto(c, m.currency_code) for c in m.clients]

    def create_currency(self, code: str, precision: int) -> Currency:
        """Adds a currency: ``code`` of 3 to 8 letters or digits (stored upper
        case), ``precision`` the decimals of its minor unit (0 to 12).
        CurrencyExists when the code exists in any letter case."""
        m = self._call(
            self._admin.CreateCurrency,
            admin_service_pb2.CreateCurrencyRequest(code=code, precision=precision),
            self._admin_metadata,
            name="jobpay.v1.AdminService/CreateCurrency",
            retry=False,
        )
        currency = Currency.from_proto(m)
        self._precisions[currency.code] = currency.precision
        return currency

    def list_profiles(self, page_size: int = 0, page_token: str = "") -> Page[Profile]:
        """One page of every profile, by id, each with its balances."""
        m = self._call(
            self._admin.ListProfiles,
            admin_service_pb2.ListProfilesRequest(page_size=page_size, page_token=page_token),
            self._admin_metadata,
            name="jobpay.v1.AdminService/ListProfiles",
            retry=True,
        )
        return Page([Profile.from_proto(p) for p in m.profiles], m.next_page_token)

    def iter_profiles(self, page_size: int = 0) -> Iterator[Profile]:
        """Every profile, by id, fetching page by page."""
        return self._paginate(lambda token: self.list_profiles(page_size, token))

    def admin_get_balance_summary(self, profile_id: int, currency: str = "") -> BalanceSummary:
        """Any profile's balance summary in ``currency`` (default: the
        platform currency); ProfileNotFound for an unknown profile."""
        m = self._call(
            self._admin.GetBalanceSummary,
            admin_service_pb2.AdminServiceGetBalanceSummaryRequest(
                profile_id=profile_id, currency_code=_currency(currency)
            ),
            self._admin_metadata,
            name="jobpay.v1.AdminService/GetBalanceSummary",
            retry=True,
        )
        return BalanceSummary.from_proto(m)

    def complete_payout(self, id: int) -> Payout:
        """Pays a requested payout out: its balance and held both drop by the
        amount, with one PAYOUT ledger entry (``Payout.ledger_entry_id``).
        PayoutNotFound, or PayoutNotRequested when it is no longer
        requested. Not retried: after a lost response, :meth:`get_payout`
        or :meth:`list_payout_requests` tell whether it happened."""
        m = self._call(
            self._admin.CompletePayout,
            admin_service_pb2.CompletePayoutRequest(id=id),
            self._admin_metadata,
            name="jobpay.v1.AdminService/CompletePayout",
            retry=False,
        )
        return Payout.from_proto(m)

    def admin_cancel_payout(self, id: int) -> Payout:
        """Cancels any profile's requested payout, releasing its hold;
        PayoutNotFound or PayoutNotRequested otherwise. Not retried."""
        m = self._call(
            self._admin.CancelPayout,
            admin_service_pb2.AdminServiceCancelPayoutRequest(id=id),
            self._admin_metadata,
            name="jobpay.v1.AdminService/CancelPayout",
            retry=False,
        )
        return Payout.from_proto(m)

    def list_payout_requests(
        self, currency: str = "", page_size: int = 0, page_token: str = ""
    ) -> Page[PayoutRequestTotal]:
        """One page of the requested payouts in ``currency`` (default: the
        platform currency), added up per profile, by profile id."""
        m = self._call(
            self._admin.ListPayoutRequests,
            admin_service_pb2.ListPayoutRequestsRequest(
                currency_code=_currency(currency), page_size=page_size, page_token=page_token
            ),
            self._admin_metadata,
            name="jobpay.v1.AdminService/ListPayoutRequests",
            retry=True,
        )
        return Page([PayoutRequestTotal.from_proto(r) for r in m.requests], m.next_page_token)

    def iter_payout_requests(
        self, currency: str = "", page_size: int = 0
    ) -> Iterator[PayoutRequestTotal]:
        """Every profile's requested payouts in ``currency``, added up, by
        profile id, fetching page by page."""
        return self._paginate(
            lambda token: self.list_payout_requests(currency, page_size, token)
        )

    def get_feed_status(self) -> FeedStatus:
        """Where the upstream transaction feed stands: its cursor, lag and
        totals, kept in the database (``enabled`` says whether the answering
        server runs the feed, ``--feed-url``; without one ever run, the
        totals are zero and the instants None)."""
        m = self._call(
            self._admin.GetFeedStatus,
            admin_service_pb2.GetFeedStatusRequest(),
            self._admin_metadata,
            name="jobpay.v1.AdminService/GetFeedStatus",
            retry=True,
        )
        return FeedStatus.from_proto(m)

    def list_feed_items(
        self, state: FeedItemStateLike = None, page_size: int = 0, page_token: str = ""
    ) -> Page[FeedItem]:
        """One page of the stored upstream items, in arrival order; only
        those in ``state`` (:class:`FeedItemState`, or "applied" /
        "rejected") when given. ``FeedItem.amount`` is a :class:`Money`, or
        the upstream's invalid text on a rejected item (see
        :class:`FeedItem`)."""
        m = self._call(
            self._admin.ListFeedItems,
            admin_service_pb2.ListFeedItemsRequest(
                state=_feed_item_state(state), page_size=page_size, page_token=page_token
            ),
            self._admin_metadata,
            name="jobpay.v1.AdminService/ListFeedItems",
            retry=True,
        )
        return Page([FeedItem.from_proto(i) for i in m.items], m.next_page_token)

    def iter_feed_items(
        self, state: FeedItemStateLike = None, page_size: int = 0
    ) -> Iterator[FeedItem]:
        """Every stored upstream item (in ``state`` when given), in arrival
        order, fetching page by page."""
        state = _feed_item_state(state)  # checked now, not at the first next()
        return self._paginate(lambda token: self.list_feed_items(state, page_size, token))

    def reverse_ledger_entry(
        self,
        entry_id: int,
        amount: Optional[MoneyLike] = None,
        reason: str = "",
        request_id: Optional[str] = None,
    ) -> ReversalResult:
        """Reverses ledger entry ``entry_id``, wholly (``amount`` None: all
        that is still reversible) or partly: one REVERSAL entry
        (``reversal_of`` = the entry, with ``reason``, at most 500
        characters) moves the amount back from the entry's credit side to
        its debit side, in the entry's currency. Reversible: DEPOSIT,
        JOB_PAYMENT (a refund: the job's ``refunded`` grows), TRANSFER,
        WITHDRAWAL, EXTERNAL_CREDIT, EXTERNAL_DEBIT and PAYOUT entries.

        LedgerEntryNotFound; EntryNotReversible (``.kind``) for another
        kind; ReversalExceedsEntry (``.reversible``: what is left) when the
        reversals would add up to more than the entry; InsufficientFunds
        when the side giving the money back does not have it available. The
        server checks the amount's decimals.

        ``request_id`` (a UUID) makes the call idempotent; one is generated
        when omitted, and reused by every retry of this call.
        """
        if not isinstance(reason, str):
            raise TypeError("reason: pass a str")
        request = admin_service_pb2.ReverseLedgerEntryRequest(
            entry_id=entry_id,
            amount="" if amount is None else to_money_string(amount, "amount", None),
            reason=reason,
            request_id=self._request_id(request_id),
        )
        m = self._call(
            self._admin.ReverseLedgerEntry,
            request,
            self._admin_metadata,
            name="jobpay.v1.AdminService/ReverseLedgerEntry",
            retry=True,
        )
        return ReversalResult.from_proto(m)

    # -- LoanService (needs admin_key) --------------------------------------------

    def create_loan(
        self,
        borrower_id: int,
        amount: MoneyLike,
        term_months: int,
        annual_rate: RateLike,
        *,
        currency: str = "",
        origination_time: InstantLike = None,
        request_id: Optional[str] = None,
    ) -> Loan:
        """Lends ``amount`` in ``currency`` (default: the platform currency)
        to ``borrower_id``, crediting it to the borrower's balance, repaid in
        ``term_months`` (1 to 600) monthly installments at ``annual_rate``
        (Decimal or str, ``"0.05"`` = 5% a year, 0 < rate <= 10). The
        installment is ``amount * (r + r / ((1 + r)**term_months - 1))`` with
        ``r = annual_rate / 12``, rounded down to the minor unit.
        ``origination_time`` (an aware datetime or RFC 3339 string; default
        now) may be in the past, never in the future.

        ``request_id`` (a UUID) makes the call idempotent; one is generated
        when omitted, and reused by every retry of this call.
        """
        currency = _currency(currency)
        fields = dict(
            borrower_id=borrower_id,
            amount=self._amount(amount, currency),
            currency_code=currency,
            term_months=term_months,
            annual_rate=_rate(annual_rate),
            request_id=self._request_id(request_id),
        )
        origination = _instant(origination_time, "origination_time")
        if origination is not None:
            fields["origination_time"] = origination
        m = self._call(
            self._loans.CreateLoan,
            loan_service_pb2.CreateLoanRequest(**fields),
            self._admin_metadata,
            name="jobpay.v1.LoanService/CreateLoan",
            retry=True,
        )
        return Loan.from_proto(m)

    def get_loan(self, id: int) -> Loan:
        """A loan, with what it owes now (LoanNotFound otherwise)."""
        m = self._call(
            self._loans.GetLoan,
            loan_service_pb2.GetLoanRequest(id=id),
            self._admin_metadata,
            name="jobpay.v1.LoanService/GetLoan",
            retry=True,
        )
        return Loan.from_proto(m)

    def list_loans(
        self, borrower_id: int = 0, page_size: int = 0, page_token: str = ""
    ) -> Page[Loan]:
        """One page of loans by id: one borrower's, or every loan (0)."""
        m = self._call(
            self._loans.ListLoans,
            loan_service_pb2.ListLoansRequest(
                borrower_id=borrower_id, page_size=page_size, page_token=page_token
            ),
            self._admin_metadata,
            name="jobpay.v1.LoanService/ListLoans",
            retry=True,
        )
        return Page([Loan.from_proto(loan) for loan in m.loans], m.next_page_token)

    def iter_loans(self, borrower_id: int = 0, page_size: int = 0) -> Iterator[Loan]:
        """Every loan (of ``borrower_id`` when given), by id, fetching page
        by page."""
        return self._paginate(lambda token: self.list_loans(borrower_id, page_size, token))

    def record_loan_payment(
        self,
        loan_id: int,
        status: LoanPaymentStatusLike = LoanPaymentStatus.MADE,
        *,
        amount: Optional[MoneyLike] = None,
        payment_time: InstantLike = None,
        request_id: Optional[str] = None,
    ) -> LoanPayment:
        """Records the month's payment of a loan: ``status``
        (:class:`LoanPaymentStatus`, or "made" / "missed") MADE collects the
        installment from the borrower's available balance
        (InsufficientFunds otherwise, and nothing is recorded); MISSED moves
        no money. ``amount`` defaults to the installment, and anything else
        is NotTheInstallment. ``payment_time`` (aware datetime or RFC 3339
        string; default now) is not in the future nor before the
        origination day. One record per loan and calendar month (UTC):
        LoanPaymentAlreadyRecorded; LoanRepaid once every installment is
        made.

        ``request_id`` (a UUID) makes the call idempotent; one is generated
        when omitted, and reused by every retry of this call.
        """
        fields = dict(
            loan_id=loan_id,
            status=_loan_payment_status(status),
            # The client does not know the loan's currency: the server
            # checks the decimals.
            amount="" if amount is None else to_money_string(amount, "amount", None),
            request_id=self._request_id(request_id),
        )
        when = _instant(payment_time, "payment_time")
        if when is not None:
            fields["payment_time"] = when
        m = self._call(
            self._loans.RecordLoanPayment,
            loan_service_pb2.RecordLoanPaymentRequest(**fields),
            self._admin_metadata,
            name="jobpay.v1.LoanService/RecordLoanPayment",
            retry=True,
        )
        return LoanPayment.from_proto(m)

    def list_loan_payments(
        self, loan_id: int, page_size: int = 0, page_token: str = ""
    ) -> Page[LoanPayment]:
        """One page of a loan's payments, made and missed, by payment_time."""
        m = self._call(
            self._loans.ListLoanPayments,
            loan_service_pb2.ListLoanPaymentsRequest(
                loan_id=loan_id, page_size=page_size, page_token=page_token
            ),
            self._admin_metadata,
            name="jobpay.v1.LoanService/ListLoanPayments",
            retry=True,
        )
        return Page([LoanPayment.from_proto(p) for p in m.payments], m.next_page_token)

    def iter_loan_payments(self, loan_id: int, page_size: int = 0) -> Iterator[LoanPayment]:
        """All of a loan's payments, by payment_time, fetching page by page."""
        return self._paginate(lambda token: self.list_loan_payments(loan_id, page_size, token))

    def get_loan_balance(self, loan_id: int, as_of: InstantLike = None) -> LoanBalance:
        """What a loan owed at ``as_of`` (aware datetime or RFC 3339 string;
        default now): total_repayable minus the installments made at or
        before it. InvalidArgument when before the origination."""
        fields: Dict[str, object] = dict(loan_id=loan_id)
        when = _instant(as_of, "as_of")
        if when is not None:
            fields["as_of"] = when
        m = self._call(
            self._loans.GetLoanBalance,
            loan_service_pb2.GetLoanBalanceRequest(**fields),
            self._admin_metadata,
            name="jobpay.v1.LoanService/GetLoanBalance",
            retry=True,
        )
        return LoanBalance.from_proto(m)

    def get_outstanding_debt(self, as_of: InstantLike = None, currency: str = "") -> OutstandingDebt:
        """Over every loan in ``currency`` (default: the platform currency)
        originated at or before ``as_of`` (default now): the debt still owed
        then (``value``) and how many loans owed something (``volume``)."""
        fields: Dict[str, object] = dict(currency_code=_currency(currency))
        when = _instant(as_of, "as_of")
        if when is not None:
            fields["as_of"] = when
        m = self._call(
            self._loans.GetOutstandingDebt,
            loan_service_pb2.GetOutstandingDebtRequest(**fields),
            self._admin_metadata,
            name="jobpay.v1.LoanService/GetOutstandingDebt",
            retry=True,
        )
        return OutstandingDebt.from_proto(m)


__all__ = ["JobpayClient", "DEFAULT_RETRY_CODES"]
