"""Slack notifications: posted once, whatever happens to the reply."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.http import Api, MaybeDelivered, NeedsReauth, RetryPolicy, StaticToken
from connectors.live import Endpoints
from connectors.slack import SlackError, client, notify
from tests.fakes.slack import FakeSlack

TOKEN = "xoxb-1111-2222-notify-secret"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSlack]:
    with FakeSlack(TOKEN) as f:
        yield f


@pytest.fixture
def slack(server: FakeSlack) -> FakeSlack:
    with server.lock:
        server.channels = {"C0NOTIFY": []}
        server.faults.clear()
        server.requests.clear()
        server.lose_replies = 0
    return server


def api(slack: FakeSlack, token: str = TOKEN) -> Api:
    return client(
        Endpoints(slack=slack.api_url),
        StaticToken("slack", token),
        policy=RetryPolicy(base=0.01),
        timeout=2.0,
    )


async def test_a_post_lands_once(slack: FakeSlack) -> None:
    async with api(slack) as a:
        posted = await notify(a, "C0NOTIFY", "Dana replied about the MSA")
    [message] = slack.messages()
    assert posted.ts == message["ts"] and not posted.recovered
    assert message["text"] == "Dana replied about the MSA"
    assert message["metadata"]["event_type"] == "caseyos_notification"


async def test_a_lost_reply_is_found_in_the_history_not_posted_twice(slack: FakeSlack) -> None:
    slack.lose_replies = 1  # Slack took the message; the reply never came back
    async with api(slack) as a:
        posted = await notify(a, "C0NOTIFY", "Renewal call moved to Friday")
    assert len(slack.messages()) == 1
    assert posted.recovered and posted.ts == slack.messages()[0]["ts"]
    assert slack.count("POST", "chat.postMessage") == 1
    [history] = [r for r in slack.requests if r.path.endswith("conversations.history")]
    assert history.arg("include_all_metadata") == "true" and history.arg("oldest")


async def test_a_post_that_never_landed_is_sent_again(slack: FakeSlack) -> None:
    # The connection drops before Slack saw anything: the history has nothing, so it posts.
    slack.fail(path="chat.postMessage", drop=True)
    async with api(slack) as a:
        posted = await notify(a, "C0NOTIFY", "Kestrel went quiet for 14 days")
    assert not posted.recovered
    assert [m["text"] for m in slack.messages()] == ["Kestrel went quiet for 14 days"]
    assert slack.count("POST", "chat.postMessage") == 2


async def test_the_same_text_posted_earlier_by_hand_is_not_mistaken_for_ours(
    slack: FakeSlack,
) -> None:
    async with api(slack) as a:
        await notify(a, "C0NOTIFY", "Standup in 5")
        slack.lose_replies = 1
        posted = await notify(a, "C0NOTIFY", "Standup in 5")
    # Both are ours, each found by its own marker: two messages, neither posted twice.
    assert [m["text"] for m in slack.messages()] == ["Standup in 5", "Standup in 5"]
    assert posted.ts == slack.messages()[1]["ts"]


async def test_rate_limits_are_waited_out(slack: FakeSlack) -> None:
    slack.fail(path="chat.postMessage", status=429, headers={"Retry-After": "0"}, times=2)
    async with api(slack) as a:
        await notify(a, "C0NOTIFY", "after the rate limit")
    assert len(slack.messages()) == 1 and slack.count("POST", "chat.postMessage") == 3


async def test_ok_false_is_an_error_and_a_bad_token_needs_a_new_login(slack: FakeSlack) -> None:
    async with api(slack) as a:
        with pytest.raises(SlackError) as caught:
            await notify(a, "C0NOPE", "nowhere")
    assert caught.value.error == "channel_not_found"
    async with api(slack, "xoxb-revoked") as a:
        with pytest.raises(NeedsReauth, match="invalid_auth"):
            await notify(a, "C0NOTIFY", "hello")
    assert slack.messages() == []


async def test_replies_lost_every_time_give_up_without_flooding(slack: FakeSlack) -> None:
    slack.fail(path="chat.postMessage", drop=True, times=10)
    async with api(slack) as a:
        with pytest.raises(MaybeDelivered):
            await notify(a, "C0NOTIFY", "unlucky")
    assert slack.count("POST", "chat.postMessage") == 3 and slack.messages() == []
