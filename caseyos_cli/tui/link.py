"""The dashboard's line to the daemon: calls and one event subscription, over asyncio.

Two connections on the daemon's socket, as any client: one for requests (answers are
matched to requests by id, so the dashboard may have several in flight), and one turned
into the event stream. When the daemon goes away (stopped, restarted, crashed) the link
says so, tries again with a growing pause, and on coming back subscribes again: from the
last event it saw when the daemon is the same one (`boot_id`), or asks the dashboard to
reload everything when it is a new one (events from before a restart are gone).

Standard library and our stdlib-only protocol module only: the same as the CLI's client.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from daemon import paths, protocol
from daemon.protocol import ErrorCode, RemoteError

# How long a call may take before the dashboard gives up on it (a pass can hold the writer
# for a while; reads never wait for it).
CALL_TIMEOUT = 60.0
# Reconnect pauses: quick at first (a restart takes about a second), then every few seconds.
RETRY_PAUSES = (0.2, 0.3, 0.5, 1.0, 2.0, 3.0)


class LinkDown(Exception):
    """No daemon answers on the socket (or it went away during a call)."""


@dataclass(frozen=True)
class Hello:
    """What the daemon said when the link connected."""

    version: str
    pid: int
    boot_id: str


class _Conn:
    """One framed connection: write requests, read frames."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, path: Path) -> _Conn:
        try:
            reader, writer = await asyncio.open_unix_connection(
                str(path), limit=protocol.MAX_FRAME + protocol.HEADER.size
            )
        except (OSError, ValueError) as exc:
            raise LinkDown(f"no daemon answers on {path}: {exc}") from None
        return cls(reader, writer)

    async def send(self, frame: dict[str, Any]) -> None:
        self.writer.write(protocol.encode(frame))
        await self.writer.drain()

    async def read(self) -> dict[str, Any]:
        try:
            head = await self.reader.readexactly(protocol.HEADER.size)
            (length,) = protocol.HEADER.unpack(head)
            protocol.check_length(length)
            return protocol.decode_body(await self.reader.readexactly(length))
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise LinkDown("the daemon closed the connection") from exc

    async def hello(self) -> Hello:
        await self.send({"id": 0, "op": "hello", "params": {"protocol": protocol.PROTOCOL_VERSION}})
        reply = await asyncio.wait_for(self.read(), CALL_TIMEOUT)
        if not reply.get("ok"):
            raise RemoteError.from_wire(reply.get("error") or {})
        result = reply.get("result") or {}
        if result.get("protocol") != protocol.PROTOCOL_VERSION:
            raise RemoteError(
                ErrorCode.PROTOCOL_MISMATCH,
                f"the daemon speaks protocol {result.get('protocol')}; restart it with "
                "`caseyos daemon restart`",
            )
        return Hello(str(result.get("version")), int(result.get("pid", 0)), str(result["boot_id"]))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


EventHandler = Callable[[dict[str, Any]], Awaitable[None] | None]
StateHandler = Callable[[str, str], Awaitable[None] | None]

# Link states, as the footer shows them.
CONNECTING, LIVE, DOWN = "connecting", "live", "down"


