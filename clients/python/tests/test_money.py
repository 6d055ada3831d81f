"""Offline tests: money conversions, error mapping, argument checks."""

import datetime as dt
from decimal import Decimal

import grpc
import pytest

from jobpay_client import (
    MAX_AMOUNT,
    ContractNotActive,
    DepositLimitExceeded,
    FailedPrecondition,
    InsufficientFunds,
    InvalidArgument,
    JobAlreadyPaid,
    JobpayClient,
    JobpayError,
    NotFound,
    PermissionDenied,
    RequestIdReused,
    Unauthenticated,
    Unavailable,
    from_money_string,
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
        (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", InvalidArgument),
        (grpc.StatusCode.NOT_FOUND, "JOB_NOT_FOUND", NotFound),
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
        with pytest.raises(ValueError):
            JobpayClient()
        with pytest.raises(ValueError):
            JobpayClient("127.0.0.1:9", max_attempts=0)
    finally:
        client.close()
