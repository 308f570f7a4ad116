"""A real HTTP server on 127.0.0.1 for the vendor fakes, with faults on demand.

A fake is a `FakeServer` with routes: `route("GET", r"/crm/v3/objects/contacts/(\\d+)", fn)`;
`fn(request, *groups)` returns `(status, body)` or `(status, body, headers)`, where a body
that is not bytes or str is sent as JSON. Tests script trouble with `fail(...)`: the next
matching requests answer a status (429 with Retry-After, 500), garbage, a slow reply or a
dropped connection, then the fake behaves again. Every request is logged (`requests`), with
the bearer token kept out of the log so a test can scan it for secrets.

The server runs in a thread of the test process (the daemon under test is a subprocess), or
as its own process for the benchmarks (`python -m tests.fakes.<vendor>`), so its CPU time
is measured apart from CaseyOS's.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, Any] | tuple[int, Any, dict[str, str]]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    token: str | None = None

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body.decode()).items()}


@dataclass
class Fault:
    """What the next `times` requests matching `method` and `path` (a regex) get instead."""

    path: str = ".*"
    method: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    garbage: bool = False  # a 200 whose body is not JSON
    delay: float = 0.0  # seconds before answering (then answers normally unless status set)
    drop: bool = False  # close the connection without a reply
    times: int = 1


Handler = Callable[..., Reply]


class FakeServer:
    """Routes plus faults plus a request log, served on an ephemeral port."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        # Bearer tokens the fake accepts; None accepts any (routes may check themselves).
        self.tokens: set[str] | None = None
        self.lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up ---------------------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def fail(self, **kwargs: Any) -> Fault:
        fault = Fault(**kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start the fake first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self, port: int = 0) -> FakeServer:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                fake._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.daemon_threads = True
        # A short poll interval: stopping the fake (every test's teardown) waits one out.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self, port: int) -> None:
        """Run in the foreground (the benchmark's separate process)."""
        self.start(port)
        print(self.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.stop()

    # -- serving --------------------------------------------------------------------------

    def count(self, method: str | None = None, path: str = ".*") -> int:
        rx = re.compile(path)
        with self.lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r.method == method) and rx.search(r.path)
            )

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if (fault.method in (None, method)) and re.search(fault.path, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parsed = urllib.parse.urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        auth = h.headers.get("Authorization") or ""
        token = auth[7:] if auth.startswith("Bearer ") else None
        headers = {k: v for k, v in h.headers.items() if k.lower() != "authorization"}
        request = Request(
            h.command,
            parsed.path,
            urllib.parse.parse_qs(parsed.query, keep_blank_values=True),
            headers,
            body,
            token,
        )
        with self.lock:
            self.requests.append(request)
        fault = self._take_fault(h.command, parsed.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                h.close_connection = True
                h.connection.shutdown(2)
                return
            if fault.garbage:
                self._send(h, 200, b"<html>upstream hiccup</html>", {"Content-Type": "text/html"})
                return
            if fault.status is not None:
                self._send(h, fault.status, fault.body or {"message": "fault"}, fault.headers)
                return
        if self.tokens is not None and token not in self.tokens and not _open(parsed.path):
            self._send(h, 401, {"message": "invalid or expired token", "status": "error"})
            return
        for method, rx, handler in self._routes:
            m = rx.match(parsed.path)
            if m and method == h.command:
                try:
                    reply = handler(request, *m.groups())
                except Exception as exc:  # a bug in a fake should be loud in the test
                    self._send(h, 599, {"message": f"fake crashed: {exc!r}"})
                    raise
                self._send(h, *reply)
                return
        self._send(h, 404, {"message": f"no route for {h.command} {parsed.path}"})

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        headers = dict(headers or {})
        if isinstance(body, str):
            data = body.encode()
        elif isinstance(body, bytes):
            data = body
        else:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json; charset=UTF-8")
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)


# Paths a client reaches without a bearer token (OAuth endpoints authenticate in the body).
_OPEN = re.compile(r"/(token|revoke|authorize|o/oauth2/.*|oauth/v1/token)$")


def _open(path: str) -> bool:
    return bool(_OPEN.search(path))
