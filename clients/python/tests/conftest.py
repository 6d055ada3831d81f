"""Fixtures: one live jobpay server (``serve --demo``) for the whole session,
and, for the JWT tests, one more in JWT mode (``--caller-auth jwt`` with an
HS256 secret file; tokens are minted with :func:`mint_hs256`).

The server binary is ``$JOBPAY_BIN``, else ``target/debug/jobpay`` of the
repository (build it first: ``cargo build --bin jobpay``); the feed tests'
simulated upstream is ``$JOBPAY_FEED_SIM_BIN``, else ``jobpay-feed-sim``
beside the server binary (``cargo build --bin jobpay-feed-sim``). It gets a free
port and a fresh SQLite database in a temp dir; the demo admin key is parsed
from its stdout, and the fixture waits for grpc.health.v1 SERVING.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import pathlib
import queue
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, Optional, Sequence

import grpc
import pytest

HERE = pathlib.Path(__file__).resolve().parent
SDK_ROOT = HERE.parent
REPO_ROOT = SDK_ROOT.parent.parent
if str(SDK_ROOT) not in sys.path:  # run from anywhere without installing
    sys.path.insert(0, str(SDK_ROOT))

from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

from jobpay_client import JobpayClient, ProfileType  # noqa: E402

START_TIMEOUT = float(os.environ.get("JOBPAY_START_TIMEOUT", "60"))


@dataclass
class Server:
    target: str
    admin_key: str
    process: subprocess.Popen
    log_path: pathlib.Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("JOBPAY_BIN") or REPO_ROOT / "target" / "debug" / "jobpay")
    if not path.is_file():
        pytest.exit(
            f"jobpay binary not found at {path}: run `cargo build --bin jobpay` "
            "or set JOBPAY_BIN",
            returncode=2,
        )
    return path


def _feed_sim_binary() -> pathlib.Path:
    """The simulated upstream tool, a binary of its own beside the server."""
    path = pathlib.Path(os.environ.get("JOBPAY_FEED_SIM_BIN") or _binary().with_name("jobpay-feed-sim"))
    if not path.is_file():
        pytest.exit(
            f"jobpay-feed-sim binary not found at {path}: run "
            "`cargo build --bin jobpay-feed-sim` or set JOBPAY_FEED_SIM_BIN",
            returncode=2,
        )
    return path


def _wait_serving(target: str, deadline: float) -> None:
    channel = grpc.insecure_channel(target)
    try:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{target} did not report SERVING in time")
            time.sleep(0.05)
    finally:
        channel.close()


def start_server(workdir: pathlib.Path, extra_args: Sequence[str] = ()) -> Server:
    """Starts ``jobpay serve --demo`` (plus ``extra_args``) on a free port;
    returns when SERVING."""
    binary = _binary()
    last_error = None
    for attempt in range(3):  # a port picked free can be taken meanwhile
        port = _free_port()
        db = workdir / f"jobpay-{attempt}.db"
        log_path = workdir / f"server-{attempt}.log"
        env = dict(os.environ)
        for name in ("JOBPAY_ADMIN_KEY_SHA256", "JOBPAY_DATABASE_URL", "DATABASE_URL"):
            env.pop(name, None)
        for name in list(env):  # the mode and the feed are what the arguments say
            if name == "JOBPAY_CALLER_AUTH" or name.startswith(("JOBPAY_JWT_", "JOBPAY_FEED_")):
                env.pop(name)
        env.setdefault("JOBPAY_LOG_LEVEL", "info")
        env["JOBPAY_LOG_FORMAT"] = "text"
        log_file = open(log_path, "wb")
        process = subprocess.Popen(
            [
                str(binary), "serve", "--demo",
                "--listen", f"127.0.0.1:{port}",
                "--database-url", f"sqlite://{db}?mode=rwc",
                *extra_args,
            ],
            stdout=subprocess.PIPE,
            stderr=log_file,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        log_file.close()
        deadline = time.monotonic() + START_TIMEOUT
        found = read_stdout(process, {
            "admin_key": r"demo admin key \(shown once\): (\S+)",
            "address": r"jobpay listening on (\S+)",
        }, deadline)
        if len(found) < 2:
            last_error = failed_start("server", process, log_path)
            continue
        _wait_serving(found["address"], deadline)
        return Server(found["address"], found["admin_key"], process, log_path)
    raise RuntimeError(last_error)


def read_stdout(process: subprocess.Popen, patterns: Dict[str, str],
                deadline: float) -> Dict[str, str]:
    """Reads the process's stdout (in a thread, so the deadline holds) until
    every pattern has matched a line, the process closes it, or the deadline
    passes; returns each matched pattern's first group by name."""
    lines: "queue.Queue[str | None]" = queue.Queue()

    def pump(stream=process.stdout, sink=lines):
        for raw in stream:
            sink.put(raw.decode(errors="replace"))
        sink.put(None)

    threading.Thread(target=pump, daemon=True).start()
    found: Dict[str, str] = {}
    while len(found) < len(patterns):
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        for name, pattern in patterns.items():
            m = re.search(pattern, line)
            if m and name not in found:
                found[name] = m.group(1)
    return found


