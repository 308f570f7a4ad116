"""Gmail (API v1): the mail of the last `window_days` days, then new mail as it arrives.

First sync: the mailbox's current historyId is noted BEFORE listing, then every message
`after:` the window's start is listed (`messages.list`, newest first, 500 a page) and fetched
whole (`messages.get?format=raw`, several in flight). Each raw message is read by the same
parser the mbox import uses (`connectors.files.mbox.parse_message`), so a message is the
same record, with the same signals, whichever way it came; Gmail's threadId decides the
thread and its labelIds are the labels. Later syncs ask `history.list` for messages added
since the noted historyId; a 404 there means Gmail no longer keeps that much history, and
the window is read again (records are upserted by Message-ID, so nothing doubles).

Deleted messages are not followed: history is asked for `messageAdded` only, and a message
that is gone by the time it is fetched (404) is passed over. What was stored stays.

Cursor (JSON), one of:
  {"phase": "full", "history": H, "after": EPOCH, "page": TOKEN?, "last": ID?, "done": N}
      first sync under way: list from page TOKEN (none: the first page), after message ID
  {"phase": "history", "history": H}
      caught up to history id H
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from connectors.base import OperatorIdentity, SyncBatch
from connectors.files.mbox import ParsedMessage, parse_message
from connectors.google._common import SOURCE, GoogleConnector, dump_cursor, load_cursor, make_api
from connectors.http import Api, ApiError
from connectors.live import MINUTE, LiveContext, LiveSpec

MAILBOX = "/gmail/v1/users/me"
PAGE = 500  # messages.list's largest page
IN_FLIGHT = 10  # messages.get requests at once: well inside Gmail's per-user quota
# Mail Gmail itself sets aside: the same as messages.list leaves out by default.
_SET_ASIDE = frozenset({"SPAM", "TRASH"})


class HistoryExpired(Exception):
    """history.list answered 404: the start id is older than Gmail keeps."""


def parse_gmail(message: dict[str, Any], operator: OperatorIdentity) -> ParsedMessage:
    """A `messages.get?format=raw` answer -> the record the mbox import would make of it,
    with Gmail's threadId and labelIds in place of Takeout's X-GM-THRID and X-Gmail-Labels."""
    raw = str(message.get("raw") or "")
    data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    labels = [str(label) for label in message.get("labelIds") or []]
    return parse_message(data, operator, labels=labels, thread_id=message.get("threadId"))


class GmailConnector(GoogleConnector):
    name = "gmail"

    def __init__(
        self,
        api: Api,
        operator: OperatorIdentity,
        now: datetime,
        *,
        window_days: int = 90,
        page_size: int = PAGE,
        in_flight: int = IN_FLIGHT,
        chunk_size: int = 200,
    ):
        super().__init__(api, operator, now, page_size=page_size, chunk_size=chunk_size)
        self.window_days = window_days
        self.in_flight = in_flight

    def streams(self) -> Sequence[str]:
        return ("messages",)

    async def probe(self) -> str:
        profile = await self.api.get_json(f"{MAILBOX}/profile")
        return f"Gmail for {profile.get('emailAddress', 'the signed-in account')}"

    async def sync(self, stream: str, cursor: str | None) -> AsyncIterator[SyncBatch]:
        state = load_cursor(cursor, self.name)
        expired = False
        if state is not None and state.get("phase") == "history":
            try:
                async for batch in self._incremental(str(state["history"])):
                    yield batch
                return
            except HistoryExpired:
                expired = True
        resume = state if state is not None and state.get("phase") == "full" else None
        async for batch in self._full(resume, expired):
            yield batch

    # -- first sync ------------------------------------------------------------------------

    async def _full(self, state: dict[str, Any] | None, expired: bool) -> AsyncIterator[SyncBatch]:
        if state is None:
            # Noted before listing: what arrives while the window is read comes next time.
            profile = await self.api.get_json(f"{MAILBOX}/profile")
            since = self.now - timedelta(days=self.window_days)
            state = {"history": str(profile["historyId"]), "after": int(since.timestamp())}
        history, after = str(state["history"]), int(state["after"])
        page: str | None = state.get("page")
        last: str | None = state.get("last")
        done = int(state.get("done") or 0)
        remark = (
            f"Gmail no longer keeps the changes since the last sync; read the last "
            f"{self.window_days} days again"
            if expired
            else None
        )
        while True:
            params: dict[str, Any] = {"q": f"after:{after}", "maxResults": self.page_size}
            if page:
                params["pageToken"] = page
            listing = await self.api.get_json(f"{MAILBOX}/messages", params)
            ids = [str(m["id"]) for m in listing.get("messages") or []]
            if last in ids:
                ids = ids[ids.index(last) + 1 :]
            following = listing.get("nextPageToken")
            estimate = int(listing.get("resultSizeEstimate") or 0)
            if not ids and following:
                page, last = following, None
                continue
            for chunk, final in _cut(ids, self.chunk_size):
                batch = await self._fetch(chunk)
                done += len(chunk)
                batch.done, batch.total = done, max(done, estimate)
                if not final:
                    position = {"page": page, "last": chunk[-1]}
                elif following:
                    position = {"page": following, "last": None}
                else:
                    position = {}
                if position:
                    batch.cursor = dump_cursor(
                        {"phase": "full", "history": history, "after": after, "done": done}
                        | position
                    )
                else:
                    batch.cursor = dump_cursor({"phase": "history", "history": history})
                if remark:
                    batch.remarks.append(remark)
                    remark = None
                yield batch
            if not following:
                if not ids:
                    empty = SyncBatch(source=SOURCE, done=done, total=done)
                    empty.cursor = dump_cursor({"phase": "history", "history": history})
                    empty.remarks += [remark] if remark else []
                    yield empty
                return
            page, last = following, None

    # -- later syncs -----------------------------------------------------------------------

    async def _incremental(self, start: str) -> AsyncIterator[SyncBatch]:
        page: str | None = None
        done = 0
        seen: set[str] = set()
        while True:
            params: dict[str, Any] = {
                "startHistoryId": start,
                "historyTypes": "messageAdded",
                "maxResults": self.page_size,
            }
            if page:
                params["pageToken"] = page
            try:
                answer = await self.api.get_json(f"{MAILBOX}/history", params)
            except ApiError as exc:
                if exc.status == 404:
                    raise HistoryExpired() from None
                raise
            latest = str(answer.get("historyId") or start)
            following = answer.get("nextPageToken")
            # (history record id, messages it added), in history order.
            groups: list[tuple[str, list[str]]] = []
            for record in answer.get("history") or []:
                added = []
                for item in record.get("messagesAdded") or []:
                    message = item.get("message") or {}
                    mid = str(message.get("id") or "")
                    if not mid or mid in seen or _SET_ASIDE & set(message.get("labelIds") or []):
                        continue
                    seen.add(mid)
                    added.append(mid)
                groups.append((str(record["id"]), added))
            chunks = _group_chunks(groups, self.chunk_size)
            for number, (upto, ids) in enumerate(chunks):
                batch = await self._fetch(ids)
                done += len(ids)
                batch.done = done
                last_of_all = number == len(chunks) - 1 and not following
                batch.cursor = dump_cursor(
                    {"phase": "history", "history": latest if last_of_all else upto}
                )
                yield batch
            if not following:
                if not chunks:
                    yield SyncBatch(
                        source=SOURCE,
                        cursor=dump_cursor({"phase": "history", "history": latest}),
                        done=done,
                        total=done,
                    )
                return
            page = following

    # -- fetching --------------------------------------------------------------------------

    async def _fetch(self, ids: Sequence[str]) -> SyncBatch:
        """The messages `ids`, fetched a few at a time, parsed in the order given."""
        slots = asyncio.Semaphore(self.in_flight)

        async def one(mid: str) -> dict[str, Any] | None:
            async with slots:
                try:
                    answer = await self.api.get_json(f"{MAILBOX}/messages/{mid}", {"format": "raw"})
                except ApiError as exc:
                    if exc.status == 404:  # deleted since it was listed
                        return None
                    raise
            return answer if isinstance(answer, dict) else None

        # A task group: when one fetch fails for good, the others are cancelled, not left
        # running against a client the caller is about to close.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(mid)) for mid in ids]
        except BaseExceptionGroup as failed:
            raise _first(failed) from None
        fetched = [task.result() for task in tasks]
        batch = SyncBatch(source=SOURCE)
        for mid, message in zip(ids, fetched, strict=True):
            if message is None:
                continue
            if _SET_ASIDE & set(message.get("labelIds") or []):
                continue
            try:
                parsed = parse_gmail(message, self.operator)
            except Exception as exc:
                # One unreadable message must not stop the mailbox (as in the mbox import).
                batch.warnings.append(f"gmail: message {mid}: skipped, {exc or type(exc)}")
                continue
            if parsed.message is not None:
                batch.messages.append(parsed.message)
            batch.signals.extend(parsed.signals)
            if parsed.warning:
                batch.warnings.append(f"gmail: message {mid}: {parsed.warning}")
        return batch


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first error in a task group's failure, as the one to raise (callers catch
    ApiError and NeedsReauth, not groups)."""
    first = group.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first


