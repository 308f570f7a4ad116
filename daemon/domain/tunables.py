"""What the operator may tune in a workspace beyond the agents' knobs: the APS weights, the
typical deal size and the ideal customer profile (ICP).

Each tunable has the key the operator types (`weights.revenue`), a default, one sentence of
help and a kind that says how its text is read. They are stored in the workspace settings
the scoring and agents read (`aps.weights`, `typical_deal_size`, `icp`), so `settings set`
changes exactly what `queue explain` then shows. Every one of them feeds scoring: a change
makes the next pass rescore every open move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import knobs, settings

NUMBER = "number"  # 0 or more
POSITIVE = "positive"  # more than 0
WORDS = "words"  # a comma-separated list; none for an empty one
WHOLE_OR_NONE = "whole_or_none"  # a whole number, or none


class TunableError(ValueError):
    """A key or value the operator gave that does not fit; the message says what would and
    `field` which of the two it was."""

    def __init__(self, message: str, field: str = "value") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Tunable:
    key: str
    setting: str  # the workspace setting it lives in
    part: str | None  # its key within that setting's dict, if the setting is a dict
    default: Any
    kind: str
    help: str

    def value(self, stored: Any) -> Any:
        """Its value from the stored setting, else its default."""
        if self.part is None:
            return self.default if stored is None else stored
        if isinstance(stored, dict) and self.part in stored:
            return stored[self.part]
        return self.default

    def parse(self, text: str) -> Any:
        text = text.strip()
        if text.lower() == "default":
            return self.default
        try:
            if self.kind == WORDS:
                if text.lower() == "none":
                    return []
                return [w.lower() for w in knobs.parse_value(self.key, (), text)]
            if self.kind == WHOLE_OR_NONE:
                return None if text.lower() == "none" else knobs.parse_value(self.key, 0, text)
            positive = self.kind == POSITIVE
            return knobs.parse_value(self.key, 0.0, text, positive=positive)
        except ValueError as e:
            raise TunableError(str(e)) from None


WEIGHT_HELP = {
    "revenue": "money at stake: the open deal's amount, else the contact's fit",
    "urgency": "time: a waiting question, days of silence, a meeting or date coming up",
    "strategic": "the account: tier, a starred contact, seniority",
    "effort": "how little the move takes; a prepared draft takes least",
}

TUNABLES: tuple[Tunable, ...] = (
    *(
        Tunable(
            f"weights.{name}",
            "aps.weights",
            name,
            settings.DEFAULT_WEIGHTS[name],
            NUMBER,
            f"weight of {name} in the APS ({WEIGHT_HELP[name]}); the four are scaled to "
            "add up to 1",
        )
        for name in settings.DEFAULT_WEIGHTS
    ),
    Tunable(
        "typical_deal_size",
        "typical_deal_size",
        None,
        settings.DEFAULTS["typical_deal_size"],
        POSITIVE,
        "the deal amount that scores as middling revenue (0.5); twice it scores 0.75",
    ),
    Tunable(
        "icp.industries",
        "icp",
        "industries",
        [],
        WORDS,
        "industries of your ideal customer: contacts in them score higher without a deal, "
        "and first_touch proposes only them",
    ),
    Tunable(
        "icp.titles",
        "icp",
        "titles",
        [],
        WORDS,
        "words in your ideal buyer's job title (e.g. cfo,finance): first_touch proposes "
        "only contacts whose title has one",
    ),
    Tunable(
        "icp.min_employees",
        "icp",
        "min_employees",
        None,
        WHOLE_OR_NONE,
        "the smallest company of your ideal customer, in employees (none: no lower bound)",
    ),
    Tunable(
        "icp.max_employees",
        "icp",
        "max_employees",
        None,
        WHOLE_OR_NONE,
        "the largest company of your ideal customer, in employees (none: no upper bound)",
    ),
)
BY_KEY = {t.key: t for t in TUNABLES}


def named(key: str) -> Tunable:
    found = BY_KEY.get(key.strip().lower())
    if found is None:
        raise TunableError(f"no setting {key!r}; the settings: {', '.join(BY_KEY)}", "key")
    return found


async def values(session: AsyncSession) -> list[dict[str, Any]]:
    """Every tunable with its value now, its default and its help."""
    found = []
    for t in TUNABLES:
        found.append(
            {
                "key": t.key,
                "value": t.value(await settings.get(session, t.setting)),
                "default": t.default,
                "help": t.help,
            }
        )
    return found


async def set_value(session: AsyncSession, key: str, text: str) -> dict[str, Any]:
    """Store one tunable from the operator's text ("default" puts the default back);
    returns it as `values` lists it. Raises TunableError for an unknown key, a value of the
    wrong kind, weights that would all be 0, or a minimum above the maximum."""
    t = named(key)
    value = t.parse(text)
    stored = await settings.get(session, t.setting)
    if t.part is None:
        new: Any = value
    else:
        new = dict(stored) if isinstance(stored, dict) else {}
        new[t.part] = value
    if t.setting == "aps.weights":
        merged = {**settings.DEFAULT_WEIGHTS, **new}
        if not any(float(w) > 0 for w in merged.values()):
            raise TunableError("at least one of the four weights must be more than 0")
    if t.setting == "icp":
        lo, hi = new.get("min_employees"), new.get("max_employees")
        if lo is not None and hi is not None and lo > hi:
            raise TunableError(f"icp.min_employees ({lo}) is above icp.max_employees ({hi})")
    await settings.put(session, t.setting, new)
    return {"key": t.key, "value": value, "default": t.default, "help": t.help}
