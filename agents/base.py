"""What an agent is, what it reads and what it proposes.

An agent reads signals and facts and proposes moves. It never calls a connector, never
writes the store and never sends anything: the daemon's queue owns every write, so an agent
is a pure function of what it is shown (and is tested on a real store through `Facts`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Protocol

HUBSPOT_STAGES = {
    "appointmentscheduled": "Appointment scheduled",
    "qualifiedtobuy": "Qualified to buy",
    "presentationscheduled": "Presentation scheduled",
    "decisionmakerboughtin": "Decision maker bought in",
    "contractsent": "Contract sent",
    "closedwon": "Closed won",
    "closedlost": "Closed lost",
}


def stage_label(stage: str) -> str:
    return HUBSPOT_STAGES.get(stage.lower(), stage)


def money(amount: float | None, currency: str = "USD") -> str:
    if amount is None:
        return "no amount"
    sign = "$" if currency == "USD" else f"{currency} "
    return f"{sign}{amount / 1000:.0f}k" if amount >= 1000 else f"{sign}{amount:.0f}"


def clip(text: str, width: int) -> str:
    """Shorten at a word boundary, marking the cut."""
    if len(text) <= width:
        return text
    cut = text[:width].rsplit(" ", 1)[0].rstrip(",.;:")
    return cut + "…"


def words(value: object) -> tuple[str, ...]:
    """A list-of-words knob as set (a list, or one word), lower-cased, blanks dropped."""
    if isinstance(value, str):
        value = [value]
    items = list(value) if isinstance(value, list | tuple) else []
    return tuple(str(w).strip().lower() for w in items if str(w).strip())


def when(instant: datetime, facts: Facts) -> str:
    """A short absolute local time for why-now sentences: 'Mon 23 Nov, 14:05'."""
    local = facts.local(instant)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


@dataclass(frozen=True)
class SignalView:
    id: int
    kind: str
    occurred_at: datetime
    payload: dict[str, Any]
    contact_id: int | None
    company_id: int | None
    deal_id: int | None
    thread_id: int | None
    meeting_id: int | None


@dataclass(frozen=True)
class ContactFacts:
    id: int
    email: str
    name: str | None
    title: str | None
    company_id: int | None
    company_name: str | None
    company_size: int | None
    industry: str | None
    tier: str | None
    lifecycle_stage: str | None
    starred: bool
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    last_meeting_at: datetime | None
    # They asked not to be contacted (unsubscribe, "remove me", "not interested"): when.
    do_not_contact_at: datetime | None = None

    @property
    def do_not_contact(self) -> bool:
        """Never follow up with them, never chase them."""
        return self.do_not_contact_at is not None

    @property
    def display(self) -> str:
        who = self.name or self.email
        return f"{who} ({self.company_name})" if self.company_name else who

    @property
    def first_name(self) -> str:
        return (self.name or self.email).split()[0].split("@")[0]

    def scoring(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "company_size": self.company_size,
            "industry": self.industry,
            "tier": self.tier,
            "lifecycle_stage": self.lifecycle_stage,
            "starred": self.starred,
        }


@dataclass(frozen=True)
class MessageFacts:
    id: int
    message_id: str
    from_addr: str
    direction: str
    sent_at: datetime
    subject: str
    snippet: str
    automated: bool
    contact_id: int | None
    # An automatic answer (out of office): never the person's reply. `back_on` is the day it
    # says they return, when it says one.
    auto_reply: bool = False
    back_on: date | None = None


@dataclass(frozen=True)
class ThreadFacts:
    id: int
    subject: str
    is_internal: bool
    messages: list[MessageFacts]

    @property
    def last(self) -> MessageFacts | None:
        return self.messages[-1] if self.messages else None

    @property
    def last_real(self) -> MessageFacts | None:
        """The last message that is not an automatic answer: whose word is the latest."""
        return next((m for m in reversed(self.messages) if not m.auto_reply), None)


@dataclass(frozen=True)
class DealFacts:
    id: int
    name: str
    stage: str
    amount: float | None
    company_id: int | None
    stage_entered_at: datetime | None
    last_activity_at: datetime | None
    contact_ids: tuple[int, ...] = ()

    @property
    def stage_label(self) -> str:
        return stage_label(self.stage)

    @property
    def summary(self) -> str:
        """'Acme - Expansion ($48k, Contract sent)', as why-now sentences name a deal."""
        return f"{self.name} ({money(self.amount)}, {self.stage_label})"

    def scoring(self) -> dict[str, Any]:
        return {"name": self.name, "stage": self.stage, "amount": self.amount}


@dataclass(frozen=True)
class AttendeeFacts:
    email: str
    name: str | None
    response_status: str
    contact_id: int | None
    internal: bool


@dataclass(frozen=True)
class MeetingFacts:
    id: int
    title: str
    start_at: datetime
    end_at: datetime
    status: str
    location: str | None
    attendees: list[AttendeeFacts]

    @property
    def external(self) -> list[AttendeeFacts]:
        return [a for a in self.attendees if not a.internal]


@dataclass(frozen=True)
class TaskFacts:
    id: int
    title: str
    status: str
    priority: str | None
    due_at: datetime | None
    contact_id: int | None
    company_id: int | None
    deal_id: int | None
    owner: str | None = None

    @property
    def open(self) -> bool:
        return self.status not in ("COMPLETED", "DEFERRED")


@dataclass(frozen=True)
class DocumentFacts:
    id: int
    name: str
    link: str | None
    owners: tuple[str, ...]
    modified_at: datetime | None


class Facts(Protocol):
    """Read-only questions agents may ask about the workspace."""

    now: datetime

    async def contact(self, contact_id: int) -> ContactFacts | None: ...
    async def thread(self, thread_id: int, last: int = 10) -> ThreadFacts | None: ...
    async def meeting(self, meeting_id: int) -> MeetingFacts | None: ...
    async def open_deal(
        self, contact_id: int | None, company_id: int | None
    ) -> DealFacts | None: ...
    async def deal(self, deal_id: int) -> DealFacts | None: ...
    async def task(self, task_id: int) -> TaskFacts | None: ...
    async def setting(self, key: str) -> Any: ...
    async def sent_to(self, contact_ids: Sequence[int], since: datetime) -> list[MessageFacts]:
        """Our mail to any of these contacts sent at or after `since`, oldest first."""
        ...

    async def documents(self, company_id: int | None, names: Sequence[str]) -> list[DocumentFacts]:
        """Drive files not in the trash of this company, or whose name holds one of `names`
        (case-insensitive), most recently modified first."""
        ...

    def business_days_between(self, start: datetime, end: datetime) -> int: ...
    def is_mine(self, owner: str | None) -> bool: ...
    def local(self, instant: datetime) -> datetime: ...


@dataclass
class Proposal:
    """A move an agent wants on the queue. The same dedup key later updates, never duplicates."""

    dedup_key: str
    move_type: str
    title: str
    why_now: str
    due_at: datetime
    score_inputs: dict[str, Any]
    contact_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None
    thread_id: int | None = None
    meeting_id: int | None = None
    expires_at: datetime | None = None
    prepared_action: dict[str, Any] | None = None
    signal_ids: list[int] = field(default_factory=list)


async def with_contacts(
    signals: Iterable[SignalView], facts: Facts
) -> AsyncIterator[tuple[SignalView, ContactFacts]]:
    """The signals about a contact the workspace still has, each with that contact."""
    for sig in signals:
        if sig.contact_id is None:
            continue
        contact = await facts.contact(sig.contact_id)
        if contact is not None:
            yield sig, contact


def score_inputs(
    move_type: str,
    fact_at: datetime,
    urgency: dict[str, Any],
    *,
    contact: ContactFacts | None = None,
    deal: DealFacts | None = None,
    prepared: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A proposal's `score_inputs`, the facts its APS is computed from (and recomputed from
    as time passes): what kind of move, when the fact behind it happened, what makes it
    urgent (a `basis` scoring knows), who and which deal it is about, and whether its action
    is prepared (a draft halves the effort). `extra` carries what one move type adds."""
    return {
        "move_type": move_type,
        "fact_at": fact_at.isoformat(),
        "urgency": urgency,
        "contact": contact.scoring() if contact else None,
        "deal": deal.scoring() if deal else None,
        "prepared": prepared,
        **extra,
    }


