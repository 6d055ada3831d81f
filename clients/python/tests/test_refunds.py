"""Refunds and reversals against a live server: a contractor refunding a job
in parts and then the rest, an admin reversing deposits, transfers and job
payments (with a reason), the typed refusals, idempotent replays and
retries that keep their request_id, and the balance summaries' reversed
totals. Like the other modules it shares the session's demo server and
works on fresh profiles (the ``world`` fixture); the demo data is only read
(its OPENING entries, a job paid before the ledger existed)."""

import datetime as dt
import uuid
from decimal import Decimal

import grpc
import pytest

from jobpay_client import (
    BalanceSummary,
    EntryNotReversible,
    FailedPrecondition,
    InsufficientFunds,
    InvalidArgument,
    Job,
    JobNotPaid,
    LedgerEntry,
    LedgerEntryKind,
    LedgerEntryNotFound,
    Money,
    NotFound,
    PaymentNotInLedger,
    PermissionDenied,
    RefundResult,
    RequestIdReused,
    ReversalExceedsEntry,
    ReversalResult,
    Unauthenticated,
    pb,
)
from test_retry import Flaky


def _money(value, text, code="USD"):
    """``value`` is a Money printing as ``text`` in currency ``code``."""
    return isinstance(value, Money) and str(value) == text and value.currency_code == code


def _identity_holds(s: BalanceSummary) -> bool:
    return s.balance == (
        s.opening + s.deposited + s.earned + s.transferred_in + s.borrowed + s.reversed_in
        - s.withdrawn - s.spent - s.transferred_out - s.paid_out - s.repaid - s.reversed_out
    ) and s.available == s.balance - s.held


def _entry(client, entry_id) -> LedgerEntry:
    """One of the caller's ledger entries, as listed now."""
    return next(e for e in client.iter_ledger_entries() if e.id == entry_id)


def _payment(client, job_id) -> LedgerEntry:
    """The JOB_PAYMENT entry of a job, as the client lists it now."""
    return next(
        e for e in client.iter_ledger_entries()
        if e.kind is LedgerEntryKind.JOB_PAYMENT and e.job_id == job_id
    )


@pytest.fixture
def paid_job(world) -> Job:
    """A job of 100.00 USD that the world's client has paid (its contractor
    then has 100.00, all earned by it)."""
    world.fund("100")
    job = world.client.create_job(world.contract_id, "refundable", "100")
    return world.client.pay_job(job.id).job


# -- JobService.RefundJobPayment -------------------------------------------------------


def test_refund_in_parts_then_the_rest(world, paid_job):
    payment = _payment(world.client, paid_job.id)
    assert _money(paid_job.refunded, "0.00") and _money(payment.reversed, "0.00")

    first = world.contractor.refund_job_payment(paid_job.id, "30")
    assert isinstance(first, RefundResult) and first.currency_code == "USD"
    assert first.job.id == paid_job.id and first.job.paid is True  # it stays paid
    assert _money(first.job.refunded, "30.00") and _money(first.job.price, "100.00")
    assert first.job.payment_time == paid_job.payment_time
    assert _money(first.contractor_balance, "70.00")
    r = first.reversal
    assert isinstance(r, LedgerEntry) and r.id > 0
    assert r.kind is LedgerEntryKind.REVERSAL and r.reversal_of == payment.id
    # Back from the payment's credit side (the contractor) to its debit side.
    assert (r.debit_profile_id, r.credit_profile_id) == (
        world.contractor.profile_id, world.client.profile_id,
    )
    assert _money(r.amount, "30.00") and _money(r.reversed, "0.00") and r.reason == ""
    assert _money(r.debit_balance_after, "70.00") and _money(r.credit_balance_after, "30.00")
    uuid.UUID(r.request_id)  # the generated one
    assert r.create_time is not None and r.create_time.utcoffset() == dt.timedelta(0)

    # Decimal in, and None: all that is not refunded yet.
    second = world.contractor.refund_job_payment(paid_job.id, Decimal("20.5"))
    assert _money(second.job.refunded, "50.50") and _money(second.contractor_balance, "49.50")
    rest = world.contractor.refund_job_payment(paid_job.id)
    assert _money(rest.reversal.amount, "49.50") and _money(rest.job.refunded, "100.00")
    assert _money(rest.contractor_balance, "0.00") and rest.job.paid is True
    assert len({first.reversal.id, second.reversal.id, rest.reversal.id}) == 3

    # Nothing is left: any further refund is refused, with what is left.
    with pytest.raises(ReversalExceedsEntry) as e:
        world.contractor.refund_job_payment(paid_job.id)
    assert _money(e.value.reversible, "0.00")

    # Both parties see the reversals; the payment records what was reversed.
    assert world.client.get_balance().balance == Decimal("100.00")
    assert world.contractor.get_balance().balance == Decimal("0.00")
    assert _money(_payment(world.client, paid_job.id).reversed, "100.00")
    mine = [e for e in world.client.iter_ledger_entries() if e.kind is LedgerEntryKind.REVERSAL]
    assert [e.id for e in mine] == [rest.reversal.id, second.reversal.id, first.reversal.id]
    assert _entry(world.contractor, first.reversal.id) == first.reversal

    client, contractor = world.client.get_balance_summary(), world.contractor.get_balance_summary()
    assert _money(client.reversed_in, "100.00") and _money(client.reversed_out, "0.00")
    assert _money(contractor.reversed_out, "100.00") and _money(contractor.reversed_in, "0.00")
    assert _money(contractor.earned, "100.00")  # earned stays; the refund is its own total
    assert _identity_holds(client) and _identity_holds(contractor)


