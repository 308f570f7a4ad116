"""Telling file kinds apart by extension and content, and overriding the detected kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.base import ImportFormatError
from connectors.files import detect_kind, parse_file
from tests.files_helpers import OPERATOR, write


def test_detect_kind_by_content_and_extension(tmp_path: Path) -> None:
    assert detect_kind(write(tmp_path, "export", "From x@y Mon Nov 16 10:00:00 2026\n")) == "mbox"
    assert detect_kind(write(tmp_path, "calendar.txt", "\ufeffBEGIN:VCALENDAR\r\n")) == "ics"
    assert detect_kind(write(tmp_path, "d.txt", "Record ID,Deal Name,Deal Stage\n")) == "deals_csv"
    assert detect_kind(write(tmp_path, "c.csv", "Company name,Company Domain Name\n")) == (
        "companies_csv"
    )
    with pytest.raises(ImportFormatError, match=r"supported files are HubSpot exports"):
        detect_kind(write(tmp_path, "notes.txt", "just some notes\n"))
    with pytest.raises(ImportFormatError, match="file not found"):
        detect_kind(tmp_path / "missing.csv")
    with pytest.raises(ImportFormatError, match="unknown file kind"):
        parse_file(write(tmp_path, "x.csv", "Email\n"), OPERATOR, kind="vcard")


def test_kind_override_parses_as_requested(tmp_path: Path) -> None:
    # A header that looks like a company export still parses as contacts when told to.
    path = write(tmp_path, "people.csv", "Email,Company name\nA@B.example,B Inc\n")
    batch = parse_file(path, OPERATOR, kind="contacts_csv")
    assert [c.email for c in batch.contacts] == ["a@b.example"]
    assert batch.contacts[0].company_name == "B Inc"
