"""Currencies against a live server: contracts, jobs, balances and movements
in other currencies than the platform's (USD), rounding, the currency
registry and the admin calls that show every balance."""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

import grpc
import pytest

from jobpay_client import (
    AlreadyExists,
    Currency,
    CurrencyBalance,
    CurrencyExists,
    CurrencyNotSupported,
    DepositLimitExceeded,
    InsufficientFunds,
    InvalidArgument,
    JobpayClient,
    LedgerEntryKind,
    Money,
    NotFound,
    ProfileType,
    RequestIdReused,
    Rounding,
)


@dataclass
class EuroWorld:
    """A fresh client and contractor with an IN_PROGRESS contract in EUR."""

    client: JobpayClient
    contractor: JobpayClient
    contract_id: int

    def fund(self, amount) -> Decimal:
        """Deposits ``amount`` EUR, after adding an outstanding EUR job of 4x
        the amount so that the deposit limit allows it."""
        amount = Decimal(amount)
        self.client.create_job(self.contract_id, "funding", amount * 4)
        return self.client.deposit(amount, currency="EUR")


@pytest.fixture
def eur(admin, client_factory) -> EuroWorld:
    tag = uuid.uuid4().hex[:6]
    cl = admin.create_profile("Euro", f"Client {tag}", "Buyer", ProfileType.CLIENT)
    co = admin.create_profile("Euro", f"Contractor {tag}", "Builder", ProfileType.CONTRACTOR)
    client, contractor = client_factory(cl.id), client_factory(co.id)
    contract = client.create_contract(co.id, f"terms {tag}", currency="eur")
    contractor.start_contract(contract.id)
    return EuroWorld(client, contractor, contract.id)


def _money(value, text, code):
    """``value`` is a Money printing as ``text`` in currency ``code``."""
    return isinstance(value, Money) and str(value) == text and value.currency_code == code


def _new_code() -> str:
    return "T" + uuid.uuid4().hex[:7].upper()


# -- the registry ---------------------------------------------------------------------


def test_list_currencies(client_factory):
    currencies = client_factory(1).list_currencies()
    assert all(isinstance(c, Currency) for c in currencies)
    codes = [c.code for c in currencies]
    assert codes == sorted(codes)
    by_code = {c.code: c.precision for c in currencies}
    assert (by_code["USD"], by_code["EUR"], by_code["BTC"]) == (2, 2, 8)


def test_unknown_currency(world, client_factory):
    with pytest.raises(CurrencyNotSupported) as e:
        world.client.create_contract(world.contractor.profile_id, "in pounds", currency="XYZ")
    err = e.value
    assert isinstance(err, InvalidArgument)
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "CURRENCY_NOT_SUPPORTED"
    assert err.metadata["currency_code"] == "XYZ"
    assert [v.field for v in err.field_violations] == ["currency_code"]
    # The client does not know XYZ's precision: the server refuses the call.
    for call in (
        lambda: world.client.get_balance("xyz"),
        lambda: world.client.withdraw("1", currency="XYZ"),
        lambda: world.client.list_ledger_entries(currency="XYZ"),
    ):
        with pytest.raises(CurrencyNotSupported):
            call()


def test_create_currency(admin, client_factory):
    code = _new_code()
    created = admin.create_currency(code.lower(), 0)
    assert created == Currency(code=code, precision=0)  # stored upper case
    assert created in client_factory(1).list_currencies()
    with pytest.raises(CurrencyExists) as e:
        admin.create_currency(code.capitalize(), 2)  # any letter case
    assert isinstance(e.value, AlreadyExists)
    assert e.value.reason == "CURRENCY_EXISTS"
    with pytest.raises(InvalidArgument) as e:
        admin.create_currency("x!", 13)
    assert {v.field for v in e.value.field_violations} == {"code", "precision"}
    # A precision of 0: whole amounts only, printed without a dot.
    balance = client_factory(1).get_balance(code)
    assert _money(balance.balance, "0", code) and balance.currency_code == code


def test_precisions_learnt_from_the_server(admin, client_factory):
    code = _new_code()
    admin.create_currency(code, 0)
    cl = admin.create_profile("Yen", "Client", "Buyer", ProfileType.CLIENT)
    co = admin.create_profile("Yen", "Contractor", "Builder", ProfileType.CONTRACTOR)
    client, contractor = client_factory(cl.id), client_factory(co.id)
    contract = client.create_contract(co.id, "whole amounts", currency=code)
    contractor.start_contract(contract.id)
    job = client.create_job(contract.id, "work", "1000")
    assert _money(job.price, "1000", code) and job.currency_code == code

    # A new client does not know the currency: the server checks the amount.
    with pytest.raises(InvalidArgument) as e:
        client.deposit("1.5", currency=code)
    assert [v.field for v in e.value.field_violations] == ["amount"]
    # Once list_currencies() has seen it, the client refuses it itself, and
    # so does every client made from it (they share what it learnt).
    client.list_currencies()
    with pytest.raises(ValueError):
        client.deposit("1.5", currency=code)
    with pytest.raises(ValueError):
        client.with_profile(co.id).withdraw("0.5", currency=code)
    # The server rounds when asked to: 1.5 -> 2 (half away from zero).
    assert _money(
        client.deposit("1.5", currency=code, rounding=Rounding.HALF_AWAY_FROM_ZERO), "2", code
    )
    # create_currency() teaches the client as well.
    other = _new_code()
    admin.create_currency(other, 1)
    with pytest.raises(ValueError):
        admin.with_profile(cl.id).withdraw("0.05", currency=other)


