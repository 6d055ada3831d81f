"""Offline tests: money conversions, error mapping, argument checks."""

import copy
import datetime as dt
import pickle
from decimal import Decimal

import grpc
import pytest

from jobpay_client import (
    MAX_AMOUNT,
    ContractNotActive,
    CurrencyExists,
    CurrencyNotSupported,
    DepositLimitExceeded,
    EntryNotReversible,
    FailedPrecondition,
    InsufficientFunds,
    InvalidArgument,
    JobAlreadyPaid,
    JobNotPaid,
    JobpayClient,
    JobpayError,
    LedgerEntryKind,
    LedgerEntryNotFound,
    LoanNotFound,
    LoanPaymentAlreadyRecorded,
    LoanRepaid,
    Money,
    NotFound,
    NotTheInstallment,
    PaymentNotInLedger,
    PayoutNotFound,
    PayoutNotRequested,
    PayoutState,
    PermissionDenied,
    ProfileNotFound,
    RequestIdReused,
    ReversalExceedsEntry,
    Rounding,
    Unauthenticated,
    Unavailable,
    from_money_string,
    max_amount,
    to_money_string,
)
from jobpay_client.errors import error_class, from_rpc_error
from google.rpc import code_pb2, error_details_pb2, status_pb2


@pytest.mark.parametrize(
    "value, text",
    [
        (Decimal("201"), "201.00"),
        (Decimal("201.5"), "201.50"),
        (Decimal("201.50"), "201.50"),
        (Decimal("0.01"), "0.01"),
        (Decimal("1.500"), "1.50"),  # trailing zeros are not extra decimals
        (Decimal("1E+2"), "100.00"),
        (Decimal("-0"), "0.00"),
        (Decimal("0"), "0.00"),
        (7, "7.00"),
        ("150.25", "150.25"),
        (" 3 ", "3.00"),
        (MAX_AMOUNT, "92233720368547758.07"),
    ],
)
def test_to_money_string(value, text):
    assert to_money_string(value) == text


@pytest.mark.parametrize(
    "value",
    [
        Decimal("1.234"),
        "0.001",
        Decimal("-1"),
        -5,
        "-0.01",
        "abc",
        "1e",
        Decimal("NaN"),
        Decimal("Infinity"),
        MAX_AMOUNT + Decimal("0.01"),
    ],
)
def test_to_money_string_refuses(value):
    with pytest.raises(ValueError):
        to_money_string(value)


@pytest.mark.parametrize("value", [1.5, True, None, [1]])
def test_to_money_string_refuses_types(value):
    with pytest.raises(TypeError):
        to_money_string(value)


@pytest.mark.parametrize(
    "value, precision, text",
    [
        (Decimal("0.5"), 8, "0.50000000"),
        ("0.00000001", 8, "0.00000001"),
        ("1000", 0, "1000"),
        (Decimal("1E+3"), 0, "1000"),
        ("12.5", 2, "12.50"),
        ("1.5", 12, "1.500000000000"),
        (Decimal("92233720368.54775807"), 8, "92233720368.54775807"),
        # Unknown precision: sent as it is, without exponent or trailing zeros.
        ("1.500", None, "1.5"),
        (Decimal("1E+2"), None, "100"),
        ("0.000000001", None, "0.000000001"),
        ("0", None, "0"),
    ],
)
def test_to_money_string_with_precision(value, precision, text):
    assert to_money_string(value, "amount", precision) == text


@pytest.mark.parametrize(
    "value, precision",
    [
        ("0.000000001", 8),
        ("1.5", 0),
        ("2.505", 2),
        (Decimal("92233720368.54775808"), 8),
        ("9223372036854775808", 0),
        ("-1", None),
        ("abc", None),
    ],
)
def test_to_money_string_with_precision_refuses(value, precision):
    with pytest.raises(ValueError):
        to_money_string(value, "amount", precision)


