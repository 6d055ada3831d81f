"""Plain Python views of the API's messages: Decimal money (:class:`Money`,
which knows its currency), aware datetimes, enums without their proto
prefix. Each has ``from_proto``; the generated message classes stay
available under ``jobpay_client.pb``.

Fields added by later versions of the API (``currency_code``, ``balances``,
...) come last, with defaults, so that code constructing these classes
positionally keeps working."""

from __future__ import annotations

import datetime as _dt
import enum
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, List, Optional, Tuple, TypeVar, Union

from google.protobuf import timestamp_pb2

from ._generated.jobpay.v1 import admin_service_pb2, job_service_pb2, loan_service_pb2, resources_pb2
from .money import Money, from_money_string, optional_money

T = TypeVar("T")


class ProfileType(enum.IntEnum):
    """``jobpay.v1.ProfileType``."""

    UNSPECIFIED = resources_pb2.PROFILE_TYPE_UNSPECIFIED
    CLIENT = resources_pb2.PROFILE_TYPE_CLIENT
    CONTRACTOR = resources_pb2.PROFILE_TYPE_CONTRACTOR


class ContractStatus(enum.IntEnum):
    """``jobpay.v1.ContractStatus``."""

    UNSPECIFIED = resources_pb2.CONTRACT_STATUS_UNSPECIFIED
    NEW = resources_pb2.CONTRACT_STATUS_NEW
    IN_PROGRESS = resources_pb2.CONTRACT_STATUS_IN_PROGRESS
    TERMINATED = resources_pb2.CONTRACT_STATUS_TERMINATED


class LedgerEntryKind(enum.IntEnum):
    """``jobpay.v1.LedgerEntryKind``."""

    UNSPECIFIED = resources_pb2.LEDGER_ENTRY_KIND_UNSPECIFIED
    OPENING = resources_pb2.LEDGER_ENTRY_KIND_OPENING
    DEPOSIT = resources_pb2.LEDGER_ENTRY_KIND_DEPOSIT
    JOB_PAYMENT = resources_pb2.LEDGER_ENTRY_KIND_JOB_PAYMENT
    WITHDRAWAL = resources_pb2.LEDGER_ENTRY_KIND_WITHDRAWAL
    TRANSFER = resources_pb2.LEDGER_ENTRY_KIND_TRANSFER
    PAYOUT = resources_pb2.LEDGER_ENTRY_KIND_PAYOUT
    EXTERNAL_CREDIT = resources_pb2.LEDGER_ENTRY_KIND_EXTERNAL_CREDIT
    EXTERNAL_DEBIT = resources_pb2.LEDGER_ENTRY_KIND_EXTERNAL_DEBIT
    LOAN_DISBURSEMENT = resources_pb2.LEDGER_ENTRY_KIND_LOAN_DISBURSEMENT
    LOAN_REPAYMENT = resources_pb2.LEDGER_ENTRY_KIND_LOAN_REPAYMENT
    #: A correcting entry (a refund or an admin's reversal): money moved back
    #: from the original entry's credit side to its debit side
    #: (``LedgerEntry.reversal_of`` names the original).
    REVERSAL = resources_pb2.LEDGER_ENTRY_KIND_REVERSAL


class Rounding(enum.IntEnum):
    """``jobpay.v1.Rounding``: how Deposit, Withdraw and Transfer treat an
    amount with more decimals than its currency has."""

    #: Exact: extra decimals are INVALID_ARGUMENT (checked by the client
    #: before sending when it knows the currency's precision).
    UNSPECIFIED = resources_pb2.ROUNDING_UNSPECIFIED
    #: Rounded to the currency's precision by the server, halves away from
    #: zero ("100.115" USD moves 100.12).
    HALF_AWAY_FROM_ZERO = resources_pb2.ROUNDING_HALF_AWAY_FROM_ZERO


