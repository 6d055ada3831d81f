"""JWT mode: a live server run with ``--caller-auth jwt`` and an HS256 secret
file (the ``jwt_server`` fixture); tokens are minted here with the standard
library (``conftest.mint_hs256``)."""

import itertools
import time
import uuid
from decimal import Decimal

import grpc
import pytest

from jobpay_client import (
    ContractStatus,
    InsufficientFunds,
    JobpayClient,
    ProfileType,
    TokenExpired,
    TokenInvalid,
    Unauthenticated,
)

_names = itertools.count(1)


@pytest.fixture
def jwt_clients(jwt_server):
    """``jwt_clients(token=..., **kwargs)``: clients of the JWT server,
    closed after the test."""
    made = []

    def make(**kwargs):
        kwargs.setdefault("initial_backoff", 0.01)
        c = JobpayClient(jwt_server.target, **kwargs)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def jwt_admin(jwt_clients, jwt_server) -> JobpayClient:
    """An admin-only client of the JWT server: the key goes as x-admin-key."""
    return jwt_clients(admin_key=jwt_server.admin_key, caller_auth="jwt")


def _profiles(admin):
    n = next(_names)
    tag = uuid.uuid4().hex[:6]
    client = admin.create_profile(f"JwtClient{n}", tag, "Buyer", ProfileType.CLIENT)
    contractor = admin.create_profile(f"JwtContractor{n}", tag, "Builder", ProfileType.CONTRACTOR)
    return client, contractor


# -- the caller is the token's subject -----------------------------------------------


def test_valid_token_identifies_the_caller(jwt_server, jwt_clients):
    harry = jwt_clients(token=jwt_server.token(1))
    assert harry.caller_auth == "jwt"
    assert harry.get_balance().profile_id == 1
    assert harry.get_contract(2).client_id == 1  # demo data: Harry's contract


def test_money_moves_with_tokens(jwt_server, jwt_clients, jwt_admin):
    cl, co = _profiles(jwt_admin)
    client = jwt_clients(token=jwt_server.token(cl.id))
    contractor = client.with_token(jwt_server.token(co.id))
    contract = client.create_contract(co.id, "terms under JWT")
    assert contractor.start_contract(contract.id).status == ContractStatus.IN_PROGRESS
    job = client.create_job(contract.id, "work", "40")
    rid = str(uuid.uuid4())
    assert client.deposit("10", request_id=rid) == Decimal("10.00")
    assert client.deposit("10", request_id=rid) == Decimal("10.00")  # replayed, not repeated
    with pytest.raises(InsufficientFunds):
        client.pay_job(job.id)  # 10 < 40
    assert contractor.get_balance().profile_id == co.id
    summary = jwt_admin.admin_get_balance_summary(cl.id)
    assert summary.balance == Decimal("10.00")


def test_profile_id_metadata_is_ignored(jwt_server, jwt_clients):
    # A caller naming itself with profile_id is not trusted in JWT mode.
    channel = grpc.insecure_channel(jwt_server.target)
    try:
        raw = JobpayClient(channel=channel, profile_id=1)  # header-mode client
        with pytest.raises(TokenInvalid) as e:
            raw.get_balance()
        assert e.value.code == grpc.StatusCode.UNAUTHENTICATED
        assert e.value.reason == "TOKEN_INVALID"
    finally:
        channel.close()
    with pytest.raises(TokenInvalid):
        jwt_clients(caller_auth="jwt").get_balance()  # no token at all


# -- refused tokens ------------------------------------------------------------------------


def test_expired_token_is_token_expired(jwt_server, jwt_clients):
    expired = jwt_server.token(1, ttl=-3600)  # well beyond the 30s leeway
    client = jwt_clients(token=expired)
    with pytest.raises(Unauthenticated) as e:
        client.get_balance()
    assert isinstance(e.value, TokenExpired)
    assert e.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert e.value.reason == "TOKEN_EXPIRED"
    assert expired not in str(e.value)


def test_invalid_tokens_are_token_invalid(jwt_server, jwt_clients):
    bad = [
        jwt_server.token(1, secret=b"another-secret-of-at-least-32-bytes!!"),
        jwt_server.token(1, aud="another-service"),
        jwt_server.token(1, iss="https://elsewhere.test"),
        jwt_server.token(1, exp=None),  # exp is required
        jwt_server.token("not-a-number"),
        jwt_server.token(1, nbf=int(time.time()) + 3600),
        "not.a.jwt",
    ]
    for token in bad:
        with pytest.raises(Unauthenticated) as e:
            jwt_clients(token=token).get_balance()
        assert e.value.reason == "TOKEN_INVALID", token


