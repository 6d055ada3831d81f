"""Every SDK method against a live server with the demo data."""

import datetime as dt
import uuid
from decimal import Decimal

import grpc
import pytest

from jobpay_client import (
    ContractNotActive,
    ContractStatus,
    ContractTerminated,
    DepositLimitExceeded,
    FailedPrecondition,
    InsufficientFunds,
    InvalidArgument,
    InvalidContractTransition,
    JobAlreadyPaid,
    JobpayError,
    LedgerEntryKind,
    NotFound,
    PermissionDenied,
    ProfileType,
    RequestIdReused,
    Unauthenticated,
)

UTC = dt.timezone.utc


def _aware(t):
    return isinstance(t, dt.datetime) and t.tzinfo is not None and t.utcoffset() == dt.timedelta(0)


# -- ContractService ---------------------------------------------------------------


def test_get_contract_from_demo_data(client_factory):
    c = client_factory(1).get_contract(2)
    assert (c.id, c.client_id, c.contractor_id) == (2, 1, 6)
    assert c.terms == "bla bla bla"
    assert c.status is ContractStatus.IN_PROGRESS
    assert _aware(c.create_time) and _aware(c.update_time)
    # Terminated contracts stay readable by their parties.
    assert client_factory(1).get_contract(1).status is ContractStatus.TERMINATED


def test_get_contract_of_others_is_not_found(client_factory):
    with pytest.raises(NotFound) as e:
        client_factory(1).get_contract(3)  # between 2 and 6
    assert e.value.code == grpc.StatusCode.NOT_FOUND
    assert e.value.reason == "CONTRACT_NOT_FOUND"
    assert e.value.domain == "jobpay"
    with pytest.raises(NotFound):
        client_factory(1).get_contract(10_000)


def test_list_contracts_and_pagination(client_factory):
    ash = client_factory(4)  # contracts 7, 8, 9 of the demo data
    page = ash.list_contracts(page_size=2)
    assert [c.id for c in page] == [7, 8]
    assert page.next_page_token
    rest = ash.list_contracts(page_size=2, page_token=page.next_page_token)
    assert [c.id for c in rest] == [9]
    assert rest.next_page_token == ""
    assert [c.id for c in ash.iter_contracts(page_size=1)] == [7, 8, 9]
    # Terminated contracts are not listed: Harry has 1 (terminated) and 2.
    assert [c.id for c in client_factory(1).iter_contracts()] == [2]


def test_list_bad_page_arguments(client_factory):
    with pytest.raises(InvalidArgument) as e:
        client_factory(4).list_contracts(page_size=-1)
    assert [v.field for v in e.value.field_violations] == ["page_size"]
    with pytest.raises(InvalidArgument) as e:
        client_factory(4).list_contracts(page_token="not a token")
    assert [v.field for v in e.value.field_violations] == ["page_token"]


def test_contract_lifecycle(admin, client_factory):
    cl = admin.create_profile("Lifecycle", "Client", "Buyer", ProfileType.CLIENT)
    co = admin.create_profile("Lifecycle", "Contractor", "Builder", "contractor")
    client, contractor = client_factory(cl.id), client_factory(co.id)

    created = client.create_contract(co.id, "build a shed")
    assert created.status is ContractStatus.NEW
    assert (created.client_id, created.contractor_id, created.terms) == (cl.id, co.id, "build a shed")
    assert contractor.get_contract(created.id) == created

    with pytest.raises(PermissionDenied) as e:
        client.start_contract(created.id)  # only the contractor starts
    assert e.value.reason == "WRONG_PARTY"

    started = contractor.start_contract(created.id)
    assert started.status is ContractStatus.IN_PROGRESS
    assert started.update_time >= created.update_time

    with pytest.raises(InvalidContractTransition) as e:
        contractor.start_contract(created.id)
    assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert e.value.reason == "INVALID_CONTRACT_TRANSITION"

    terminated = client.terminate_contract(created.id)
    assert terminated.status is ContractStatus.TERMINATED
    with pytest.raises(FailedPrecondition) as e:
        contractor.terminate_contract(created.id)
    assert e.value.reason == "INVALID_CONTRACT_TRANSITION"
    assert created.id not in [c.id for c in client.iter_contracts()]


def test_create_contract_errors(world, client_factory):
    with pytest.raises(PermissionDenied) as e:
        world.contractor.create_contract(world.client.profile_id, "reverse")
    assert e.value.reason == "CALLER_NOT_CLIENT"
    with pytest.raises(InvalidArgument) as e:
        world.client.create_contract(1, "profile 1 is a client")
    assert e.value.field_violations and e.value.field_violations[0].field == "contractor_id"
    with pytest.raises(InvalidArgument) as e:
        world.client.create_contract(world.contractor.profile_id, "")
    assert [v.field for v in e.value.field_violations] == ["terms"]


