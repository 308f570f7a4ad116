"""A fake Google: Gmail v1, Calendar v3 and Drive v3 as the live connectors use them.

It speaks Google's documented wire format: the same paths under one root, the same query
parameters, the same JSON shapes (`messages.list`'s `{"messages": [{"id", "threadId"}],
"nextPageToken", "resultSizeEstimate"}`, `events.list`'s `nextPageToken` / `nextSyncToken`,
`changes.list`'s `newStartPageToken`...) and Google's error body
`{"error": {"code", "message", "errors": [...], "status"}}`.

What it keeps, and how changes show:
* Gmail: messages (raw RFC 822 bytes, thread id, label ids, internal date) and a history:
  each added, relabelled or deleted message is a history record with a new id. A
  `history.list` from an id below `history_floor` answers 404, as Gmail does once it no
  longer keeps that much history.
* Calendar: events per calendar, each stamped with the change number that last touched it;
  a sync token is "changes up to N" (plus the window it was listed with), so an
  incremental listing returns what changed after N, deleted events as bare cancellations.
  A token older than `sync_floor` answers 410 Gone. Weekly RRULEs are expanded for
  `singleEvents=true`.
* Drive: files and a changes feed; a page token is the number of the next change.

`generate(...)` fills it with a deterministic world; `python -m tests.fakes.google --port N
--messages 20000` serves one in its own process and prints its URL.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from dateutil.rrule import rrulestr

from tests.fakes.server import FakeServer, Reply, Request

TOKEN = "google-test-token"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
OPERATOR = "casey@caseyos.example"
_USER = r"/gmail/v1/users/([^/]+)"
_EVENTS = r"/calendar/v3/calendars/([^/]+)/events"


def error(code: int, message: str, status: str, reason: str) -> Reply:
    """Google's JSON error body."""
    return code, {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": status,
        }
    }


def _bad(message: str) -> Reply:
    return error(400, message, "INVALID_ARGUMENT", "invalidParameter")


def _not_found() -> Reply:
    return error(404, "Requested entity was not found.", "NOT_FOUND", "notFound")


def _int(request: Request, name: str, default: int, top: int) -> int:
    value = request.arg(name)
    if value is None:
        return default
    return max(1, min(top, int(value)))


