"""LoanService against a live server: installments, made and missed
payments, one record per month, the debt at any instant. Every call needs
the admin key. Dates are fixed in 2026 (always in the past from now on)."""

import datetime as dt
import uuid
from decimal import Decimal

import grpc
import pytest

from jobpay_client import (
    AlreadyExists,
    FailedPrecondition,
    InsufficientFunds,
    InvalidArgument,
    LedgerEntryKind,
    Loan,
    LoanBalance,
    LoanNotFound,
    LoanPayment,
    LoanPaymentAlreadyRecorded,
    LoanPaymentStatus,
    LoanRepaid,
    Money,
    NotFound,
    NotTheInstallment,
    OutstandingDebt,
    ProfileType,
    RequestIdReused,
    Unauthenticated,
)

UTC = dt.timezone.utc
JAN_15 = dt.datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def _money(value, text, code):
    """``value`` is a Money printing as ``text`` in currency ``code``."""
    return isinstance(value, Money) and str(value) == text and value.currency_code == code


def _at(month, day, hour=10):
    return dt.datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def borrower(admin, client_factory):
    """A fresh profile (a client for its own calls)."""
    p = admin.create_profile("Borrower", uuid.uuid4().hex[:6], "Builder", ProfileType.CONTRACTOR)
    return client_factory(p.id)


@pytest.fixture
def currency(admin):
    """A currency of the calling test only (precision 2), so that the
    outstanding debt in it counts only that test's loans."""
    code = "L" + uuid.uuid4().hex[:7].upper()
    admin.create_currency(code, 2)
    return code


def test_create_loan(admin, borrower):
    loan = admin.create_loan(borrower.profile_id, "1000", 12, "0.05", origination_time=JAN_15)
    assert isinstance(loan, Loan)
    assert (loan.borrower_id, loan.term_months, loan.currency_code) == (borrower.profile_id, 12, "USD")
    assert _money(loan.amount, "1000.00", "USD")
    assert loan.annual_rate == Decimal("0.05") and isinstance(loan.annual_rate, Decimal)
    assert _money(loan.installment, "85.60", "USD")
    assert _money(loan.total_repayable, "1027.20", "USD")
    assert _money(loan.outstanding, "1027.20", "USD")
    assert (loan.payments_made, loan.payments_missed) == (0, 0)
    assert loan.origination_time == JAN_15
    assert loan.create_time > JAN_15
    # The amount is credited to the borrower.
    assert borrower.get_balance().balance == Decimal("1000.00")
    entry = next(borrower.iter_ledger_entries())
    assert entry.kind is LedgerEntryKind.LOAN_DISBURSEMENT
    assert (entry.debit_profile_id, entry.credit_profile_id) == (0, borrower.profile_id)
    assert borrower.get_balance_summary().borrowed == Decimal("1000.00")
    assert admin.get_loan(loan.id) == loan


def test_create_loan_arguments(admin, borrower):
    # An RFC 3339 string, another offset, Decimal rate, other currency.
    loan = admin.create_loan(
        borrower.profile_id, Decimal("0.5"), 6, Decimal("0.12"), currency="btc",
        origination_time="2026-03-01T12:00:00+02:00",
    )
    assert loan.origination_time == dt.datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert _money(loan.amount, "0.50000000", "BTC") and loan.installment.currency_code == "BTC"
    # Unset origination: now.
    before = dt.datetime.now(UTC) - dt.timedelta(minutes=5)
    assert admin.create_loan(borrower.profile_id, "100", 1, "1").origination_time > before
    # The biggest power the design names: 600 months at a rate of 10.
    big = admin.create_loan(borrower.profile_id, "100", 600, "10", origination_time=JAN_15)
    assert _money(big.installment, "83.33", "USD")


def test_create_loan_is_idempotent(admin, borrower):
    rid = str(uuid.uuid4())
    first = admin.create_loan(borrower.profile_id, "300", 3, "0.1", request_id=rid, origination_time=JAN_15)
    again = admin.create_loan(borrower.profile_id, "300", 3, "0.1", request_id=rid, origination_time=JAN_15)
    assert again.id == first.id
    assert borrower.get_balance().balance == Decimal("300.00")  # lent once
    assert [loan.id for loan in admin.iter_loans(borrower.profile_id)] == [first.id]
    with pytest.raises(RequestIdReused):
        admin.create_loan(borrower.profile_id, "301", 3, "0.1", request_id=rid, origination_time=JAN_15)


