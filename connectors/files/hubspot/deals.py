"""Deals exports: one DealRecord and a deal.created signal per Record ID.

When the deal entered its current stage comes from the matching "Date entered <stage>
(<pipeline>)" column, else from Last Modified Date, else from Create Date.
"""

from __future__ import annotations

from datetime import datetime

from connectors.addresses import email_domain, is_free_mail, normalize_domain
from connectors.base import CompanyRecord, DealRecord, SignalRecord
from connectors.dates import parse_loose_datetime
from connectors.files._common import slug
from connectors.files.hubspot import values
from connectors.files.hubspot.columns import Row
from connectors.files.hubspot.context import ParseContext


def add_deal(
    ctx: ParseContext, row: Row, seen: dict[str, int], companies: dict[str, CompanyRecord]
) -> None:
    record_id = row.get("record_id")
    name = row.get("deal_name")
    if not record_id:
        ctx.skip(row.line, f"skipped deal {name!r}, no Record ID")
        return
    if record_id in seen:
        ctx.skip(
            row.line, f"skipped, deal {record_id} already imported from line {seen[record_id]}"
        )
        return
    raw_stage = row.get("deal_stage")
    if not raw_stage:
        ctx.skip(row.line, f"skipped deal {name or record_id!r}, no Deal Stage")
        return
    seen[record_id] = row.line
    stage_slug = slug(raw_stage)
    stage = values.DEFAULT_STAGES.get(stage_slug, stage_slug)
    pipeline_label = row.get("pipeline")
    pipeline_slug = slug(pipeline_label)
    pipeline = "default" if pipeline_slug in {"", "default", "salespipeline"} else pipeline_label

    contacts, _ = values.association_emails(row.get("associated_contact"))

    company_name, domain = values.company_ref(row.get("associated_company"))
    domain = normalize_domain(row.get("company_domain")) or domain
    if domain is None:
        for address in contacts:
            if not is_free_mail(address):
                domain = email_domain(address)
                break

    amount: float | None = None
    raw_amount = row.get("amount")
    if raw_amount:
        try:
            amount = values.amount(raw_amount)
        except ValueError:
            ctx.warn(row.line, f"ignored Amount {raw_amount!r}: not a number")

    created = ctx.when(row, "create_date", "Create Date")
    stage_entered = _stage_entered(ctx, row, stage, pipeline_slug)
    if stage_entered is None:
        stage_entered = ctx.when(row, "last_modified", "Last Modified Date") or created
    deal = DealRecord(
        external_id=record_id,
        name=name or f"Deal {record_id}",
        stage=stage,
        pipeline=pipeline,
        amount=amount,
        currency=values.currency_code(row.get("currency")),
        close_date=ctx.day(row, "close_date", "Close Date"),
        company_domain=domain,
        contact_emails=contacts,
        stage_entered_at=stage_entered,
        last_activity_at=ctx.when(row, "last_activity", "Last Activity Date"),
        created_at=created,
    )
    ctx.batch.deals.append(deal)
    ctx.batch.signals.append(
        SignalRecord(
            kind="deal.created",
            occurred_at=created or ctx.file_time,
            dedup_key=f"deal.created:{record_id}",
            payload={
                "name": deal.name,
                "stage": stage,
                "stage_label": raw_stage,
                "pipeline": pipeline,
                "amount": amount,
                "owner": row.get("deal_owner") or None,
                "company_name": company_name,
            },
            contact_email=contacts[0] if contacts else None,
            company_domain=domain,
            deal_external_id=record_id,
        )
    )


def _stage_entered(ctx: ParseContext, row: Row, stage: str, pipeline: str) -> datetime | None:
    candidates = row.header.entered_by_stage.get(stage, [])
    if len(candidates) > 1:
        # With several pipelines the same stage label can appear once per pipeline.
        candidates = sorted(candidates, key=lambda c: c[1] != pipeline)
    for _, _, index in candidates:
        raw = row.values[index].strip()
        if not raw:
            continue
        try:
            parsed = parse_loose_datetime(raw, ctx.tz)
        except ValueError:
            ctx.warn(row.line, f"ignored stage entry date {raw!r}: not a date")
            continue
        if parsed:
            return parsed[0]
    return None