# -- JobService ----------------------------------------------------------------------


def test_create_job_and_list_unpaid(world):
    job = world.client.create_job(world.contract_id, "paint", Decimal("12.5"))
    assert job.price == Decimal("12.50") and isinstance(job.price, Decimal)
    assert str(job.price) == "12.50"
    assert job.paid is False and job.payment_time is None
    assert job.contract_id == world.contract_id
    other = world.contractor.create_job(world.contract_id, "sand", "3")
    assert other.price == Decimal("3.00")
    for side in (world.client, world.contractor):
        assert [j.id for j in side.iter_unpaid_jobs(page_size=1)] == [job.id, other.id]
    page = world.client.list_unpaid_jobs(page_size=1)
    assert [j.id for j in page] == [job.id] and page.next_page_token


def test_create_job_errors(world, client_factory):
    with pytest.raises(InvalidArgument) as e:
        world.client.create_job(world.contract_id, "free", 0)
    assert [v.field for v in e.value.field_violations] == ["price"]
    with pytest.raises(NotFound) as e:
        client_factory(1).create_job(world.contract_id, "not mine", 1)
    assert e.value.reason == "CONTRACT_NOT_FOUND"
    world.client.terminate_contract(world.contract_id)
    with pytest.raises(ContractTerminated) as e:
        world.client.create_job(world.contract_id, "too late", 1)
    assert e.value.reason == "CONTRACT_TERMINATED"


def test_pay_job(world):
    world.fund("100.00")
    job = world.client.create_job(world.contract_id, "roof", "60.25")
    before = world.contractor.get_balance().balance
    result = world.client.pay_job(job.id)
    assert result.client_balance == Decimal("39.75")
    assert result.job.id == job.id and result.job.paid is True
    assert _aware(result.job.payment_time)
    assert result.job.price == Decimal("60.25")
    assert world.contractor.get_balance().balance == before + Decimal("60.25")
    assert job.id not in [j.id for j in world.client.iter_unpaid_jobs()]

    with pytest.raises(JobAlreadyPaid) as e:
        world.client.pay_job(job.id)
    assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert e.value.reason == "JOB_ALREADY_PAID"


def test_pay_job_insufficient_funds(world):
    job = world.client.create_job(world.contract_id, "pool", "200.00")
    with pytest.raises(InsufficientFunds) as e:
        world.client.pay_job(job.id)
    err = e.value
    assert isinstance(err, FailedPrecondition) and isinstance(err, JobpayError)
    assert err.code == grpc.StatusCode.FAILED_PRECONDITION
    assert err.reason == "INSUFFICIENT_FUNDS"
    assert err.metadata == {
        "balance": "0.00",
        "available": "0.00",
        "required": "200.00",
        "currency_code": "USD",
    }
    assert world.client.get_balance().balance == Decimal("0.00")


def test_pay_job_errors(world, client_factory):
    job = world.client.create_job(world.contract_id, "fence", "1")
    with pytest.raises(PermissionDenied) as e:
        world.contractor.pay_job(job.id)
    assert e.value.reason == "WRONG_PARTY"
    with pytest.raises(NotFound) as e:
        client_factory(1).pay_job(job.id)
    assert e.value.reason == "JOB_NOT_FOUND"
    with pytest.raises(NotFound):
        world.client.pay_job(10_000_000)
    world.client.terminate_contract(world.contract_id)
    with pytest.raises(ContractNotActive) as e:
        world.client.pay_job(job.id)
    assert e.value.reason == "CONTRACT_NOT_ACTIVE"


# -- BalanceService -------------------------------------------------------------------


def test_get_balance_from_demo_data(client_factory):
    b = client_factory(7).get_balance()  # Alan Turing: untouched by the tests
    assert b.profile_id == 7 and b.balance == Decimal("22.00")
    assert isinstance(b.balance, Decimal)


def test_deposit_limit(world):
    world.client.create_job(world.contract_id, "big", "101.00")
    with pytest.raises(DepositLimitExceeded) as e:
        world.client.deposit("25.26")  # 4 * 25.26 > 101.00
    assert e.value.reason == "DEPOSIT_LIMIT_EXCEEDED"
    assert e.value.limit == Decimal("25.25")
    assert "25.25" in e.value.message
    assert world.client.deposit(Decimal("25.25")) == Decimal("25.25")


