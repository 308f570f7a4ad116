"""A fake Slack Web API (https://api.slack.com/web) under /api, as the Slack methods answer.

  POST /api/chat.postMessage        JSON {"channel", "text", "metadata"?}
  GET  /api/conversations.history  channel, oldest, latest, limit, cursor,
                                    include_all_metadata; newest first, paged by cursor
  POST /api/auth.test               who the token belongs to
  POST /api/auth.revoke             revokes the calling token

Like Slack, it answers HTTP 200 with {"ok": false, "error": "..."} for a refused token or
an unknown channel (not 401/404); a 429 comes from the base's scripted faults. The token
is the bearer in the Authorization header. `lose_replies` posts the message and then
answers 503, as a gateway that timed out after Slack took the message would.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request


class FakeSlack(FakeServer):
    def __init__(self, token: str = "xoxb-fake-bot-token", team: str = "Northwind") -> None:
        super().__init__()
        self.bot_tokens = {token}
        self.team = team
        self.channels: dict[str, list[dict[str, Any]]] = {"C0NOTIFY": []}
        self.lose_replies = 0
        self._clock = itertools.count()
        self.route("POST", "/api/chat.postMessage", self._post)
        self.route("GET", "/api/conversations.history", self._history)
        self.route("POST", "/api/conversations.history", self._history)
        self.route("POST", "/api/auth.test", self._auth_test)
        self.route("POST", "/api/auth.revoke", self._revoke)

    @property
    def api_url(self) -> str:
        return self.url + "/api"

    def messages(self, channel: str = "C0NOTIFY") -> list[dict[str, Any]]:
        with self.lock:
            return list(self.channels[channel])

    def _ts(self) -> str:
        # Unique and increasing, like Slack's: seconds plus a per-message sequence.
        return f"{int(time.time())}.{next(self._clock):06d}"

    def _refused(self, r: Request) -> Reply | None:
        if r.token is None:
            return 200, {"ok": False, "error": "not_authed"}
        if r.token not in self.bot_tokens:
            return 200, {"ok": False, "error": "invalid_auth"}
        return None

    def _post(self, r: Request) -> Reply:
        refused = self._refused(r)
        if refused:
            return refused
        body = r.json()
        channel = body.get("channel")
        if channel not in self.channels:
            return 200, {"ok": False, "error": "channel_not_found"}
        if not body.get("text"):
            return 200, {"ok": False, "error": "no_text"}
        message: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": body["text"],
            "ts": self._ts(),
            "bot_id": "B0CASEY",
        }
        if body.get("metadata"):
            message["metadata"] = body["metadata"]
        with self.lock:
            self.channels[channel].append(message)
            lose = self.lose_replies > 0
            if lose:
                self.lose_replies -= 1
        if lose:
            return 503, {"ok": False, "error": "service_unavailable"}
        return 200, {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _history(self, r: Request) -> Reply:
        refused = self._refused(r)
        if refused:
            return refused
        args = r.form() if r.method == "POST" else {k: v[0] for k, v in r.query.items()}
        channel = args.get("channel")
        if channel not in self.channels:
            return 200, {"ok": False, "error": "channel_not_found"}
        oldest = float(args.get("oldest") or 0)
        limit = min(int(args.get("limit") or 100), 999)
        start = int(args.get("cursor") or 0)
        with_meta = args.get("include_all_metadata") in ("true", "1")
        with self.lock:
            newest_first = [m for m in reversed(self.channels[channel]) if float(m["ts"]) > oldest]
        page = newest_first[start : start + limit]
        shown = [m if with_meta else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(newest_first)
        return 200, {
            "ok": True,
            "messages": shown,
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _auth_test(self, r: Request) -> Reply:
        refused = self._refused(r)
        if refused:
            return refused
        return 200, {
            "ok": True,
            "url": "https://northwind.slack.com/",
            "team": self.team,
            "user": "caseyos",
            "team_id": "T0NORTH",
            "user_id": "U0CASEY",
            "bot_id": "B0CASEY",
            "is_enterprise_install": False,
        }

    def _revoke(self, r: Request) -> Reply:
        refused = self._refused(r)
        if refused:
            return refused
        with self.lock:
            self.bot_tokens.discard(r.token or "")
        return 200, {"ok": True, "revoked": True}
