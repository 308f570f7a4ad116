"""contacts.* and companies.*: the people and accounts an import brought in."""

from __future__ import annotations

from pydantic import Field

from daemon.context import OpContext
from daemon.domain.paging import PAGE_MAX
from daemon.domain.records import people
from daemon.ops import lookups, pages
from daemon.ops.pages import PageInfo, PageParams
from daemon.ops.record_views import (
    Clock,
    CompanyOut,
    ContactOut,
    DealOut,
    LinkedOut,
    MeetingOut,
    TaskOut,
    ThreadOut,
    clock,
    companies_of,
    company_out,
    contact_out,
    deal_out,
    linked_fields,
    meeting_out,
    task_out,
    thread_out,
)
from daemon.registry import EVERYWHERE, Params, operation

QUERY = Field(
    None, max_length=200, description="Words to find in the name or email (case and accents aside)."
)


class ContactsParams(PageParams):
    query: str | None = QUERY
    company: str | None = Field(
        None, max_length=200, description="Only this company (name or domain)."
    )
    lifecycle: str | None = Field(
        None, max_length=64, description="Only this lifecycle stage, e.g. customer, lead."
    )
    starred: bool | None = Field(None, description="Only starred (true) or unstarred (false).")
    limit: int = Field(50, ge=1, le=PAGE_MAX, description="At most this many contacts.")


class ContactsResult(PageInfo, Clock):
    contacts: list[ContactOut]


@operation(
    "contacts.list",
    params=ContactsParams,
    result=ContactsResult,
    effect="read",
    description="Contacts by name, optionally found by words, company or lifecycle stage.",
    expose=EVERYWHERE,
)
async def list_contacts(ctx: OpContext, p: ContactsParams) -> ContactsResult:
    s = ctx.session
    query = people.contacts(
        s, text=p.query, company=p.company, lifecycle=p.lifecycle, starred=p.starred
    )
    page = await pages.keyset(s, "contacts.list", query, people.contact_order(s), p)
    companies = await companies_of(s, {c.company_id for c in page.rows})
    return ContactsResult(
        **await clock(ctx),
        contacts=[contact_out(c, companies) for c in page.rows],
        total=page.total,
        next_cursor=page.next_cursor,
    )


class Ref(Params):
    ref: str = Field(
        min_length=1, max_length=320, description="An id, an email, or a name only one has."
    )


class ContactShow(LinkedOut, Clock):
    contact: ContactOut
    deals: list[DealOut]
    threads: list[ThreadOut] = Field(description="Their latest mail threads.")
    meetings: list[MeetingOut] = Field(description="Their latest meetings, newest first.")
    tasks: list[TaskOut] = Field(description="Open CRM tasks about them.")


@operation(
    "contacts.show",
    params=Ref,
    result=ContactShow,
    effect="read",
    description="One contact with their company, deals, threads, meetings, tasks, moves "
    "and signals.",
    expose=EVERYWHERE,
)
async def show_contact(ctx: OpContext, p: Ref) -> ContactShow:
    from daemon.domain.records import activity

    s = ctx.session
    with lookups.record():
        contact = await people.find_contact(s, p.ref)
    context = await people.contact_context(s, contact)
    companies = {context.company.id: context.company} if context.company else {}
    companies |= await companies_of(s, {d.company_id for d in context.deals})
    counts = await activity.thread_counts(s, [t.id for t in context.threads])
    attendees = await activity.attendees(s, [m.id for m in context.meetings])
    linked = await linked_fields(s, "contact_id", contact.id)
    return ContactShow(
        contact=contact_out(contact, companies),
        deals=[deal_out(d, companies) for d in context.deals],
        threads=[thread_out(t, counts) for t in context.threads],
        meetings=[meeting_out(m, attendees[m.id]) for m in context.meetings],
        tasks=[task_out(t) for t in context.tasks],
        **await clock(ctx),
        **linked,
    )


class CompaniesParams(PageParams):
    query: str | None = Field(
        None, max_length=200, description="Words to find in the name or domain."
    )
    tier: str | None = Field(None, max_length=10, description="Only this account tier.")
    limit: int = Field(50, ge=1, le=PAGE_MAX, description="At most this many companies.")


class CompaniesResult(PageInfo, Clock):
    companies: list[CompanyOut]


@operation(
    "companies.list",
    params=CompaniesParams,
    result=CompaniesResult,
    effect="read",
    description="Companies by name, optionally found by words or tier.",
    expose=EVERYWHERE,
)
async def list_companies(ctx: OpContext, p: CompaniesParams) -> CompaniesResult:
    s = ctx.session
    query = people.companies(s, text=p.query, tier=p.tier)
    page = await pages.keyset(s, "companies.list", query, people.company_order(s), p)
    return CompaniesResult(
        **await clock(ctx),
        companies=[company_out(c) for c in page.rows],
        total=page.total,
        next_cursor=page.next_cursor,
    )


class CompanyShow(LinkedOut, Clock):
    company: CompanyOut
    contacts: list[ContactOut] = Field(description="Its people, latest to write first.")
    contacts_total: int
    deals: list[DealOut]
    open_pipeline: float = Field(description="Sum of the amounts of its open deals.")


@operation(
    "companies.show",
    params=Ref,
    result=CompanyShow,
    effect="read",
    description="One company with its people, deals, open pipeline, moves and signals.",
    expose=EVERYWHERE,
)
async def show_company(ctx: OpContext, p: Ref) -> CompanyShow:
    s = ctx.session
    with lookups.record():
        company = await people.find_company(s, p.ref)
    context = await people.company_context(s, company)
    own = {company.id: company}
    linked = await linked_fields(s, "company_id", company.id)
    return CompanyShow(
        company=company_out(company),
        contacts=[contact_out(c, own) for c in context.contacts],
        contacts_total=context.contacts_total,
        deals=[deal_out(d, own) for d in context.deals],
        open_pipeline=context.open_pipeline,
        **await clock(ctx),
        **linked,
    )
