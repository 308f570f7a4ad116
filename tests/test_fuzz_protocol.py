"""Random and mutated frames, and random params for every operation, against one daemon.

Whatever arrives, the daemon answers with a typed reply in strict JSON (no traceback text),
keeps serving, and leaves its database whole. Bounded for CI: a fixed number of examples,
derandomized (the same inputs every run), no deadline, no example database.

Operations left out of the params fuzz, and why:
  system.stop   stops the daemon the rest of the run needs;
  demo.load     starts a long job that rebuilds a workspace;
  import.file   starts a long job that reads files from the local disk;
  agents.run    starts an agent run job;
  workspace.use switches (and may create) the active workspace, moving the database
                this test checks;
  jobs.wait     waits up to its timeout by design.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon import paths, protocol
from daemon.protocol import ErrorCode
from daemon.registry import load_operations
from daemon.tools import input_schema
from tests.conftest import DaemonProcess

EXCLUDED = {"system.stop", "demo.load", "import.file", "agents.run", "workspace.use", "jobs.wait"}
KNOWN_CODES = {v for k, v in vars(ErrorCode).items() if k.isupper()}
OPERATIONS = sorted(name for name in load_operations() if name not in EXCLUDED)
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


class Fuzzed:
    def __init__(self, daemon: DaemonProcess, sock: Path, home: Path):
        self.daemon, self.sock, self.home = daemon, sock, home
        self.conn = self.connect()
        self.next_id = 1000
        self.codes: dict[str, int] = {}

    def connect(self) -> socket.socket:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(str(self.sock))
        return s

    def exchange(self, body: bytes) -> dict[str, Any]:
        """Send one frame, read the reply, and check it is a typed reply in strict JSON."""
        try:
            self.conn.sendall(struct.pack(">I", len(body)) + body)
            (length,) = struct.unpack(">I", _exact(self.conn, 4))
            data = _exact(self.conn, length)
        except BaseException:
            # Later examples get a fresh connection, so each failure is reported on its own.
            self.conn.close()
            self.conn = self.connect()
            raise
        self.codes[_code(data)] = self.codes.get(_code(data), 0) + 1
        text = data.decode("utf-8")
        assert "Traceback" not in text and 'File "' not in text, text[:500]
        reply = json.loads(text, parse_constant=_not_json)
        assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), reply
        if not reply["ok"]:
            assert reply["error"]["code"] in KNOWN_CODES, reply
            assert reply["error"]["code"] != ErrorCode.INTERNAL, reply
        return reply


def _exact(s: socket.socket, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = s.recv(n - len(data))
        assert chunk, "the daemon closed the connection instead of answering"
        data += chunk
    return bytes(data)


def _code(data: bytes) -> str:
    reply = json.loads(data)
    return "ok" if reply.get("ok") else str(reply.get("error", {}).get("code"))


def _not_json(name: str) -> None:
    raise AssertionError(f"a reply holds {name}, which is not JSON")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """One blank daemon for the module, in its own home (never shared with other tests)."""
    home = tmp_path_factory.mktemp("fuzz") / "home"
    (home / "data").mkdir(parents=True)
    (home / "data" / "active_workspace").write_text("main\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CASEYOS_HOME", str(home))
        mp.setenv("CASEYOS_NO_AUTOSTART", "1")
        for var in ("CASEYOS_SOCKET", "CASEYOS_NOW", "CASEYOS_DATABASE_URL"):
            mp.delenv(var, raising=False)
        d = DaemonProcess(dict(os.environ)).start()
        d.call(
            "operator.init",
            {"name": "Casey Morgan", "emails": ["casey@northwind.example"], "timezone": "UTC"},
        )
        d.call("queue.add", {"title": "a move to act on"})
        sock = paths.socket_path()
    f = Fuzzed(d, sock, home)
    try:
        yield f
    finally:
        f.conn.close()
        d.stop()


# -- values from JSON Schema ---------------------------------------------------------------

ODD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "x\udfff",
        "\u202eevil",
        "\ufeff",
        "💥",
        "e\u0301",
        "\u0000\u0000",
        "'; DROP TABLE moves; --",
        "%s%n",
        "../../etc/passwd",
        "a" * 300,
    ]
)
TEXT = st.one_of(st.text(max_size=20), ODD_TEXT)
BIG_INTS = st.sampled_from([2**63, 2**63 - 1, -(2**63), -(2**63) - 1, 2**64, 10**30, -1, 0])
ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Mostly values of the schema's shape, now and then anything at all."""
    shaped = _shaped(schema)
    return st.one_of(shaped, shaped, shaped, shaped, shaped, shaped, shaped, ANY_JSON)


