"""Quoted text in a message folds to one line, whatever form the quote takes."""

from __future__ import annotations

from caseyos_cli.tui.mail import FOLDED, fold_quotes


def test_quote_marks_fold_to_one_line() -> None:
    body = "Sounds good.\n\n> earlier line one\n> earlier line two\n>\nThanks,\nDana"
    assert fold_quotes(body) == ["Sounds good.", FOLDED, "Thanks,", "Dana"]


def test_an_attribution_and_what_follows_fold_together() -> None:
    body = (
        "Yes, Thursday works.\n\nOn Tue, 24 Nov 2026 at 17:15, Casey Morgan\n"
        "<casey@example.org> wrote:\n> Does Thursday work?\n>\n> Casey"
    )
    assert fold_quotes(body) == ["Yes, Thursday works.", FOLDED]


def test_interleaved_quotes_fold_each_run_and_keep_the_answers() -> None:
    body = "> Price?\n$48k.\n> Start?\n> (asked twice)\nOn go-live."
    assert fold_quotes(body) == [FOLDED, "$48k.", FOLDED, "On go-live."]


def test_a_message_without_quotes_is_unchanged() -> None:
    body = "On Thursday we start.\nOnly this."  # "On ..." without "wrote:" is not a quote
    assert fold_quotes(body) == ["On Thursday we start.", "Only this."]
