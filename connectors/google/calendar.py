"""Google Calendar (API v3): meetings on the calendars the operator follows.

Each calendar named in the `calendars` knob is one stream. The first sync lists its events
from `past_days` back to `future_days` ahead with `singleEvents=true` (Google expands
repeating events into their instances), page by page; the last page's `nextSyncToken` is
kept, and later syncs send only that token (Google refuses timeMin and the like beside it)
and get what changed, deletions included. A 410 Gone means the token expired: the window is
listed again.

Meetings are keyed as the ICS import keys them, so importing a calendar export and syncing
the same calendar give the same rows: a one-off event by its iCalUID (the UID in the
export); an instance of a repeating event by "<iCalUID>#<original start, UTC, ISO 8601>",
the series' UID and the instance's RECURRENCE-ID. Signals as the ICS import makes them: a
`meeting.booked` for each confirmed meeting with someone from outside.

A deleted event can come back from an incremental sync as little more than its id and
`"status": "cancelled"`; such an event is read whole with events.get (which still answers
for cancelled events) so the stored meeting can be marked cancelled.

Cursor (JSON), one of:
  {"timeMin": T0, "timeMax": T1, "page": TOKEN, "done": N}   first sync under way
  {"sync": SYNC_TOKEN, "page": TOKEN?, "done": N?}            caught up (or paging changes)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from connectors.addresses import normalize_email
from connectors.base import (
    AttendeeRecord,
    ConnectorError,
    MeetingRecord,
    OperatorIdentity,
    SignalRecord,
    SyncBatch,
)
from connectors.dates import operator_tz, start_of_day
from connectors.google._common import (
    SOURCE,
    GoogleConnector,
    dump_cursor,
    load_cursor,
    make_api,
    parse_time,
    rfc3339,
)
from connectors.http import Api, ApiError
from connectors.live import MINUTE, LiveContext, LiveSpec

CALENDARS = "/calendar/v3/calendars"
PAGE = 250  # events.list's default page; it allows up to 2500
DEFAULT_DURATION = timedelta(minutes=30)
_STATUSES = frozenset({"confirmed", "tentative", "cancelled"})


class SyncTokenExpired(Exception):
    """events.list answered 410 Gone: the sync token is no longer valid."""


class CalendarConnector(GoogleConnector):
    name = "calendar"

    def __init__(
        self,
        api: Api,
        operator: OperatorIdentity,
        now: datetime,
        *,
        calendars: Sequence[str] = ("primary",),
        past_days: int = 30,
        future_days: int = 60,
        page_size: int = PAGE,
        chunk_size: int = 200,
    ):
        super().__init__(api, operator, now, page_size=page_size, chunk_size=chunk_size)
        self.tz = operator_tz(operator)
        self.calendars = tuple(calendars)
        self.past_days = past_days
        self.future_days = future_days

    def streams(self) -> Sequence[str]:
        return self.calendars

    async def probe(self) -> str:
        for calendar in self.calendars:
            await self.api.get_json(
                f"{CALENDARS}/{quote(calendar, safe='')}/events", {"maxResults": 1}
            )
        return f"{len(self.calendars)} calendar(s) readable"

    async def sync(self, stream: str, cursor: str | None) -> AsyncIterator[SyncBatch]:
        state = load_cursor(cursor, self.name) or {}
        remark = None
        if "sync" in state:
            try:
                async for batch in self._pages(stream, {"syncToken": state["sync"]}, state):
                    yield batch
                return
            except SyncTokenExpired:
                state = {}
                remark = (
                    f"calendar {stream}: Google no longer keeps the changes since the last "
                    f"sync; read {self.past_days} days back to {self.future_days} ahead again"
                )
        if "timeMin" not in state:
            state = {
                "timeMin": rfc3339(self.now - timedelta(days=self.past_days)),
                "timeMax": rfc3339(self.now + timedelta(days=self.future_days)),
            }
        window = {"timeMin": state["timeMin"], "timeMax": state["timeMax"]}
        try:
            async for batch in self._pages(stream, window, state):
                if remark:
                    batch.remarks.append(remark)
                    remark = None
                yield batch
        except SyncTokenExpired:
            raise ConnectorError(f"calendar {stream}: Google refused a fresh listing") from None

    async def _pages(
        self, calendar: str, fixed: dict[str, Any], state: dict[str, Any]
    ) -> AsyncIterator[SyncBatch]:
        """events.list page by page with `fixed` parameters, from `state`'s page on."""
        path = f"{CALENDARS}/{quote(calendar, safe='')}/events"
        page: str | None = state.get("page")
        done = int(state.get("done") or 0)
        while True:
            params: dict[str, Any] = {
                "singleEvents": "true",
                "maxResults": self.page_size,
                **fixed,
            }
            if page:
                params["pageToken"] = page
            try:
                answer = await self.api.get_json(path, params)
            except ApiError as exc:
                if exc.status == 410:
                    raise SyncTokenExpired() from None
                raise
            items = answer.get("items") or []
            batch = SyncBatch(source=SOURCE)
            for event in items:
                await self._add(batch, calendar, event)
            done += len(items)
            following = answer.get("nextPageToken")
            batch.done = done
            if following:
                batch.cursor = dump_cursor({**fixed_cursor(fixed), "page": following, "done": done})
            else:
                token = answer.get("nextSyncToken")
                if not token:
                    raise ConnectorError(f"calendar {calendar}: the last page has no sync token")
                batch.cursor = dump_cursor({"sync": token})
                batch.total = done
            yield batch
            if not following:
                return
            page = following

    async def _add(self, batch: SyncBatch, calendar: str, event: dict[str, Any]) -> None:
        if event.get("status") == "cancelled" and not (event.get("start") and event.get("iCalUID")):
            whole = await self._whole(calendar, event)
            if whole is None:
                return
            event = {**whole, "status": "cancelled"}
        meeting = self.meeting(event)
        if meeting is None:
            batch.warnings.append(
                f"calendar {calendar}: skipped event {event.get('id')}: no start or no UID"
            )
            return
        batch.meetings.append(meeting)
        signal = self.booked(meeting, event)
        if signal is not None:
            batch.signals.append(signal)

    async def _whole(self, calendar: str, event: dict[str, Any]) -> dict[str, Any] | None:
        """The full resource of an event Google listed as a bare cancellation."""
        eid = str(event.get("id") or "")
        if not eid:
            return None
        try:
            answer = await self.api.get_json(
                f"{CALENDARS}/{quote(calendar, safe='')}/events/{quote(eid, safe='')}"
            )
        except ApiError as exc:
            if exc.status in (404, 410):
                return None  # gone for good: nothing left to say which meeting it was
            raise
        return answer if isinstance(answer, dict) and answer.get("start") else None

    # -- events -> records -----------------------------------------------------------------

    def _time(self, value: Any) -> datetime | None:
        if not isinstance(value, dict):
            return None
        if value.get("dateTime"):
            return parse_time(value["dateTime"])
        if value.get("date"):
            try:
                return start_of_day(date.fromisoformat(value["date"]), self.tz)
            except ValueError:
                return None
        return None

    def uid(self, event: dict[str, Any]) -> str | None:
        """The meeting's key, as the ICS import would make it (see the module's doc)."""
        ical = event.get("iCalUID")
        if not ical:
            return None
        if event.get("recurringEventId"):
            original = self._time(event.get("originalStartTime")) or self._time(event.get("start"))
            if original is None:
                return None
            return f"{ical}#{original.isoformat()}"
        return str(ical)

    def meeting(self, event: dict[str, Any]) -> MeetingRecord | None:
        uid = self.uid(event)
        start = self._time(event.get("start"))
        if uid is None or start is None:
            return None
        end = self._time(event.get("end")) or start + DEFAULT_DURATION
        if end < start:
            end = start + DEFAULT_DURATION
        status = str(event.get("status") or "confirmed")
        attendees: list[AttendeeRecord] = []
        seen: set[str] = set()
        for person in event.get("attendees") or []:
            # Rooms and equipment are booked as attendees but are nobody to talk to.
            if person.get("resource"):
                continue
            address = normalize_email(str(person.get("email") or ""))
            if address is None or address in seen:
                continue
            seen.add(address)
            attendees.append(
                AttendeeRecord(
                    email=address,
                    name=person.get("displayName") or None,
                    response_status=str(person.get("responseStatus") or "needsAction"),
                )
            )
        organizer = event.get("organizer") or {}
        return MeetingRecord(
            uid=uid,
            title=str(event.get("summary") or "").strip() or "(no title)",
            start_at=start,
            end_at=end,
            organizer=normalize_email(str(organizer.get("email") or "")),
            attendees=attendees,
            location=str(event.get("location") or "").strip() or None,
            description=str(event.get("description") or "").strip() or None,
            status=status if status in _STATUSES else "confirmed",
        )

    def booked(self, meeting: MeetingRecord, event: dict[str, Any]) -> SignalRecord | None:
        """`meeting.booked`, as the ICS import makes it: confirmed, with an outsider."""
        external = [a for a in meeting.attendees if not self.operator.is_internal(a.email)]
        if meeting.status != "confirmed" or not external:
            return None
        return SignalRecord(
            kind="meeting.booked",
            occurred_at=parse_time(event.get("created")) or meeting.start_at - timedelta(days=7),
            dedup_key=f"meeting.booked:{meeting.uid}",
            payload={
                "title": meeting.title,
                "start_at": meeting.start_at.isoformat(),
                "attendees": [a.email for a in meeting.attendees],
            },
            contact_email=external[0].email,
            meeting_uid=meeting.uid,
        )


def fixed_cursor(fixed: dict[str, Any]) -> dict[str, Any]:
    """The fixed events.list parameters as the cursor keeps them."""
    if "syncToken" in fixed:
        return {"sync": fixed["syncToken"]}
    return {"timeMin": fixed["timeMin"], "timeMax": fixed["timeMax"]}


def build(ctx: LiveContext) -> CalendarConnector:
    settings = ctx.settings
    return CalendarConnector(
        make_api(ctx),
        ctx.operator,
        ctx.now,
        calendars=[str(c) for c in settings.get("calendars") or ["primary"]],
        past_days=int(settings.get("past_days", 30)),
        future_days=int(settings.get("future_days", 60)),
    )


SPEC = LiveSpec(
    name="calendar",
    service="google",
    summary="Google Calendar: meetings from past_days back to future_days ahead, then changes",
    every=15 * MINUTE,
    build=build,
    defaults={"calendars": ["primary"], "past_days": 30, "future_days": 60},
)
