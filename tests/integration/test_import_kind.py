"""`caseyos import --kind` picks the parser, whatever the file's name or first line says."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import PINNED_NOW, DaemonProcess, run_cli
from tests.mailfixtures import OPERATOR, Mail, write_contacts_csv, write_mbox

NOW = datetime.fromisoformat(PINNED_NOW)

# One daemon for the module (`steady_daemon`): each test looks only at the import jobs it
# started (those not listed before it) and at people no other test here imports.


def _mails(n: int) -> list[Mail]:
    return [
        Mail(
            msg_id=f"kind-{i}@lumen.example",
            frm="Zoe Park <zoe@lumen.example>",
            to=OPERATOR,
            subject=f"Proposal {i}",
            at=NOW - timedelta(days=2, hours=i),
        )
        for i in range(n)
    ]


def _import_jobs(daemon: DaemonProcess, since: set[str] | None = None) -> list[dict]:
    """The import jobs the daemon lists, less those whose ids are in `since`."""
    return [
        j
        for j in daemon.call("jobs.list", {"limit": 1000})["jobs"]
        if j["kind"] == "import" and j["id"] not in (since or set())
    ]


def _ids(jobs: list[dict]) -> set[str]:
    return {j["id"] for j in jobs}


def test_kind_mbox_imports_a_txt_file_as_mail(steady_daemon: DaemonProcess, tmp_path: Path) -> None:
    before = _ids(_import_jobs(steady_daemon))
    path = write_mbox(tmp_path / "mail-export.txt", _mails(3))
    # Without a blank line or two at the top, detection would see the envelope line.
    out = run_cli("import", str(path), "--kind", "mbox")
    assert out.returncode == 0, out.stderr
    assert "(mbox)" in out.stdout
    [job] = _import_jobs(steady_daemon, since=before)
    assert job["result"]["kind"] == "mbox"
    assert job["result"]["counts"], job["result"]


def test_kind_overrides_what_the_header_suggests(
    steady_daemon: DaemonProcess, tmp_path: Path
) -> None:
    before = _ids(_import_jobs(steady_daemon))
    # A contact list with a "Deal Name" column: detection reads it as a deals export. Its
    # person is no one another test here imports (the mail above is from zoe@).
    path = tmp_path / "people.csv"
    path.write_text(
        "Record ID,First Name,Last Name,Email,Deal Name\n"
        "1,Ana,Ruiz,ana@lumen.example,Lumen renewal\n"
    )
    detected = run_cli("import", str(path))
    assert detected.returncode == 1
    assert "deals export" in detected.stderr
    out = run_cli("import", str(path), "--kind", "contacts_csv")
    assert out.returncode == 0, out.stderr
    assert "(contacts_csv)" in out.stdout
    kinds = [
        j["result"]["kind"]
        for j in _import_jobs(steady_daemon, since=before)
        if j["status"] == "succeeded"
    ]
    assert "contacts_csv" in kinds
    contacts = steady_daemon.call("contacts.list", {})
    assert "ana@lumen.example" in str(contacts)


def test_a_kind_the_file_is_not_is_a_clear_error(
    steady_daemon: DaemonProcess, tmp_path: Path
) -> None:
    path = write_contacts_csv(
        tmp_path / "contacts.csv",
        [{"Record ID": "1", "First Name": "Zoe", "Email": "zoe@lumen.example"}],
    )
    out = run_cli("import", str(path), "--kind", "mbox")
    assert out.returncode in (1, 2), out.stderr
    assert "Traceback" not in out.stderr
    assert "mbox" in out.stderr
    assert str(path) in " ".join(out.stderr.split())

    deals = run_cli("import", str(path), "--kind", "deals_csv")
    assert deals.returncode in (1, 2), deals.stderr
    assert "Deal Name" in deals.stderr


def test_an_unknown_kind_is_a_usage_error_naming_the_kinds(
    steady_daemon: DaemonProcess, tmp_path: Path
) -> None:
    path = write_mbox(tmp_path / "mail.mbox", _mails(1))
    out = run_cli("import", str(path), "--kind", "vcard")
    assert out.returncode == 2, out.stderr
    assert "--kind" in out.stderr
    assert "contacts_csv" in out.stderr
