"""How the record commands put things in words."""

from __future__ import annotations

from caseyos_cli import records


def test_a_signal_is_about_its_subject_or_its_person() -> None:
    contact = {"kind": "contact.created", "payload": {"name": "Zoë Park", "title": "Controller"}}
    mail = {"kind": "email.received", "payload": {"subject": "Pricing", "email": "z@x.example"}}
    meeting = {"kind": "meeting.upcoming", "payload": {"title": "Contract review"}}
    deal = {"kind": "deal.stalled", "payload": {"deal": "Acme rollout"}}
    assert [records.signal_about(s) for s in (contact, mail, meeting, deal)] == [
        "Zoë Park",
        "Pricing",
        "Contract review",
        "Acme rollout",
    ]


def test_crm_words_and_money() -> None:
    assert records.word("NOT_STARTED") == "not started"
    assert records.word(None) == ""
    assert [records.money(a) for a in (None, 950, 48_000, 1_500_000)] == [
        "-",
        "$950",
        "$48k",
        "$1.5M",
    ]