def test_deposit_errors(world):
    with pytest.raises(PermissionDenied) as e:
        world.contractor.deposit(1)
    assert e.value.reason == "DEPOSIT_NOT_ALLOWED"
    with pytest.raises(PermissionDenied):
        world.client.deposit(1, profile_id=1)  # someone else's balance


def test_bad_amount_field_violation(world):
    for call in (
        lambda: world.client.deposit(0),
        lambda: world.client.withdraw("0.00"),
        lambda: world.client.transfer(world.contractor.profile_id, 0),
    ):
        with pytest.raises(InvalidArgument) as e:
            call()
        assert e.value.reason == "INVALID_ARGUMENT"
        assert [v.field for v in e.value.field_violations] == ["amount"]
        assert e.value.field_violations[0].description


def test_withdraw_and_transfer(world):
    assert world.fund("50") == Decimal("50.00")
    assert world.client.withdraw(Decimal("10.5")) == Decimal("39.50")
    contractor_before = world.contractor.get_balance().balance
    assert world.client.transfer(world.contractor.profile_id, "9.50") == Decimal("30.00")
    assert world.contractor.get_balance().balance == contractor_before + Decimal("9.50")
    assert world.client.get_balance().balance == Decimal("30.00")

    with pytest.raises(InsufficientFunds) as e:
        world.client.withdraw("30.01")
    assert e.value.metadata == {
        "balance": "30.00",
        "available": "30.00",
        "required": "30.01",
        "currency_code": "USD",
    }
    with pytest.raises(InsufficientFunds):
        world.client.transfer(world.contractor.profile_id, 31)
    with pytest.raises(InvalidArgument) as e:
        world.client.transfer(world.client.profile_id, 1)
    assert [v.field for v in e.value.field_violations] == ["to_profile_id"]
    with pytest.raises(InvalidArgument):
        world.client.transfer(10_000_000, 1)


def test_list_ledger_entries(world):
    world.fund("40")
    job = world.client.create_job(world.contract_id, "tiles", "15")
    paid = world.client.pay_job(job.id)
    world.client.withdraw("5")
    world.client.transfer(world.contractor.profile_id, "1.25")

    entries = list(world.client.iter_ledger_entries(page_size=2))
    assert [e.kind for e in entries] == [
        LedgerEntryKind.TRANSFER,
        LedgerEntryKind.WITHDRAWAL,
        LedgerEntryKind.JOB_PAYMENT,
        LedgerEntryKind.DEPOSIT,
    ]
    assert [e.id for e in entries] == sorted((e.id for e in entries), reverse=True)
    transfer, withdrawal, payment, deposit = entries
    me, other = world.client.profile_id, world.contractor.profile_id
    assert (deposit.debit_profile_id, deposit.credit_profile_id) == (0, me)
    assert deposit.debit_balance_after is None and deposit.credit_balance_after == Decimal("40.00")
    assert payment.job_id == job.id and payment.amount == Decimal("15.00")
    assert payment.debit_balance_after == paid.client_balance == Decimal("25.00")
    assert (withdrawal.credit_profile_id, withdrawal.credit_balance_after) == (0, None)
    assert withdrawal.debit_balance_after == Decimal("20.00")
    assert (transfer.debit_profile_id, transfer.credit_profile_id) == (me, other)
    assert transfer.debit_balance_after == Decimal("18.75")
    for e in entries:
        assert isinstance(e.amount, Decimal) and _aware(e.create_time)
        uuid.UUID(e.request_id)  # the SDK sent one with every movement

    page = world.client.list_ledger_entries(page_size=3)
    assert len(page) == 3 and page.next_page_token
    # The contractor sees the entries that touch it too.
    assert {e.kind for e in world.contractor.iter_ledger_entries()} == {
        LedgerEntryKind.JOB_PAYMENT,
        LedgerEntryKind.TRANSFER,
    }


# -- idempotency (AIP-155) -----------------------------------------------------------


def test_idempotent_replay(world):
    world.fund("100")
    job = world.client.create_job(world.contract_id, "door", "30")
    rid = str(uuid.uuid4())
    first = world.client.pay_job(job.id, request_id=rid)
    again = world.client.pay_job(job.id, request_id=rid)  # no JOB_ALREADY_PAID
    assert again == first
    assert world.client.get_balance().balance == Decimal("70.00")

    wid = uuid.uuid4()  # a uuid.UUID is accepted too
    assert world.client.withdraw("20", request_id=wid) == Decimal("50.00")
    assert world.client.withdraw("20", request_id=wid) == Decimal("50.00")
    assert world.client.get_balance().balance == Decimal("50.00")

    tid = str(uuid.uuid4())
    to = world.contractor.profile_id
    assert world.client.transfer(to, "5", request_id=tid) == Decimal("45.00")
    assert world.client.transfer(to, "5", request_id=tid) == Decimal("45.00")

    entries = list(world.client.iter_ledger_entries())
    assert sum(1 for e in entries if e.request_id == rid) == 1
    assert sum(1 for e in entries if e.request_id == str(wid)) == 1
    assert sum(1 for e in entries if e.request_id == tid) == 1

    with pytest.raises(RequestIdReused) as e:
        world.client.withdraw("21", request_id=wid)  # same id, other amount
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert e.value.reason == "REQUEST_ID_REUSED"
    assert [v.field for v in e.value.field_violations] == ["request_id"]


