"""Triage: priority, classification, tags and analyst notes on a case, one ``case.updated`` event per changed field."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole
from app.auth.principal import ExerciseContext
from app.cases import errors, sla
from app.cases.models import NO_PRIORITY_RANK, PRIORITY_RANK, Case, Priority
from app.cases.schemas import CaseUpdate
from app.cases.service import TERMINAL, lock, record, touch
from app.core.errors import Forbidden
from app.events import chain

TRIAGERS = (ExerciseRole.analyst, ExerciseRole.supervisor, ExerciseRole.instructor)


def _new_tags(current: list[str], fields: dict[str, Any]) -> list[str]:
    if "tags" in fields:
        return list(dict.fromkeys(fields["tags"] or []))
    removed = set(fields.get("remove_tags") or ())
    return [t for t in dict.fromkeys([*current, *(fields.get("add_tags") or ())]) if t not in removed]


def apply_update(session: Session, *, ctx: ExerciseContext, case: Case, data: CaseUpdate, at: datetime) -> Case:
    """Triage fields on a locked case: one ``case.updated`` event per field that changes."""
    if not ctx.principal.is_admin and ctx.role not in TRIAGERS:
        raise Forbidden(f"Your role ({ctx.role}) may not triage cases.", extra={"required_roles": sorted(TRIAGERS)})
    if case.status in TERMINAL:
        raise errors.CaseClosed(f"The case is {case.status}; reopen it before changing it.")
    fields = data.model_dump(exclude_unset=True)
    changes: list[tuple[str, Any, Any]] = []
    if "priority" in fields and fields["priority"] != case.priority:
        new = fields["priority"]
        changes.append(("priority", case.priority, new))
        case.priority = new
        case.priority_rank = PRIORITY_RANK[Priority(new)] if new else NO_PRIORITY_RANK
        sla.recompute(case, sla.policy_for(session, exercise_id=case.exercise_id))
    if fields.get("classification") not in (None, case.classification):
        changes.append(("classification", case.classification, fields["classification"]))
        case.classification = fields["classification"]
    if {"tags", "add_tags", "remove_tags"} & fields.keys():
        tags = _new_tags(list(case.tags), fields)
        if tags != list(case.tags):
            changes.append(("tags", list(case.tags), tags))
            case.tags = tags
    if fields.get("note"):
        note = {"at": at, "actor": ctx.actor, "text": fields["note"]}
        changes.append(("notes", None, note))
        case.notes = [*case.notes, chain.to_json_data(note)]
    if not changes:
        return case
    touch(case, at)
    for field, old, new in changes:
        record(session, ctx=ctx, case=case, at=at, type="case.updated", data={"field": field, "old": old, "new": new})
    return case


def update(
    session: Session, *, ctx: ExerciseContext, case_id: uuid.UUID, data: CaseUpdate, if_match: str | None
) -> Case:
    case = lock(session, ctx=ctx, case_id=case_id, if_match=if_match)
    return apply_update(session, ctx=ctx, case=case, data=data, at=ctx.now())
