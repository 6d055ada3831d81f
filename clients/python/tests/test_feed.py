"""The upstream transaction feed's admin calls: GetFeedStatus and
ListFeedItems against the session's server (no ``--feed-url``: the feed is
off and nothing was ever ingested), and against a server of its own that
ingests a ``jobpay-feed-sim`` upstream started by the ``feed_server``
fixture. The conversions of FeedItem and FeedStatus (amounts that are not
amounts, unset instants) are checked without a server."""

import datetime as dt
import os
import pathlib
import subprocess
import tempfile
import time
from decimal import Decimal

import pytest

from conftest import (
    START_TIMEOUT,
    _feed_sim_binary,
    _free_port,
    failed_start,
    read_stdout,
    start_server,
    stop_process,
    stop_server,
)
from jobpay_client import (
    FeedItem,
    FeedItemState,
    FeedStatus,
    InvalidArgument,
    JobpayClient,
    Money,
    Page,
    Unauthenticated,
    Unavailable,
    pb,
)

#: How long the feed tests wait for the first applied items, and how many.
FEED_TIMEOUT = 60.0
MIN_APPLIED = 5
FEED_TYPES = {"earned", "spent", "payout", "paid_out"}


def _aware(t):
    return isinstance(t, dt.datetime) and t.utcoffset() == dt.timedelta(0)


# -- without a server: conversions and client-side checks ----------------------------


