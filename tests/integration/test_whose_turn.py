"""Whose turn it is counts: a champion's question waiting on the operator is first in `queue
today`, above nine follow-ups on our own unanswered mail, as the operator would do it.

Real HubSpot-style exports and an mbox through the real daemon's import and agent pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import PINNED_NOW, DaemonProcess
from tests.mailfixtures import OPERATOR, Mail, write_contacts_csv, write_mbox

NOW = datetime.fromisoformat(PINNED_NOW)  # Wednesday 25 Nov 2026, 10:00 in New York
DEALS_HEADER = (
    "Record ID,Deal Name,Deal Stage,Pipeline,Amount,Close Date,Create Date,Deal owner,"
    "Associated Company,Associated Contact\n"
)
# Nine prospects we wrote to and who have not answered: (first, last, company, business
# days since our email, deal amount). Their deals are as large as Acme's or larger.
CHASED = [
    ("Priya", "Shah", "Lumen", 6, 45000),
    ("Tom", "Becker", "Fernhill", 7, 60000),
    ("Lena", "Ortiz", "Brightwater", 7, 40000),
    ("Omar", "Haddad", "Kestrel", 8, 52000),
    ("Mia", "Chen", "Northpeak", 8, 40000),
    ("Jonas", "Berg", "Halcyon", 9, 48000),
    ("Ruth", "Adams", "Copperline", 9, 42000),
    ("Ken", "Ito", "Silverleaf", 10, 55000),
    ("Ada", "Novak", "Granite", 11, 40000),
]


def business_days_before(at: datetime, days: int) -> datetime:
    while days:
        at -= timedelta(days=1)
        days -= at.weekday() < 5
    return at


def test_a_champions_waiting_question_outranks_nine_follow_ups(
    blank_daemon: DaemonProcess, tmp_path: Path
) -> None:
    d = blank_daemon
    people = [("Dana", "Reyes", "Acme", "VP Finance")] + [
        (first, last, company, "Head of Operations") for first, last, company, _, _ in CHASED
    ]

    def email(first: str, company: str) -> str:
        return f"{first.lower()}@{company.lower()}.example"

    write_contacts_csv(
        tmp_path / "contacts.csv",
        [
            {
                "Record ID": str(100 + i),
                "First Name": first,
                "Last Name": last,
                "Email": email(first, company),
                "Job Title": title,
                "Company Name": company,
                "Lifecycle Stage": "opportunity",
                "Create Date": "2026-09-01 09:00",
            }
            for i, (first, last, company, title) in enumerate(people)
        ],
    )
    deals = [("Acme rollout", 40000, "Dana", "Reyes", "Acme")] + [
        (f"{company} platform", amount, first, last, company)
        for first, last, company, _, amount in CHASED
    ]
    (tmp_path / "deals.csv").write_text(
        DEALS_HEADER
        + "".join(
            f"{200 + i},{name},Presentation Scheduled,Sales Pipeline,{amount},2026-12-31,"
            f"2026-11-20,Casey Morgan,{company},{first} {last} ({email(first, company)})\n"
            for i, (name, amount, first, last, company) in enumerate(deals)
        )
    )
    mails = [
        Mail(
            "proposal@northwind",
            OPERATOR,
            "dana@acme.example",
            "Acme rollout: proposal",
            business_days_before(NOW, 5),
            body="Dana, the proposal for the rollout is attached.",
            labels="Sent",
            thread="9000",
        ),
        Mail(
            "pricing@acme",
            "Dana Reyes <dana@acme.example>",
            OPERATOR,
            "Re: Acme rollout: proposal",
            NOW - timedelta(days=2),
            body="Thanks. What would 60 seats cost on the annual plan, and is there a "
            "discount if we sign before the quarter ends?",
            in_reply_to="proposal@northwind",
            thread="9000",
        ),
    ] + [
        Mail(
            f"chase{i}@northwind",
            OPERATOR,
            email(first, company),
            f"{company} platform: next steps",
            business_days_before(NOW, days),
            body=f"Hi {first}, following our call, here is the plan we discussed.",
            labels="Sent",
            thread=str(9100 + i),
        )
        for i, (first, _, company, days, _) in enumerate(CHASED)
    ]
    write_mbox(tmp_path / "mail.mbox", mails)
    for name in ("contacts.csv", "deals.csv", "mail.mbox"):
        d.run_job("import.file", {"path": str(tmp_path / name)})

    today = d.call("queue.today", {"limit": 20})["moves"]
    titles = [m["title"] for m in today]
    # Her question is the operator's to answer; the others are ours to chase.
    assert titles[0] == "Reply to Dana Reyes (Acme)", titles
    follow_ups = [m for m in today if m["title"].startswith("Follow up with")]
    assert len(follow_ups) == 9, titles

    reply = d.call("queue.explain", {"id": today[0]["id"]})["breakdown"]["components"]
    assert "the next move is yours" in reply["urgency"]["reason"]
    by_who = {m["title"]: m for m in follow_ups}
    oldest = by_who["Follow up with Ada Novak (Granite)"]
    newest = by_who["Follow up with Priya Shah (Lumen)"]
    cold = d.call("queue.explain", {"id": oldest["id"]})["breakdown"]["components"]["urgency"]
    warm = d.call("queue.explain", {"id": newest["id"]})["breakdown"]["components"]["urgency"]
    assert "11 business days" in cold["reason"] and "gone cold" in cold["reason"]
    # Silence past its first days makes a follow-up worth less, not more.
    assert cold["value"] < warm["value"] < reply["urgency"]["value"]