def test_refund_above_what_is_left(world, paid_job):
    world.contractor.refund_job_payment(paid_job.id, "40")
    with pytest.raises(ReversalExceedsEntry) as e:
        world.contractor.refund_job_payment(paid_job.id, "60.01")
    err = e.value
    assert isinstance(err, FailedPrecondition) and err.code is grpc.StatusCode.FAILED_PRECONDITION
    assert err.reason == "REVERSAL_EXCEEDS_ENTRY"
    assert err.metadata == {"reversible": "60.00", "currency_code": "USD"}
    assert _money(err.reversible, "60.00") and err.reversible == Decimal("60")
    # Nothing moved; exactly what is left is fine.
    assert world.contractor.get_balance().balance == Decimal("60.00")
    assert _money(world.contractor.refund_job_payment(paid_job.id, "60").job.refunded, "100.00")


def test_refund_refusals(world, paid_job, admin, client_factory):
    # The job's client cannot refund itself.
    with pytest.raises(PermissionDenied) as e:
        world.client.refund_job_payment(paid_job.id, "1")
    assert e.value.reason == "WRONG_PARTY" and e.value.code is grpc.StatusCode.PERMISSION_DENIED
    # Anyone else, or an unknown job: not found.
    stranger = client_factory(admin.create_profile("Stranger", "X", "Builder", "contractor").id)
    with pytest.raises(NotFound):
        stranger.refund_job_payment(paid_job.id, "1")
    with pytest.raises(NotFound):
        world.contractor.refund_job_payment(10**12)
    # An unpaid job has nothing to refund.
    unpaid = world.client.create_job(world.contract_id, "not paid", "10")
    with pytest.raises(JobNotPaid) as e:
        world.contractor.refund_job_payment(unpaid.id)
    assert isinstance(e.value, FailedPrecondition) and e.value.reason == "JOB_NOT_PAID"
    # Amounts: the client refuses floats and negatives; the server, in the
    # job's currency, extra decimals and zero.
    with pytest.raises(TypeError):
        world.contractor.refund_job_payment(paid_job.id, 1.5)
    with pytest.raises(ValueError):
        world.contractor.refund_job_payment(paid_job.id, "-1")
    for amount in ("1.001", "0"):
        with pytest.raises(InvalidArgument) as e:
            world.contractor.refund_job_payment(paid_job.id, amount)
        assert [v.field for v in e.value.field_violations] == ["amount"]
    # The contractor needs the amount available.
    world.contractor.withdraw("95")
    with pytest.raises(InsufficientFunds) as e:
        world.contractor.refund_job_payment(paid_job.id, "5.01")
    assert e.value.metadata["available"] == "5.00"
    assert _payment(world.client, paid_job.id).reversed == Decimal("0")  # nothing refunded
    assert _money(world.contractor.refund_job_payment(paid_job.id, "5").contractor_balance, "0.00")