# -- a contract, jobs and movements in EUR ------------------------------------------------


def test_eur_contract_and_jobs(eur):
    contract = eur.client.get_contract(eur.contract_id)
    assert contract.currency_code == "EUR"
    job = eur.contractor.create_job(eur.contract_id, "paint", "12.5")
    assert job.currency_code == "EUR"
    assert _money(job.price, "12.50", "EUR")
    assert [j.currency_code for j in eur.client.iter_unpaid_jobs()] == ["EUR"]
    # Contracts made without a currency are in the platform currency.
    assert eur.client.create_contract(eur.contractor.profile_id, "in dollars").currency_code == "USD"


def test_eur_deposit_pay_transfer(eur):
    eur.client.create_job(eur.contract_id, "Port the driver", "480")
    small = eur.contractor.create_job(eur.contract_id, "Review the patch series", "120")

    # The deposit limit counts the outstanding jobs of the deposit's currency.
    with pytest.raises(DepositLimitExceeded) as e:
        eur.client.deposit("150.01", currency="EUR")
    assert e.value.limit == Decimal("150.00")
    assert e.value.limit.currency_code == "EUR"
    assert e.value.metadata["currency_code"] == "EUR"
    with pytest.raises(DepositLimitExceeded) as e:
        eur.client.deposit("1")  # no outstanding USD job
    assert e.value.limit == 0 and e.value.limit.currency_code == "USD"

    balance = eur.client.deposit(Decimal("150"), currency="EUR")
    assert _money(balance, "150.00", "EUR") and balance == Decimal("150")

    paid = eur.client.pay_job(small.id)
    assert paid.currency_code == "EUR" and paid.job.currency_code == "EUR"
    assert _money(paid.client_balance, "30.00", "EUR")
    assert _money(paid.job.price, "120.00", "EUR")
    got = eur.contractor.get_balance("EUR")
    assert (got.currency_code, got.balance, got.available, got.held) == (
        "EUR", Decimal("120.00"), Decimal("120.00"), Decimal("0.00"),
    )

    left = eur.client.transfer(eur.contractor.profile_id, "12.50", currency="eur")
    assert _money(left, "17.50", "EUR")
    assert eur.contractor.get_balance("eur").balance == Decimal("132.50")
    # The USD balance did not move: there is no exchange between currencies.
    usd = eur.client.get_balance()
    assert usd.currency_code == "USD" and usd.balance == 0
    with pytest.raises(InsufficientFunds) as e:
        eur.client.withdraw("17.51", currency="EUR")
    assert e.value.metadata == {
        "balance": "17.50",
        "available": "17.50",
        "required": "17.51",
        "currency_code": "EUR",
    }


