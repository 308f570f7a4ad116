"""Google Drive (API v3): the operator's documents, then what changes in them.

First sync: the changes feed's start token is taken first (`changes.getStartPageToken`),
then every file not in the trash is listed (`files.list`); later syncs read
`changes.list` from the kept token until Google hands a `newStartPageToken`. Taking the
token before listing means a file changed while the list is read comes again next time;
records are upserted by Drive's file id, so that costs nothing.

A change that says a file was removed (deleted for good, or no longer shared with the
operator) becomes a `DocumentRecord` with `removed=True`: the stored row is marked trashed.

Cursor (JSON), one of:
  {"start": TOKEN, "page": LIST_TOKEN, "done": N}   first sync under way (files.list page)
  {"changes": TOKEN}                                 caught up; read changes from TOKEN
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from connectors.addresses import normalize_email
from connectors.base import DocumentRecord, OperatorIdentity, SyncBatch
from connectors.google._common import (
    SOURCE,
    GoogleConnector,
    dump_cursor,
    load_cursor,
    make_api,
    parse_time,
)
from connectors.http import Api
from connectors.live import MINUTE, LiveContext, LiveSpec

DRIVE = "/drive/v3"
PAGE = 1000  # the most files.list and changes.list give in one page
# Files in shared drives too: a proposal often lives in the team's drive, not My Drive.
ALL_DRIVES = {"supportsAllDrives": "true", "includeItemsFromAllDrives": "true"}
FILE = "id,name,mimeType,owners,modifiedTime,webViewLink,trashed"
LIST_FIELDS = f"nextPageToken,files({FILE})"
CHANGE_FIELDS = (
    f"nextPageToken,newStartPageToken,changes(changeType,fileId,removed,time,file({FILE}))"
)


def document(file: dict[str, Any]) -> DocumentRecord:
    """A Drive file resource -> its record."""
    owners = []
    for owner in file.get("owners") or []:
        address = normalize_email(str(owner.get("emailAddress") or ""))
        if address and address not in owners:
            owners.append(address)
    return DocumentRecord(
        drive_id=str(file["id"]),
        name=str(file.get("name") or ""),
        mime_type=str(file.get("mimeType") or ""),
        owners=owners,
        modified_at=parse_time(file.get("modifiedTime")),
        link=file.get("webViewLink") or None,
        trashed=bool(file.get("trashed")),
    )


class DriveConnector(GoogleConnector):
    name = "drive"

    def __init__(
        self,
        api: Api,
        operator: OperatorIdentity,
        now: datetime,
        *,
        page_size: int = PAGE,
        chunk_size: int = 500,
    ):
        super().__init__(api, operator, now, page_size=page_size, chunk_size=chunk_size)

    def streams(self) -> Sequence[str]:
        return ("files",)

    async def probe(self) -> str:
        await self.api.get_json(f"{DRIVE}/changes/startPageToken")
        return "Drive readable"

    async def sync(self, stream: str, cursor: str | None) -> AsyncIterator[SyncBatch]:
        state = load_cursor(cursor, self.name) or {}
        if "changes" in state:
            async for batch in self._changes(str(state["changes"])):
                yield batch
            return
        async for batch in self._listing(state):
            yield batch

    async def _listing(self, state: dict[str, Any]) -> AsyncIterator[SyncBatch]:
        start = state.get("start")
        if not start:
            answer = await self.api.get_json(
                f"{DRIVE}/changes/startPageToken", {"supportsAllDrives": "true"}
            )
            start = str(answer["startPageToken"])
        page: str | None = state.get("page")
        done = int(state.get("done") or 0)
        while True:
            params: dict[str, Any] = {
                "q": "trashed = false",
                "pageSize": self.page_size,
                "fields": LIST_FIELDS,
                **ALL_DRIVES,
                "corpora": "allDrives",
            }
            if page:
                params["pageToken"] = page
            answer = await self.api.get_json(f"{DRIVE}/files", params)
            files = answer.get("files") or []
            batch = SyncBatch(source=SOURCE, documents=[document(f) for f in files])
            done += len(files)
            batch.done = done
            following = answer.get("nextPageToken")
            if following:
                batch.cursor = dump_cursor({"start": start, "page": following, "done": done})
            else:
                batch.cursor = dump_cursor({"changes": start})
                batch.total = done
            yield batch
            if not following:
                return
            page = following

    async def _changes(self, token: str) -> AsyncIterator[SyncBatch]:
        done = 0
        while True:
            answer = await self.api.get_json(
                f"{DRIVE}/changes",
                {
                    "pageToken": token,
                    "pageSize": self.page_size,
                    "fields": CHANGE_FIELDS,
                    **ALL_DRIVES,
                },
            )
            batch = SyncBatch(source=SOURCE)
            for change in answer.get("changes") or []:
                if change.get("changeType", "file") != "file":
                    continue  # a shared drive's own settings, not a file
                file = change.get("file")
                if change.get("removed") or not file:
                    batch.documents.append(
                        DocumentRecord(
                            drive_id=str(change["fileId"]), name="", trashed=True, removed=True
                        )
                    )
                else:
                    batch.documents.append(document(file))
            done += len(batch.documents)
            batch.done = done
            following = answer.get("nextPageToken")
            newest = answer.get("newStartPageToken")
            token = str(following or newest or token)
            batch.cursor = dump_cursor({"changes": token})
            if not following:
                batch.total = done
            yield batch
            if not following:
                return


def build(ctx: LiveContext) -> DriveConnector:
    return DriveConnector(make_api(ctx), ctx.operator, ctx.now)


SPEC = LiveSpec(
    name="drive",
    service="google",
    summary="Google Drive: the operator's documents, then what changes in them",
    every=60 * MINUTE,
    build=build,
    defaults={},
)
