"""Who is who in the demo seed: the operator, colleagues and CRM contacts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

Seed = dict[str, Any]


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    title: str
    company: str
    tz: ZoneInfo
    mailer: str  # "gmail", "outlook" or "html": how this person's replies look
    internal: bool

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


class Directory:
    def __init__(self, seed: Seed):
        op = seed["operator"]
        home = ZoneInfo(op["timezone"])
        company = seed["company"]["name"]
        self.operator = Person(
            op["first"], op["last"], op["email"], op["title"], company, home, "gmail", True
        )
        self.people: dict[str, Person] = {self.operator.email: self.operator}
        for c in seed["colleagues"]:
            self.people[c["email"]] = Person(
                c["first"], c["last"], c["email"], c["title"], company, home, "gmail", True
            )
        companies = {c["key"]: c for c in seed["companies"]}
        for c in seed["contacts"]:
            org = companies[c["company"]]
            self.people[c["email"]] = Person(
                c["first"],
                c["last"],
                c["email"],
                c["title"],
                org["name"],
                ZoneInfo(org["tz"]),
                org["mailer"],
                False,
            )

    def get(self, email: str) -> Person:
        try:
            return self.people[email]
        except KeyError:
            raise ValueError(f"demo seed refers to unknown person {email!r}") from None