def test_refund_of_a_payment_before_the_ledger(client_factory):
    # Demo job 9 (contract 1, contractor 5) was paid in the seeded data: no
    # JOB_PAYMENT entry exists to reverse. Nothing changes.
    with pytest.raises(PaymentNotInLedger) as e:
        client_factory(5).refund_job_payment(9, "1")
    assert isinstance(e.value, FailedPrecondition) and e.value.reason == "PAYMENT_NOT_IN_LEDGER"


def test_refund_is_idempotent(world, paid_job):
    rid = str(uuid.uuid4())
    first = world.contractor.refund_job_payment(paid_job.id, "25", rid)
    again = world.contractor.refund_job_payment(paid_job.id, Decimal("25.00"), request_id=rid)
    assert again == first  # the first answer, replayed
    assert first.reversal.request_id == rid
    assert world.contractor.get_balance().balance == Decimal("75.00")  # refunded once
    assert _money(_payment(world.client, paid_job.id).reversed, "25.00")
    with pytest.raises(RequestIdReused):
        world.contractor.refund_job_payment(paid_job.id, "26", request_id=rid)
    with pytest.raises(RequestIdReused):
        world.contractor.refund_job_payment(paid_job.id, request_id=rid)  # all: another amount
    # A uuid.UUID is a request id too; without one each call is a new refund.
    world.contractor.refund_job_payment(paid_job.id, "1", uuid.uuid4())
    world.contractor.refund_job_payment(paid_job.id, "1")
    world.contractor.refund_job_payment(paid_job.id, "1")
    assert world.contractor.get_balance().balance == Decimal("72.00")


def test_refund_retry_reuses_request_id(world, paid_job, client_factory):
    flaky = Flaky("/RefundJobPayment", failures=1, code=grpc.StatusCode.UNAVAILABLE)
    sleeps = []
    contractor = client_factory(
        world.contractor.profile_id, interceptors=[flaky], _sleep=sleeps.append
    )
    result = contractor.refund_job_payment(paid_job.id, "10")  # attempt 1 refunded; answer lost
    assert len(flaky.attempts) == 2 and len(sleeps) == 1
    assert len({a.request_id for a in flaky.attempts}) == 1
    uuid.UUID(flaky.attempts[0].request_id)
    assert result.reversal.request_id == flaky.attempts[0].request_id
    assert _money(result.job.refunded, "10.00")
    assert world.contractor.get_balance().balance == Decimal("90.00")  # once
    assert world.client.get_balance().balance == Decimal("10.00")


# -- AdminService.ReverseLedgerEntry ---------------------------------------------------


def test_admin_reverses_a_deposit_with_a_reason(admin, world):
    world.fund("100")
    deposit = next(
        e for e in world.client.iter_ledger_entries() if e.kind is LedgerEntryKind.DEPOSIT
    )
    result = admin.reverse_ledger_entry(deposit.id, "25", reason="chargeback #1")
    assert isinstance(result, ReversalResult) and result.currency_code == "USD"
    r, original = result.reversal, result.original
    assert r.kind is LedgerEntryKind.REVERSAL and r.reversal_of == deposit.id and r.id > 0
    assert r.reason == "chargeback #1" and _money(r.amount, "25.00")
    # A deposit came from outside: its reversal takes the money back out.
    assert (r.debit_profile_id, r.credit_profile_id) == (world.client.profile_id, 0)
    assert _money(r.debit_balance_after, "75.00") and r.credit_balance_after is None
    assert original.id == deposit.id and original.kind is LedgerEntryKind.DEPOSIT
    assert _money(original.reversed, "25.00") and original.reason == ""
    assert original.amount == deposit.amount and original.reversal_of == 0
    assert _entry(world.client, deposit.id) == original
    assert _entry(world.client, r.id) == r

    # The rest, without a reason.
    rest = admin.reverse_ledger_entry(deposit.id)
    assert _money(rest.reversal.amount, "75.00") and rest.reversal.reason == ""
    assert _money(rest.original.reversed, "100.00")
    assert world.client.get_balance().balance == Decimal("0.00")
    s = world.client.get_balance_summary()
    assert _money(s.deposited, "100.00") and _money(s.reversed_out, "100.00")
    assert _money(s.reversed_in, "0.00") and _identity_holds(s)
    with pytest.raises(ReversalExceedsEntry) as e:
        admin.reverse_ledger_entry(deposit.id, "0.01")
    assert _money(e.value.reversible, "0.00")


