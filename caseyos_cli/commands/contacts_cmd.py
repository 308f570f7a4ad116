"""caseyos contacts ...: the people an import brought in."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import cli, output, paging, records, timefmt

app = cli.App(help="Contacts: the people in your CRM and mail.", panel=cli.DATA)


@app.command(
    "list",
    examples=[
        "caseyos contacts list",
        "caseyos contacts list zoe",
        "caseyos contacts list --company acme --lifecycle customer --json",
    ],
    op="contacts.list",
)
def list_(
    query: str | None = records.QUERY,
    company: str | None = typer.Option(
        None, "--company", "-c", metavar="NAME", help="Only people at this company."
    ),
    lifecycle: str | None = typer.Option(
        None, "--lifecycle", metavar="STAGE", help="Only this lifecycle stage (customer, lead...)."
    ),
    starred: bool = typer.Option(False, "--starred", help="Only starred contacts."),
    limit: int = paging.limit_option(50, "contacts"),
    everything: bool = paging.ALL,
    cursor: str | None = paging.CURSOR,
    as_json: bool = records.JSON,
) -> None:
    """Contacts by name; words find them by name, email or company."""
    params = {
        "query": query,
        "company": company,
        "lifecycle": lifecycle,
        "starred": True if starred else None,
    }
    result = paging.fetch(
        "contacts.list", params, "contacts", limit=limit, everything=everything, cursor=cursor
    )
    if as_json:
        output.print_json(result)
        return
    now, tz = result["now"], result["timezone"]

    def row(c: dict[str, Any]) -> list[str]:
        company_name = (c["company"] or {}).get("name") or ""
        heard = timefmt.when(c["last_inbound_at"], now, tz) if c["last_inbound_at"] else ""
        return [str(c["id"]), c["name"] or "", c["email"], company_name, heard]

    records.show_list(
        result,
        "contacts",
        "contacts",
        [
            ("#", {"justify": "right", "no_wrap": True}),
            ("Name", {"ratio": 2, "no_wrap": True, "overflow": "ellipsis"}),
            ("Email", {"ratio": 3, "no_wrap": True, "overflow": "ellipsis"}),
            ("Company", {"ratio": 2, "no_wrap": True, "overflow": "ellipsis"}),
            ("Wrote", {"no_wrap": True}),
        ],
        row,
    )


@app.command(
    examples=[
        "caseyos contacts show 12",
        "caseyos contacts show dana@acme.example",
        'caseyos contacts show "Zoë Park" --json',
    ],
    op="contacts.show",
)
def show(ref: str = records.REF, as_json: bool = records.JSON) -> None:
    """One contact: company, deals, threads, meetings, tasks, moves and signals."""
    result = output.call("contacts.show", {"ref": ref}, flags={"ref": "REF"})
    if as_json:
        output.print_json(result)
        return
    now, tz = result["now"], result["timezone"]
    c = result["contact"]
    company = c["company"]
    records.heading(f"{c['name'] or c['email']} <{c['email']}>", f"#{c['id']}")
    at = f"{company['name']} ({company['domain']})" if company else None
    records.fields(
        [
            ("title", c["title"]),
            ("company", at),
            ("lifecycle", c["lifecycle_stage"]),
            ("owner", c["owner"]),
            ("phone", c["phone"]),
            ("wrote to you", c["last_inbound_at"] and timefmt.exact(c["last_inbound_at"], now, tz)),
            ("you wrote", c["last_outbound_at"] and timefmt.exact(c["last_outbound_at"], now, tz)),
            ("last met", c["last_meeting_at"] and timefmt.exact(c["last_meeting_at"], now, tz)),
            ("do not contact", _do_not_contact(c, now, tz)),
        ]
    )
    records.section(
        "Deals",
        [
            f"#{d['id']:<4} {d['name']} · {d['stage_label']} · {records.money(d['amount'])}"
            for d in result["deals"]
        ],
    )
    records.section(
        "Threads",
        [
            f"#{t['id']:<4} {timefmt.when(t['last_message_at'], now, tz):<16} {t['subject']}"
            for t in result["threads"]
        ],
    )
    records.section(
        "Meetings",
        [
            f"#{m['id']:<4} {timefmt.when(m['start_at'], now, tz):<16} {m['title']}"
            for m in result["meetings"]
        ],
    )
    records.section(
        "Open tasks",
        [
            f"#{t['id']:<4} {timefmt.when(t['due_at'], now, tz):<16} {t['title']}"
            for t in result["tasks"]
        ],
    )
    records.linked(result)


def _do_not_contact(c: dict[str, Any], now: str, tz: str) -> str | None:
    """'asked to be removed: “...” (Mon 23 Nov 2026, 14:05)' for a contact who opted out."""
    if not c.get("do_not_contact"):
        return None
    at = c.get("do_not_contact_at")
    when = f" ({timefmt.exact(at, now, tz)})" if at else ""
    return f"{c.get('do_not_contact_reason') or 'yes'}{when}"
