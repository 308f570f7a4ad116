"""Contacts exports: one ContactRecord and a contact.created signal per email address.

A contact's company domain comes from its Company Domain Name or Website URL column, else from
its own address unless that is free mail; each such domain also yields a minimal CompanyRecord.
"""

from __future__ import annotations

from connectors.addresses import email_domain, is_free_mail, name_from_domain, normalize_domain
from connectors.base import CompanyRecord, ContactRecord, SignalRecord
from connectors.files._common import slug
from connectors.files.hubspot import values
from connectors.files.hubspot.columns import Row
from connectors.files.hubspot.context import ParseContext


def add_contact(
    ctx: ParseContext, row: Row, seen: dict[str, int], companies: dict[str, CompanyRecord]
) -> None:
    raw_email = row.get("email")
    if not raw_email:
        ctx.skip(row.line, "skipped, no email")
        return
    email = values.single_email(raw_email)
    if email is None:
        ctx.skip(row.line, f"skipped, {raw_email!r} is not an email address")
        return
    if not ctx.first_time(seen, email, row.line):
        return

    first, last = row.get("first_name"), row.get("last_name")
    name = (f"{first} {last}" if first and last else first or last) or row.get("full_name") or None
    company_name = row.get("company_name") or values.strip_id(row.get("associated_company")) or None
    domain = normalize_domain(row.get("company_domain")) or normalize_domain(row.get("website"))
    if domain is None and not is_free_mail(email):
        domain = email_domain(email)
    created = ctx.when(row, "create_date", "Create Date")
    record_id = row.get("record_id")
    contact = ContactRecord(
        email=email,
        name=name,
        title=row.get("title") or None,
        company_domain=domain,
        company_name=company_name,
        phone=row.get("phone") or None,
        lifecycle_stage=slug(row.get("lifecycle")) or None,
        owner=row.get("contact_owner") or None,
        created_at=created,
        modified_at=ctx.when(row, "last_modified", "Last Modified Date"),
        external_ids={"hubspot": record_id} if record_id else {},
    )
    ctx.batch.contacts.append(contact)
    if domain and domain not in companies:
        companies[domain] = CompanyRecord(
            domain=domain, name=company_name or name_from_domain(domain)
        )
    ctx.batch.signals.append(
        SignalRecord(
            kind="contact.created",
            occurred_at=created or ctx.file_time,
            dedup_key=f"contact.created:{email}",
            payload={
                "name": name,
                "title": contact.title,
                "company": company_name,
                "lifecycle_stage": contact.lifecycle_stage,
                "source": "hubspot_csv",
            },
            contact_email=email,
            company_domain=domain,
        )
    )