def test_admin_reverses_a_transfer(admin, world):
    world.fund("50")
    world.client.transfer(world.contractor.profile_id, "20")
    transfer = next(
        e for e in world.contractor.iter_ledger_entries() if e.kind is LedgerEntryKind.TRANSFER
    )
    result = admin.reverse_ledger_entry(transfer.id, reason="sent by mistake")
    r = result.reversal
    # From the receiver back to the sender.
    assert (r.debit_profile_id, r.credit_profile_id) == (
        world.contractor.profile_id, world.client.profile_id,
    )
    assert _money(r.amount, "20.00") and r.reason == "sent by mistake"
    assert _money(r.debit_balance_after, "0.00") and _money(r.credit_balance_after, "50.00")
    assert _money(result.original.reversed, "20.00")
    assert world.client.get_balance().balance == Decimal("50.00")
    client, contractor = world.client.get_balance_summary(), world.contractor.get_balance_summary()
    assert _money(client.reversed_in, "20.00") and _money(contractor.reversed_out, "20.00")
    assert _identity_holds(client) and _identity_holds(contractor)


def test_admin_reversal_of_a_job_payment_is_a_refund(admin, world, paid_job):
    payment = _payment(world.client, paid_job.id)
    partly = admin.reverse_ledger_entry(payment.id, "15", reason="dispute settled")
    assert _money(partly.original.reversed, "15.00") and partly.reversal.reason == "dispute settled"
    # The job counts it as refunded: the contractor's refund of the rest is 85.
    rest = world.contractor.refund_job_payment(paid_job.id)
    assert _money(rest.reversal.amount, "85.00") and _money(rest.job.refunded, "100.00")


def test_reversal_refusals(admin, world, client_factory):
    world.fund("100")
    loan = admin.create_loan(world.contractor.profile_id, "120", 12, "0.05")
    deposit = next(
        e for e in world.client.iter_ledger_entries() if e.kind is LedgerEntryKind.DEPOSIT
    )
    reversal = admin.reverse_ledger_entry(deposit.id, "1").reversal
    disbursement = next(
        e for e in world.contractor.iter_ledger_entries()
        if e.kind is LedgerEntryKind.LOAN_DISBURSEMENT
    )
    # Demo profile 1's balance predates the ledger: an OPENING entry (read only).
    opening = next(
        e for e in client_factory(1).iter_ledger_entries() if e.kind is LedgerEntryKind.OPENING
    )
    for entry, kind in (
        (opening, LedgerEntryKind.OPENING),
        (disbursement, LedgerEntryKind.LOAN_DISBURSEMENT),
        (reversal, LedgerEntryKind.REVERSAL),  # a reversal is not reversed
    ):
        with pytest.raises(EntryNotReversible) as e:
            admin.reverse_ledger_entry(entry.id, reason="no")
        assert isinstance(e.value, FailedPrecondition) and e.value.reason == "ENTRY_NOT_REVERSIBLE"
        assert e.value.kind is kind
        assert e.value.metadata == {"kind": f"LEDGER_ENTRY_KIND_{kind.name}"}
    assert loan.amount == Decimal("120.00")

    with pytest.raises(LedgerEntryNotFound) as e:
        admin.reverse_ledger_entry(10**12)
    assert isinstance(e.value, NotFound) and e.value.metadata["id"] == str(10**12)
    for kwargs in ({"amount": "1.001"}, {"amount": "0"}, {"reason": "x" * 501}):
        with pytest.raises(InvalidArgument) as e:
            admin.reverse_ledger_entry(deposit.id, **kwargs)
        assert [v.field for v in e.value.field_violations] == [next(iter(kwargs))]
    with pytest.raises(TypeError):
        admin.reverse_ledger_entry(deposit.id, 1.0)
    with pytest.raises(TypeError):
        admin.reverse_ledger_entry(deposit.id, reason=None)
    with pytest.raises(Unauthenticated):
        admin.with_admin_key(None).reverse_ledger_entry(deposit.id)
    with pytest.raises(Unauthenticated):
        admin.with_admin_key("wrong").reverse_ledger_entry(deposit.id)
    # The side giving the money back needs it available.
    world.client.withdraw("90")
    with pytest.raises(InsufficientFunds) as e:
        admin.reverse_ledger_entry(deposit.id)  # the 99.00 left of it
    assert e.value.metadata["available"] == "9.00" and e.value.metadata["required"] == "99.00"
    assert _money(_entry(world.client, deposit.id).reversed, "1.00")  # only the first
    admin.reverse_ledger_entry(deposit.id, "9", reason="what is there")
    assert world.client.get_balance().balance == Decimal("0.00")