def _cut(ids: list[str], size: int) -> list[tuple[list[str], bool]]:
    """`ids` in pieces of `size`, each with whether it is the last."""
    size = max(1, size)
    pieces = [ids[i : i + size] for i in range(0, len(ids), size)]
    return [(piece, i == len(pieces) - 1) for i, piece in enumerate(pieces)]


def _group_chunks(groups: list[tuple[str, list[str]]], size: int) -> list[tuple[str, list[str]]]:
    """History records gathered into chunks of about `size` messages, cut only between
    records, so each chunk's last record id is an exact place to resume from."""
    chunks: list[tuple[str, list[str]]] = []
    ids: list[str] = []
    upto = ""
    for record_id, added in groups:
        ids += added
        upto = record_id
        if len(ids) >= max(1, size):
            chunks.append((upto, ids))
            ids = []
    if ids:
        chunks.append((upto, ids))
    return chunks


def build(ctx: LiveContext) -> GmailConnector:
    return GmailConnector(
        make_api(ctx),
        ctx.operator,
        ctx.now,
        window_days=int(ctx.settings.get("window_days", 90)),
    )


SPEC = LiveSpec(
    name="gmail",
    service="google",
    summary="Gmail: the last window_days days of mail, then new mail as it arrives",
    every=5 * MINUTE,
    build=build,
    defaults={"window_days": 90},
)
