#!/usr/bin/env python3
"""Runs the `buf curl` and `curl` (HTTP/JSON) examples of README.md and of the
docs pages with examples against a fresh demo server and compares what they
print with the documented output, so that the documentation cannot drift
from the service.

The pages are README.md and every docs/**/*.md holding the markers below
(docs/walkthrough.md, docs/feed.md, docs/http.md, ...), or the pages named on
the command line. In each page the examples are the ```sh blocks between
`<!-- examples:begin -->` and `<!-- examples:end -->`, each followed by a
```json block with the expected output. A page is one session: its examples
run top to bottom, in one bash each, against one server of its own started
with `serve --demo` on a free port and a fresh SQLite database:
`127.0.0.1:50051` in a command is replaced by the server's address, and
`$JOBPAY_ADMIN_KEY` is the admin key the server printed. `buf` is taken from
target/tools/node (scripts/setup-tools.sh node).

The comparison is structural (JSON values, key order ignored):
- the expected string "<timestamp>" matches any RFC 3339 timestamp;
- an error (buf curl exits non-zero and prints the error JSON on stderr) is
  compared like a response; its `details` values (base64 protobuf of
  google.rpc.ErrorInfo / BadRequest / ...) are decoded on both sides and
  compared as messages, since map fields such as ErrorInfo.metadata have no
  fixed wire order.
Every RPC of every service in proto/jobpay/v1 must have an example on one of
the pages.

Usage: check_readme_examples.py [PAGE.md ...] [--bin target/debug/jobpay]
                                [--show]   (print the actual outputs)
Exit status: 0 when every example matches; 1 otherwise (with a diff).
"""

from __future__ import annotations

import argparse
import base64
import difflib
import json
import os
import pathlib
import queue
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- examples:begin -->", "<!-- examples:end -->"
DOC_ADDRESS = "127.0.0.1:50051"
TIMESTAMP = "<timestamp>"
RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


# -- examples -----------------------------------------------------------------


class Example:
    def __init__(self, page: str, index: int, line: int, command: str, expected_text: str):
        self.page, self.index, self.line = page, index, line
        self.command, self.expected_text = command, expected_text

    @property
    def title(self) -> str:
        m = re.search(r"/(jobpay\.v1\.\w+/\w+)", self.command)
        return f"example {self.index} ({self.page} line {self.line}){': ' + m.group(1) if m else ''}"


def default_pages() -> list[pathlib.Path]:
    """README.md, then every page under docs/ that has examples."""
    docs = sorted(p for p in (ROOT / "docs").rglob("*.md") if BEGIN in p.read_text())
    return [ROOT / "README.md", *docs]


def page_name(page: pathlib.Path) -> str:
    try:
        return str(page.resolve().relative_to(ROOT))
    except ValueError:
        return str(page)


def parse_examples(readme: pathlib.Path) -> list[Example]:
    text = readme.read_text()
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        sys.exit(f"{readme}: expected one {BEGIN} and one {END}")
    start = text.index(BEGIN) + len(BEGIN)
    region = text[start : text.index(END)]
    first_line = text[:start].count("\n") + 1
    fence = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
    blocks = [
        (m.group(1), m.group(2), first_line + region[: m.start()].count("\n"))
        for m in fence.finditer(region)
    ]
    examples, i = [], 0
    while i < len(blocks):
        lang, body, line = blocks[i]
        if lang in ("sh", "bash", "shell") and ("buf curl" in body or body.lstrip().startswith("curl ")):
            if i + 1 >= len(blocks) or blocks[i + 1][0] != "json":
                sys.exit(f"{readme}:{line}: a buf curl example must be followed by a ```json block")
            examples.append(Example(page_name(readme), len(examples) + 1, line, body,
                                    blocks[i + 1][1]))
            i += 2
        else:
            i += 1
    if not examples:
        sys.exit(f"{readme}: no examples between the markers")
    return examples