def test_reversal_is_idempotent(admin, world):
    world.fund("40")
    deposit = next(
        e for e in world.client.iter_ledger_entries() if e.kind is LedgerEntryKind.DEPOSIT
    )
    rid = str(uuid.uuid4())
    first = admin.reverse_ledger_entry(deposit.id, "10", "duplicate charge", rid)
    again = admin.reverse_ledger_entry(deposit.id, Decimal("10.0"), reason="duplicate charge",
                                       request_id=rid)
    assert again == first and first.reversal.request_id == rid
    assert world.client.get_balance().balance == Decimal("30.00")  # reversed once
    assert _money(_entry(world.client, deposit.id).reversed, "10.00")
    with pytest.raises(RequestIdReused):
        admin.reverse_ledger_entry(deposit.id, "11", "duplicate charge", rid)
    with pytest.raises(RequestIdReused):
        admin.reverse_ledger_entry(deposit.id, "10", "another reason", rid)


def test_reversal_retry_reuses_request_id(server, world, client_factory):
    world.fund("40")
    deposit = next(
        e for e in world.client.iter_ledger_entries() if e.kind is LedgerEntryKind.DEPOSIT
    )
    flaky = Flaky("/ReverseLedgerEntry", failures=2, code=grpc.StatusCode.ABORTED)
    sleeps = []
    admin = client_factory(None, admin_key=server.admin_key, interceptors=[flaky],
                           _sleep=sleeps.append)
    result = admin.reverse_ledger_entry(deposit.id, "5", reason="retried")
    assert len(flaky.attempts) == 3 and len(sleeps) == 2
    assert len({a.request_id for a in flaky.attempts}) == 1
    assert result.reversal.request_id == flaky.attempts[0].request_id
    assert world.client.get_balance().balance == Decimal("35.00")  # once
    assert _money(result.original.reversed, "5.00")


# -- without a server: conversions -----------------------------------------------------


def test_new_fields_from_proto():
    entry = LedgerEntry.from_proto(pb.resources_pb2.LedgerEntry(
        id=7, kind=pb.resources_pb2.LEDGER_ENTRY_KIND_REVERSAL, amount="0.50000000",
        currency_code="BTC", reversal_of=3, reversed="0.00000000", reason="why",
    ))
    assert entry.kind is LedgerEntryKind.REVERSAL
    assert (entry.reversal_of, entry.reason) == (3, "why")
    assert _money(entry.reversed, "0.00000000", "BTC")
    job = Job.from_proto(pb.resources_pb2.Job(price="10.00", refunded="2.50", currency_code="EUR"))
    assert _money(job.refunded, "2.50", "EUR")
    # An older server sends none of them: zeros with the currency's decimals.
    old_entry = LedgerEntry.from_proto(pb.resources_pb2.LedgerEntry(amount="1.00", currency_code="USD"))
    assert _money(old_entry.reversed, "0.00") and old_entry.reversal_of == 0
    assert old_entry.reason == ""
    old_job = Job.from_proto(pb.resources_pb2.Job(price="0.00000001", currency_code="BTC"))
    assert _money(old_job.refunded, "0.00000000", "BTC")
    old_summary = BalanceSummary.from_proto(pb.resources_pb2.BalanceSummary(
        currency_code="USD", **{name: "1.00" for name in (
            "balance", "held", "available", "opening", "deposited", "withdrawn", "earned",
            "spent", "transferred_in", "transferred_out", "payout", "paid_out", "borrowed",
            "repaid",
        )},
    ))
    assert _money(old_summary.reversed_in, "0.00") and _money(old_summary.reversed_out, "0.00")
    result = RefundResult.from_proto(pb.job_service_pb2.RefundJobPaymentResponse(
        job=pb.resources_pb2.Job(price="5", refunded="5", currency_code="XYZ"),
        reversal=pb.resources_pb2.LedgerEntry(amount="5", currency_code="XYZ", reversed="0"),
        contractor_balance="12",
    ))
    assert result.currency_code == "XYZ" and _money(result.contractor_balance, "12", "XYZ")
    assert _money(result.job.refunded, "5", "XYZ") and _money(result.reversal.amount, "5", "XYZ")
