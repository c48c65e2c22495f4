"""Links between cases (``duplicate_of``, ``related``) and merges. A merge moves the other cases' reports into the
surviving case and closes them as duplicates, all in the request's one transaction: if any case cannot be merged,
nothing is."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole
from app.auth.principal import ExerciseContext
from app.cases import errors, service
from app.cases.models import Case, CaseLink, CaseStatus, LinkKind
from app.core.errors import Forbidden
from app.reports.models import Report
from app.stats import facts

LINKERS = (ExerciseRole.analyst, ExerciseRole.supervisor, ExerciseRole.instructor)
MERGERS = (ExerciseRole.supervisor, ExerciseRole.instructor)


def _require(ctx: ExerciseContext, roles: tuple[ExerciseRole, ...], what: str) -> None:
    if not ctx.principal.is_admin and ctx.role not in roles:
        raise Forbidden(f"Your role ({ctx.role}) may not {what}.", extra={"required_roles": sorted(roles)})


def _existing(session: Session, a: uuid.UUID, b: uuid.UUID, kind: LinkKind) -> CaseLink | None:
    pairs = [(a, b), (b, a)] if kind == LinkKind.related else [(a, b)]
    for case_id, other_id in pairs:
        found = session.scalar(
            select(CaseLink).where(CaseLink.case_id == case_id, CaseLink.other_id == other_id, CaseLink.kind == kind)
        )
        if found is not None:
            return found
    return None


def _add(
    session: Session, ctx: ExerciseContext, case: Case, other: Case, kind: LinkKind, note: str | None, at: datetime
) -> CaseLink:
    link = CaseLink(
        exercise_id=case.exercise_id,
        case_id=case.id,
        other_id=other.id,
        kind=kind,
        note=note,
        created_by=ctx.actor,
        created_at=at,
    )
    session.add(link)
    session.flush()
    facts.linked((case, other), 1)
    for here, there, direction in ((case, other, "out"), (other, case, "in")):
        service.touch(here, at)
        service.record(
            session,
            ctx=ctx,
            case=here,
            at=at,
            type="case.linked",
            data={
                "link_id": link.id,
                "kind": kind,
                "direction": direction,
                "other_id": there.id,
                "other_number": there.number,
            },
        )
    return link


def link(
    session: Session,
    *,
    ctx: ExerciseContext,
    case_id: uuid.UUID,
    other_id: uuid.UUID,
    kind: LinkKind,
    note: str | None,
) -> CaseLink:
    _require(ctx, LINKERS, "link cases")
    if case_id == other_id:
        raise errors.InvalidLink("A case cannot be linked to itself.", extra={"pointer": "/other_id"})
    by_id = {c.id: c for c in service.lock_many(session, ctx=ctx, case_ids=[case_id, other_id])}
    if _existing(session, case_id, other_id, kind) is not None:
        raise errors.LinkExists(f"The cases are already linked as {kind}.")
    return _add(session, ctx, by_id[case_id], by_id[other_id], kind, note, ctx.now())


def unlink(session: Session, *, ctx: ExerciseContext, case_id: uuid.UUID, link_id: uuid.UUID) -> None:
    _require(ctx, LINKERS, "unlink cases")
    service.get(session, ctx=ctx, case_id=case_id)
    found = session.get(CaseLink, link_id)
    if found is None or case_id not in (found.case_id, found.other_id) or found.exercise_id != ctx.exercise.id:
        raise errors.LinkNotFound("No link with that id on this case.")
    cases = service.lock_many(session, ctx=ctx, case_ids=[found.case_id, found.other_id])
    at = ctx.now()
    session.delete(found)
    session.flush()
    facts.linked(cases, -1)
    for here in cases:
        there = next(c for c in cases if c is not here)
        service.touch(here, at)
        service.record(
            session,
            ctx=ctx,
            case=here,
            at=at,
            type="case.unlinked",
            data={"link_id": link_id, "kind": found.kind, "other_id": there.id},
        )


def merge(
    session: Session, *, ctx: ExerciseContext, case_id: uuid.UUID, case_ids: list[uuid.UUID], reason: str | None
) -> Case:
    _require(ctx, MERGERS, "merge cases")
    if case_id in case_ids:
        raise errors.InvalidLink("A case cannot be merged into itself.", extra={"pointer": "/case_ids"})
    cases = {c.id: c for c in service.lock_many(session, ctx=ctx, case_ids=[case_id, *case_ids])}
    target = cases.pop(case_id)
    if target.status in service.TERMINAL:
        raise errors.CaseClosed(f"Case {target.number} is {target.status}; merge into an open case.")
    at = ctx.now()
    merged: list[dict[str, object]] = []
    for other in sorted(cases.values(), key=lambda c: c.number):
        moved = list(session.scalars(select(Report.number).where(Report.case_id == other.id).order_by(Report.number)))
        session.execute(
            update(Report)
            .where(Report.case_id == other.id)
            .values(case_id=target.id)
            .execution_options(synchronize_session=False)
        )
        facts.reports_moved(session, (other, target))
        service.apply_transition(
            session,
            ctx=ctx,
            case=other,
            target=CaseStatus.closed,
            at=at,
            reason=reason or f"merged into case {target.number}",
            disposition="duplicate",
            authorised=True,
        )
        service.record(
            session,
            ctx=ctx,
            case=other,
            at=at,
            type="case.merged_into",
            data={"into_id": target.id, "into_number": target.number, "reports": moved},
        )
        if _existing(session, other.id, target.id, LinkKind.duplicate_of) is None:
            _add(session, ctx, other, target, LinkKind.duplicate_of, reason, at)
        merged.append({"id": other.id, "number": other.number, "reports": moved})
    service.touch(target, at)
    service.record(session, ctx=ctx, case=target, at=at, type="case.merged", data={"merged": merged, "reason": reason})
    return target
