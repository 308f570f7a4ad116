"""The Unix socket server: frames in, one dispatch per request, frames out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from daemon import protocol
from daemon.dispatch import dispatch
from daemon.errors import OperationError
from daemon.protocol import ErrorCode, ProtocolError
from daemon.state import DaemonState

log = logging.getLogger(__name__)

SO_PEERCRED = getattr(socket, "SO_PEERCRED", None)


# Both read from the environment when the server is made, not when this module is imported.


def frame_timeout() -> float:
    """Seconds in which a frame, once its first byte is in, must be whole: a client that
    sends half a frame and stalls is told so and hung up on, not held forever."""
    return float(os.environ.get("CASEYOS_FRAME_TIMEOUT", "10"))


def max_connections() -> int:
    """Past this many connections, a new one closes the longest-idle connection (not one in
    the middle of a frame or a request, and never an event subscription), so a client of
    this user can always get in."""
    return int(os.environ.get("CASEYOS_MAX_CONNECTIONS", "256"))


@dataclass(eq=False)
class Connection:
    writer: asyncio.StreamWriter
    task: asyncio.Task[Any]
    # Reading or answering a frame; a connection that is busy is never closed to make room.
    busy: bool = False
    subscribed: bool = False
    idle_since: float = field(default_factory=time.monotonic)


def peer_uid(sock: socket.socket | None) -> int | None:
    """The connecting process's uid, where the platform tells us (Linux)."""
    if sock is None or SO_PEERCRED is None:
        return None
    creds = sock.getsockopt(socket.SOL_SOCKET, SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


class Server:
    def __init__(self, state: DaemonState):
        self.state = state
        self._server: asyncio.AbstractServer | None = None
        self._connections: dict[asyncio.Task[Any], Connection] = {}
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.frame_timeout = frame_timeout()
        self.max_connections = max_connections()

    async def start(self, path: str) -> None:
        old = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._on_connect, path=path)
        finally:
            os.umask(old)
        os.chmod(path, 0o600)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop accepting, let running operations finish (bounded), close connections."""
        if self._server is not None:
            self._server.close()
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            log.warning("stopping with %d operations still running", self._inflight)
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    def _make_room(self) -> None:
        """At the cap, close the connection idle the longest (none busy, no subscription)."""
        if len(self._connections) < self.max_connections:
            return
        idle = [c for c in self._connections.values() if not c.busy and not c.subscribed]
        if not idle:
            log.warning("%d connections, none idle: over the cap", len(self._connections))
            return
        oldest = min(idle, key=lambda c: c.idle_since)
        log.info(
            "at %d connections: closing one idle since %.0fs",
            self.max_connections,
            time.monotonic() - oldest.idle_since,
        )
        oldest.writer.close()
        oldest.task.cancel()

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._make_room()
        conn = Connection(writer, task)
        self._connections[task] = conn
        try:
            await self._serve(reader, writer, conn)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._connections.pop(task, None)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _send(self, writer: asyncio.StreamWriter, obj: dict[str, Any]) -> None:
        try:
            frame = protocol.encode(obj)
        except ProtocolError as exc:
            frame = protocol.encode(
                {
                    "id": protocol.safe_id(obj.get("id")),
                    "ok": False,
                    "error": protocol.error_body(exc.code, exc.message),
                }
            )
        writer.write(frame)
        await writer.drain()

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: Connection
    ) -> None:
        uid = peer_uid(writer.get_extra_info("socket"))
        if uid is not None and uid != os.getuid():
            log.warning("refused a connection from uid %s", uid)
            await self._send(
                writer,
                _error(None, ErrorCode.UNAUTHORIZED, f"this daemon serves uid {os.getuid()} only"),
            )
            return
        while True:
            conn.busy, conn.idle_since = False, time.monotonic()
            first = await reader.readexactly(1)  # idle for as long as the client likes
            conn.busy = True
            try:
                header = first + await asyncio.wait_for(
                    reader.readexactly(protocol.HEADER.size - 1), self.frame_timeout
                )
                (length,) = protocol.HEADER.unpack(header)
                try:
                    protocol.check_length(length)
                except ProtocolError as exc:
                    # The stream cannot be resynchronised after an oversized frame: answer,
                    # hang up.
                    await self._send(writer, _error(None, exc.code, exc.message))
                    return
                body = await asyncio.wait_for(reader.readexactly(length), self.frame_timeout)
            except TimeoutError:
                message = f"the frame was not complete within {self.frame_timeout:g}s; closing"
                await self._send(writer, _error(None, ErrorCode.BAD_FRAME, message))
                return
            try:
                request = protocol.decode_body(body)
            except ProtocolError as exc:
                await self._send(writer, _error(None, exc.code, exc.message))
                continue
            req_id = request.get("id")
            if protocol.safe_id(req_id) != req_id:
                message = "a request id must be a number, text or null"
                await self._send(writer, _error(None, ErrorCode.BAD_FRAME, message))
                continue
            op = request.get("op")
            if op == "hello":
                await self._send(writer, {"id": req_id, "ok": True, "result": self.hello()})
            elif op == "events.subscribe":
                conn.subscribed = True
                await self._stream_events(request, reader, writer)
                return
            else:
                await self._send(writer, await self.handle(req_id, op, request.get("params")))

    def hello(self) -> dict[str, Any]:
        return {
            "protocol": protocol.PROTOCOL_VERSION,
            "version": self.state.version,
            "pid": os.getpid(),
            "boot_id": self.state.boot_id,
        }

    async def handle(self, req_id: Any, op: Any, params: Any) -> dict[str, Any]:
        self._inflight += 1
        self._idle.clear()
        try:
            result = await dispatch(self.state, op, params)
            return {"id": req_id, "ok": True, "result": result}
        except OperationError as exc:
            return _error(req_id, exc.code, exc.message, field=exc.field)
        except Exception:
            ref = uuid.uuid4().hex[:10]
            log.exception("operation %s failed (ref %s)", op, ref)
            return _error(
                req_id,
                ErrorCode.INTERNAL,
                f"internal error in {op} (ref {ref}); details are in `caseyos daemon logs`",
                ref=ref,
            )
        finally:
            self.state.requests_served += 1
            self._inflight -= 1
            if self._inflight == 0:
                self._idle.set()

    async def _stream_events(
        self, request: dict[str, Any], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        params = request.get("params") or {}
        since = params.get("since") if isinstance(params, dict) else None
        if since is not None and not isinstance(since, int):
            await self._send(
                writer,
                _error(
                    request.get("id"),
                    ErrorCode.INVALID_PARAMS,
                    "since: must be an integer event id",
                    field="since",
                ),
            )
            return
        queue = self.state.bus.subscribe(since)
        await self._send(
            writer,
            {
                "id": request.get("id"),
                "ok": True,
                "result": {"last_id": self.state.bus.last_id, "boot_id": self.state.boot_id},
            },
        )
        # The client closing its end is how a subscription ends.
        closed = asyncio.create_task(reader.read())
        try:
            while True:
                getter = asyncio.create_task(queue.get())
                done, _ = await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
                if closed in done:
                    getter.cancel()
                    return
                event = getter.result()
                if event is None:
                    return
                await self._send(writer, event.wire())
        finally:
            closed.cancel()
            self.state.bus.unsubscribe(queue)


def _error(
    req_id: Any, code: str, message: str, *, field: str | None = None, ref: str | None = None
) -> dict[str, Any]:
    return {
        "id": req_id,
        "ok": False,
        "error": protocol.error_body(code, message, field=field, ref=ref),
    }