def _offset(request: Request) -> int:
    token = request.arg("pageToken")
    if not token:
        return 0
    return int(json.loads(base64.urlsafe_b64decode(token))["o"])


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_stamp(value: str) -> datetime:
    """An RFC 3339 time from a resource, as aware UTC."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


@dataclass
class Mail:
    id: str
    thread_id: str
    raw: bytes
    labels: list[str]
    internal_ms: int
    history_id: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Event:
    calendar: str
    resource: dict[str, Any]
    seq: int
    # Instances changed or cancelled on their own: original start (ISO) -> resource.
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)


class FakeGoogle(FakeServer):
    def __init__(self, *, tokens: set[str] | None = None, now: datetime = NOW):
        super().__init__()
        self.tokens = {TOKEN} if tokens is None else tokens
        self.now = now
        self.email = OPERATOR
        # Gmail
        self.messages: dict[str, Mail] = {}
        self.history_id = 1000
        self.history: list[dict[str, Any]] = []
        self.history_floor = 0
        self._ids = 0
        self._newest_first: list[Mail] | None = None  # messages.list's order, kept
        # Calendar
        self.events: dict[tuple[str, str], Event] = {}
        self.calendar_seq = 0
        self.sync_floor = 0
        # Drive
        self.files: dict[str, dict[str, Any]] = {}
        self.changes: list[dict[str, Any]] = []  # change n is changes[n - 1]

        self.route("GET", f"{_USER}/profile", self._profile)
        self.route("GET", f"{_USER}/messages", self._messages_list)
        self.route("GET", f"{_USER}/messages/([^/]+)", self._messages_get)
        self.route("GET", f"{_USER}/history", self._history_list)
        self.route("GET", _EVENTS, self._events_list)
        self.route("GET", f"{_EVENTS}/([^/]+)", self._events_get)
        self.route("GET", "/drive/v3/changes/startPageToken", self._start_token)
        self.route("GET", "/drive/v3/changes", self._changes_list)
        self.route("GET", "/drive/v3/files", self._files_list)

    def unauthorized(self) -> Reply:
        return error(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, "
            "login cookie or other valid authentication credential.",
            "UNAUTHENTICATED",
            "authError",
        )

    def _next_id(self, salt: str) -> str:
        self._ids += 1
        return hashlib.sha1(f"{salt}:{self._ids}".encode()).hexdigest()[:16]

    # == Gmail ==============================================================================

    def add_message(
        self,
        raw: bytes,
        *,
        thread_id: str | None = None,
        labels: list[str] | None = None,
        at: datetime | None = None,
    ) -> str:
        """Deliver a message (raw RFC 822 bytes); returns its Gmail id. A new history record
        says it was added."""
        with self.lock:
            mid = self._next_id("message")
            headers = _headers(raw)
            if at is None:
                from email.utils import parsedate_to_datetime

                at = parsedate_to_datetime(headers.get("date", "")) if "date" in headers else None
            moment = at or self.now
            self.history_id += 1
            mail = Mail(
                mid,
                thread_id or mid,
                raw,
                list(labels or ["INBOX", "UNREAD"]),
                int(moment.timestamp() * 1000),
                self.history_id,
                headers,
            )
            self.messages[mid] = mail
            self._newest_first = None
            self.history.append(
                {
                    "id": str(self.history_id),
                    "messages": [{"id": mid, "threadId": mail.thread_id}],
                    "messagesAdded": [{"message": self._short(mail)}],
                }
            )
            return mid

    def relabel(
        self, mid: str, add: list[str] | None = None, remove: list[str] | None = None
    ) -> None:
        add, remove = add or [], remove or []
        with self.lock:
            mail = self.messages[mid]
            mail.labels = [x for x in mail.labels if x not in remove] + [
                x for x in add if x not in mail.labels
            ]
            self.history_id += 1
            mail.history_id = self.history_id
            record: dict[str, Any] = {
                "id": str(self.history_id),
                "messages": [{"id": mid, "threadId": mail.thread_id}],
            }
            if add:
                record["labelsAdded"] = [{"message": self._short(mail), "labelIds": list(add)}]
            if remove:
                record["labelsRemoved"] = [{"message": self._short(mail), "labelIds": list(remove)}]
            self.history.append(record)

    def delete_message(self, mid: str) -> None:
        with self.lock:
            mail = self.messages.pop(mid)
            self._newest_first = None
            self.history_id += 1
            self.history.append(
                {
                    "id": str(self.history_id),
                    "messages": [{"id": mid, "threadId": mail.thread_id}],
                    "messagesDeleted": [{"message": self._short(mail)}],
                }
            )

    def forget_history(self) -> None:
        """Gmail keeps history for a limited time: from now on, any older start id is 404."""
        with self.lock:
            self.history_floor = self.history_id

    @staticmethod
    def _short(mail: Mail) -> dict[str, Any]:
        return {"id": mail.id, "threadId": mail.thread_id, "labelIds": list(mail.labels)}

    def _profile(self, request: Request, user: str) -> Reply:
        with self.lock:
            threads = {m.thread_id for m in self.messages.values()}
            return 200, {
                "emailAddress": self.email,
                "messagesTotal": len(self.messages),
                "threadsTotal": len(threads),
                "historyId": str(self.history_id),
            }

    def _messages_list(self, request: Request, user: str) -> Reply:
        size = _int(request, "maxResults", 100, 500)
        query = (request.arg("q") or "").strip()
        after: float | None = None
        for term in query.split():
            m = re.fullmatch(r"after:(\d+)", term)
            if m is None:
                return _bad(f"the fake understands only after:EPOCH in q, not {term!r}")
            after = int(m.group(1))
        spam_trash = request.arg("includeSpamTrash") == "true"
        with self.lock:
            if self._newest_first is None:
                self._newest_first = sorted(
                    self.messages.values(), key=lambda m: (-m.internal_ms, m.id)
                )
            found = [
                m
                for m in self._newest_first
                if (after is None or m.internal_ms / 1000 > after)
                and (spam_trash or not {"SPAM", "TRASH"} & set(m.labels))
            ]
        start = _offset(request)
        page = found[start : start + size]
        body: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if page:
            body["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if start + size < len(found):
            body["nextPageToken"] = _page_token(start + size)
        return 200, body

    def _messages_get(self, request: Request, user: str, mid: str) -> Reply:
        form = request.arg("format", "full")
        with self.lock:
            mail = self.messages.get(mid)
        if mail is None:
            return _not_found()
        body: dict[str, Any] = {
            **self._short(mail),
            "snippet": _snippet(mail.raw),
            "sizeEstimate": len(mail.raw),
            "historyId": str(mail.history_id),
            "internalDate": str(mail.internal_ms),
        }
        if form == "raw":
            body["raw"] = base64.urlsafe_b64encode(mail.raw).decode()
        elif form in ("metadata", "full"):
            wanted = {h.lower() for h in request.query.get("metadataHeaders", [])}
            body["payload"] = {
                "mimeType": mail.headers.get("content-type", "text/plain").split(";")[0],
                "headers": [
                    {"name": name.title(), "value": value}
                    for name, value in mail.headers.items()
                    if form == "full" or not wanted or name in wanted
                ],
            }
        elif form != "minimal":
            return _bad(f"Invalid value at 'format' ({form})")
        return 200, body

    def _history_list(self, request: Request, user: str) -> Reply:
        start = request.arg("startHistoryId")
        if not start:
            return _bad("Missing required parameter startHistoryId")
        size = _int(request, "maxResults", 100, 500)
        types = request.query.get("historyTypes", [])
        with self.lock:
            if int(start) < self.history_floor:
                return _not_found()
            records = [r for r in self.history if int(r["id"]) > int(start)]
            if types:
                records = [r for r in records if any(_TYPES[t] in r for t in types)]
            current = str(self.history_id)
        offset = _offset(request)
        page = records[offset : offset + size]
        body: dict[str, Any] = {"historyId": current}
        if page:
            body["history"] = page
        if offset + size < len(records):
            body["nextPageToken"] = _page_token(offset + size)
        return 200, body

    # == Calendar ===========================================================================

    def _bump(self) -> int:
        self.calendar_seq += 1
        return self.calendar_seq

    def add_event(
        self,
        summary: str,
        start: datetime,
        end: datetime | None = None,
        *,
        calendar: str = "primary",
        attendees: list[dict[str, Any]] | None = None,
        organizer: str = OPERATOR,
        weekly: int | None = None,
        all_day: bool = False,
        location: str | None = None,
    ) -> str:
        """Create an event (weekly: repeat that many weeks); returns its id."""
        with self.lock:
            eid = self._next_id("event")
            end = end or start + timedelta(minutes=30)
            resource: dict[str, Any] = {
                "kind": "calendar#event",
                "id": eid,
                "status": "confirmed",
                "htmlLink": f"https://calendar.example/event?eid={eid}",
                "created": _stamp(self.now - timedelta(days=3)),
                "updated": _stamp(self.now),
                "summary": summary,
                "creator": {"email": organizer},
                "organizer": {"email": organizer, "self": organizer == self.email},
                "start": _gtime(start, all_day),
                "end": _gtime(end, all_day),
                "iCalUID": f"{eid}@google.com",
                "sequence": 0,
                "attendees": attendees or [],
            }
            if location:
                resource["location"] = location
            if weekly:
                resource["recurrence"] = [f"RRULE:FREQ=WEEKLY;COUNT={weekly}"]
            self.events[(calendar, eid)] = Event(calendar, resource, self._bump())
            return eid

    def update_event(self, eid: str, *, calendar: str = "primary", **changes: Any) -> None:
        with self.lock:
            event = self.events[(calendar, eid)]
            event.resource.update(changes)
            event.resource["updated"] = _stamp(self.now)
            event.seq = self._bump()

    def delete_event(self, eid: str, *, calendar: str = "primary") -> None:
        """Deleting an event in Google sets it cancelled; it stays readable by id."""
        self.update_event(eid, calendar=calendar, status="cancelled")

    def cancel_instance(self, eid: str, start: datetime, *, calendar: str = "primary") -> None:
        """Cancel one occurrence of a repeating event."""
        with self.lock:
            event = self.events[(calendar, eid)]
            instance = self._instance(event.resource, start)
            instance["status"] = "cancelled"
            event.overrides[_stamp(start)] = {**instance, "_seq": self._bump()}

    def expire_sync_tokens(self) -> None:
        with self.lock:
            self.sync_floor = self.calendar_seq + 1

    def _instance(self, master: dict[str, Any], start: datetime) -> dict[str, Any]:
        length = parse_stamp(master["end"]["dateTime"]) - parse_stamp(master["start"]["dateTime"])
        rest = {k: v for k, v in master.items() if k != "recurrence"}
        return {
            **rest,
            "id": f"{master['id']}_{start.strftime('%Y%m%dT%H%M%SZ')}",
            "recurringEventId": master["id"],
            "originalStartTime": {"dateTime": _stamp(start), "timeZone": "UTC"},
            "start": {"dateTime": _stamp(start), "timeZone": "UTC"},
            "end": {"dateTime": _stamp(start + length), "timeZone": "UTC"},
        }

    def _expand(self, event: Event, since: int | None) -> list[dict[str, Any]]:
        """The event as `singleEvents=true` lists it: itself, or its instances (each
        override in place of the occurrence it replaces). With `since`, only what changed
        after change number `since`."""
        master = event.resource
        if "recurrence" not in master or master.get("status") == "cancelled":
            return [master] if since is None or event.seq > since else []
        first = parse_stamp(master["start"]["dateTime"])
        rule = rrulestr(master["recurrence"][0].removeprefix("RRULE:"), dtstart=first)
        out = []
        for start in rule:
            override = event.overrides.get(_stamp(start))
            if override is not None:
                if since is None or override["_seq"] > since:
                    out.append({k: v for k, v in override.items() if k != "_seq"})
            elif since is None or event.seq > since:
                out.append(self._instance(master, start))
        return out

    def _events_list(self, request: Request, calendar: str) -> Reply:
        calendar = urllib.parse.unquote(calendar)
        size = _int(request, "maxResults", 250, 2500)
        token = request.arg("syncToken")
        single = request.arg("singleEvents") == "true"
        with self.lock:
            if token:
                clash = [
                    p
                    for p in ("timeMin", "timeMax", "q", "orderBy", "updatedMin", "iCalUID")
                    if request.arg(p)
                ]
                if clash:
                    return _bad(f"{clash[0]} cannot be used together with syncToken")
                state = json.loads(base64.urlsafe_b64decode(token))
                if state["seq"] < self.sync_floor:
                    return error(
                        410,
                        "Sync token is no longer valid, a full sync is required.",
                        "GONE",
                        "fullSyncRequired",
                    )
                since: int | None = state["seq"]
                low, high = state.get("min"), state.get("max")
            else:
                since = None
                low, high = request.arg("timeMin"), request.arg("timeMax")
            items: list[dict[str, Any]] = []
            for (cal, _), event in sorted(self.events.items(), key=lambda kv: kv[1].seq):
                if cal != calendar:
                    continue
                found = self._expand(event, since) if single else self._plain(event, since)
                for item in found:
                    if item.get("status") == "cancelled":
                        if since is None and request.arg("showDeleted") != "true":
                            continue
                        if since is not None:
                            item = _bare_cancellation(item)
                    elif not _overlaps(item, low, high):
                        continue
                    items.append(item)
            seq = self.calendar_seq
        offset = _offset(request)
        page = items[offset : offset + size]
        body: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": f'"{seq}"',
            "summary": self.email if calendar == "primary" else calendar,
            "updated": _stamp(self.now),
            "timeZone": "UTC",
            "accessRole": "owner",
            "defaultReminders": [],
            "items": page,
        }
        if offset + size < len(items):
            body["nextPageToken"] = _page_token(offset + size)
        else:
            state = {"seq": seq, "min": low, "max": high}
            body["nextSyncToken"] = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
        return 200, body

    @staticmethod
    def _plain(event: Event, since: int | None) -> list[dict[str, Any]]:
        return [event.resource] if since is None or event.seq > since else []

    def _events_get(self, request: Request, calendar: str, eid: str) -> Reply:
        calendar, eid = urllib.parse.unquote(calendar), urllib.parse.unquote(eid)
        with self.lock:
            master_id, _, when = eid.partition("_")
            event = self.events.get((calendar, master_id))
            if event is None:
                return _not_found()
            if not when:
                return 200, event.resource
            for instance in self._expand(event, None):
                if instance["id"] == eid:
                    return 200, instance
        return _not_found()

    # == Drive ==============================================================================

    def add_file(
        self,
        name: str,
        *,
        mime_type: str = "application/vnd.google-apps.document",
        owners: list[str] | None = None,
        modified: datetime | None = None,
        shared_drive: str | None = None,
    ) -> str:
        """A new file, in My Drive or (given its id) a shared drive."""
        with self.lock:
            fid = "1" + self._next_id("file") + "Xy"
            resource = {
                "kind": "drive#file",
                "id": fid,
                "name": name,
                "mimeType": mime_type,
                "owners": [
                    {"kind": "drive#user", "emailAddress": o, "displayName": o.split("@")[0]}
                    for o in owners or [self.email]
                ],
                "modifiedTime": _stamp(modified or self.now),
                "webViewLink": f"https://docs.example/d/{fid}/edit",
                "trashed": False,
            }
            if shared_drive:
                resource["driveId"] = shared_drive
            self.files[fid] = resource
            self._change(fid, resource)
            return fid

    def update_file(self, fid: str, **changes: Any) -> None:
        with self.lock:
            self.files[fid].update(changes)
            self._change(fid, self.files[fid])

    def remove_file(self, fid: str) -> None:
        """Deleted for good: the change feed says `removed` and carries no file."""
        with self.lock:
            del self.files[fid]
            self._change(fid, None)

    def _change(self, fid: str, resource: dict[str, Any] | None) -> None:
        change: dict[str, Any] = {
            "kind": "drive#change",
            "changeType": "file",
            "time": _stamp(self.now),
            "removed": resource is None,
            "fileId": fid,
        }
        if resource is not None:
            change["file"] = dict(resource)
        self.changes.append(change)

    def _start_token(self, request: Request) -> Reply:
        with self.lock:
            return 200, {
                "kind": "drive#startPageToken",
                "startPageToken": str(len(self.changes) + 1),
            }

    def _changes_list(self, request: Request) -> Reply:
        token = request.arg("pageToken")
        if not token or not token.isdigit():
            return _bad("Invalid Value")
        size = _int(request, "pageSize", 100, 1000)
        with self.lock:
            start = int(token)
            page = self.changes[start - 1 : start - 1 + size]
            end = len(self.changes) + 1
        if not _all_drives(request):
            page = [c for c in page if not (c.get("file") or {}).get("driveId")]
        body: dict[str, Any] = {"kind": "drive#changeList", "changes": page}
        if start + len(page) < end:
            body["nextPageToken"] = str(start + len(page))
        else:
            body["newStartPageToken"] = str(end)
        return 200, body

    def _files_list(self, request: Request) -> Reply:
        size = _int(request, "pageSize", 100, 1000)
        query = (request.arg("q") or "").strip()
        if query not in ("", "trashed = false", "trashed=false"):
            return _bad(f"the fake understands only q='trashed = false', not {query!r}")
        with self.lock:
            found = [f for f in self.files.values() if not (query and f.get("trashed"))]
        if not (_all_drives(request) and request.arg("corpora") in ("allDrives", "drive")):
            found = [f for f in found if not f.get("driveId")]
        offset = _offset(request)
        body: dict[str, Any] = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": found[offset : offset + size],
        }
        if offset + size < len(found):
            body["nextPageToken"] = _page_token(offset + size)
        return 200, body


def _all_drives(request: Request) -> bool:
    """Whether a Drive request asks for shared drives' files too (both flags, as Drive
    wants them)."""
    return (
        request.arg("supportsAllDrives") == "true"
        and request.arg("includeItemsFromAllDrives") == "true"
    )


_TYPES = {
    "messageAdded": "messagesAdded",
    "messageDeleted": "messagesDeleted",
    "labelAdded": "labelsAdded",
    "labelRemoved": "labelsRemoved",
}


def _headers(raw: bytes) -> dict[str, str]:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")
    found: dict[str, str] = {}
    for line in re.split(r"\r?\n(?![ \t])", head):
        name, colon, value = line.partition(":")
        if colon:
            found.setdefault(name.strip().lower(), " ".join(value.split()))
    return found


def _snippet(raw: bytes) -> str:
    parts = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
    body = parts[1] if len(parts) > 1 else b""
    return " ".join(body.decode("utf-8", "replace").split())[:200]


def _gtime(moment: datetime, all_day: bool) -> dict[str, str]:
    if all_day:
        return {"date": moment.date().isoformat()}
    return {"dateTime": _stamp(moment), "timeZone": "UTC"}


def _overlaps(item: dict[str, Any], low: str | None, high: str | None) -> bool:
    """Google's window: timeMin bounds the end (exclusive), timeMax the start (exclusive)."""
    start = item["start"].get("dateTime") or item["start"]["date"] + "T00:00:00Z"
    end = item["end"].get("dateTime") or item["end"]["date"] + "T00:00:00Z"
    if low and parse_stamp(end) <= parse_stamp(low):
        return False
    return not (high and parse_stamp(start) >= parse_stamp(high))