class PayoutState(enum.IntEnum):
    """``jobpay.v1.PayoutState``: REQUESTED -> PAID_OUT (an admin's
    complete_payout) or REQUESTED -> CANCELLED (its requester or an admin);
    PAID_OUT and CANCELLED are final."""

    UNSPECIFIED = resources_pb2.PAYOUT_STATE_UNSPECIFIED
    #: Asked for: the amount is held on the balance.
    REQUESTED = resources_pb2.PAYOUT_STATE_REQUESTED
    #: Cancelled: the hold was released, no money moved.
    CANCELLED = resources_pb2.PAYOUT_STATE_CANCELLED
    #: Paid out: the money left the platform (one PAYOUT ledger entry).
    PAID_OUT = resources_pb2.PAYOUT_STATE_PAID_OUT


class LoanPaymentStatus(enum.IntEnum):
    """``jobpay.v1.LoanPaymentStatus``: a month's installment made or missed."""

    UNSPECIFIED = loan_service_pb2.LOAN_PAYMENT_STATUS_UNSPECIFIED
    #: The installment was collected from the borrower.
    MADE = loan_service_pb2.LOAN_PAYMENT_STATUS_MADE
    #: The installment was due and not paid; no money moved.
    MISSED = loan_service_pb2.LOAN_PAYMENT_STATUS_MISSED


class FeedItemState(enum.IntEnum):
    """``jobpay.v1.FeedItemState``: what became of an item of the upstream
    transaction feed. Both states are final: a rejected item is stored and
    never retried by itself."""

    #: Not set: in a filter (:meth:`JobpayClient.list_feed_items`), any
    #: state. Never returned.
    UNSPECIFIED = resources_pb2.FEED_ITEM_STATE_UNSPECIFIED
    #: Its effect was applied, once.
    APPLIED = resources_pb2.FEED_ITEM_STATE_APPLIED
    #: It could not apply (see ``FeedItem.reason``).
    REJECTED = resources_pb2.FEED_ITEM_STATE_REJECTED


def _enum(cls, value: int):
    try:
        return cls(value)
    except ValueError:  # a value added by a newer server
        return value


def _money_or_zero(text: str, currency_code: str, like: Decimal) -> Money:
    """A money string of a field added by a later API version: zero, with
    the decimals of ``like``, when the server sent none (an older server)."""
    if text:
        return from_money_string(text, currency_code)
    return Money(Decimal(0).scaleb(min(like.as_tuple().exponent, 0)), currency_code)


def _time(message, field: str) -> Optional[_dt.datetime]:
    """An aware UTC datetime, or None when the field is unset."""
    if not message.HasField(field):
        return None
    ts: timestamp_pb2.Timestamp = getattr(message, field)
    return ts.ToDatetime(tzinfo=_dt.timezone.utc)


@dataclass(frozen=True)
class Currency:
    """``jobpay.v1.Currency``: a currency the platform holds money in."""

    #: Upper case, e.g. "EUR".
    code: str
    #: Decimals of its minor unit: 2 for USD and EUR, 8 for BTC.
    precision: int

    @classmethod
    def from_proto(cls, m: resources_pb2.Currency) -> "Currency":
        return cls(code=m.code, precision=m.precision)


@dataclass(frozen=True)
class CurrencyBalance:
    """``jobpay.v1.Balance``: a profile's money in one currency (an item of
    ListBalances and of ``Profile.balances``)."""

    currency_code: str
    #: Everything the profile has in this currency.
    balance: Money
    #: The part reserved by pending payout requests.
    held: Money
    #: What can be spent: balance - held.
    available: Money

    @classmethod
    def from_proto(cls, m: resources_pb2.Balance) -> "CurrencyBalance":
        code = m.currency_code
        return cls(
            currency_code=code,
            balance=from_money_string(m.balance, code),
            held=from_money_string(m.held, code),
            available=from_money_string(m.available, code),
        )


