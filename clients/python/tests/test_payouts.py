"""Payouts and balance summaries against a live server: holds, the
requester's and the admin's transitions, the admin's per-profile totals and
the summaries that add every movement up."""

import datetime as dt
import uuid
from decimal import Decimal

import grpc
import pytest

from jobpay_client import (
    BalanceSummary,
    CurrencyNotSupported,
    FailedPrecondition,
    InsufficientFunds,
    InvalidArgument,
    LedgerEntryKind,
    Money,
    NotFound,
    Payout,
    PayoutNotFound,
    PayoutNotRequested,
    PayoutRequestTotal,
    PayoutState,
    ProfileNotFound,
    ProfileType,
    RequestIdReused,
    Unauthenticated,
)


def _money(value, text, code):
    """``value`` is a Money printing as ``text`` in currency ``code``."""
    return isinstance(value, Money) and str(value) == text and value.currency_code == code


def _aware(t):
    return isinstance(t, dt.datetime) and t.utcoffset() == dt.timedelta(0)


def _identity_holds(s: BalanceSummary) -> bool:
    return s.balance == (
        s.opening + s.deposited + s.earned + s.transferred_in + s.borrowed + s.reversed_in
        - s.withdrawn - s.spent - s.transferred_out - s.paid_out - s.repaid - s.reversed_out
    ) and s.available == s.balance - s.held and s.payout == s.held


@pytest.fixture
def payee(world):
    """The world's client, with 100.00 USD."""
    world.fund("100")
    return world.client


# -- PayoutService ---------------------------------------------------------------------


def test_request_payout_holds_the_amount(payee):
    payout = payee.request_payout("30")
    assert isinstance(payout, Payout)
    assert payout.profile_id == payee.profile_id
    assert payout.state is PayoutState.REQUESTED
    assert _money(payout.amount, "30.00", "USD") and payout.currency_code == "USD"
    assert payout.ledger_entry_id == 0 and payout.external_id == ""
    assert _aware(payout.create_time) and _aware(payout.update_time)

    # The balance does not change; what is available drops.
    b = payee.get_balance()
    assert (b.balance, b.held, b.available) == (Decimal("100.00"), Decimal("30.00"), Decimal("70.00"))
    s = payee.get_balance_summary()
    assert (s.held, s.payout, s.available, s.paid_out) == (
        Decimal("30.00"), Decimal("30.00"), Decimal("70.00"), Decimal("0.00"),
    )
    assert _identity_holds(s)
    # Held money cannot be spent.
    with pytest.raises(InsufficientFunds) as e:
        payee.withdraw("70.01")
    assert e.value.metadata == {
        "balance": "100.00", "available": "70.00", "required": "70.01", "currency_code": "USD",
    }
    with pytest.raises(InsufficientFunds):
        payee.request_payout("70.01")
    assert payee.withdraw("70") == Decimal("30.00")


def test_request_payout_is_idempotent(payee):
    rid = str(uuid.uuid4())
    first = payee.request_payout("25.50", request_id=rid)
    again = payee.request_payout(Decimal("25.5"), request_id=rid)
    assert again.id == first.id and again.state is PayoutState.REQUESTED
    assert payee.get_balance().held == Decimal("25.50")  # held once
    assert [p.id for p in payee.iter_payouts()] == [first.id]
    with pytest.raises(RequestIdReused):
        payee.request_payout("1", request_id=rid)
    # Without a request_id each call is a new payout.
    payee.request_payout("1")
    payee.request_payout("1")
    assert payee.get_balance().held == Decimal("27.50")


def test_request_payout_refusals(payee):
    with pytest.raises(ValueError):
        payee.request_payout("1.001")  # checked before sending
    with pytest.raises(InvalidArgument) as e:
        payee.request_payout("0")
    assert [v.field for v in e.value.field_violations] == ["amount"]
    with pytest.raises(InsufficientFunds) as e:
        payee.request_payout("100.01")
    assert isinstance(e.value, FailedPrecondition)
    with pytest.raises(InsufficientFunds) as e:
        payee.request_payout("1", currency="eur")  # no euros
    assert e.value.metadata["currency_code"] == "EUR"
    with pytest.raises(CurrencyNotSupported):
        payee.request_payout("1", currency="XYZ")
    assert payee.list_payouts().items == []


