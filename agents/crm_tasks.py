"""crm_tasks: a task in the CRM is due today or overdue."""

from __future__ import annotations

from agents.base import Agent, Facts, Knob, Proposal, Resolution, SignalView, score_inputs, when

PRIORITY_STRATEGIC = {"HIGH": "high priority", "MEDIUM": "medium priority", "LOW": "low priority"}


class CrmTasks(Agent):
    """Puts a CRM task on Today's Moves when it is due later today or already overdue: the
    operator wrote it down as a commitment, and one left past its date is a promise slipping.
    Tasks owned by a colleague (in a team's export) are theirs, unless `colleagues_tasks`."""

    name = "crm_tasks"
    domain = "ops"
    description = "Puts CRM tasks that are due today or overdue on Today's Moves."
    consumes = frozenset({"task.due", "task.overdue"})
    knobs = {  # noqa: RUF012
        "colleagues_tasks": Knob(False, "whether tasks a colleague owns get moves too"),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        everyone = await self.knob(facts, "colleagues_tasks")
        for sig in signals:
            task_id = sig.payload.get("task_id")
            task = await facts.task(int(task_id)) if task_id is not None else None
            if task is None or not task.open or task.due_at is None:
                continue
            if not everyone and not facts.is_mine(
                task.owner
            ):  # a colleague's task in a team export
                continue
            contact = await facts.contact(task.contact_id) if task.contact_id else None
            deal = await facts.deal(task.deal_id) if task.deal_id else None
            overdue = task.due_at <= facts.now
            why = ("Overdue since " if overdue else "Due ") + when(task.due_at, facts)
            why += " in your CRM"
            if task.priority in PRIORITY_STRATEGIC:
                why += f" ({PRIORITY_STRATEGIC[task.priority]})"
            if contact is not None:
                why += f"; with {contact.display}"
            if deal is not None:
                why += f"; deal {deal.summary}"
            proposals.append(
                Proposal(
                    # One move per task and due date: the overdue signal refreshes the due one.
                    dedup_key=f"crm_task:{task.id}:{task.due_at.isoformat()}",
                    move_type="task",
                    title=f"Task: {task.title}",
                    why_now=why + ".",
                    due_at=task.due_at,
                    contact_id=task.contact_id,
                    company_id=task.company_id or (contact.company_id if contact else None),
                    deal_id=task.deal_id,
                    score_inputs=score_inputs(
                        "task",
                        sig.occurred_at,
                        {"basis": "due", "at": task.due_at.isoformat()},
                        contact=contact,
                        deal=deal,
                        priority=task.priority,
                    ),
                    prepared_action={"type": "complete_crm_task", "task_id": task.id},
                    signal_ids=[sig.id],
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        task_id = signal.payload.get("task_id")
        if signal.kind == "task.completed" and task_id is not None:
            return [
                Resolution(
                    "task", "dedup_key_prefix", f"crm_task:{int(task_id)}:", "completed in the CRM"
                )
            ]
        return []