def test_create_loan_refusals(admin, borrower):
    who = borrower.profile_id
    for kwargs, field in (
        (dict(borrower_id=10**12), "borrower_id"),
        (dict(amount="0"), "amount"),
        (dict(term_months=0), "term_months"),
        (dict(term_months=601), "term_months"),
        (dict(annual_rate="0"), "annual_rate"),
        (dict(annual_rate="10.01"), "annual_rate"),
        (dict(origination_time=dt.datetime.now(UTC) + dt.timedelta(days=2)), "origination_time"),
    ):
        args = dict(borrower_id=who, amount="100", term_months=12, annual_rate="0.05")
        args.update(kwargs)
        with pytest.raises(InvalidArgument) as e:
            admin.create_loan(**args)
        assert field in [v.field for v in e.value.field_violations], (kwargs, e.value)
    # Checked before sending.
    with pytest.raises(TypeError):
        admin.create_loan(who, "100", 12, 0.05)
    with pytest.raises(ValueError):
        admin.create_loan(who, "100.001", 12, "0.05")
    with pytest.raises(ValueError):
        admin.create_loan(who, "100", 12, "0.05", origination_time=dt.datetime(2026, 1, 15))
    with pytest.raises(ValueError):
        admin.create_loan(who, "100", 12, "0.05", origination_time="15/01/2026")
    assert admin.list_loans(who).items == []


def test_record_loan_payments(admin, borrower):
    loan = admin.create_loan(borrower.profile_id, "1000", 12, "0.05", origination_time=JAN_15)
    made = admin.record_loan_payment(loan.id, "made", payment_time=_at(1, 15, 16))
    assert isinstance(made, LoanPayment)
    assert (made.loan_id, made.status) == (loan.id, LoanPaymentStatus.MADE)
    assert _money(made.amount, "85.60", "USD") and made.payment_time == _at(1, 15, 16)
    assert made.ledger_entry_id > 0
    entry = next(borrower.iter_ledger_entries())
    assert (entry.id, entry.kind) == (made.ledger_entry_id, LedgerEntryKind.LOAN_REPAYMENT)
    assert (entry.debit_profile_id, entry.credit_profile_id) == (borrower.profile_id, 0)
    assert borrower.get_balance().balance == Decimal("914.40")

    missed = admin.record_loan_payment(loan.id, LoanPaymentStatus.MISSED, payment_time=_at(2, 15))
    assert missed.status is LoanPaymentStatus.MISSED and missed.ledger_entry_id == 0
    assert borrower.get_balance().balance == Decimal("914.40")  # no money moved

    # One record per calendar month, made or missed.
    with pytest.raises(LoanPaymentAlreadyRecorded) as e:
        admin.record_loan_payment(loan.id, "LOAN_PAYMENT_STATUS_MADE", payment_time=_at(2, 28))
    assert isinstance(e.value, AlreadyExists) and e.value.code == grpc.StatusCode.ALREADY_EXISTS
    assert e.value.metadata == {"month": "2026-02"}
    # The amount must be the installment (empty = the installment).
    with pytest.raises(NotTheInstallment) as e:
        admin.record_loan_payment(loan.id, amount="85", payment_time=_at(3, 15))
    assert isinstance(e.value, InvalidArgument)
    assert e.value.installment == Decimal("85.60") and e.value.installment.currency_code == "USD"
    march = admin.record_loan_payment(loan.id, amount=Decimal("85.6"), payment_time="2026-03-15T10:00:00Z")
    assert march.status is LoanPaymentStatus.MADE
    # Not before the origination day, not in the future.
    for when in (_at(1, 14), dt.datetime.now(UTC) + dt.timedelta(days=40)):
        with pytest.raises(InvalidArgument):
            admin.record_loan_payment(loan.id, payment_time=when)
    with pytest.raises(InvalidArgument):
        admin.record_loan_payment(loan.id, LoanPaymentStatus.UNSPECIFIED, payment_time=_at(4, 1))
    with pytest.raises(ValueError):
        admin.record_loan_payment(loan.id, "paid")

    got = admin.get_loan(loan.id)
    assert (got.payments_made, got.payments_missed) == (2, 1)
    assert _money(got.outstanding, "856.00", "USD")
    payments = list(admin.iter_loan_payments(loan.id, page_size=1))
    assert [p.id for p in payments] == [made.id, missed.id, march.id]  # by payment_time
    page = admin.list_loan_payments(loan.id, page_size=2)
    assert len(page) == 2 and page.next_page_token
    s = borrower.get_balance_summary()
    assert (s.borrowed, s.repaid, s.balance) == (Decimal("1000.00"), Decimal("171.20"), Decimal("828.80"))


def test_record_loan_payment_is_idempotent(admin, borrower):
    loan = admin.create_loan(borrower.profile_id, "120", 12, "0.05", origination_time=JAN_15)
    rid = uuid.uuid4()
    first = admin.record_loan_payment(loan.id, payment_time=_at(1, 20), request_id=rid)
    again = admin.record_loan_payment(loan.id, payment_time=_at(1, 20), request_id=rid)
    assert again.id == first.id
    assert admin.get_loan(loan.id).payments_made == 1  # collected once
    with pytest.raises(RequestIdReused):
        admin.record_loan_payment(loan.id, "missed", payment_time=_at(1, 20), request_id=rid)