def test_cancel_payout(payee):
    payout = payee.request_payout("40")
    cancelled = payee.cancel_payout(payout.id)
    assert cancelled.id == payout.id and cancelled.state is PayoutState.CANCELLED
    assert cancelled.update_time >= payout.update_time
    b = payee.get_balance()
    assert (b.balance, b.held, b.available) == (Decimal("100.00"), Decimal("0.00"), Decimal("100.00"))
    with pytest.raises(PayoutNotRequested) as e:
        payee.cancel_payout(payout.id)
    err = e.value
    assert isinstance(err, FailedPrecondition)
    assert err.code == grpc.StatusCode.FAILED_PRECONDITION
    assert err.reason == "PAYOUT_NOT_REQUESTED"
    assert err.metadata == {"state": "PAYOUT_STATE_CANCELLED"}
    assert err.state is PayoutState.CANCELLED


def test_get_and_list_payouts(payee, client_factory):
    ids = [payee.request_payout(amount).id for amount in ("1", "2", "3")]
    payee.cancel_payout(ids[1])
    got = payee.get_payout(ids[1])
    assert got.state is PayoutState.CANCELLED and _money(got.amount, "2.00", "USD")

    page = payee.list_payouts(page_size=2)
    assert [p.id for p in page] == [ids[2], ids[1]] and page.next_page_token  # newest first
    rest = payee.list_payouts(page_size=2, page_token=page.next_page_token)
    assert [p.id for p in rest] == [ids[0]] and rest.next_page_token == ""
    payouts = list(payee.iter_payouts(page_size=1))
    assert [p.id for p in payouts] == ids[::-1]
    assert [p.state for p in payouts] == [
        PayoutState.REQUESTED, PayoutState.CANCELLED, PayoutState.REQUESTED,
    ]
    with pytest.raises(InvalidArgument):
        payee.list_payouts(page_size=-1)

    # Another profile's payouts do not exist for the caller.
    other = client_factory(1)
    with pytest.raises(PayoutNotFound) as e:
        other.get_payout(ids[0])
    assert isinstance(e.value, NotFound) and e.value.reason == "PAYOUT_NOT_FOUND"
    assert e.value.metadata == {"id": str(ids[0])}
    with pytest.raises(PayoutNotFound):
        other.cancel_payout(ids[0])
    assert payee.get_payout(ids[0]).state is PayoutState.REQUESTED
    with pytest.raises(PayoutNotFound):
        payee.get_payout(10**12)


def test_payouts_need_a_caller(server, client_factory):
    anonymous = client_factory(None)
    with pytest.raises(Unauthenticated):
        anonymous.request_payout("1")
    with pytest.raises(Unauthenticated):
        anonymous.list_payouts()
    with pytest.raises(Unauthenticated):
        anonymous.get_balance_summary()


# -- AdminService ------------------------------------------------------------------------


def test_complete_payout(admin, payee):
    payout = payee.request_payout("40")
    mine = [r for r in admin.iter_payout_requests(page_size=1000) if r.profile_id == payee.profile_id]
    assert len(mine) == 1 and isinstance(mine[0], PayoutRequestTotal)
    assert (mine[0].payout_count, mine[0].currency_code) == (1, "USD")
    assert _money(mine[0].amount, "40.00", "USD") and mine[0].full_name.startswith("Client")

    paid = admin.complete_payout(payout.id)
    assert paid.id == payout.id and paid.state is PayoutState.PAID_OUT
    assert paid.ledger_entry_id > 0
    assert payee.get_payout(payout.id) == paid
    b = payee.get_balance()
    assert (b.balance, b.held, b.available) == (Decimal("60.00"), Decimal("0.00"), Decimal("60.00"))
    entry = next(payee.iter_ledger_entries())
    assert (entry.id, entry.kind) == (paid.ledger_entry_id, LedgerEntryKind.PAYOUT)
    assert (entry.debit_profile_id, entry.credit_profile_id) == (payee.profile_id, 0)
    assert _money(entry.amount, "40.00", "USD") and entry.debit_balance_after == Decimal("60.00")

    s = payee.get_balance_summary()
    assert (s.paid_out, s.payout, s.held) == (Decimal("40.00"), Decimal("0.00"), Decimal("0.00"))
    assert _identity_holds(s)
    # Final: neither completed again nor cancelled, by the admin or the owner.
    for call in (
        lambda: admin.complete_payout(payout.id),
        lambda: admin.admin_cancel_payout(payout.id),
        lambda: payee.cancel_payout(payout.id),
    ):
        with pytest.raises(PayoutNotRequested) as e:
            call()
        assert e.value.state is PayoutState.PAID_OUT
    assert payee.profile_id not in [r.profile_id for r in admin.iter_payout_requests()]
    with pytest.raises(PayoutNotFound):
        admin.complete_payout(10**12)