def _bare_cancellation(item: dict[str, Any]) -> dict[str, Any]:
    """What an incremental listing says of a deleted event: little more than its id."""
    bare = {"kind": "calendar#event", "etag": '"0"', "id": item["id"], "status": "cancelled"}
    if item.get("recurringEventId"):
        bare["recurringEventId"] = item["recurringEventId"]
        bare["originalStartTime"] = item["originalStartTime"]
    return bare


# == a generated world ======================================================================

COMPANIES = ["acme", "globex", "initech", "umbrella", "hooli", "vandelay", "wonka", "stark"]
FIRST = ["dana", "lee", "sam", "alex", "noor", "kim", "ravi", "ola", "mia", "jon"]
TOPICS = ["pricing", "renewal", "security review", "pilot", "onboarding", "contract", "demo"]


def compose(
    *,
    sender: str,
    to: list[str],
    subject: str,
    body: str,
    at: datetime,
    message_id: str,
    reply_to: str | None = None,
    references: list[str] | None = None,
    extra: dict[str, str] | None = None,
) -> bytes:
    """One RFC 822 message as Gmail's `raw` holds it (CRLF lines, a UTF-8 text body).
    Written out directly: the email package's generator costs a millisecond a message,
    which a 20,000-message benchmark world would wait half a minute for."""
    head = [
        f"From: {sender}",
        f"To: {', '.join(to)}",
        f"Subject: {subject}",
        f"Date: {format_datetime(at)}",
        f"Message-ID: <{message_id}>",
    ]
    if reply_to:
        head.append(f"In-Reply-To: <{reply_to}>")
        head.append("References: " + " ".join(f"<{r}>" for r in references or [reply_to]))
    head += [f"{name}: {value}" for name, value in (extra or {}).items()]
    head += [
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: 8bit",
    ]
    text = body.replace("\r\n", "\n").replace("\n", "\r\n")
    return ("\r\n".join(head) + "\r\n\r\n" + text).encode()