def _shaped(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | TEXT
    if "const" in schema:
        return st.just(schema["const"])
    if "anyOf" in schema:
        return st.one_of([from_schema(s) for s in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "string":
        return TEXT
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        return st.integers(low, high) | st.integers() | BIG_INTS
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False) | st.integers()
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {})), max_size=4)
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = st.fixed_dictionaries(
            {k: from_schema(v) for k, v in props.items() if k in required},
            optional={k: from_schema(v) for k, v in props.items() if k not in required},
        )
        extra = st.tuples(fields, TEXT, ANY_JSON).map(lambda t: {**t[0], t[1]: t[2]})
        return st.one_of(fields, fields, fields, extra)
    return ANY_JSON


def requests() -> st.SearchStrategy[tuple[str, Any]]:
    ops = load_operations()
    return st.one_of(
        [st.tuples(st.just(name), _shaped(input_schema(ops[name]))) for name in OPERATIONS]
    )


# -- frames --------------------------------------------------------------------------------


def _valid_body(op: str) -> bytes:
    return json.dumps({"id": 7, "op": op, "params": {}}).encode()


@st.composite
def frames(draw: st.DrawFn) -> bytes:
    base = _valid_body(draw(st.sampled_from(OPERATIONS)))
    kind = draw(st.sampled_from(["bytes", "truncated", "garbled", "deep", "huge", "unicode"]))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    if kind == "truncated":
        return base[: draw(st.integers(0, len(base) - 1))]
    if kind == "garbled":
        at = draw(st.integers(0, len(base) - 1))
        return base[:at] + draw(st.binary(min_size=1, max_size=4)) + base[at + 1 :]
    if kind == "deep":
        depth = draw(st.sampled_from([500, 5_000, 20_000]))
        opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
        return (
            b'{"id":1,"op":"queue.today","params":{"x":'
            + opener * depth
            + b"1"
            + (closer * depth)
            + b"}}"
        )
    if kind == "huge":
        digits = b"9" * draw(st.sampled_from([4_300, 4_301, 50_000]))
        where = draw(st.sampled_from(["id", "param", "float"]))
        if where == "id":
            return b'{"id":' + digits + b',"op":"queue.today"}'
        if where == "param":
            return b'{"id":1,"op":"queue.show","params":{"id":' + digits + b"}}"
        return b'{"id":1,"op":"queue.today","params":{"limit":1e' + digits[:6] + b"}}"
    value = draw(ODD_TEXT)
    slot = draw(st.sampled_from(["id", "op", "key", "value"]))
    request: dict[str, Any] = {"id": 1, "op": "queue.add", "params": {"title": "x"}}
    if slot == "id":
        request["id"] = value
    elif slot == "op":
        request["op"] = value
    elif slot == "key":
        request["params"][value] = 1
    else:
        request["params"]["title"] = value
    return json.dumps(request).encode()  # ensure_ascii: lone surrogates go as \\uXXXX


@pytest.mark.long
def test_fuzzed_frames_and_params_get_typed_replies(fuzzed: Fuzzed) -> None:
    @FUZZ
    @given(frames())
    def any_frame(body: bytes) -> None:
        fuzzed.exchange(body)

    @FUZZ
    @given(requests())
    def any_params(request: tuple[str, Any]) -> None:
        op, params = request
        fuzzed.next_id += 1
        body = json.dumps({"id": fuzzed.next_id, "op": op, "params": params}).encode()
        reply = fuzzed.exchange(body)
        assert reply["id"] == fuzzed.next_id

    any_frame()
    any_params()

    # A frame cut short by a hang-up, on its own connection, hurts nobody.
    with fuzzed.connect() as s:
        s.sendall(struct.pack(">I", 100) + b'{"id": 1')
    hello = fuzzed.exchange(b'{"id": 1, "op": "hello"}')
    assert hello["ok"] and hello["result"]["protocol"] == protocol.PROTOCOL_VERSION
    assert fuzzed.daemon.proc is not None and fuzzed.daemon.proc.poll() is None
    db = fuzzed.home / "data" / "workspaces" / "main.sqlite3"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert fuzzed.codes.get("ok", 0) > 20, f"too few requests got through: {fuzzed.codes}"
    log = (fuzzed.home / "state" / "daemon.log").read_text()
    assert "Traceback" not in log, log[-3000:]
