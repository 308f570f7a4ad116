"""Agents: each turns signals and store facts into proposed moves."""

from __future__ import annotations

from agents.base import Agent
from agents.crm_tasks import CrmTasks
from agents.deal_health import DealHealth
from agents.follow_up_due import FollowUpDue
from agents.meeting_prep import MeetingPrep
from agents.reply_needed import ReplyNeeded

ALL_AGENTS: tuple[Agent, ...] = (
    ReplyNeeded(),
    FollowUpDue(),
    MeetingPrep(),
    DealHealth(),
    CrmTasks(),
)


def enabled_agents(disabled: set[str] | frozenset[str] = frozenset()) -> list[Agent]:
    return [a for a in ALL_AGENTS if a.name not in disabled]