def test_admin_cancel_payout(admin, payee):
    payout = payee.request_payout("15")
    cancelled = admin.admin_cancel_payout(payout.id)
    assert cancelled.state is PayoutState.CANCELLED and cancelled.profile_id == payee.profile_id
    assert payee.get_balance().held == Decimal("0.00")
    with pytest.raises(PayoutNotRequested) as e:
        payee.cancel_payout(payout.id)
    assert e.value.state is PayoutState.CANCELLED
    with pytest.raises(PayoutNotFound):
        admin.admin_cancel_payout(10**12)


def test_list_payout_requests_by_currency(admin, client_factory):
    # A currency of this test only, funded by loans: the list is exactly ours.
    code = "P" + uuid.uuid4().hex[:7].upper()
    admin.create_currency(code, 3)
    first = admin.create_profile("Payout", "First", "Builder", ProfileType.CONTRACTOR)
    second = admin.create_profile("Payout", "Second", "Builder", ProfileType.CONTRACTOR)
    for profile in (first, second):
        admin.create_loan(profile.id, "100", 12, "0.05", currency=code)
    a, b = client_factory(first.id), client_factory(second.id)
    a.request_payout("1.5", currency=code)
    a.request_payout("2.25", currency=code)
    b.request_payout("10", currency=code)
    cancelled = b.request_payout("7", currency=code)
    b.cancel_payout(cancelled.id)

    page = admin.list_payout_requests(currency=code.lower(), page_size=1)
    assert len(page) == 1 and page.next_page_token
    rows = list(admin.iter_payout_requests(currency=code, page_size=1))
    assert [(r.profile_id, r.full_name, str(r.amount), r.payout_count, r.currency_code) for r in rows] == [
        (first.id, "Payout First", "3.750", 2, code),
        (second.id, "Payout Second", "10.000", 1, code),
    ]
    assert all(r.amount.currency_code == code for r in rows)
    assert first.id not in [r.profile_id for r in admin.iter_payout_requests()]  # USD
    with pytest.raises(CurrencyNotSupported):
        admin.list_payout_requests(currency="XYZ")
    with pytest.raises(InvalidArgument):
        admin.list_payout_requests(page_size=-1)


def test_balance_summaries(admin, world):
    world.fund("100")
    world.client.transfer(world.contractor.profile_id, "10")
    job = world.client.create_job(world.contract_id, "summed", "20")
    world.client.pay_job(job.id)
    world.client.withdraw("5")
    payout = world.client.request_payout("15")
    admin.complete_payout(payout.id)
    world.client.request_payout("7")

    s = world.client.get_balance_summary()
    assert isinstance(s, BalanceSummary)
    assert (s.profile_id, s.currency_code) == (world.client.profile_id, "USD")
    assert {k: str(v) for k, v in vars(s).items() if isinstance(v, Decimal)} == {
        "balance": "50.00", "held": "7.00", "available": "43.00", "opening": "0.00",
        "deposited": "100.00", "withdrawn": "5.00", "earned": "0.00", "spent": "20.00",
        "transferred_in": "0.00", "transferred_out": "10.00", "payout": "7.00",
        "paid_out": "15.00", "borrowed": "0.00", "repaid": "0.00",
        "reversed_in": "0.00", "reversed_out": "0.00",
    }
    assert all(isinstance(v, Money) and v.currency_code == "USD"
               for v in vars(s).values() if isinstance(v, Decimal))
    assert _identity_holds(s)
    # An admin reads any profile's, the same.
    assert admin.admin_get_balance_summary(world.client.profile_id) == s
    contractor = admin.admin_get_balance_summary(world.contractor.profile_id, "usd")
    assert (contractor.earned, contractor.transferred_in, contractor.balance) == (
        Decimal("20.00"), Decimal("10.00"), Decimal("30.00"),
    )
    # A currency never held: zeros with its precision.
    btc = world.client.get_balance_summary("btc")
    assert btc.currency_code == "BTC" and _money(btc.balance, "0.00000000", "BTC")
    with pytest.raises(ProfileNotFound) as e:
        admin.admin_get_balance_summary(10**12)
    assert isinstance(e.value, NotFound) and e.value.reason == "PROFILE_NOT_FOUND"
    with pytest.raises(CurrencyNotSupported):
        world.client.get_balance_summary("XYZ")
    with pytest.raises(Unauthenticated):
        admin.with_admin_key(None).admin_get_balance_summary(1)
    with pytest.raises(Unauthenticated):
        admin.with_admin_key("wrong").complete_payout(1)