@dataclass(frozen=True)
class Resolution:
    """Open moves of this agent that a signal made moot.

    Matched on one reference column ("thread_id", "meeting_id", "contact_id", "deal_id")
    equal to `value`, or with ref "dedup_key_prefix" on the start of the move's dedup key.
    """

    move_type: str
    ref: str
    value: int | str
    reason: str


@dataclass(frozen=True)
class Knob:
    """A setting an agent declares: its default (whose type the operator's value takes:
    a number, yes/no, a list of words, or numbers by name) and what it changes, in one
    sentence."""

    default: int | float | bool | str | tuple[str, ...] | Mapping[str, int]
    help: str


# Every concrete agent class, by name, in the order their modules were imported; filled in
# by `Agent.__init_subclass__`, so an agent is registered by being declared.
REGISTRY: dict[str, type[Agent]] = {}


class Agent:
    """An agent: subclass this with a `name` in a module of the `agents` package and it is
    registered. Its docstring says what it proposes and why; `knobs` declares its settings,
    read with `await self.knob(facts, NAME)` (the operator sets them with
    `caseyos agents set NAME KNOB VALUE`, kept in the workspace setting `agents.NAME`)."""

    name: str = ""
    domain: str = "sales"
    description: str = ""
    consumes: frozenset[str] = frozenset()
    knobs: ClassVar[Mapping[str, Knob]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.name:
            return  # an abstract helper class
        if cls.name in REGISTRY and REGISTRY[cls.name] is not cls:
            raise TypeError(f"two agents are named {cls.name!r}")
        REGISTRY[cls.name] = cls

    async def knob(self, facts: Facts, name: str) -> Any:
        """The operator's value of one of this agent's knobs, else its default."""
        declared = self.knobs[name]
        stored = await facts.setting(f"agents.{self.name}")
        if isinstance(stored, dict) and name in stored:
            return stored[name]
        return declared.default

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        raise NotImplementedError

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        """Which of this agent's pending moves `signal` makes moot; none by default."""
        return []

    def thread_prefix(self, thread_id: int) -> str | None:
        """How the dedup keys of this agent's moves about a thread start, when they name
        it: a thread merged into another has its moves' keys rewritten to match."""
        return None