def test_get_and_list_balances(eur):
    fresh = eur.client.get_balance()
    assert fresh.profile_id == eur.client.profile_id
    assert fresh.currency_code == "USD"
    assert _money(fresh.balance, "0.00", "USD") and _money(fresh.available, "0.00", "USD")
    assert _money(fresh.held, "0.00", "USD")
    # Only the platform currency until another one is used.
    assert [b.currency_code for b in eur.client.list_balances()] == ["USD"]
    btc = eur.client.get_balance("btc")  # never held: zero, with 8 decimals
    assert btc.currency_code == "BTC" and _money(btc.balance, "0.00000000", "BTC")
    assert [b.currency_code for b in eur.client.list_balances()] == ["USD"]

    eur.fund("40")
    balances = eur.client.list_balances()
    assert all(isinstance(b, CurrencyBalance) for b in balances)
    assert [(b.currency_code, b.balance, b.held, b.available) for b in balances] == [
        ("EUR", Decimal("40.00"), Decimal("0.00"), Decimal("40.00")),
        ("USD", Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
    ]
    assert all(b.balance.currency_code == b.currency_code for b in balances)


def test_rounding(eur):
    eur.fund("20")
    # Exact by default: the client refuses extra decimals before sending.
    with pytest.raises(ValueError):
        eur.client.withdraw("2.505", currency="EUR")
    with pytest.raises(ValueError):
        eur.client.withdraw("2.505", currency="EUR", rounding=Rounding.UNSPECIFIED)
    # Rounded by the server, halves away from zero: 2.505 moves 2.51.
    left = eur.client.withdraw("2.505", currency="EUR", rounding=Rounding.HALF_AWAY_FROM_ZERO)
    assert _money(left, "17.49", "EUR")
    left = eur.client.transfer(
        eur.contractor.profile_id, "1.004", currency="EUR",
        rounding="ROUNDING_HALF_AWAY_FROM_ZERO",
    )
    assert left == Decimal("16.49")
    amounts = [e.amount for e in eur.client.iter_ledger_entries(currency="EUR")][:2]
    assert amounts == [Decimal("1.00"), Decimal("2.51")]
    # An amount that rounds to zero is still refused, by the server.
    with pytest.raises(InvalidArgument) as e:
        eur.client.withdraw("0.004", currency="EUR", rounding="half_away_from_zero")
    assert [v.field for v in e.value.field_violations] == ["amount"]
    with pytest.raises(ValueError):
        eur.client.withdraw("1", currency="EUR", rounding="HALF_EVEN")


def test_ledger_entries_by_currency(eur):
    eur.fund("25")
    job = eur.client.create_job(eur.contract_id, "tiles", "15")
    eur.client.pay_job(job.id)
    eur.client.transfer(eur.contractor.profile_id, "2.5", currency="EUR")

    entries = list(eur.client.iter_ledger_entries(page_size=1, currency="eur"))
    assert [e.kind for e in entries] == [
        LedgerEntryKind.TRANSFER,
        LedgerEntryKind.JOB_PAYMENT,
        LedgerEntryKind.DEPOSIT,
    ]
    assert {e.currency_code for e in entries} == {"EUR"}
    transfer, payment, deposit = entries
    assert _money(transfer.amount, "2.50", "EUR")
    assert _money(transfer.debit_balance_after, "7.50", "EUR")
    assert _money(payment.debit_balance_after, "10.00", "EUR")
    assert _money(deposit.credit_balance_after, "25.00", "EUR")
    assert eur.client.list_ledger_entries(currency="USD").items == []
    assert [e.id for e in eur.client.iter_ledger_entries()] == [e.id for e in entries]


def test_request_id_covers_the_currency(eur):
    eur.fund("10")
    rid = str(uuid.uuid4())
    assert eur.client.withdraw("1", currency="EUR", request_id=rid) == Decimal("9.00")
    # A replay (codes are case-insensitive) moves nothing ...
    assert _money(eur.client.withdraw("1", currency="eur", request_id=rid), "9.00", "EUR")
    assert eur.client.get_balance("EUR").balance == Decimal("9.00")
    # ... and the same id in another currency is another request.
    with pytest.raises(RequestIdReused):
        eur.client.withdraw("1", currency="BTC", request_id=rid)


# -- AdminService ------------------------------------------------------------------------


def test_list_profiles(admin, eur):
    page = admin.list_profiles(page_size=2)
    assert [p.id for p in page] == [1, 2] and page.next_page_token
    harry = page.items[0]
    assert (harry.first_name, harry.last_name) == ("Harry", "Potter")
    assert "USD" in [b.currency_code for b in harry.balances]
    rest = admin.list_profiles(page_size=2, page_token=page.next_page_token)
    assert [p.id for p in rest] == [3, 4]

    eur.fund("8")
    me = next(p for p in admin.iter_profiles(page_size=100) if p.id == eur.client.profile_id)
    assert me.balance == Decimal("0.00")  # the platform currency's
    assert [(b.currency_code, b.balance) for b in me.balances] == [
        ("EUR", Decimal("8.00")),
        ("USD", Decimal("0.00")),
    ]
    assert all(isinstance(b, CurrencyBalance) for b in me.balances)
    with pytest.raises(InvalidArgument):
        admin.list_profiles(page_size=-1)


def test_create_profile_external_id(admin):
    ext = f"ext-{uuid.uuid4().hex}"
    p = admin.create_profile("Ext", "Ernal", "Feed", ProfileType.CONTRACTOR, external_id=ext)
    assert p.external_id == ext
    assert [(b.currency_code, b.balance) for b in p.balances] == [("USD", Decimal("0.00"))]
    assert admin.create_profile("No", "Ext", "None", "client").external_id == ""
    with pytest.raises(AlreadyExists):
        admin.create_profile("Ext", "Again", "Feed", ProfileType.CONTRACTOR, external_id=ext)


def test_reports_by_currency(admin, eur):
    eur.fund("30")
    job = eur.client.create_job(eur.contract_id, "report me", "30")
    eur.client.pay_job(job.id)
    today = dt.datetime.now(dt.timezone.utc).date()
    start, end = today - dt.timedelta(days=1), today + dt.timedelta(days=1)

    clients = admin.list_best_clients(start, end, limit=1000, currency="EUR")
    mine = [c for c in clients if c.id == eur.client.profile_id]
    assert len(mine) == 1
    assert mine[0].currency_code == "EUR" and _money(mine[0].paid, "30.00", "EUR")
    assert eur.client.profile_id not in [
        c.id for c in admin.list_best_clients(start, end, limit=1000)
    ]  # USD: it paid nothing in dollars

    best = admin.get_best_profession(start, end, currency="eur")
    assert best.currency_code == "EUR" and best.earned.currency_code == "EUR"
    assert best.earned >= Decimal("30.00")
    assert admin.get_best_profession("2020-08-10", "2020-08-17").currency_code == "USD"
    with pytest.raises(NotFound):
        admin.get_best_profession("1999-01-01", "1999-12-31", currency="EUR")
    with pytest.raises(CurrencyNotSupported):
        admin.list_best_clients(start, end, currency="XYZ")