class Link:
    """Calls and events to and from the daemon, reconnecting on its own.

    `on_event(event)` hears every event; `on_state(state, note)` hears the link going
    `live`, `down` or `connecting`, with a note for the operator; on a new daemon (a new
    `boot_id`) the note says so and `on_resync()` runs, since events were missed.
    """

    def __init__(
        self,
        on_event: EventHandler,
        on_state: StateHandler,
        on_resync: Callable[[], Awaitable[None] | None],
        path: Path | None = None,
    ) -> None:
        self.path = path or paths.socket_path()
        self.on_event = on_event
        self.on_state = on_state
        self.on_resync = on_resync
        self.hello: Hello | None = None
        self.state = CONNECTING
        self._calls: _Conn | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._reader: asyncio.Task[None] | None = None
        self._events: asyncio.Task[None] | None = None
        self._last_event: int | None = None
        self._closed = False
        self._up = asyncio.Event()

    # -- connecting ------------------------------------------------------------------------

    async def connect(self) -> Hello:
        """Connect both connections once; raises LinkDown when no daemon answers."""
        calls = await _Conn.open(self.path)
        try:
            hello = await calls.hello()
        except BaseException:
            calls.close()
            raise
        events = await _Conn.open(self.path)
        try:
            await events.hello()
            since = self._last_event if self.hello and hello.boot_id == self.hello.boot_id else None
            await events.send(
                {
                    "id": 1,
                    "op": "events.subscribe",
                    "params": {} if since is None else {"since": since},
                }
            )
            reply = await asyncio.wait_for(events.read(), CALL_TIMEOUT)
            if not reply.get("ok"):
                raise RemoteError.from_wire(reply.get("error") or {})
        except BaseException:
            calls.close()
            events.close()
            raise
        new_daemon = self.hello is not None and hello.boot_id != self.hello.boot_id
        self.hello = hello
        if new_daemon:
            self._last_event = None
        self._calls = calls
        self._reader = asyncio.create_task(self._read_answers(calls))
        self._events = asyncio.create_task(self._read_events(events))
        self._up.set()
        await self._set_state(LIVE, "daemon restarted; reloaded" if new_daemon else "")
        if new_daemon:
            await _maybe(self.on_resync())
        return hello

    async def run_forever(self) -> None:
        """Keep the link up: after it drops, try again until it is back or closed."""
        pauses = itertools.chain(RETRY_PAUSES, itertools.repeat(RETRY_PAUSES[-1]))
        while not self._closed:
            if self._up.is_set():
                await self._wait_down()
                pauses = itertools.chain(RETRY_PAUSES, itertools.repeat(RETRY_PAUSES[-1]))
                continue
            try:
                await self.connect()
            except (LinkDown, RemoteError, OSError, TimeoutError):
                await asyncio.sleep(next(pauses))

    async def _wait_down(self) -> None:
        tasks = [t for t in (self._reader, self._events) if t is not None]
        if tasks:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        self._drop("the daemon went away; reconnecting")
        await self._set_state(DOWN, "the daemon went away; reconnecting")

    def _drop(self, why: str) -> None:
        self._up.clear()
        for task in (self._reader, self._events):
            if task is not None and not task.done():
                task.cancel()
        if self._calls is not None:
            self._calls.close()
            self._calls = None
        for future in self._pending.values():
            if not future.done():
                future.set_exception(LinkDown(why))
        self._pending.clear()

    async def close(self) -> None:
        self._closed = True
        self._drop("the dashboard closed")

    async def _set_state(self, state: str, note: str) -> None:
        self.state = state
        await _maybe(self.on_state(state, note))

    # -- reading -----------------------------------------------------------------------------

    async def _read_answers(self, conn: _Conn) -> None:
        with contextlib.suppress(LinkDown, protocol.ProtocolError):
            while True:
                frame = await conn.read()
                future = self._pending.pop(frame.get("id"), None)  # type: ignore[arg-type]
                if future is not None and not future.done():
                    future.set_result(frame)

    async def _read_events(self, conn: _Conn) -> None:
        try:
            with contextlib.suppress(LinkDown, protocol.ProtocolError):
                while True:
                    frame = await conn.read()
                    event = frame.get("event")
                    if not isinstance(event, dict):
                        continue
                    if isinstance(event.get("id"), int):
                        self._last_event = event["id"]
                    await _maybe(self.on_event(event))
        finally:
            conn.close()

    # -- calling -----------------------------------------------------------------------------

    async def call(self, op: str, params: dict[str, Any] | None = None) -> Any:
        """Call an operation; its result, or RemoteError as the daemon said it, or LinkDown."""
        conn = self._calls
        if conn is None or not self._up.is_set():
            raise LinkDown("not connected to the daemon")
        req_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = future
        try:
            await conn.send({"id": req_id, "op": op, "params": params or {}})
            reply = await asyncio.wait_for(future, CALL_TIMEOUT)
        except (ConnectionError, OSError) as exc:
            raise LinkDown("the daemon went away during the call") from exc
        finally:
            self._pending.pop(req_id, None)
        if reply.get("ok"):
            return reply.get("result")
        raise RemoteError.from_wire(reply.get("error") or {})


def said(exc: BaseException) -> str:
    """What to show the operator of a failed call: the daemon's own words for a refusal
    (RemoteError's message), else the exception's."""
    return str(getattr(exc, "message", None) or exc)


async def _maybe(result: Awaitable[None] | None) -> None:
    if result is not None:
        await result