def proto_methods() -> list[str]:
    methods = []
    for path in sorted((ROOT / "proto" / "jobpay" / "v1").glob("*.proto")):
        text = path.read_text()
        package = re.search(r"^package\s+([\w.]+);", text, re.M).group(1)
        for service in re.finditer(r"^service\s+(\w+)\s*\{(.*?)^\}", text, re.M | re.S):
            for rpc in re.finditer(r"^\s*rpc\s+(\w+)\s*\(", service.group(2), re.M):
                methods.append(f"{package}.{service.group(1)}/{rpc.group(1)}")
    return methods


# -- server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary: pathlib.Path, workdir: pathlib.Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("JOBPAY_ADMIN_KEY_SHA256", "JOBPAY_DATABASE_URL", "DATABASE_URL")}
    log = open(workdir / "server.log", "wb")
    proc = subprocess.Popen(
        [str(binary), "serve", "--demo", "--listen", f"127.0.0.1:{port}",
         "--database-url", f"sqlite://{workdir / 'readme.db'}?mode=rwc"],
        stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, env=env,
    )
    log.close()
    lines: queue.Queue = queue.Queue()

    def pump():
        for raw in proc.stdout:
            lines.put(raw.decode(errors="replace"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    key = address = None
    deadline = time.monotonic() + 60
    while address is None:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            proc.kill()
            proc.wait()
            tail = (workdir / "server.log").read_text(errors="replace")[-3000:]
            sys.exit(f"the server did not start (exit {proc.returncode}):\n{tail}")
        m = re.search(r"demo admin key \(shown once\): (\S+)", line)
        key = m.group(1) if m else key
        m = re.search(r"jobpay listening on (\S+)", line)
        address = m.group(1) if m else None
    if key is None:
        proc.kill()
        sys.exit("the server printed no demo admin key")
    wait_ready(address, key, deadline)
    return proc, address, key


def wait_ready(address: str, key: str, deadline: float) -> None:
    """Until the server is SERVING: it listens at once, but answers
    UNAVAILABLE until it has migrated and loaded the demo data. Asks a
    read-only admin call over HTTP/JSON (503 while not serving)."""
    request = urllib.request.Request(
        f"http://{address}/jobpay.v1.AdminService/GetFeedStatus", data=b"{}", method="POST",
        headers={"content-type": "application/json", "authorization": f"Bearer {key}"})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:  # refused, reset, or an HTTP error status (503)
            if time.monotonic() > deadline:
                sys.exit(f"{address} is not SERVING")
            time.sleep(0.05)


def stop_server(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- comparison ---------------------------------------------------------------------


def decode_detail(type_name: str, value: str):
    """The detail message as a dict, or None when it cannot be decoded."""
    try:
        from google.protobuf import json_format, symbol_database
        from google.rpc import error_details_pb2  # noqa: F401  (registers the types)

        cls = symbol_database.Default().GetSymbol(type_name)
        std = value.replace("-", "+").replace("_", "/")  # either alphabet, padded or not
        raw = base64.b64decode(std + "=" * (-len(std) % 4))
        msg = cls.FromString(raw)
        return json_format.MessageToDict(msg)
    except Exception:
        return None


def normalize(expected, actual):
    """``actual`` rewritten so that it prints like ``expected`` wherever they
    match by the rules above (placeholders, decoded details). The two are then
    equal exactly when the example matches, and their diff shows the rest."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if ("type" in expected and "value" in expected and "type" in actual
                and "value" in actual and expected["type"] == actual["type"]
                and isinstance(expected["value"], str) and isinstance(actual["value"], str)):
            exp_d = decode_detail(expected["type"], expected["value"])
            act_d = decode_detail(actual["type"], actual["value"])
            if exp_d is not None and exp_d == act_d:
                return dict(actual, value=expected["value"])
            if act_d is not None:
                return dict(actual, value=actual["value"], decoded=act_d,
                            **({"expected_decoded": exp_d} if exp_d is not None else {}))
        return {k: normalize(expected[k], v) if k in expected else v for k, v in actual.items()}
    if isinstance(expected, list) and isinstance(actual, list):
        return [normalize(e, a) for e, a in zip(expected, actual)] + actual[len(expected):]
    if expected == TIMESTAMP and isinstance(actual, str) and RFC3339.match(actual):
        return TIMESTAMP
    return actual


def placeholders(value):
    """``value`` with every RFC 3339 string replaced by the placeholder (for --show)."""
    if isinstance(value, dict):
        return {k: placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [placeholders(v) for v in value]
    if isinstance(value, str) and RFC3339.match(value):
        return TIMESTAMP
    return value


def pretty(value) -> list[str]:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


# -- main -------------------------------------------------------------------------------


def run_page(examples: list[Example], binary: pathlib.Path, buf_dir: pathlib.Path,
             show: bool) -> list[str]:
    """Runs one page's examples against a server of its own; the failures."""
    failures = []
    with tempfile.TemporaryDirectory(prefix="jobpay-readme-") as tmp:
        proc, address, key = start_server(binary, pathlib.Path(tmp))
        env = dict(os.environ, JOBPAY_ADMIN_KEY=key,
                   PATH=f"{buf_dir}{os.pathsep}{os.environ.get('PATH', '')}")
        try:
            for ex in examples:
                command = ex.command.replace(DOC_ADDRESS, address)
                try:
                    run = subprocess.run(["bash", "-c", command], env=env, capture_output=True,
                                         text=True, timeout=60, stdin=subprocess.DEVNULL)
                except subprocess.TimeoutExpired:
                    failures.append(f"{ex.title}: timed out")
                    continue
                printed = run.stdout if run.returncode == 0 else run.stderr
                try:
                    actual = json.loads(printed)
                except ValueError:
                    failures.append(f"{ex.title}: exit {run.returncode}, output is not JSON:\n"
                                    f"{run.stdout}{run.stderr}")
                    continue
                if show:
                    print(f"--- {ex.title} (exit {run.returncode})")
                    print(json.dumps(placeholders(actual), indent=2, ensure_ascii=False))
                try:
                    expected = json.loads(ex.expected_text)
                except ValueError as e:
                    failures.append(f"{ex.title}: the expected output is not JSON: {e}")
                    continue
                got = normalize(expected, actual)
                if got != expected:
                    diff = "\n".join(difflib.unified_diff(
                        pretty(expected), pretty(got), f"expected ({ex.page})", "actual",
                        lineterm=""))
                    failures.append(f"{ex.title}: output differs (exit {run.returncode})\n"
                                    f"$ {ex.command.strip()}\n{diff}")
        finally:
            stop_server(proc)
    return failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pages", nargs="*", type=pathlib.Path,
                    help="pages to check (default: README.md and the docs pages with examples)")
    ap.add_argument("--bin", type=pathlib.Path,
                    default=pathlib.Path(os.environ.get("JOBPAY_BIN") or ROOT / "target/debug/jobpay"))
    ap.add_argument("--show", action="store_true", help="print every actual output")
    args = ap.parse_args()

    pages = args.pages or default_pages()
    sessions = [(page, parse_examples(page)) for page in pages]
    everything = [ex for _, examples in sessions for ex in examples]
    # Every method somewhere, when every page is checked.
    missing = [] if args.pages else [
        m for m in proto_methods() if not any(f"/{m}" in ex.command for ex in everything)]
    buf_dir = ROOT / "target/tools/node/node_modules/.bin"
    if not (buf_dir / "buf").exists():
        sys.exit(f"{buf_dir}/buf not found: run scripts/setup-tools.sh node")
    if not args.bin.is_file():
        sys.exit(f"{args.bin} not found: run cargo build --bin jobpay (or set JOBPAY_BIN)")

    failures = []
    for page, examples in sessions:
        page_failures = run_page(examples, args.bin, buf_dir, args.show)
        failures += page_failures
        print(f"{page_name(page)}: {len(examples) - len(page_failures)} of {len(examples)} "
              f"example(s) match")

    for m in missing:
        failures.append(f"no example calls {m}")
    for f in failures:
        print(f"FAIL {f}\n")
    print(f"readme and docs examples: {len(everything) - sum(f.startswith('example') for f in failures)} of "
          f"{len(everything)} match on {len(sessions)} page(s); "
          f"{len(missing)} method(s) without an example")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