@dataclass(frozen=True)
class Profile:
    id: int
    first_name: str
    last_name: str
    profession: str
    type: ProfileType
    #: The balance in the platform currency.
    balance: Decimal
    create_time: Optional[_dt.datetime]
    #: The balances in every currency the profile has held, plus the
    #: platform currency, by currency code.
    balances: Tuple[CurrencyBalance, ...] = ()
    #: The profile's id in an outside system; "" when none.
    external_id: str = ""

    @classmethod
    def from_proto(cls, m: resources_pb2.Profile) -> "Profile":
        return cls(
            id=m.id,
            first_name=m.first_name,
            last_name=m.last_name,
            profession=m.profession,
            type=_enum(ProfileType, m.type),
            balance=from_money_string(m.balance),
            create_time=_time(m, "create_time"),
            balances=tuple(CurrencyBalance.from_proto(b) for b in m.balances),
            external_id=m.external_id,
        )


@dataclass(frozen=True)
class Contract:
    id: int
    terms: str
    status: ContractStatus
    client_id: int
    contractor_id: int
    create_time: Optional[_dt.datetime]
    update_time: Optional[_dt.datetime]
    #: The currency its jobs are priced and paid in.
    currency_code: str = ""

    @classmethod
    def from_proto(cls, m: resources_pb2.Contract) -> "Contract":
        return cls(
            id=m.id,
            terms=m.terms,
            status=_enum(ContractStatus, m.status),
            client_id=m.client_id,
            contractor_id=m.contractor_id,
            create_time=_time(m, "create_time"),
            update_time=_time(m, "update_time"),
            currency_code=m.currency_code,
        )


@dataclass(frozen=True)
class Job:
    id: int
    description: str
    price: Decimal
    paid: bool
    #: None while unpaid.
    payment_time: Optional[_dt.datetime]
    contract_id: int
    create_time: Optional[_dt.datetime]
    update_time: Optional[_dt.datetime]
    #: The currency of its price: its contract's.
    currency_code: str = ""
    #: How much of the price its contractor has refunded so far
    #: (:meth:`~jobpay_client.JobpayClient.refund_job_payment`, or an admin's
    #: reversal of the payment); zero when none. A refunded job stays paid.
    refunded: Decimal = Money("0")

    @classmethod
    def from_proto(cls, m: resources_pb2.Job) -> "Job":
        price = from_money_string(m.price, m.currency_code)
        return cls(
            id=m.id,
            description=m.description,
            price=price,
            paid=m.paid,
            payment_time=_time(m, "payment_time"),
            contract_id=m.contract_id,
            create_time=_time(m, "create_time"),
            update_time=_time(m, "update_time"),
            currency_code=m.currency_code,
            refunded=_money_or_zero(m.refunded, m.currency_code, price),
        )


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    kind: LedgerEntryKind
    #: 0 when the money came from outside the platform.
    debit_profile_id: int
    #: 0 when the money left the platform.
    credit_profile_id: int
    amount: Decimal
    #: 0 unless a job payment.
    job_id: int
    #: None when debit_profile_id is 0.
    debit_balance_after: Optional[Decimal]
    #: None when credit_profile_id is 0.
    credit_balance_after: Optional[Decimal]
    #: "" when the call that made it sent none.
    request_id: str
    create_time: Optional[_dt.datetime]
    #: The currency of amount and of both balances after.
    currency_code: str = ""
    #: For a REVERSAL, the id of the entry it reverses; 0 otherwise.
    reversal_of: int = 0
    #: How much of this entry has been reversed so far, never above amount
    #: (zero when none, and always for a REVERSAL, which cannot be reversed).
    reversed: Decimal = Money("0")
    #: For a REVERSAL, why (as the admin gave it; "" for a refund or none).
    reason: str = ""

    @classmethod
    def from_proto(cls, m: resources_pb2.LedgerEntry) -> "LedgerEntry":
        code = m.currency_code
        amount = from_money_string(m.amount, code)
        return cls(
            id=m.id,
            kind=_enum(LedgerEntryKind, m.kind),
            debit_profile_id=m.debit_profile_id,
            credit_profile_id=m.credit_profile_id,
            amount=amount,
            job_id=m.job_id,
            debit_balance_after=optional_money(m.debit_balance_after, code),
            credit_balance_after=optional_money(m.credit_balance_after, code),
            request_id=m.request_id,
            create_time=_time(m, "create_time"),
            currency_code=code,
            reversal_of=m.reversal_of,
            reversed=_money_or_zero(m.reversed, code, amount),
            reason=m.reason,
        )