def generate(
    fake: FakeGoogle, *, messages: int = 300, meetings: int = 24, files: int = 30, seed: int = 7
) -> None:
    """A deterministic mailbox, calendar and drive: threads with customers (some with
    newsletters and auto-replies among them), meetings (two weekly series) and documents."""
    rnd = random.Random(seed)
    now = fake.now
    people = [f"{rnd.choice(FIRST)}.{i}@{COMPANIES[i % len(COMPANIES)]}.example" for i in range(40)]
    written = 0
    thread_no = 0
    while written < messages:
        thread_no += 1
        person = rnd.choice(people)
        topic = rnd.choice(TOPICS)
        at = now - timedelta(days=rnd.uniform(0.5, 80), minutes=rnd.randint(0, 600))
        length = min(rnd.randint(1, 5), messages - written)
        ids: list[str] = []
        thread_id: str | None = None
        newsletter = thread_no % 11 == 0
        for n in range(length):
            outbound = n % 2 == 1 and not newsletter
            sender = (
                OPERATOR if outbound else (f"news@{person.split('@')[1]}" if newsletter else person)
            )
            mid = f"t{thread_no}.m{n}.{seed}@mail.example"
            extra = {"List-Unsubscribe": "<mailto:unsub@list.example>"} if newsletter else {}
            raw = compose(
                sender=sender,
                to=[person] if outbound else [OPERATOR],
                subject=("Re: " if n else "") + f"{topic.title()} for {person.split('@')[1]}",
                body=f"Message {n + 1} about {topic}.\n\nThanks,\n{sender.split('@')[0]}\n",
                at=at,
                message_id=mid,
                reply_to=ids[-1] if ids else None,
                references=list(ids) or None,
                extra=extra,
            )
            labels = (
                ["SENT"]
                if outbound
                else ["INBOX", "UNREAD"] + (["CATEGORY_PROMOTIONS"] if newsletter else [])
            )
            gid = fake.add_message(raw, thread_id=thread_id, labels=labels, at=at)
            thread_id = thread_id or gid
            ids.append(mid)
            at += timedelta(hours=rnd.uniform(1, 30))
            written += 1
    for i in range(meetings):
        person = rnd.choice(people)
        start = (now + timedelta(days=rnd.randint(-25, 50))).replace(
            minute=0, second=0, microsecond=0
        )
        fake.add_event(
            f"{rnd.choice(TOPICS).title()} with {person.split('@')[1]}",
            start,
            start + timedelta(minutes=rnd.choice([30, 45, 60])),
            attendees=[
                {"email": OPERATOR, "organizer": True, "self": True, "responseStatus": "accepted"},
                {"email": person, "responseStatus": rnd.choice(["accepted", "needsAction"])},
            ],
            weekly=6 if i < 2 else None,
        )
    for i in range(files):
        owner = OPERATOR if i % 3 else rnd.choice(people)
        fake.add_file(
            f"{rnd.choice(TOPICS).title()} notes {i}",
            owners=[owner],
            modified=now - timedelta(days=rnd.uniform(0, 60)),
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Google with a generated world.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--meetings", type=int, default=24)
    parser.add_argument("--files", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--token", default=TOKEN, help="the bearer token to accept")
    args = parser.parse_args(argv)
    fake = FakeGoogle(tokens={args.token}, now=datetime.now(UTC).replace(microsecond=0))
    generate(fake, messages=args.messages, meetings=args.meetings, files=args.files, seed=args.seed)
    fake.serve_forever(args.port)


if __name__ == "__main__":
    main()