def test_deposit_replay(world):
    world.client.create_job(world.contract_id, "limit", "40")
    rid = str(uuid.uuid4())
    assert world.client.deposit("10", request_id=rid) == Decimal("10.00")
    # The limit would refuse a second real deposit of 10 only if it were
    # counted again; a replay returns the first answer.
    assert world.client.deposit("10", request_id=rid) == Decimal("10.00")
    assert world.client.get_balance().balance == Decimal("10.00")


# -- authentication ----------------------------------------------------------------------


def test_unauthenticated_callers(client_factory):
    with pytest.raises(Unauthenticated) as e:
        client_factory(None).get_balance()
    assert e.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert e.value.reason == "MISSING_PROFILE_ID"
    with pytest.raises(Unauthenticated) as e:
        client_factory(987654321).list_contracts()
    assert e.value.reason == "UNKNOWN_PROFILE"
    with pytest.raises(Unauthenticated) as e:
        client_factory("one").get_balance()
    assert e.value.reason == "MALFORMED_PROFILE_ID"


def test_admin_needs_the_key(admin, client_factory):
    with pytest.raises(Unauthenticated) as e:
        client_factory(1).create_profile("No", "Key", "None", ProfileType.CLIENT)
    assert e.value.reason == "MISSING_ADMIN_KEY"
    with pytest.raises(Unauthenticated) as e:
        admin.with_admin_key("wrong").list_best_clients("2020-01-01", "2020-12-31")
    assert e.value.reason == "WRONG_ADMIN_KEY"


# -- AdminService ---------------------------------------------------------------------------


def test_create_profile(admin, client_factory):
    p = admin.create_profile("Ada", "Lovelace", "Mathematician", ProfileType.CONTRACTOR)
    assert p.id > 8
    assert (p.first_name, p.last_name, p.profession) == ("Ada", "Lovelace", "Mathematician")
    assert p.type is ProfileType.CONTRACTOR
    assert p.balance == Decimal("0.00") and isinstance(p.balance, Decimal)
    assert _aware(p.create_time)
    assert client_factory(p.id).get_balance().balance == Decimal("0")
    with pytest.raises(InvalidArgument) as e:
        admin.create_profile("", "X", "Y", ProfileType.CLIENT)
    assert "first_name" in [v.field for v in e.value.field_violations]
    with pytest.raises(InvalidArgument):
        admin.create_profile("A", "B", "C", ProfileType.UNSPECIFIED)


def test_get_best_profession(admin):
    best = admin.get_best_profession("2020-08-10", "2020-08-17")
    assert best.profession == "Programmer"
    assert best.earned == Decimal("2683.00") and isinstance(best.earned, Decimal)
    # Dates and aware datetimes are accepted too.
    same = admin.get_best_profession(
        dt.date(2020, 8, 10), dt.datetime(2020, 8, 17, 23, 59, 59, tzinfo=UTC)
    )
    assert same == best
    with pytest.raises(NotFound) as e:
        admin.get_best_profession("1999-01-01", "1999-12-31")
    assert e.value.reason == "NO_PAID_JOBS"
    with pytest.raises(InvalidArgument):
        admin.get_best_profession("2020-08-17", "2020-08-10")  # start > end
    with pytest.raises(InvalidArgument):
        admin.get_best_profession("yesterday", "2020-08-10")


def test_list_best_clients(admin):
    top = admin.list_best_clients("2020-08-10", "2020-08-17", limit=3)
    assert [(c.id, c.full_name, c.paid) for c in top] == [
        (4, "Ash Kethcum", Decimal("2020.00")),
        (1, "Harry Potter", Decimal("442.00")),
        (2, "Mr Robot", Decimal("442.00")),
    ]
    assert len(admin.list_best_clients("2020-08-10", "2020-08-17")) == 2  # limit 0 means 2
    assert admin.list_best_clients("1999-01-01", "1999-12-31") == []
    with pytest.raises(InvalidArgument):
        admin.list_best_clients("2020-08-10", "2020-08-17", limit=-1)