@dataclass(frozen=True)
class PayJobResult:
    """What PayJob returns: the paid job and the client's new balance, in
    the job's currency."""

    job: Job
    client_balance: Decimal

    @property
    def currency_code(self) -> str:
        """The currency of the job's price and of ``client_balance``."""
        return self.job.currency_code


@dataclass(frozen=True)
class RefundResult:
    """What RefundJobPayment returns, all in the job's currency."""

    #: The job, its ``refunded`` including this refund (it stays paid).
    job: Job
    #: The REVERSAL entry written: from the contractor (debit) to the client
    #: (credit); ``reversal_of`` is the job's JOB_PAYMENT entry.
    reversal: LedgerEntry
    #: The refunding contractor's balance right after the refund.
    contractor_balance: Money

    @property
    def currency_code(self) -> str:
        """The currency of the job, the refund and ``contractor_balance``."""
        return self.job.currency_code

    @classmethod
    def from_proto(cls, m: job_service_pb2.RefundJobPaymentResponse) -> "RefundResult":
        job = Job.from_proto(m.job)
        return cls(
            job=job,
            reversal=LedgerEntry.from_proto(m.reversal),
            contractor_balance=from_money_string(m.contractor_balance, job.currency_code),
        )


@dataclass(frozen=True)
class ReversalResult:
    """What ReverseLedgerEntry returns, both in the original's currency."""

    #: The REVERSAL entry written: from the original's credit side (its
    #: debit) back to the original's debit side (its credit).
    reversal: LedgerEntry
    #: The reversed entry, its ``reversed`` including this reversal.
    original: LedgerEntry

    @property
    def currency_code(self) -> str:
        """The currency of both entries."""
        return self.original.currency_code

    @classmethod
    def from_proto(cls, m: admin_service_pb2.ReverseLedgerEntryResponse) -> "ReversalResult":
        return cls(
            reversal=LedgerEntry.from_proto(m.reversal),
            original=LedgerEntry.from_proto(m.original),
        )


@dataclass(frozen=True)
class Balance:
    """What GetBalance returns: the caller's balance in one currency."""

    profile_id: int
    balance: Decimal
    #: The currency of the amounts.
    currency_code: str = ""
    #: What can be spent: balance - held.
    available: Optional[Decimal] = None
    #: What pending payout requests hold.
    held: Optional[Decimal] = None


@dataclass(frozen=True)
class BestProfession:
    """What GetBestProfession returns."""

    profession: str
    earned: Decimal
    #: The currency of earned (the report's).
    currency_code: str = ""

    @classmethod
    def from_proto(cls, m: admin_service_pb2.GetBestProfessionResponse) -> "BestProfession":
        return cls(
            profession=m.profession,
            earned=from_money_string(m.earned, m.currency_code),
            currency_code=m.currency_code,
        )


@dataclass(frozen=True)
class BestClient:
    """One row of ListBestClients."""

    id: int
    full_name: str
    paid: Decimal
    #: The currency of paid (the report's).
    currency_code: str = ""

    @classmethod
    def from_proto(cls, m: admin_service_pb2.BestClient, currency_code: str = "") -> "BestClient":
        return cls(
            id=m.id,
            full_name=m.full_name,
            paid=from_money_string(m.paid, currency_code),
            currency_code=currency_code,
        )


