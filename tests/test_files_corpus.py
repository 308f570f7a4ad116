"""The generated corpus (bench/corpus.py) parses to what it says it wrote.

These double as end-to-end checks of the parsers on realistic files: Takeout headers, threads
of replies with quoted history from three mail clients, MIME alternatives, attachments,
encoded words, newsletters, notifications, bounces, and HubSpot exports of every kind.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from bench import corpus
from bench.corpus import MboxStats
from connectors.base import NoteRecord, SyncBatch, TaskRecord
from connectors.files import detect_kind, iter_hubspot_csv, parse_file, parse_hubspot_csv
from connectors.files.mbox import parse_mbox

N = 400


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MboxStats]:
    path = tmp_path_factory.mktemp("corpus") / "All mail Including Spam and Trash.mbox"
    return path, corpus.write_mbox(path, N)


def test_corpus_mbox_counts(mailbox: tuple[Path, MboxStats]) -> None:
    path, stats = mailbox
    assert detect_kind(path) == "mbox"
    batch = parse_mbox(path, corpus.operator())
    msgs = batch.messages
    assert batch.warnings == []
    assert len(msgs) == stats.messages == N
    # Every kind of mail the corpus promises is present at this size.
    assert min(stats.bounces, stats.drafts, stats.internal, stats.html_only) > 0
    assert min(stats.attachments, stats.encoded_subjects, stats.replies) > 0
    assert len({m.thread_key for m in msgs}) == stats.threads
    directions = Counter(m.direction for m in msgs)
    assert directions == {
        "outbound": stats.outbound,
        "inbound": stats.inbound,
        "internal": stats.internal,
    }
    assert sum(m.is_draft for m in msgs) == stats.drafts
    assert sum("automated" in m.labels for m in msgs) == stats.automated
    assert sum("bounce" in m.labels for m in msgs) == stats.bounces
    kinds = Counter(s.kind for s in batch.signals)
    assert kinds == {
        "email.sent": stats.sent_signals,
        "email.received": stats.received_signals,
        "email.bounced": stats.bounces,
    }
    bounced = [s.contact_email for s in batch.signals if s.kind == "email.bounced"]
    assert all(r is not None and r in stats.contacts for r in bounced)


def test_corpus_mbox_content_is_decoded_and_unquoted(mailbox: tuple[Path, MboxStats]) -> None:
    path, stats = mailbox
    msgs = parse_mbox(path, corpus.operator()).messages
    for m in msgs:
        assert m.body, m.message_id
        assert "=?" not in m.subject and "=?" not in (m.from_name or "")
        # Quoted history of every client style is gone; only newly written text is kept.
        assert "wrote:" not in m.body and "________" not in m.body, m.body
        assert not any(line.startswith(">") for line in m.body.split("\n")), m.body
        assert m.from_addr == m.from_addr.lower()
    humans = {m.from_addr for m in msgs if m.direction == "inbound" and "automated" not in m.labels}
    assert humans and humans <= stats.contacts
    accented = [m for m in msgs if m.from_name and not m.from_name.isascii()]
    assert accented, "some correspondents have accented names"
    assert sum(not m.subject.isascii() for m in msgs) == stats.encoded_subjects
    replies = [m for m in msgs if m.in_reply_to and "bounce" not in m.labels]
    assert len(replies) == stats.replies
    # Takeout's X-GM-THRID decides the thread, even where a client referenced only the parent.
    by_id = {m.message_id: m for m in msgs}
    for reply in replies:
        assert by_id[reply.in_reply_to or ""].thread_key == reply.thread_key


def test_corpus_is_deterministic(tmp_path: Path) -> None:
    first = corpus.write_mbox(tmp_path / "a.mbox", 60, seed=3)
    second = corpus.write_mbox(tmp_path / "b.mbox", 60, seed=3)
    other = corpus.write_mbox(tmp_path / "c.mbox", 60, seed=4)
    assert (tmp_path / "a.mbox").read_bytes() == (tmp_path / "b.mbox").read_bytes()
    assert first == second
    assert (tmp_path / "a.mbox").read_bytes() != (tmp_path / "c.mbox").read_bytes()
    assert other.messages == 60
    corpus.write_deals_csv(tmp_path / "d1.csv", 30)
    corpus.write_deals_csv(tmp_path / "d2.csv", 30)
    assert (tmp_path / "d1.csv").read_bytes() == (tmp_path / "d2.csv").read_bytes()


def test_corpus_crlf_mbox_parses_alike(tmp_path: Path) -> None:
    lf, crlf = tmp_path / "lf.mbox", tmp_path / "crlf.mbox"
    stats = corpus.write_mbox(lf, 120, seed=5)
    assert corpus.write_mbox(crlf, 120, seed=5, crlf=True).messages == stats.messages
    assert b"\r\n" in crlf.read_bytes()[:200]
    a = parse_mbox(lf, corpus.operator())
    b = parse_mbox(crlf, corpus.operator())
    assert b.warnings == []
    assert [(m.message_id, m.thread_key, m.direction, m.subject) for m in a.messages] == [
        (m.message_id, m.thread_key, m.direction, m.subject) for m in b.messages
    ]
    assert [m.body for m in a.messages] == [m.body for m in b.messages]


def test_corpus_message_sizes_are_realistic(mailbox: tuple[Path, MboxStats]) -> None:
    _, stats = mailbox
    average = stats.bytes / stats.messages
    assert 1_000 <= average <= 8_000


@pytest.mark.parametrize(
    ("kind", "write"),
    [
        ("contacts_csv", corpus.write_contacts_csv),
        ("companies_csv", corpus.write_companies_csv),
        ("deals_csv", corpus.write_deals_csv),
        ("tasks_csv", corpus.write_tasks_csv),
        ("notes_csv", corpus.write_notes_csv),
    ],
)
def test_corpus_csv_counts(tmp_path: Path, kind: str, write: corpus.CsvWriter) -> None:
    path = tmp_path / f"hubspot-{kind}.csv"
    stats = write(path, 120)
    assert detect_kind(path) == kind
    batch = parse_file(path, corpus.operator())
    records = {
        "contacts_csv": len(batch.contacts),
        "companies_csv": len(batch.companies),
        "deals_csv": len(batch.deals),
        "tasks_csv": len(batch.tasks),
        "notes_csv": len(batch.notes),
    }[kind]
    assert records == stats.records
    assert len(batch.warnings) == stats.warnings
    assert len(batch.signals) == stats.signals
    if kind == "contacts_csv":
        assert stats.warnings > 0  # rows without an email, as real exports have
        assert len(batch.companies) == stats.companies
    if kind == "deals_csv":
        for deal in batch.deals:
            assert deal.contact_emails
            # The cell names the company without a domain: it comes from a work address.
            work = [a.partition("@")[2] for a in deal.contact_emails if "@gmail.com" not in a]
            assert deal.company_domain == (work[0] if work else None)
        assert all(d.stage_entered_at is not None for d in batch.deals)
    if kind in {"tasks_csv", "notes_csv"}:
        linked: list[TaskRecord | NoteRecord] = [*batch.tasks, *batch.notes]
        assert all(r.deal_external_id and r.contact_emails for r in linked)
        assert all("<" not in (r.body or "") for r in linked)


def test_corpus_files_describe_the_same_world(tmp_path: Path) -> None:
    stats = corpus.write_mbox(tmp_path / "mail.mbox", 200)
    corpus.write_contacts_csv(tmp_path / "contacts.csv", 200 // 8)
    export = parse_file(tmp_path / "contacts.csv", corpus.operator())
    # Everyone the mailbox talks to is in the contacts export of n/8 rows, except the addresses
    # of people who left (the bounces), and their companies are the export's companies.
    people = {a for a in stats.contacts if ".old@" not in a}
    assert people and people <= {c.email for c in export.contacts}
    assert stats.companies <= {c.domain for c in export.companies}


@pytest.mark.parametrize(
    "write",
    [
        corpus.write_contacts_csv,
        corpus.write_companies_csv,
        corpus.write_deals_csv,
        corpus.write_tasks_csv,
        corpus.write_notes_csv,
    ],
)
def test_csv_batches_add_up_to_the_whole_file(tmp_path: Path, write: corpus.CsvWriter) -> None:
    path = tmp_path / "export.csv"
    stats = write(path, 120)
    # A duplicate of the first row, at the end, must be recognised across batches.
    with path.open(encoding="utf-8-sig", newline="") as fh:
        first = list(csv.reader(fh))[1]
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerow(first)
    whole = parse_hubspot_csv(path, corpus.operator())
    batches = list(iter_hubspot_csv(path, corpus.operator(), chunk_rows=25))
    assert len(batches) == 5  # 121 rows: four batches of 25, the last 21 close the file
    merged = SyncBatch(source="files")
    for batch in batches:
        rows = len(batch.contacts) + len(batch.deals) + len(batch.tasks) + len(batch.notes)
        assert rows <= 25
        merged.extend(batch)
    assert merged == whole
    assert len(whole.warnings) == stats.warnings + 1
    assert "already imported from line 2" in whole.warnings[-1]
    with pytest.raises(ValueError, match="chunk_rows"):
        next(iter_hubspot_csv(path, corpus.operator(), chunk_rows=0))
