"""Bulk actions over a list of case ids, or over the cases a filter expression selects: assign, transition,
set_priority, tag.

Each item runs in its own savepoint and gets the result a single request would have had (200, or the problem's
status and document). With ``atomic`` the whole request also runs in a savepoint: one failing item rolls every item
back, and the items that had succeeded are reported as 424 (failed dependency). Cases outside the caller's
visibility are 404 items, exactly as single requests.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.cases import assignment, errors, queries, service, triage
from app.cases.models import Case
from app.cases.schemas import (
    MAX_BULK_FILTER,
    BulkAssign,
    BulkItemResult,
    BulkRequest,
    BulkResult,
    BulkSetPriority,
    BulkTag,
    BulkTransition,
    CaseUpdate,
)
from app.core.errors import AppError, problem_type
from app.core.filters import parse
from app.routing.fields import REPORT_FIELDS


def _problem(exc: AppError) -> dict[str, Any]:
    body: dict[str, Any] = {"type": problem_type(exc.slug), "title": exc.title, "status": exc.status_code}
    if exc.detail:
        body["detail"] = exc.detail
    body.update({k: v for k, v in exc.extra.items() if k not in body})
    return body


def _apply(session: Session, ctx: ExerciseContext, request: BulkRequest, case: Case, at: datetime) -> None:
    match request:
        case BulkTransition(params=p):
            service.apply_transition(
                session, ctx=ctx, case=case, target=p.to, at=at, reason=p.reason, disposition=p.disposition
            )
        case BulkSetPriority(params=p):
            triage.apply_update(session, ctx=ctx, case=case, data=CaseUpdate(priority=p.priority), at=at)
        case BulkTag(params=p):
            data = CaseUpdate(add_tags=p.add, remove_tags=p.remove)
            triage.apply_update(session, ctx=ctx, case=case, data=data, at=at)
        case BulkAssign(params=p):
            assignment.assign(session, ctx=ctx, case=case, unit_id=p.unit_id, assignee_id=p.assignee_id, at=at)


def _selected(session: Session, ctx: ExerciseContext, request: BulkRequest) -> list[uuid.UUID]:
    if request.ids is not None:
        return list(dict.fromkeys(request.ids))
    expression = parse(request.filter, REPORT_FIELDS, base="/filter")
    stmt = (
        select(Case.id)
        .where(*queries.conditions(session, ctx, queries.CaseFilter(expression=expression), now=ctx.now()))
        .order_by(Case.number)
        .limit(MAX_BULK_FILTER + 1)
    )
    ids = list(session.scalars(stmt))
    if len(ids) > MAX_BULK_FILTER:
        matched = session.scalar(select(func.count()).select_from(stmt.limit(None).order_by(None).subquery()))
        raise errors.BulkTooMany(
            f"The filter selects {matched} cases; one bulk request takes at most {MAX_BULK_FILTER}. Narrow it.",
            extra={"matched": matched, "limit": MAX_BULK_FILTER, "pointer": "/filter"},
        )
    return ids


def run(session: Session, *, ctx: ExerciseContext, request: BulkRequest) -> BulkResult:
    ids = _selected(session, ctx, request)
    at = ctx.now()
    outer = session.begin_nested() if request.atomic else None
    results: list[BulkItemResult] = []
    for case_id in ids:
        item = session.begin_nested()
        try:
            case = service.lock(session, ctx=ctx, case_id=case_id)
            _apply(session, ctx, request, case, at)
            session.flush()
        except AppError as exc:
            item.rollback()
            results.append(BulkItemResult(id=case_id, status=exc.status_code, problem=_problem(exc)))
            continue
        item.commit()
        results.append(BulkItemResult(id=case_id, status=200, version=case.version))
    failed = sum(r.status != 200 for r in results)
    if outer is not None:
        if failed:
            outer.rollback()
            results = [
                r
                if r.status != 200
                else BulkItemResult(
                    id=r.id,
                    status=424,
                    problem={
                        "type": problem_type("rolled-back"),
                        "title": "Rolled back",
                        "status": 424,
                        "detail": "This item succeeded but another failed; atomic requests apply all or none.",
                    },
                )
                for r in results
            ]
        else:
            outer.commit()
    applied = sum(r.status == 200 for r in results)
    return BulkResult(atomic=request.atomic, applied=applied, failed=failed, results=results)