@dataclass(frozen=True)
class Payout:
    """``jobpay.v1.Payout``: a request to take money out of the platform."""

    id: int
    profile_id: int
    amount: Money
    currency_code: str
    state: PayoutState
    #: The PAYOUT ledger entry once paid out; 0 before.
    ledger_entry_id: int
    #: The upstream feed item that asked for it; "" when asked through the API.
    external_id: str
    create_time: Optional[_dt.datetime]
    #: When its state last changed.
    update_time: Optional[_dt.datetime]

    @classmethod
    def from_proto(cls, m: resources_pb2.Payout) -> "Payout":
        code = m.currency_code
        return cls(
            id=m.id,
            profile_id=m.profile_id,
            amount=from_money_string(m.amount, code),
            currency_code=code,
            state=_enum(PayoutState, m.state),
            ledger_entry_id=m.ledger_entry_id,
            external_id=m.external_id,
            create_time=_time(m, "create_time"),
            update_time=_time(m, "update_time"),
        )


@dataclass(frozen=True)
class BalanceSummary:
    """``jobpay.v1.BalanceSummary``: where one balance stands and how it got
    there. ``balance = opening + deposited + earned + transferred_in +
    borrowed + reversed_in - withdrawn - spent - transferred_out - paid_out -
    repaid - reversed_out``, and ``payout`` (requested, still pending)
    equals ``held``."""

    profile_id: int
    currency_code: str
    balance: Money
    #: Held by pending payout requests.
    held: Money
    #: balance - held.
    available: Money
    #: Balances that predate the ledger (seeded data).
    opening: Money
    deposited: Money
    withdrawn: Money
    #: Credited by job payments (and upstream "earned" items).
    earned: Money
    #: Debited by job payments (and upstream "spent" items).
    spent: Money
    transferred_in: Money
    transferred_out: Money
    #: Requested payouts still pending.
    payout: Money
    #: Completed payouts.
    paid_out: Money
    #: Loans disbursed to the profile.
    borrowed: Money
    #: Loan installments collected from the profile.
    repaid: Money
    #: Reversals crediting the profile: refunds received, returned payouts,
    #: reversed withdrawals and debits.
    reversed_in: Money = Money("0")
    #: Reversals debiting the profile: refunds given, reversed deposits,
    #: transfers received and credits.
    reversed_out: Money = Money("0")

    @classmethod
    def from_proto(cls, m: resources_pb2.BalanceSummary) -> "BalanceSummary":
        code = m.currency_code
        amounts = {
            name: from_money_string(getattr(m, name), code)
            for name in (
                "balance", "held", "available", "opening", "deposited", "withdrawn",
                "earned", "spent", "transferred_in", "transferred_out", "payout",
                "paid_out", "borrowed", "repaid",
            )
        }
        for name in ("reversed_in", "reversed_out"):
            amounts[name] = _money_or_zero(getattr(m, name), code, amounts["balance"])
        return cls(profile_id=m.profile_id, currency_code=code, **amounts)


@dataclass(frozen=True)
class PayoutRequestTotal:
    """One row of ListPayoutRequests: a profile's requested payouts in one
    currency, added up."""

    profile_id: int
    #: First and last name.
    full_name: str
    amount: Money
    #: How many requested payouts.
    payout_count: int
    currency_code: str

    @classmethod
    def from_proto(cls, m: admin_service_pb2.PayoutRequestTotal) -> "PayoutRequestTotal":
        return cls(
            profile_id=m.profile_id,
            full_name=m.full_name,
            amount=from_money_string(m.amount, m.currency_code),
            payout_count=m.payout_count,
            currency_code=m.currency_code,
        )


@dataclass(frozen=True)
class Loan:
    """``jobpay.v1.Loan``: an installment loan; every amount is in
    ``currency_code``."""

    id: int
    borrower_id: int
    #: The amount lent.
    amount: Money
    currency_code: str
    term_months: int
    #: The yearly rate: Decimal("0.05") is 5% a year.
    annual_rate: Decimal
    #: The monthly installment, rounded down to the minor unit.
    installment: Money
    #: installment * term_months.
    total_repayable: Money
    #: What is still owed now.
    outstanding: Money
    payments_made: int
    payments_missed: int
    #: When the loan was taken.
    origination_time: Optional[_dt.datetime]
    #: When it was recorded.
    create_time: Optional[_dt.datetime]

    @classmethod
    def from_proto(cls, m: loan_service_pb2.Loan) -> "Loan":
        code = m.currency_code
        return cls(
            id=m.id,
            borrower_id=m.borrower_id,
            amount=from_money_string(m.amount, code),
            currency_code=code,
            term_months=m.term_months,
            annual_rate=Decimal(m.annual_rate),
            installment=from_money_string(m.installment, code),
            total_repayable=from_money_string(m.total_repayable, code),
            outstanding=from_money_string(m.outstanding, code),
            payments_made=m.payments_made,
            payments_missed=m.payments_missed,
            origination_time=_time(m, "origination_time"),
            create_time=_time(m, "create_time"),
        )


