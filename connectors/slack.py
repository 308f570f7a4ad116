"""Posting a notification to Slack, exactly once.

`chat.postMessage` is not idempotent, and Slack's own SDK retries a post whose reply was
lost, so a flaky network posts the message twice. Here a post that may have landed
(`MaybeDelivered`: the reply never came) is first looked for in the channel's history
(`conversations.history` from just before the send), by a marker carried in the message's
metadata and, failing that, by its text; only if it is not there is it posted again.

Slack answers most errors with HTTP 200 and `{"ok": false, "error": "..."}`: those become
`SlackError` (or `NeedsReauth` for a revoked or invalid token); a 429 is waited out as
`Retry-After` says, by `connectors.http.Api`.

The bot token needs the `chat:write` scope to post and `channels:history` (`groups:history`
for a private channel) for the look before a second try.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from connectors.http import Api, ApiError, MaybeDelivered, NeedsReauth, TokenSource
from connectors.live import Endpoints

EVENT_TYPE = "caseyos_notification"
# How many posts of one message are tried when each reply is lost, before giving up.
ATTEMPTS = 3
HISTORY_LIMIT = 100
# Errors that mean the token no longer works: only a new login helps.
AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)


class SlackError(ApiError):
    """Slack said `ok: false`; `error` is its error code (channel_not_found...)."""

    def __init__(self, error: str, method: str):
        super().__init__("slack", f"{method} failed: {error}")
        self.error = error


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    # True when the message was found already posted after a lost reply (not sent twice).
    recovered: bool = False


def client(endpoints: Endpoints, tokens: TokenSource, **settings: Any) -> Api:
    """The `Api` notify posts through (`tokens`: `state.credentials.token_source("slack",
    endpoints)`); `settings` go to `Api` (a retry policy, a timeout)."""
    return Api("slack", endpoints.slack, auth=tokens, **settings)


def checked(body: Any, method: str) -> dict[str, Any]:
    """Slack's answer, or the error it carries raised."""
    if not isinstance(body, dict):
        raise SlackError("not_an_object", method)
    if not body.get("ok"):
        error = str(body.get("error") or "unknown_error")
        if error in AUTH_ERRORS:
            raise NeedsReauth("slack", f"Slack refused the token ({error})")
        raise SlackError(error, method)
    return body


def _ts(seconds: float) -> str:
    return f"{seconds:.6f}"


async def notify(api: Api, channel: str, text: str) -> Posted:
    """Post `text` to `channel` once, even when replies are lost on the way back."""
    marker = uuid.uuid4().hex
    # A little before now: Slack's clock and ours differ, and `oldest` is exclusive.
    since = _ts(time.time() - 120)
    message = {
        "channel": channel,
        "text": text,
        "metadata": {"event_type": EVENT_TYPE, "event_payload": {"id": marker}},
    }
    for attempt in range(ATTEMPTS):
        try:
            body = checked(
                await api.post_json("/chat.postMessage", message, idempotent=False),
                "chat.postMessage",
            )
        except MaybeDelivered:
            found = await _find(api, channel, since, marker, text)
            if found is not None:
                return Posted(channel, found, recovered=True)
            if attempt == ATTEMPTS - 1:
                raise
            continue
        return Posted(str(body.get("channel") or channel), str(body.get("ts")))
    raise AssertionError("unreachable")  # pragma: no cover


async def _find(api: Api, channel: str, since: str, marker: str, text: str) -> str | None:
    """The ts of our message if the channel already has it (posted since `since`)."""
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {
            "channel": channel,
            "oldest": since,
            "limit": HISTORY_LIMIT,
            "include_all_metadata": "true",
        }
        if cursor:
            params["cursor"] = cursor
        body = checked(await api.get_json("/conversations.history", params), "history")
        for m in body.get("messages") or []:
            meta = m.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if payload.get("id") == marker:
                return str(m.get("ts"))
            if not meta and m.get("text") == text:
                # A workspace that strips metadata: the same text since the send is ours.
                return str(m.get("ts"))
        cursor = (body.get("response_metadata") or {}).get("next_cursor") or None
        if not body.get("has_more") or not cursor:
            return None