def test_feed_item_from_proto():
    m = pb.resources_pb2.FeedItem(
        id="tx-1", user_id="user-7", type="earned", amount="12.50", currency_code="USD",
        state=pb.resources_pb2.FEED_ITEM_STATE_APPLIED, profile_id=42,
    )
    m.create_time.FromJsonString("2026-11-27T10:00:00.250Z")
    m.apply_time.FromJsonString("2026-11-27T10:00:05Z")
    item = FeedItem.from_proto(m)
    assert item.id == "tx-1" and item.user_id == "user-7" and item.type == "earned"
    assert isinstance(item.amount, Money) and str(item.amount) == "12.50"
    assert item.amount.currency_code == "USD" and item.currency_code == "USD"
    assert item.state is FeedItemState.APPLIED and item.reason == "" and item.profile_id == 42
    assert item.create_time == dt.datetime(2026, 11, 27, 10, 0, 0, 250000, tzinfo=dt.timezone.utc)
    assert item.apply_time == dt.datetime(2026, 11, 27, 10, 0, 5, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("text", ['"12.345"', "-5", "1e999", "1.25E2", "null", "", "12.", "NaN"])
def test_feed_item_keeps_invalid_amount_text(text):
    """A rejected item carries the upstream's text when it was no amount: it
    stays a str, as sent."""
    m = pb.resources_pb2.FeedItem(
        id="tx-2", amount=text, currency_code="USD",
        state=pb.resources_pb2.FEED_ITEM_STATE_REJECTED, reason="AMOUNT_INVALID",
    )
    item = FeedItem.from_proto(m)
    assert type(item.amount) is str and item.amount == text
    assert item.state is FeedItemState.REJECTED and item.reason == "AMOUNT_INVALID"
    # Unset instants and profile.
    assert item.create_time is None and item.apply_time is None and item.profile_id == 0


def test_feed_item_plain_amounts_are_money():
    """A plain decimal is Money even when the currency could not hold it
    (more decimals than it has, zero): exactly as sent."""
    for text in ("12.345", "0", "7"):
        item = FeedItem.from_proto(pb.resources_pb2.FeedItem(amount=text, currency_code="EUR"))
        assert isinstance(item.amount, Money) and str(item.amount) == text
        assert item.amount.currency_code == "EUR"
    assert FeedItem.from_proto(pb.resources_pb2.FeedItem(amount="12.345")).amount == Decimal("12.345")


def test_feed_item_unknown_state_is_kept():
    item = FeedItem.from_proto(pb.resources_pb2.FeedItem(state=9))
    assert item.state == 9 and not isinstance(item.state, FeedItemState)


def test_feed_status_from_proto():
    empty = FeedStatus.from_proto(pb.resources_pb2.FeedStatus())
    assert empty == FeedStatus(
        enabled=False, cursor_time=None, lag_seconds=0, items_applied=0, items_rejected=0,
        items_duplicate=0, requests=0, last_error="", last_success_time=None,
    )
    m = pb.resources_pb2.FeedStatus(
        enabled=True, lag_seconds=3, items_applied=10, items_rejected=2, items_duplicate=1,
        requests=4, last_error="upstream answered 429",
    )
    m.cursor_time.FromJsonString("2026-11-27T10:00:00Z")
    m.last_success_time.FromJsonString("2026-11-27T10:00:01Z")
    status = FeedStatus.from_proto(m)
    assert status.enabled and status.lag_seconds == 3
    assert (status.items_applied, status.items_rejected, status.items_duplicate) == (10, 2, 1)
    assert status.requests == 4 and status.last_error == "upstream answered 429"
    assert status.cursor_time == dt.datetime(2026, 11, 27, 10, tzinfo=dt.timezone.utc)
    assert _aware(status.last_success_time)


def test_feed_item_state_argument():
    from jobpay_client.client import _feed_item_state

    assert _feed_item_state(None) == pb.resources_pb2.FEED_ITEM_STATE_UNSPECIFIED
    for value in ("applied", "APPLIED", "feed_item_state_applied", FeedItemState.APPLIED, 1):
        assert _feed_item_state(value) == pb.resources_pb2.FEED_ITEM_STATE_APPLIED
    assert _feed_item_state("Rejected") == pb.resources_pb2.FEED_ITEM_STATE_REJECTED
    assert _feed_item_state(7) == 7  # sent as it is: the server refuses it


def test_feed_calls_check_arguments_before_sending():
    # A channel to nowhere: the checks must fail before any call.
    client = JobpayClient("127.0.0.1:9", admin_key="k", max_attempts=1, timeout=5)
    try:
        with pytest.raises(ValueError):
            client.list_feed_items("pending")
        with pytest.raises(TypeError):
            client.list_feed_items(True)
        with pytest.raises(ValueError):
            client.iter_feed_items("late")  # refused at once, not at the first next()
        with pytest.raises(Unavailable):
            client.list_feed_items("rejected")
    finally:
        client.close()


# -- the session's server: no feed ----------------------------------------------------


def test_feed_status_without_feed(admin):
    status = admin.get_feed_status()
    assert status == FeedStatus(
        enabled=False, cursor_time=None, lag_seconds=0, items_applied=0, items_rejected=0,
        items_duplicate=0, requests=0, last_error="", last_success_time=None,
    )


def test_list_feed_items_without_feed(admin):
    page = admin.list_feed_items()
    assert isinstance(page, Page) and page.items == [] and page.next_page_token == ""
    for state in ("applied", "REJECTED", FeedItemState.APPLIED, "FEED_ITEM_STATE_REJECTED"):
        assert len(admin.list_feed_items(state, page_size=10)) == 0
    assert list(admin.iter_feed_items()) == []
    assert list(admin.iter_feed_items(FeedItemState.REJECTED, page_size=1)) == []


def test_list_feed_items_bad_arguments(admin):
    with pytest.raises(InvalidArgument) as e:
        admin.list_feed_items(page_token="not a token")
    assert [v.field for v in e.value.field_violations] == ["page_token"]
    with pytest.raises(InvalidArgument) as e:
        admin.list_feed_items(page_size=-1)
    assert [v.field for v in e.value.field_violations] == ["page_size"]
    with pytest.raises(InvalidArgument) as e:
        admin.list_feed_items(state=7)  # no such FeedItemState
    assert [v.field for v in e.value.field_violations] == ["state"]


def test_feed_calls_need_the_admin_key(admin):
    with pytest.raises(Unauthenticated):
        admin.with_admin_key(None).get_feed_status()
    with pytest.raises(Unauthenticated):
        admin.with_admin_key("wrong").list_feed_items()


# -- a server that ingests a simulated upstream -----------------------------------------


def _start_feed_sim(workdir: pathlib.Path):
    """``jobpay-feed-sim`` on a free port, with two minutes of backfill;
    returns (process, base URL) once it listens."""
    last_error = None
    for attempt in range(3):  # a port picked free can be taken meanwhile
        port = _free_port()
        log_path = workdir / f"feed-sim-{attempt}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOBPAY_SIM_")}
        with open(log_path, "wb") as log_file:
            process = subprocess.Popen(
                [
                    str(_feed_sim_binary()),
                    "--listen", f"127.0.0.1:{port}",
                    "--backfill", "2m",
                    "--items-per-minute", "600",
                    "--requests-per-minute", "100",
                    "--rate-window", "60s",
                ],
                stdout=subprocess.PIPE,
                stderr=log_file,
                stdin=subprocess.DEVNULL,
                env=env,
            )
        found = read_stdout(process, {"url": r"feed-sim listening on (\S+)"},
                            time.monotonic() + START_TIMEOUT)
        if "url" in found:
            return process, found["url"]
        last_error = failed_start("jobpay-feed-sim", process, log_path)
    raise RuntimeError(last_error)