def test_made_payment_needs_funds(admin, borrower):
    loan = admin.create_loan(borrower.profile_id, "100", 2, "0.05", origination_time=JAN_15)
    borrower.withdraw("99")
    with pytest.raises(InsufficientFunds) as e:
        admin.record_loan_payment(loan.id, payment_time=_at(1, 16))
    assert isinstance(e.value, FailedPrecondition)
    assert e.value.metadata["balance"] == "1.00"
    assert e.value.metadata["required"] == str(loan.installment)
    assert admin.list_loan_payments(loan.id).items == []  # nothing recorded
    missed = admin.record_loan_payment(loan.id, "missed", payment_time=_at(1, 16))
    assert missed.status is LoanPaymentStatus.MISSED


def test_loan_repaid(admin, borrower):
    loan = admin.create_loan(borrower.profile_id, "100", 1, "0.12", origination_time=JAN_15)
    assert _money(loan.installment, "101.00", "USD")  # 100 * (1 + 0.01)
    borrower.with_profile(1).transfer(borrower.profile_id, "1")  # Harry helps out
    admin.record_loan_payment(loan.id, payment_time=_at(1, 31))
    got = admin.get_loan(loan.id)
    assert (got.outstanding, got.payments_made) == (Decimal("0.00"), 1)
    with pytest.raises(LoanRepaid) as e:
        admin.record_loan_payment(loan.id, "missed", payment_time=_at(2, 1))
    assert isinstance(e.value, FailedPrecondition) and e.value.reason == "LOAN_REPAID"


def test_loan_balance_and_outstanding_debt(admin, borrower, currency):
    first = admin.create_loan(borrower.profile_id, "1000", 12, "0.05", currency=currency,
                              origination_time=JAN_15)
    second = admin.create_loan(borrower.profile_id, "500", 6, "0.05", currency=currency,
                               origination_time=_at(3, 10))
    admin.record_loan_payment(first.id, payment_time=_at(1, 15, 16))
    admin.record_loan_payment(first.id, payment_time=_at(2, 15))

    balance = admin.get_loan_balance(first.id, as_of=_at(1, 15, 12))  # before the 16:00 payment
    assert isinstance(balance, LoanBalance)
    assert (balance.loan_id, balance.as_of) == (first.id, _at(1, 15, 12))
    assert _money(balance.outstanding, "1027.20", currency)
    assert admin.get_loan_balance(first.id, as_of=_at(1, 15, 16)).outstanding == Decimal("941.60")
    assert admin.get_loan_balance(first.id, as_of="2026-02-20T00:00:00Z").outstanding == Decimal("856.00")
    assert admin.get_loan_balance(first.id).outstanding == Decimal("856.00")  # now
    with pytest.raises(InvalidArgument):
        admin.get_loan_balance(first.id, as_of=_at(1, 15, 9))  # before the origination

    debt = admin.get_outstanding_debt(as_of=_at(2, 1), currency=currency.lower())
    assert isinstance(debt, OutstandingDebt)
    assert (debt.volume, debt.currency_code, debt.as_of) == (1, currency, _at(2, 1))
    assert _money(debt.value, "941.60", currency)
    debt = admin.get_outstanding_debt(as_of=_at(4, 1), currency=currency)
    assert debt.volume == 2 and debt.value == Decimal("856.00") + second.total_repayable
    empty = admin.get_outstanding_debt(as_of=dt.datetime(2025, 12, 31, tzinfo=UTC), currency=currency)
    assert (empty.volume, str(empty.value)) == (0, "0.00")
    now = admin.get_outstanding_debt(currency=currency)
    assert now.as_of > _at(4, 1) and now.volume == 2


def test_get_and_list_loans(admin, borrower):
    ids = [admin.create_loan(borrower.profile_id, amount, 12, "0.05", origination_time=JAN_15).id
           for amount in ("10", "20", "30")]
    page = admin.list_loans(borrower.profile_id, page_size=2)
    assert [loan.id for loan in page] == ids[:2] and page.next_page_token
    assert [loan.id for loan in admin.iter_loans(borrower.profile_id, page_size=1)] == ids
    everyone = [loan.id for loan in admin.iter_loans(page_size=1000)]
    assert set(ids) <= set(everyone) and everyone == sorted(everyone)
    with pytest.raises(LoanNotFound) as e:
        admin.get_loan(10**12)
    assert isinstance(e.value, NotFound) and e.value.reason == "LOAN_NOT_FOUND"
    assert e.value.metadata == {"id": str(10**12)}
    for call in (
        lambda: admin.record_loan_payment(10**12, payment_time=_at(1, 15)),
        lambda: admin.get_loan_balance(10**12),
    ):
        with pytest.raises(LoanNotFound):
            call()
    with pytest.raises(InvalidArgument):
        admin.list_loans(page_size=-1)


def test_loans_need_the_admin_key(admin, borrower):
    for client in (borrower, admin.with_admin_key("wrong")):
        with pytest.raises(Unauthenticated):
            client.create_loan(borrower.profile_id, "100", 12, "0.05")
        with pytest.raises(Unauthenticated):
            client.list_loans()
        with pytest.raises(Unauthenticated):
            client.get_outstanding_debt()
