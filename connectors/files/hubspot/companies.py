"""Companies exports: one CompanyRecord per domain, with size, industry and ICP tier.

Companies carry no signals. A row without a Company Domain Name or Website URL is skipped: the
domain is the company's key.
"""

from __future__ import annotations

from connectors.addresses import name_from_domain, normalize_domain
from connectors.base import CompanyRecord
from connectors.files.hubspot import values
from connectors.files.hubspot.columns import Row
from connectors.files.hubspot.context import ParseContext


def add_company(
    ctx: ParseContext, row: Row, seen: dict[str, int], companies: dict[str, CompanyRecord]
) -> None:
    domain = normalize_domain(row.get("company_domain")) or normalize_domain(row.get("website"))
    name = row.get("company_name")
    if domain is None:
        what = f"{name!r} " if name else ""
        ctx.skip(row.line, f"skipped company {what}with no domain")
        return
    if not ctx.first_time(seen, domain, row.line):
        return
    size: int | None = None
    raw_size = row.get("employees")
    if raw_size:
        try:
            size = int(float(raw_size.replace(",", "").replace(" ", "")))
        except ValueError:
            ctx.warn(row.line, f"ignored Number of Employees {raw_size!r}: not a number")
    raw_tier = row.get("tier")
    tier = values.tier(raw_tier)
    if raw_tier and tier is None:
        ctx.warn(row.line, f"ignored Ideal Customer Profile Tier {raw_tier!r}: expected Tier 1-3")
    record_id = row.get("record_id")
    companies[domain] = CompanyRecord(
        domain=domain,
        name=name or name_from_domain(domain),
        industry=values.industry(row.get("industry")),
        size=size,
        tier=tier,
        external_ids={"hubspot": record_id} if record_id else {},
    )
