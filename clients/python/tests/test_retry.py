"""Retries: a money movement keeps its request_id across attempts, so a
response lost on the way back never moves the money twice."""

import uuid
from decimal import Decimal

import grpc
import pytest

from jobpay_client import JobpayClient, Unavailable, Aborted


class InjectedError(grpc.RpcError):
    """A failed call as the interceptor API expects one (``result()`` raises)."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self._code, self._message = code, message

    def code(self):
        return self._code

    def details(self):
        return self._message

    def trailing_metadata(self):
        return ()

    def initial_metadata(self):
        return ()

    def result(self, timeout=None):
        raise self

    def exception(self, timeout=None):
        return self

    def traceback(self, timeout=None):
        return None

    def done(self):
        return True

    def add_done_callback(self, fn):
        fn(self)


class Flaky(grpc.UnaryUnaryClientInterceptor):
    """Fails the first ``failures`` calls of methods ending in ``method`` with
    ``code``. With ``reach_server`` the call is made first, so the server
    does the work and only the response is lost (the nasty case); without,
    the call never leaves the client."""

    def __init__(self, method, failures=1, code=grpc.StatusCode.UNAVAILABLE, reach_server=True):
        self.method, self.remaining = method, failures
        self.code, self.reach_server = code, reach_server
        self.attempts = []  # (method, request) of every call of `method`

    def intercept_unary_unary(self, continuation, details, request):
        if not details.method.endswith(self.method):
            return continuation(details, request)
        copy = type(request)()
        copy.CopyFrom(request)
        self.attempts.append(copy)
        if self.remaining <= 0:
            return continuation(details, request)
        self.remaining -= 1
        if self.reach_server:
            outcome = continuation(details, request)
            outcome.result()  # the server did it (raises if it refused)
        return InjectedError(self.code, "injected: response lost")


@pytest.fixture
def flaky_client(server, client_factory):
    def make(profile_id, interceptor, **kwargs):
        sleeps = []
        kwargs.setdefault("initial_backoff", 0.001)
        client = client_factory(profile_id, interceptors=[interceptor], _sleep=sleeps.append, **kwargs)
        return client, sleeps

    return make


def test_pay_job_retry_reuses_request_id(world, flaky_client):
    world.fund("100")
    job = world.client.create_job(world.contract_id, "retried", "30.00")
    contractor_before = world.contractor.get_balance().balance
    flaky = Flaky("/PayJob", failures=1, code=grpc.StatusCode.UNAVAILABLE)
    client, sleeps = flaky_client(world.client.profile_id, flaky)

    result = client.pay_job(job.id)  # attempt 1 paid, its answer was lost

    assert len(flaky.attempts) == 2 and len(sleeps) == 1
    first, second = flaky.attempts
    assert first.request_id == second.request_id
    uuid.UUID(first.request_id)
    assert result.job.paid and result.client_balance == Decimal("70.00")
    # The money moved once.
    assert world.client.get_balance().balance == Decimal("70.00")
    assert world.contractor.get_balance().balance == contractor_before + Decimal("30.00")
    payments = [e for e in world.client.iter_ledger_entries() if e.job_id == job.id]
    assert len(payments) == 1 and payments[0].request_id == first.request_id


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.ABORTED])
def test_withdraw_retry_moves_money_once(world, flaky_client, code):
    world.fund("50")
    flaky = Flaky("/Withdraw", failures=2, code=code)
    client, sleeps = flaky_client(world.client.profile_id, flaky)
    assert client.withdraw("10") == Decimal("40.00")
    assert len(flaky.attempts) == 3
    assert len({a.request_id for a in flaky.attempts}) == 1
    assert world.client.get_balance().balance == Decimal("40.00")
    # Exponential backoff, jittered to 50-100% of 1ms, 2ms.
    assert len(sleeps) == 2
    assert 0.0005 <= sleeps[0] <= 0.001 and 0.001 <= sleeps[1] <= 0.002


def test_deposit_and_transfer_retry(world, flaky_client):
    world.client.create_job(world.contract_id, "outstanding", "80")
    deposits = Flaky("/Deposit")
    client, _ = flaky_client(world.client.profile_id, deposits)
    assert client.deposit("20") == Decimal("20.00")
    assert len(deposits.attempts) == 2 and len({a.request_id for a in deposits.attempts}) == 1
    assert world.client.get_balance().balance == Decimal("20.00")

    transfers = Flaky("/Transfer")
    client, _ = flaky_client(world.client.profile_id, transfers)
    assert client.transfer(world.contractor.profile_id, "7.5") == Decimal("12.50")
    assert len(transfers.attempts) == 2 and len({a.request_id for a in transfers.attempts}) == 1
    assert world.client.get_balance().balance == Decimal("12.50")


def test_explicit_request_id_is_kept(world, flaky_client):
    world.fund("10")
    rid = str(uuid.uuid4())
    flaky = Flaky("/Withdraw", reach_server=False)
    client, _ = flaky_client(world.client.profile_id, flaky)
    assert client.withdraw("1", request_id=rid) == Decimal("9.00")
    assert [a.request_id for a in flaky.attempts] == [rid, rid]


def test_each_call_gets_a_new_request_id(world):
    world.fund("10")
    world.client.withdraw("1")
    world.client.withdraw("1")  # not a replay: a second withdrawal
    assert world.client.get_balance().balance == Decimal("8.00")


def test_retries_exhausted(world, flaky_client):
    world.fund("10")
    flaky = Flaky("/Withdraw", failures=10, reach_server=False)
    client, sleeps = flaky_client(world.client.profile_id, flaky, max_attempts=3)
    with pytest.raises(Unavailable) as e:
        client.withdraw("1")
    assert e.value.code == grpc.StatusCode.UNAVAILABLE
    assert len(flaky.attempts) == 3 and len(sleeps) == 2
    assert world.client.get_balance().balance == Decimal("10.00")


def test_max_attempts_one_disables_retries(world, flaky_client):
    flaky = Flaky("/PayJob", failures=1, code=grpc.StatusCode.ABORTED, reach_server=False)
    client, sleeps = flaky_client(world.client.profile_id, flaky, max_attempts=1)
    with pytest.raises(Aborted):
        client.pay_job(1)
    assert len(flaky.attempts) == 1 and sleeps == []


def test_other_writes_are_not_retried(world, flaky_client):
    flaky = Flaky("/CreateJob", failures=1, reach_server=False)
    client, sleeps = flaky_client(world.client.profile_id, flaky)
    with pytest.raises(Unavailable):
        client.create_job(world.contract_id, "once", "1")
    assert len(flaky.attempts) == 1 and sleeps == []


def test_reads_are_retried(world, flaky_client):
    flaky = Flaky("/GetBalance", failures=1, reach_server=False)
    client, sleeps = flaky_client(world.client.profile_id, flaky)
    assert client.get_balance().balance == Decimal("0.00")
    assert len(flaky.attempts) == 2 and len(sleeps) == 1


def test_not_retried_codes(world, flaky_client):
    flaky = Flaky("/Withdraw", failures=1, code=grpc.StatusCode.INTERNAL, reach_server=False)
    client, sleeps = flaky_client(world.client.profile_id, flaky)
    with pytest.raises(Exception) as e:
        client.withdraw("1")
    assert e.value.code == grpc.StatusCode.INTERNAL
    assert len(flaky.attempts) == 1


def test_unreachable_server_is_unavailable():
    client = JobpayClient("127.0.0.1:9", profile_id=1, max_attempts=2, initial_backoff=0.001, timeout=5)
    try:
        with pytest.raises(Unavailable):
            client.get_balance()
    finally:
        client.close()


def test_request_payout_retry_holds_once(world, flaky_client):
    world.fund("50")
    flaky = Flaky("/RequestPayout", failures=1, code=grpc.StatusCode.ABORTED)
    client, sleeps = flaky_client(world.client.profile_id, flaky)
    payout = client.request_payout("20")  # attempt 1 held it, its answer was lost
    assert len(flaky.attempts) == 2 and len(sleeps) == 1
    assert len({a.request_id for a in flaky.attempts}) == 1
    uuid.UUID(flaky.attempts[0].request_id)
    assert [p.id for p in world.client.iter_payouts()] == [payout.id]
    assert world.client.get_balance().held == Decimal("20.00")


def test_loan_calls_retry_with_the_same_request_id(server, world, flaky_client):
    borrower = world.contractor.profile_id
    loans = Flaky("/CreateLoan")
    admin, _ = flaky_client(None, loans, admin_key=server.admin_key)
    loan = admin.create_loan(borrower, "240", 12, "0.05", origination_time="2026-01-15T10:00:00Z")
    assert len(loans.attempts) == 2 and len({a.request_id for a in loans.attempts}) == 1
    assert [l.id for l in admin.iter_loans(borrower)] == [loan.id]  # lent once
    assert world.contractor.get_balance().balance == Decimal("240.00")

    payments = Flaky("/RecordLoanPayment")
    admin, _ = flaky_client(None, payments, admin_key=server.admin_key)
    made = admin.record_loan_payment(loan.id, payment_time="2026-01-20T10:00:00Z")
    assert len(payments.attempts) == 2 and len({a.request_id for a in payments.attempts}) == 1
    assert [p.id for p in admin.iter_loan_payments(loan.id)] == [made.id]  # collected once
    assert world.contractor.get_balance().balance == Decimal("240.00") - made.amount


def test_payout_transitions_are_not_retried(server, world, flaky_client):
    world.fund("10")
    payout = world.client.request_payout("5")
    flaky = Flaky("/CompletePayout", failures=1, reach_server=False)
    admin, sleeps = flaky_client(None, flaky, admin_key=server.admin_key)
    with pytest.raises(Unavailable):
        admin.complete_payout(payout.id)
    assert len(flaky.attempts) == 1 and sleeps == []
