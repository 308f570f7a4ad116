"""mbox files read as a stream: message numbers, resuming, counting, block edges, memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from bench import corpus
from connectors.files import mbox
from connectors.files.mbox import ParsedMessage, count_mbox, iter_mbox
from tests.files_helpers import write

OPERATOR = corpus.operator()


@pytest.fixture(scope="module")
def small_box(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stream") / "mail.mbox"
    corpus.write_mbox(path, 90, seed=2)
    return path


def test_items_are_numbered_and_resume_yields_exactly_the_rest(small_box: Path) -> None:
    full = list(iter_mbox(small_box, OPERATOR))
    assert [p.number for p in full] == list(range(1, 91))
    for start in (1, 37, 89):
        rest = list(iter_mbox(small_box, OPERATOR, start=start))
        assert [p.number for p in rest] == list(range(start + 1, 91))
        assert rest == full[start:]
    assert list(iter_mbox(small_box, OPERATOR, start=90)) == []
    assert list(iter_mbox(small_box, OPERATOR, start=500)) == []


def test_resume_does_not_parse_what_it_skips(
    small_box: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[int] = []
    real = mbox._parse_message

    def counting(raw: bytes, operator: object, number: int = 0) -> ParsedMessage:
        parsed.append(number)
        return real(raw, OPERATOR, number)

    monkeypatch.setattr(mbox, "_parse_message", counting)
    assert len(list(iter_mbox(small_box, OPERATOR, start=60))) == 30
    assert parsed == list(range(61, 91))


def test_count_mbox_matches_what_iter_mbox_yields(small_box: Path, tmp_path: Path) -> None:
    assert count_mbox(small_box) == 90
    crlf = tmp_path / "crlf.mbox"
    corpus.write_mbox(crlf, 25, crlf=True)
    assert count_mbox(crlf) == len(list(iter_mbox(crlf, OPERATOR))) == 25
    # A byte-order mark and blank lines before the first message, a message with no headers,
    # and one without a sender: every entry counts, skipped or not.
    odd = write(
        tmp_path,
        "odd.mbox",
        b"\xef\xbb\xbf\n\nFrom a@x.example Mon Nov 16 15:00:00 2026\nFrom: a@x.example\n"
        b"Date: Mon, 16 Nov 2026 10:00:00 -0500\nSubject: one\n\nbody\n\n"
        b"From b@x.example Mon Nov 16 15:00:00 2026\n"
        b"From c@x.example Mon Nov 16 15:00:00 2026\nSubject: no sender\n\nbody\n",
    )
    items = list(iter_mbox(odd, OPERATOR))
    assert count_mbox(odd) == len(items) == 3
    assert [p.number for p in items] == [1, 2, 3]
    assert items[0].message is not None and items[0].message.subject == "one"
    assert items[1].message is None and items[2].message is None
    assert items[2].warning == "odd.mbox: message 3: skipped, no sender (From header)"


def test_first_message_right_after_a_byte_order_mark(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bom.mbox",
        b"\xef\xbb\xbfFrom a@x.example Mon Nov 16 15:00:00 2026\nFrom: a@x.example\n"
        b"Date: Mon, 16 Nov 2026 10:00:00 -0500\nSubject: first\n\nbody\n",
    )
    assert count_mbox(path) == 1
    [item] = list(iter_mbox(path, OPERATOR))
    assert item.message is not None and item.message.subject == "first"


@pytest.mark.parametrize("block", [5, 6, 7, 64, 4096])
def test_block_edges_do_not_change_the_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    path = tmp_path / "mail.mbox"
    corpus.write_mbox(path, 12, seed=9)
    expected = list(iter_mbox(path, OPERATOR))
    # Separators now straddle reads and messages span many of them.
    monkeypatch.setattr(mbox, "_BLOCK", block)
    assert list(iter_mbox(path, OPERATOR)) == expected
    assert list(iter_mbox(path, OPERATOR, start=5)) == expected[5:]
    assert count_mbox(path) == 12


def test_reading_holds_a_block_and_a_message_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mail.mbox"
    stats = corpus.write_mbox(path, 300, seed=1)
    monkeypatch.setattr(mbox, "_BLOCK", 32 * 1024)
    tracemalloc.start()
    try:
        sizes = [len(raw) for _, raw in mbox._raw_messages(path)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(sizes) == 300 and sum(sizes) > stats.bytes * 0.99
    # Two blocks and the message being cut from them, whatever the length of the file.
    assert peak < 4 * 32 * 1024 + 2 * max(sizes), (peak, stats.bytes)


def test_count_mbox_rejects_what_is_not_an_mbox(tmp_path: Path) -> None:
    with pytest.raises(mbox.ImportFormatError, match="not an mbox file"):
        count_mbox(write(tmp_path, "x.mbox", "Subject: hi\n\nbody\n"))
