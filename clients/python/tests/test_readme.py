"""The session of clients/python/README.md runs as documented: against its
own fresh demo server (the session moves money of demo profiles), with the
printed output compared line by line with the README's Output block."""

import contextlib
import io
import os
import re

import pytest

from conftest import SDK_ROOT, start_server, stop_server

README = SDK_ROOT / "README.md"


def _blocks(text, lang):
    return [m.group(1) for m in re.finditer(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)]


@pytest.fixture
def fresh_server(tmp_path):
    srv = start_server(tmp_path)
    try:
        yield srv
    finally:
        stop_server(srv)


def test_readme_session(fresh_server, monkeypatch):
    text = README.read_text()
    session = next(b for b in _blocks(text, "python") if "JobpayClient(TARGET" in b)
    expected = _blocks(text[text.index(session):], "text")[0]
    code = session.replace('"127.0.0.1:50051"', repr(fresh_server.target))
    monkeypatch.setitem(os.environ, "JOBPAY_ADMIN_KEY", fresh_server.admin_key)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "readme_session"})
    assert out.getvalue().splitlines() == expected.splitlines()