def test_to_money_string_rounding_leaves_it_to_the_server():
    # With rounding, extra decimals are sent as they are: the server rounds.
    assert to_money_string("2.505", "amount", 2, rounding=True) == "2.505"
    assert to_money_string("2.50", "amount", 2, rounding=True) == "2.50"
    assert to_money_string("1.5", "amount", 0, rounding=True) == "1.5"
    assert to_money_string("92233720368547758.074", "amount", 2, rounding=True)
    with pytest.raises(ValueError):  # rounds above the largest amount
        to_money_string("92233720368547758.075", "amount", 2, rounding=True)
    with pytest.raises(ValueError):
        to_money_string("-0.5", "amount", 2, rounding=True)
    with pytest.raises(ValueError) as e:
        to_money_string("0.001", "amount", 2, currency_code="EUR")
    assert "EUR" in str(e.value) and "rounding" in str(e.value)


def test_max_amount():
    assert max_amount(2) == Decimal("92233720368547758.07")
    assert max_amount(8) == Decimal("92233720368.54775807")
    assert max_amount(0) == Decimal("9223372036854775807")


def test_money_is_a_decimal_with_a_currency():
    m = from_money_string("150.00", "EUR")
    assert isinstance(m, Money) and isinstance(m, Decimal)
    assert m.currency_code == "EUR"
    assert str(m) == "150.00" and f"{m:>8}" == "  150.00"
    assert m == Decimal("150") and hash(m) == hash(Decimal("150"))
    assert repr(m) == "Money('150.00', 'EUR')"
    assert type(m + 1) is Decimal and m + 1 == Decimal("151.00")
    for clone in (copy.copy(m), copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert repr(clone) == repr(m)
    assert from_money_string("1.30").currency_code == ""
    # Fixed point like the server's strings, where a Decimal prints "1E-8".
    sat = from_money_string("0.00000001", "BTC")
    assert str(Decimal("0.00000001")) == "1E-8"
    assert str(sat) == "0.00000001" and f"{sat}" == "0.00000001"
    assert f"{sat:>12}" == "  0.00000001" and f"{from_money_string('0E-8')}" == "0.00000000"
    assert f"{from_money_string('1234.50'):,}" == "1,234.50"
    assert f"{sat:.2f}" == "0.00" and f"{sat:e}" == "1e-8"  # explicit types as Decimal
    with pytest.raises(AttributeError):
        m.currency_code = "USD"


def test_from_money_string():
    assert from_money_string("201.50") == Decimal("201.50")
    assert isinstance(from_money_string("0.00"), Decimal)
    assert str(from_money_string("1150.00")) == "1150.00"  # exponent kept
    with pytest.raises(ValueError):
        from_money_string("x")


@pytest.mark.parametrize(
    "code, reason, cls",
    [
        (grpc.StatusCode.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS", InsufficientFunds),
        (grpc.StatusCode.FAILED_PRECONDITION, "JOB_ALREADY_PAID", JobAlreadyPaid),
        (grpc.StatusCode.FAILED_PRECONDITION, "CONTRACT_NOT_ACTIVE", ContractNotActive),
        (grpc.StatusCode.FAILED_PRECONDITION, "DEPOSIT_LIMIT_EXCEEDED", DepositLimitExceeded),
        (grpc.StatusCode.FAILED_PRECONDITION, "SOMETHING_NEW", FailedPrecondition),
        (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED", RequestIdReused),
        (grpc.StatusCode.INVALID_ARGUMENT, "CURRENCY_NOT_SUPPORTED", CurrencyNotSupported),
        (grpc.StatusCode.ALREADY_EXISTS, "CURRENCY_EXISTS", CurrencyExists),
        (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", InvalidArgument),
        (grpc.StatusCode.NOT_FOUND, "JOB_NOT_FOUND", NotFound),
        (grpc.StatusCode.NOT_FOUND, "PAYOUT_NOT_FOUND", PayoutNotFound),
        (grpc.StatusCode.NOT_FOUND, "LOAN_NOT_FOUND", LoanNotFound),
        (grpc.StatusCode.NOT_FOUND, "PROFILE_NOT_FOUND", ProfileNotFound),
        (grpc.StatusCode.FAILED_PRECONDITION, "PAYOUT_NOT_REQUESTED", PayoutNotRequested),
        (grpc.StatusCode.FAILED_PRECONDITION, "LOAN_REPAID", LoanRepaid),
        (grpc.StatusCode.ALREADY_EXISTS, "LOAN_PAYMENT_ALREADY_RECORDED", LoanPaymentAlreadyRecorded),
        (grpc.StatusCode.INVALID_ARGUMENT, "NOT_THE_INSTALLMENT", NotTheInstallment),
        (grpc.StatusCode.NOT_FOUND, "LEDGER_ENTRY_NOT_FOUND", LedgerEntryNotFound),
        (grpc.StatusCode.FAILED_PRECONDITION, "ENTRY_NOT_REVERSIBLE", EntryNotReversible),
        (grpc.StatusCode.FAILED_PRECONDITION, "REVERSAL_EXCEEDS_ENTRY", ReversalExceedsEntry),
        (grpc.StatusCode.FAILED_PRECONDITION, "JOB_NOT_PAID", JobNotPaid),
        (grpc.StatusCode.FAILED_PRECONDITION, "PAYMENT_NOT_IN_LEDGER", PaymentNotInLedger),
        # A reason under another code than its own keeps the code's class.
        (grpc.StatusCode.INVALID_ARGUMENT, "PAYOUT_NOT_FOUND", InvalidArgument),
        (grpc.StatusCode.PERMISSION_DENIED, "WRONG_PARTY", PermissionDenied),
        (grpc.StatusCode.UNAUTHENTICATED, "", Unauthenticated),
        (grpc.StatusCode.UNAVAILABLE, "", Unavailable),
        (grpc.StatusCode.DATA_LOSS, "", JobpayError),
    ],
)
def test_error_class(code, reason, cls):
    assert error_class(code, reason) is cls
    assert issubclass(cls, JobpayError)


class _FakeRpcError(grpc.RpcError, grpc.Call):
    """A failed call as grpcio raises it, with a rich status trailer."""

    def __init__(self, code, message, details=()):
        status = status_pb2.Status(code=code.value[0], message=message)
        for d in details:
            status.details.add().Pack(d)
        self._code, self._message = code, message
        self._trailers = (("grpc-status-details-bin", status.SerializeToString()),)

    def code(self):
        return self._code

    def details(self):
        return self._message

    def trailing_metadata(self):
        return self._trailers

    def initial_metadata(self):
        return ()

    def is_active(self):
        return False

    def time_remaining(self):
        return None

    def cancel(self):
        return False

    def add_callback(self, callback):
        return False


def test_from_rpc_error_decodes_details():
    error = _FakeRpcError(
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid request: amount must be greater than zero",
        [
            error_details_pb2.ErrorInfo(reason="INVALID_ARGUMENT", domain="jobpay"),
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field="amount", description="must be greater than zero"
                    )
                ]
            ),
        ],
    )
    e = from_rpc_error(error, "jobpay.v1.BalanceService/Withdraw")
    assert type(e) is InvalidArgument
    assert e.code == grpc.StatusCode.INVALID_ARGUMENT
    assert e.reason == "INVALID_ARGUMENT" and e.domain == "jobpay"
    assert [(v.field, v.description) for v in e.field_violations] == [
        ("amount", "must be greater than zero")
    ]
    assert e.method == "jobpay.v1.BalanceService/Withdraw"
    assert "amount: must be greater than zero" in str(e)


def test_from_rpc_error_without_details():
    e = from_rpc_error(_FakeRpcError(grpc.StatusCode.UNAVAILABLE, "connection refused"))
    assert type(e) is Unavailable
    assert e.reason == "" and e.metadata == {} and e.field_violations == []
    assert code_pb2.UNAVAILABLE == grpc.StatusCode.UNAVAILABLE.value[0]


def test_deposit_limit_exceeded_limit():
    e = DepositLimitExceeded(
        grpc.StatusCode.FAILED_PRECONDITION, "x", reason="DEPOSIT_LIMIT_EXCEEDED",
        metadata={"limit": "50.25"},
    )
    assert e.limit == Decimal("50.25")
    assert e.limit.currency_code == ""
    e = DepositLimitExceeded(
        grpc.StatusCode.FAILED_PRECONDITION, "x", reason="DEPOSIT_LIMIT_EXCEEDED",
        metadata={"limit": "0.25000000", "currency_code": "BTC"},
    )
    assert e.limit == Decimal("0.25") and e.limit.currency_code == "BTC"


def test_payout_not_requested_state():
    def make(metadata):
        return PayoutNotRequested(
            grpc.StatusCode.FAILED_PRECONDITION, "x", reason="PAYOUT_NOT_REQUESTED",
            metadata=metadata,
        )

    assert make({"state": "PAYOUT_STATE_PAID_OUT"}).state is PayoutState.PAID_OUT
    assert make({"state": "PAYOUT_STATE_CANCELLED"}).state is PayoutState.CANCELLED
    assert make({"state": "PAYOUT_STATE_ON_HOLD"}).state == "PAYOUT_STATE_ON_HOLD"  # newer server
    assert make({}).state is None
    assert issubclass(PayoutNotRequested, FailedPrecondition)


def test_not_the_installment_installment():
    e = NotTheInstallment(
        grpc.StatusCode.INVALID_ARGUMENT, "x", reason="NOT_THE_INSTALLMENT",
        metadata={"installment": "85.60", "currency_code": "USD"},
    )
    assert e.installment == Decimal("85.60") and e.installment.currency_code == "USD"
    assert NotTheInstallment(grpc.StatusCode.INVALID_ARGUMENT, "x").installment is None


def test_reversal_exceeds_entry_reversible():
    e = ReversalExceedsEntry(
        grpc.StatusCode.FAILED_PRECONDITION, "x", reason="REVERSAL_EXCEEDS_ENTRY",
        metadata={"reversible": "0.50000000", "currency_code": "BTC"},
    )
    assert e.reversible == Decimal("0.5") and e.reversible.currency_code == "BTC"
    assert str(e.reversible) == "0.50000000"
    assert ReversalExceedsEntry(grpc.StatusCode.FAILED_PRECONDITION, "x").reversible is None
    assert issubclass(ReversalExceedsEntry, FailedPrecondition)


def test_entry_not_reversible_kind():
    def make(metadata):
        return EntryNotReversible(
            grpc.StatusCode.FAILED_PRECONDITION, "x", reason="ENTRY_NOT_REVERSIBLE",
            metadata=metadata,
        )

    assert make({"kind": "LEDGER_ENTRY_KIND_OPENING"}).kind is LedgerEntryKind.OPENING
    assert make({"kind": "LEDGER_ENTRY_KIND_REVERSAL"}).kind is LedgerEntryKind.REVERSAL
    assert make({"kind": "LEDGER_ENTRY_KIND_FEE"}).kind == "LEDGER_ENTRY_KIND_FEE"  # newer server
    assert make({}).kind is None


def test_instants_are_sent_in_utc():
    from jobpay_client.client import _instant

    paris = dt.timezone(dt.timedelta(hours=2))
    assert _instant(dt.datetime(2026, 3, 1, 12, 30, tzinfo=paris), "t").ToJsonString() == (
        "2026-03-01T10:30:00Z"
    )
    assert _instant("2026-03-01T12:00:00+02:00", "t").ToJsonString() == "2026-03-01T10:00:00Z"
    assert _instant(None, "t") is None


def test_client_validates_before_sending():
    # A channel to nowhere: every check below must fail before any call.
    client = JobpayClient("127.0.0.1:9", profile_id=1, max_attempts=1)
    try:
        with pytest.raises(ValueError):
            client.withdraw(Decimal("1.001"))
        with pytest.raises(ValueError):
            client.deposit(Decimal("-5"))
        with pytest.raises(ValueError):
            client.transfer(2, "0.005")
        with pytest.raises(ValueError):
            client.create_job(1, "x", "-1")
        with pytest.raises(TypeError):
            client.withdraw(0.1)
        with pytest.raises(ValueError):
            client.get_best_profession(dt.datetime(2020, 1, 1), "2020-02-01")  # naive
        with pytest.raises(ValueError):
            client.create_profile("a", "b", "c", "nobody")
        # Currencies whose precision the client knows (USD, EUR, BTC).
        with pytest.raises(ValueError):
            client.withdraw("0.001", currency="EUR")
        with pytest.raises(ValueError):
            client.deposit("0.000000001", currency="btc")
        with pytest.raises(ValueError):
            client.transfer(2, "1.001", currency="usd", rounding=Rounding.UNSPECIFIED)
        with pytest.raises(ValueError):
            client.withdraw("1", rounding="HALF_DOWN")
        with pytest.raises(TypeError):
            client.withdraw("1", currency=978)
        # Payouts and loans.
        with pytest.raises(ValueError):
            client.request_payout("1.001")
        with pytest.raises(TypeError):
            client.request_payout(1.5)
        with pytest.raises(TypeError):
            client.create_loan(1, "100", 12, 0.05)  # a float rate
        with pytest.raises(ValueError):
            client.create_loan(1, "100", 12, "-0.05")
        with pytest.raises(ValueError):
            client.create_loan(1, "100", 12, "0.05", origination_time=dt.datetime(2026, 1, 15))
        with pytest.raises(TypeError):
            client.create_loan(1, "100", 12, "0.05", origination_time=dt.date(2026, 1, 15))
        with pytest.raises(ValueError):
            client.record_loan_payment(1, "late")
        with pytest.raises(TypeError):
            client.record_loan_payment(1, True)
        with pytest.raises(ValueError):
            client.record_loan_payment(1, amount="-1")
        with pytest.raises(ValueError):
            client.get_loan_balance(1, as_of="yesterday")
        with pytest.raises(ValueError):
            client.get_outstanding_debt(as_of=dt.datetime(2026, 1, 1))
        with pytest.raises(ValueError):
            JobpayClient()
        with pytest.raises(ValueError):
            JobpayClient("127.0.0.1:9", max_attempts=0)
    finally:
        client.close()


def test_client_sends_what_it_cannot_check():
    """Amounts the client cannot judge go to the server (here: nowhere, so
    the call fails with UNAVAILABLE rather than ValueError)."""
    client = JobpayClient("127.0.0.1:9", profile_id=1, max_attempts=1, timeout=5)
    # A server whose platform currency is BTC (--default-currency BTC).
    btc = JobpayClient(
        "127.0.0.1:9", profile_id=1, max_attempts=1, timeout=5, platform_currency="btc"
    )
    try:
        for call in (
            lambda: client.withdraw("0.001", currency="XYZ"),  # unknown precision
            lambda: client.withdraw("0.001", rounding=Rounding.HALF_AWAY_FROM_ZERO),
            lambda: client.create_job(1, "x", "0.001"),  # the contract's currency
            lambda: btc.withdraw("0.00000001"),
            lambda: btc.with_profile(2).deposit("0.001"),
        ):
            with pytest.raises(Unavailable):
                call()
        with pytest.raises(ValueError):
            btc.withdraw("0.000000001")
    finally:
        client.close()
        btc.close()