@dataclass(frozen=True)
class LoanPayment:
    """``jobpay.v1.LoanPayment``: one month's payment of a loan, made or
    missed."""

    id: int
    loan_id: int
    status: LoanPaymentStatus
    #: The installment.
    amount: Money
    #: When it was made or due.
    payment_time: Optional[_dt.datetime]
    #: The LOAN_REPAYMENT ledger entry of a made payment; 0 for a missed one.
    ledger_entry_id: int
    #: When it was recorded.
    create_time: Optional[_dt.datetime]
    currency_code: str

    @classmethod
    def from_proto(cls, m: loan_service_pb2.LoanPayment) -> "LoanPayment":
        return cls(
            id=m.id,
            loan_id=m.loan_id,
            status=_enum(LoanPaymentStatus, m.status),
            amount=from_money_string(m.amount, m.currency_code),
            payment_time=_time(m, "payment_time"),
            ledger_entry_id=m.ledger_entry_id,
            create_time=_time(m, "create_time"),
            currency_code=m.currency_code,
        )


@dataclass(frozen=True)
class LoanBalance:
    """What GetLoanBalance returns: what a loan owed at ``as_of``."""

    loan_id: int
    outstanding: Money
    currency_code: str
    as_of: Optional[_dt.datetime]

    @classmethod
    def from_proto(cls, m: loan_service_pb2.GetLoanBalanceResponse) -> "LoanBalance":
        return cls(
            loan_id=m.loan_id,
            outstanding=from_money_string(m.outstanding, m.currency_code),
            currency_code=m.currency_code,
            as_of=_time(m, "as_of"),
        )


@dataclass(frozen=True)
class OutstandingDebt:
    """What GetOutstandingDebt returns: over the loans of one currency
    originated at or before ``as_of``, the debt still owed then (``value``)
    and how many loans owed something (``volume``)."""

    value: Money
    volume: int
    currency_code: str
    as_of: Optional[_dt.datetime]

    @classmethod
    def from_proto(cls, m: loan_service_pb2.GetOutstandingDebtResponse) -> "OutstandingDebt":
        return cls(
            value=from_money_string(m.value, m.currency_code),
            volume=m.volume,
            currency_code=m.currency_code,
            as_of=_time(m, "as_of"),
        )


#: An amount as the server writes them: digits, optionally a point and
#: digits (no sign, no exponent).
_PLAIN_AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")


def _feed_amount(text: str, currency_code: str) -> Union[Money, str]:
    """A feed item's amount: a :class:`Money` when ``text`` is a plain
    decimal amount, else ``text`` itself (the upstream's invalid text)."""
    if _PLAIN_AMOUNT.fullmatch(text):
        return from_money_string(text, currency_code)
    return text