def test_token_function_is_asked_before_every_call(jwt_server, jwt_clients):
    issued = []

    def current():
        issued.append(jwt_server.token(1))
        return issued[-1]

    client = jwt_clients(token=current)
    client.get_balance()
    client.list_balances()
    assert len(issued) == 2


def test_token_function_refreshes_an_expired_token(jwt_server, jwt_clients):
    tokens = iter([jwt_server.token(1, ttl=-3600), jwt_server.token(1)])
    calls = []

    def current():
        calls.append(1)
        return next(tokens)

    client = jwt_clients(token=current)
    assert client.get_balance().profile_id == 1  # expired, then refreshed
    assert len(calls) == 2
    # Once only: a function that keeps returning an expired token fails.
    stale = jwt_server.token(1, ttl=-3600)
    calls.clear()

    def always_stale():
        calls.append(1)
        return stale

    with pytest.raises(TokenExpired):
        client.with_token(always_stale).get_balance()
    assert len(calls) == 2


# -- admin calls: x-admin-key -----------------------------------------------------------------


def test_admin_calls_send_x_admin_key(jwt_server, jwt_admin, jwt_clients):
    assert jwt_admin._admin_metadata() == [("x-admin-key", jwt_server.admin_key)]
    profile = jwt_admin.create_profile("Jwt", "Admin", "Auditor", ProfileType.CLIENT)
    assert profile.id > 0
    assert any(p.id == profile.id for p in jwt_admin.iter_profiles(page_size=50))
    assert jwt_admin.get_outstanding_debt().volume >= 0  # LoanService
    # A client with both a token and the admin key: the key still goes as
    # x-admin-key, the token only to the profile services.
    both = jwt_clients(token=jwt_server.token(profile.id), admin_key=jwt_server.admin_key)
    assert both.get_balance().profile_id == profile.id
    assert both.list_loans(borrower_id=profile.id).items == []


def test_admin_key_as_bearer_is_refused_in_jwt_mode(jwt_server, jwt_clients):
    header_mode = jwt_clients(admin_key=jwt_server.admin_key)  # authorization: Bearer <key>
    with pytest.raises(Unauthenticated) as e:
        header_mode.list_profiles()
    assert e.value.reason == "MISSING_ADMIN_KEY"
    with pytest.raises(Unauthenticated) as e:
        jwt_clients(admin_key="wrong", caller_auth="jwt").get_outstanding_debt()
    assert e.value.reason == "WRONG_ADMIN_KEY"


# -- the client's arguments (no server) ----------------------------------------------------


def test_header_mode_metadata_is_unchanged():
    c = JobpayClient("127.0.0.1:1", 7, "key")  # positional, as before
    try:
        assert c.caller_auth == "header"
        assert c._caller_metadata() == [("profile_id", "7")]
        assert c._admin_metadata() == [("authorization", "Bearer key")]
        assert c.with_profile(8)._caller_metadata() == [("profile_id", "8")]
    finally:
        c.close()


def test_jwt_mode_metadata():
    c = JobpayClient("127.0.0.1:1", token="a.b.c", admin_key="key")
    try:
        assert c.caller_auth == "jwt"
        assert c._caller_metadata() == [("authorization", "Bearer a.b.c")]
        assert c._admin_metadata() == [("x-admin-key", "key")]
        assert c.with_token(lambda: "d.e.f")._caller_metadata() == [("authorization", "Bearer d.e.f")]
        with pytest.raises(ValueError):
            c.with_profile(1)
        assert c.with_admin_key("other")._admin_metadata() == [("x-admin-key", "other")]
        # A header-mode client switched to a token is in JWT mode.
        h = JobpayClient("127.0.0.1:1", admin_key="key").with_token("g.h.i")
        assert h._admin_metadata() == [("x-admin-key", "key")]
        assert h._caller_metadata() == [("authorization", "Bearer g.h.i")]
    finally:
        c.close()


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"token": "a.b.c", "profile_id": 1}, ValueError),
        ({"token": "a.b.c", "caller_auth": "header"}, ValueError),
        ({"profile_id": 1, "caller_auth": "jwt"}, ValueError),
        ({"caller_auth": "oauth"}, ValueError),
        ({"token": ""}, ValueError),
        ({"token": 42}, TypeError),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        JobpayClient("127.0.0.1:1", **kwargs)


def test_bad_token_function_result():
    c = JobpayClient("127.0.0.1:1", token=lambda: None)
    try:
        with pytest.raises(TypeError):
            c._caller_metadata()
    finally:
        c.close()


def test_deposit_names_the_token_subject(jwt_server):
    from jobpay_client.client import _token_subject

    assert _token_subject(jwt_server.token(42)) == 42
    for unreadable in ("a.b.c", "opaque", jwt_server.token("x"), jwt_server.token(0)):
        assert _token_subject(unreadable) is None