def failed_start(what: str, process: subprocess.Popen, log_path: pathlib.Path) -> str:
    """Kills a process that did not start; returns why, with its log's tail."""
    process.kill()
    process.wait()
    return (
        f"{what} did not start (exit {process.returncode}); log:\n"
        + "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
    )


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stop_server(server: Server) -> None:
    stop_process(server.process)


@pytest.fixture(scope="session")
def server():
    with tempfile.TemporaryDirectory(prefix="jobpay-sdk-tests-") as tmp:
        srv = start_server(pathlib.Path(tmp))
        try:
            yield srv
        finally:
            stop_server(srv)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint_hs256(secret: bytes, claims: dict, header: Optional[dict] = None) -> str:
    """A compact HS256 JWT of ``claims`` (standard library only)."""
    head = {"alg": "HS256", "typ": "JWT", **(header or {})}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (head, claims)
    )
    signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


@dataclass
class JwtServer:
    """A server in JWT mode and what its tokens need."""

    server: Server
    secret: bytes
    issuer: str
    audience: str

    @property
    def target(self) -> str:
        return self.server.target

    @property
    def admin_key(self) -> str:
        return self.server.admin_key

    def token(self, sub, ttl: float = 300, secret: Optional[bytes] = None, **claims) -> str:
        """A token for profile ``sub`` expiring in ``ttl`` seconds (negative:
        expired); ``claims`` override or add claims (None removes one)."""
        now = int(time.time())
        body = {"sub": str(sub), "iss": self.issuer, "aud": self.audience,
                "iat": now, "exp": now + int(ttl)}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return mint_hs256(secret or self.secret, body)


@pytest.fixture(scope="session")
def jwt_server():
    """``serve --demo --caller-auth jwt`` with an HS256 secret file, an
    issuer and an audience."""
    with tempfile.TemporaryDirectory(prefix="jobpay-sdk-jwt-tests-") as tmp:
        workdir = pathlib.Path(tmp)
        secret = secrets.token_hex(32).encode("ascii")  # 64 bytes
        secret_file = workdir / "jwt-hs256"
        secret_file.write_bytes(secret)
        issuer, audience = "https://gateway.test", "jobpay"
        srv = start_server(workdir, [
            "--caller-auth", "jwt",
            "--jwt-secret-file", str(secret_file),
            "--jwt-issuer", issuer,
            "--jwt-audience", audience,
        ])
        try:
            yield JwtServer(srv, secret, issuer, audience)
        finally:
            stop_server(srv)


@pytest.fixture(scope="session")
def admin(server) -> JobpayClient:
    """A client with the admin key and no profile."""
    client = JobpayClient(server.target, admin_key=server.admin_key, initial_backoff=0.01)
    yield client
    client.close()


@pytest.fixture
def client_factory(server):
    """``client_factory(profile_id, **kwargs)``: clients closed after the test."""
    made = []

    def make(profile_id=None, **kwargs):
        kwargs.setdefault("initial_backoff", 0.01)
        c = JobpayClient(server.target, profile_id=profile_id, **kwargs)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


_names = itertools.count(1)


@dataclass
class World:
    """A fresh client and contractor with an IN_PROGRESS contract between
    them, so that a test does not depend on what other tests did."""

    client: JobpayClient
    contractor: JobpayClient
    contract_id: int

    def fund(self, amount) -> Decimal:
        """Deposits ``amount`` into the client's balance: first adds an
        outstanding job of 4x the amount, so the deposit limit allows it."""
        amount = Decimal(amount)
        self.client.create_job(self.contract_id, "funding", amount * 4)
        return self.client.deposit(amount)


@pytest.fixture
def world(admin, client_factory) -> World:
    n = next(_names)
    tag = uuid.uuid4().hex[:6]
    cl = admin.create_profile(f"Client{n}", tag, "Buyer", ProfileType.CLIENT)
    co = admin.create_profile(f"Contractor{n}", tag, "Builder", ProfileType.CONTRACTOR)
    client = client_factory(cl.id)
    contractor = client_factory(co.id)
    contract = client.create_contract(co.id, f"terms {tag}")
    contractor.start_contract(contract.id)
    return World(client, contractor, contract.id)