@pytest.fixture(scope="module")
def feed_server():
    """A jobpay-feed-sim upstream and a jobpay server (its own database) ingesting
    it from two minutes ago, without delay, at most 100 requests a minute."""
    with tempfile.TemporaryDirectory(prefix="jobpay-sdk-feed-tests-") as tmp:
        workdir = pathlib.Path(tmp)
        sim, url = _start_feed_sim(workdir)
        try:
            start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=2)
            srv = start_server(workdir, [
                "--feed-url", url,
                "--feed-start", start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "--feed-delay", "0s",
                "--feed-rate-window", "60s",
                "--feed-requests-per-minute", "100",
            ])
            try:
                yield srv
            finally:
                stop_server(srv)
        finally:
            stop_process(sim)


@pytest.fixture
def feed_admin(feed_server):
    """An admin client of the feed server, once it has applied a few items
    (bounded poll of GetFeedStatus)."""
    client = JobpayClient(feed_server.target, admin_key=feed_server.admin_key, initial_backoff=0.01)
    try:
        deadline = time.monotonic() + FEED_TIMEOUT
        while client.get_feed_status().items_applied < MIN_APPLIED:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"not {MIN_APPLIED} feed items applied in {FEED_TIMEOUT:.0f}s: {client.get_feed_status()}\n"
                    + feed_server.log_tail()
                )
            time.sleep(0.2)
        yield client
    finally:
        client.close()


def test_feed_status_with_feed(feed_admin):
    status = feed_admin.get_feed_status()
    assert status.enabled
    assert status.items_applied > 0 and status.requests > 0
    assert status.items_rejected >= 0 and status.items_duplicate >= 0
    assert _aware(status.cursor_time) and _aware(status.last_success_time)
    assert status.lag_seconds >= 0
    assert isinstance(status.last_error, str)


def test_list_applied_feed_items(feed_admin):
    page = feed_admin.list_feed_items("applied", page_size=5)
    assert 0 < len(page) <= 5
    for item in page:
        assert item.state is FeedItemState.APPLIED and item.reason == ""
        assert isinstance(item.amount, Money) and item.amount > 0
        assert item.amount.currency_code == "USD" and item.currency_code == "USD"
        assert item.amount == item.amount.quantize(Decimal("0.01"))
        assert item.type in FEED_TYPES and item.id and item.user_id
        assert item.profile_id > 0
        assert _aware(item.create_time) and _aware(item.apply_time)
    # Arrival order is stable (later items come after): the iterator starts
    # with the same items, fetched in smaller pages.
    first = [i.id for i in page]
    iterated = feed_admin.iter_feed_items(FeedItemState.APPLIED, page_size=2)
    assert [next(iterated).id for _ in first] == first

    # Each item applied to the profile whose external_id is its user id (the
    # feed creates it on first sight).
    profiles = {p.id: p for p in feed_admin.iter_profiles(page_size=1000)}
    for item in page:
        assert profiles[item.profile_id].external_id == item.user_id


def test_list_feed_items_filters_and_pages(feed_admin):
    everything = feed_admin.list_feed_items(page_size=1000)
    assert everything.items and len({i.id for i in everything}) == len(everything)
    assert {i.state for i in everything} <= {FeedItemState.APPLIED, FeedItemState.REJECTED}
    for item in feed_admin.list_feed_items(FeedItemState.REJECTED, page_size=1000):
        assert item.state is FeedItemState.REJECTED and item.reason
        assert isinstance(item.amount, (Money, str))
    # Pages follow each other; a page token belongs to its list (here: the
    # applied items').
    applied = feed_admin.list_feed_items("applied", page_size=2)
    assert len(applied) == 2 and applied.next_page_token
    rest = feed_admin.list_feed_items("applied", page_size=2, page_token=applied.next_page_token)
    assert rest.items and not {i.id for i in rest} & {i.id for i in applied}
    assert [i.id for i in applied] + [i.id for i in rest] == [
        i.id for i in everything if i.state is FeedItemState.APPLIED
    ][: len(applied) + len(rest)]
    with pytest.raises(InvalidArgument) as e:
        feed_admin.list_feed_items("rejected", page_token=applied.next_page_token)
    assert [v.field for v in e.value.field_violations] == ["page_token"]


def test_page_ending_with_the_first_feed_item_can_be_followed(feed_admin):
    first = feed_admin.list_feed_items(page_size=1)
    assert first.next_page_token
    second = feed_admin.list_feed_items(page_size=1, page_token=first.next_page_token)
    assert second.items and second.items[0].id != first.items[0].id
