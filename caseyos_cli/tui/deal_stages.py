"""Deals by pipeline stage: the order the stages come in and how a stage's heading reads.

The daemon knows the pipeline: `reports.pipeline` lists the open stages holding deals, in
the pipeline's order and with their labels; the closed ones follow, won before lost. No
Textual here: Rich text only.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from caseyos_cli.records import money

# The closed stages, after the open ones: their ids as `deals.list stage=` takes them.
CLOSED = (("closedwon", "Closed won"), ("closedlost", "Closed lost"))


def in_order(pipeline: dict[str, Any]) -> list[tuple[str, str]]:
    """(stage id, label) for every stage a deal can be listed under, in the pipeline's
    order: the open stages `reports.pipeline` gives, then the closed ones."""
    open_stages = [(str(s["stage"]), str(s["label"])) for s in pipeline["stages"]]
    return open_stages + [c for c in CLOSED if c[0] not in {s for s, _ in open_stages}]


def heading(label: str, count: int, amount: float) -> tuple[Text, Text, Text]:
    """A stage's row above its deals: its label and count, the deals' total amount."""
    noun = "deal" if count == 1 else "deals"
    return (
        Text.assemble((label, "bold"), (f" · {count} {noun}", "dim")),
        Text(money(amount), style="bold", justify="right"),
        Text(""),
    )