@dataclass(frozen=True)
class FeedItem:
    """``jobpay.v1.FeedItem``: one item received from the upstream
    transaction service, applied or rejected.

    ``amount`` is a :class:`Money` of ``currency_code`` when the server sent
    a plain decimal amount: always for an applied item (with exactly the
    currency's decimals), and for a rejected item whose amount was valid.
    A rejected item whose amount was not (reason ``AMOUNT_INVALID``) keeps
    the upstream's text as a ``str``: a JSON string with its quotes
    (``'"12.345"'``), a negative or exponent number (``"-5"``,
    ``"1e999"``), or ``""`` when there was none; but a plain number with
    more decimals than the currency has (``12.345`` in USD) or zero is a
    :class:`Money` as sent. Test ``isinstance(item.amount, Decimal)``
    before computing with it."""

    #: The upstream's id (unique); one starting with "~" for an item without
    #: a usable id, naming where it was (window, page, position).
    id: str
    #: The upstream's user id: the ``external_id`` of the profile it
    #: applies to.
    user_id: str
    #: The upstream's type: "earned", "spent", "payout" or "paid_out" (or
    #: whatever an item of unknown type said).
    type: str
    #: A :class:`Money`, or the upstream's invalid text (see above).
    amount: Union[Money, str]
    #: The feed's currency.
    currency_code: str
    #: The upstream's createdAt; None when it was not a valid instant.
    create_time: Optional[_dt.datetime]
    state: FeedItemState
    #: Why it was rejected (INSUFFICIENT_FUNDS, NO_MATCHING_PAYOUT,
    #: AMOUNT_INVALID, TYPE_UNKNOWN, ...); "" when applied.
    reason: str
    #: The profile it applied to; 0 when none.
    profile_id: int
    #: When jobpay stored it.
    apply_time: Optional[_dt.datetime]

    @classmethod
    def from_proto(cls, m: resources_pb2.FeedItem) -> "FeedItem":
        return cls(
            id=m.id,
            user_id=m.user_id,
            type=m.type,
            amount=_feed_amount(m.amount, m.currency_code),
            currency_code=m.currency_code,
            create_time=_time(m, "create_time"),
            state=_enum(FeedItemState, m.state),
            reason=m.reason,
            profile_id=m.profile_id,
            apply_time=_time(m, "apply_time"),
        )


@dataclass(frozen=True)
class FeedStatus:
    """``jobpay.v1.FeedStatus``: where the upstream transaction feed stands.
    The totals are kept in the database: they survive restarts, and a
    server that does not run the feed (``enabled`` False) still reports
    what one did with the same database (zeros when none ever did)."""

    #: Whether the answering server runs the feed (``--feed-url``).
    enabled: bool
    #: The end of the last window fully applied; None before the feed ever
    #: started.
    cursor_time: Optional[_dt.datetime]
    #: Now minus cursor_time, in seconds.
    lag_seconds: int
    #: Items applied, ever.
    items_applied: int
    #: Items stored as rejected, ever.
    items_rejected: int
    #: Items skipped because their id was seen before, ever.
    items_duplicate: int
    #: Requests sent to the upstream, ever (failures included).
    requests: int
    #: The last request's or page's failure; "" after a success.
    last_error: str
    #: When a page was last applied; None before the first.
    last_success_time: Optional[_dt.datetime]

    @classmethod
    def from_proto(cls, m: resources_pb2.FeedStatus) -> "FeedStatus":
        return cls(
            enabled=m.enabled,
            cursor_time=_time(m, "cursor_time"),
            lag_seconds=m.lag_seconds,
            items_applied=m.items_applied,
            items_rejected=m.items_rejected,
            items_duplicate=m.items_duplicate,
            requests=m.requests,
            last_error=m.last_error,
            last_success_time=_time(m, "last_success_time"),
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a List call. ``next_page_token`` is "" on the last page."""

    items: List[T]
    next_page_token: str

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


__all__ = [
    "ProfileType",
    "ContractStatus",
    "LedgerEntryKind",
    "Rounding",
    "PayoutState",
    "LoanPaymentStatus",
    "FeedItemState",
    "Currency",
    "CurrencyBalance",
    "Profile",
    "Contract",
    "Job",
    "LedgerEntry",
    "PayJobResult",
    "RefundResult",
    "ReversalResult",
    "Balance",
    "BestProfession",
    "BestClient",
    "Payout",
    "BalanceSummary",
    "PayoutRequestTotal",
    "Loan",
    "LoanPayment",
    "LoanBalance",
    "OutstandingDebt",
    "FeedItem",
    "FeedStatus",
    "Page",
]
