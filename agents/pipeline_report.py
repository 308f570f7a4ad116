"""pipeline_report: the weekly look at the whole pipeline."""

from __future__ import annotations

from datetime import timedelta

from agents.base import Agent, Facts, Proposal, Resolution, SignalView, money, score_inputs

PREFIX = "review_pipeline:"


class PipelineReport(Agent):
    """Proposes one low-priority `review_pipeline` move each Monday morning, linking to the
    weekly brief `caseyos report pipeline` computes on demand (the `reports.pipeline`
    operation): open deals by stage with their value, what moved in the last seven days,
    the value stalled past its stage's normal age, and a forecast against last week's.

    Why: single deals get their own moves (deal_health), but whether the pipeline as a whole
    grows, and where it sticks, shows only across all of it, once a week. The brief is not a
    move; the move is the reminder to read it, and the next week's replaces it."""

    name = "pipeline_report"
    domain = "sales"
    description = "Proposes the weekly pipeline review on Monday mornings."
    consumes = frozenset({"report.weekly"})

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        for sig in signals:
            week = str(sig.payload.get("week"))
            p = sig.payload
            why = (
                f"{int(p.get('open_count', 0))} open deals worth "
                f"{money(float(p.get('open_value', 0)))}, {money(float(p.get('weighted', 0)))} "
                f"weighted; {int(p.get('stalled_count', 0))} stalled "
                f"({money(float(p.get('stalled_value', 0)))}). Read `caseyos report pipeline` "
                "for movement and the forecast against last week."
            )
            proposals.append(
                Proposal(
                    dedup_key=f"{PREFIX}{week}",
                    move_type="review_pipeline",
                    title=f"Review the pipeline ({week})",
                    why_now=why,
                    due_at=sig.occurred_at,
                    expires_at=sig.occurred_at + timedelta(days=7),
                    score_inputs=score_inputs(
                        "review_pipeline", sig.occurred_at, {"basis": "none"}, prepared=True
                    ),
                    prepared_action={
                        "type": "open_report",
                        "op": "reports.pipeline",
                        "command": "caseyos report pipeline",
                    },
                    signal_ids=[sig.id],
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        # A new week's review replaces the last one (resolved before the new one is made).
        if signal.kind == "report.weekly":
            return [
                Resolution(
                    "review_pipeline", "dedup_key_prefix", PREFIX, "a new week's review replaced it"
                )
            ]
        return []
