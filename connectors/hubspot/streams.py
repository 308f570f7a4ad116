"""The HubSpot objects the connector follows, in the order a sync reads them.

Companies and contacts come before deals, and deals before the activities that name them,
so the records an activity refers to already exist when it is written. Each stream names
its object type, its last-modified property (contacts spell it differently), the
properties it reads and the objects whose associations it resolves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Stream:
    name: str
    object_type: str
    modified: str
    properties: tuple[str, ...]
    # Associated object types to resolve, each to contact emails, a domain or a deal id.
    associations: tuple[str, ...] = ()
    # Whether the records need the deal pipelines (stage labels) to be mapped.
    needs_pipelines: bool = False

    def request_properties(self, stage_ids: Iterable[str] = ()) -> list[str]:
        props = [*self.properties, self.modified]
        if self.needs_pipelines:
            # HubSpot's documented per-stage property: when the deal entered that stage.
            props += [f"hs_date_entered_{stage}" for stage in sorted(stage_ids)]
        return props


ACTIVITY_LINKS = ("contacts", "companies", "deals")

STREAMS: dict[str, Stream] = {
    s.name: s
    for s in (
        Stream(
            "companies",
            "companies",
            "hs_lastmodifieddate",
            (
                "name",
                "domain",
                "website",
                "industry",
                "numberofemployees",
                "hs_ideal_customer_profile",
                "createdate",
            ),
        ),
        Stream(
            "contacts",
            "contacts",
            "lastmodifieddate",
            (
                "email",
                "firstname",
                "lastname",
                "jobtitle",
                "phone",
                "company",
                "website",
                "lifecyclestage",
                "hubspot_owner_id",
                "createdate",
            ),
            associations=("companies",),
        ),
        Stream(
            "deals",
            "deals",
            "hs_lastmodifieddate",
            (
                "dealname",
                "dealstage",
                "pipeline",
                "amount",
                "deal_currency_code",
                "closedate",
                "createdate",
                "notes_last_updated",
                "hubspot_owner_id",
            ),
            associations=("contacts", "companies"),
            needs_pipelines=True,
        ),
        Stream(
            "tasks",
            "tasks",
            "hs_lastmodifieddate",
            (
                "hs_task_subject",
                "hs_task_body",
                "hs_task_status",
                "hs_task_priority",
                "hs_timestamp",
                "hs_task_completion_date",
                "hubspot_owner_id",
                "hs_createdate",
            ),
            associations=ACTIVITY_LINKS,
        ),
        Stream(
            "notes",
            "notes",
            "hs_lastmodifieddate",
            ("hs_note_body", "hs_timestamp", "hubspot_owner_id", "hs_createdate"),
            associations=ACTIVITY_LINKS,
        ),
        Stream(
            "emails",
            "emails",
            "hs_lastmodifieddate",
            (
                "hs_email_subject",
                "hs_email_text",
                "hs_email_html",
                "hs_email_direction",
                "hs_email_status",
                "hs_email_from_email",
                "hs_email_from_firstname",
                "hs_email_from_lastname",
                "hs_email_to_email",
                "hs_email_cc_email",
                "hs_email_thread_id",
                "hs_timestamp",
                "hubspot_owner_id",
            ),
            associations=ACTIVITY_LINKS,
        ),
        Stream(
            "meetings",
            "meetings",
            "hs_lastmodifieddate",
            (
                "hs_meeting_title",
                "hs_meeting_body",
                "hs_meeting_start_time",
                "hs_meeting_end_time",
                "hs_meeting_location",
                "hs_meeting_outcome",
                "hs_timestamp",
                "hubspot_owner_id",
                "hs_createdate",
            ),
            associations=ACTIVITY_LINKS,
        ),
    )
}

# Properties read for associated records that are not on the page being mapped.
COMPANY_LOOKUP = ("domain", "website", "name")
CONTACT_LOOKUP = ("email",)

# What a stream's records are in the store, where their deletion is followed (HubSpot's
# archived list). Logged emails and meetings are not: they stand for mail and calendar
# events, which their own connectors follow.
GONE_ENTITY = {
    "companies": "company",
    "contacts": "contact",
    "deals": "deal",
    "tasks": "task",
    "notes": "note",
}
