"""The words rules read: an out-of-office reply's return day, a request not to be contacted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from daemon.domain.mail_intent import back_on, opt_out_reason

NY = ZoneInfo("America/New_York")
SENT = datetime(2026, 11, 27, 15, tzinfo=UTC)  # Friday 27 Nov, 10:00 in New York


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("I am out of the office and back on Monday 7 December.", date(2026, 12, 7)),
        ("Returning 12/07. For anything urgent call Sam.", date(2026, 12, 7)),
        ("I'm away until 7 Dec with limited access to email.", date(2026, 12, 7)),
        ("Back in the office on December 7th, 2026.", date(2026, 12, 7)),
        ("I will return on Tuesday, 5 January.", date(2027, 1, 5)),  # the next 5 January
        ("Out until Monday.", date(2026, 11, 30)),
        ("Thanks for your email, I'll get back to you soon.", None),
        ("Returning 13/45.", None),  # no such day
        ("Back on 2 November.", date(2027, 11, 2)),  # the next one, not one already past
        ("Thanks!\n\nOn Mon, Casey wrote:\n> I'm back on 9 December", None),  # quoted: ours
    ],
)
def test_the_day_an_out_of_office_reply_says_they_are_back(text: str, day: date | None) -> None:
    assert back_on(text, SENT, NY) == day


@pytest.mark.parametrize(
    ("subject", "body", "reason"),
    [
        ("Please remove me from the newsletter", "", "asked to be removed"),
        ("Unsubscribe", "", "asked to unsubscribe"),
        ("Re: Pricing", "Not interested, thanks.", "said they are not interested"),
        ("Re: Pricing", "We are no longer interested.", "said they are not interested"),
        ("Re: Pricing", "Please stop emailing me.", "asked to stop receiving email"),
        ("Re: Pricing", "Do not contact me again.", "asked not to be contacted"),
        ("Re: Pricing", "Kindly take me off your list!", "asked to be removed"),
    ],
)
def test_requests_not_to_be_contacted(subject: str, body: str, reason: str) -> None:
    found = opt_out_reason(subject, body)
    assert found is not None and found.startswith(reason + ": “")


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Re: Pricing", "If you're not interested in the add-on, that's fine too."),
        ("Re: Pricing", "Please don't remove me from the list."),
        ("Re: Pricing", "I'm not not interested!"),
        ("Re: Pricing", "We're not uninterested."),
        ("Re: Pricing", "Not interested in the starter plan, but enterprise sounds good."),
        ("Re: Not interested? Read this", "Sounds great, call me Tuesday."),  # our subject
        ("Re: Pricing", "Sounds good.\n\nOn Mon, Casey wrote:\n> To unsubscribe, reply STOP"),
        ("Re: Pricing", "I didn't ask you to stop emailing me, keep the updates coming."),
    ],
)
def test_what_is_not_a_request_not_to_be_contacted(subject: str, body: str) -> None:
    assert opt_out_reason(subject, body) is None
