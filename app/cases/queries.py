"""The case list: filters, sort and keyset pagination, always inside the caller's visible cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from app.auth.principal import ExerciseContext
from app.cases import sla
from app.cases.models import PRIORITY_RANK, Case, Priority
from app.cases.visibility import subtree_ids, visibility
from app.core.filters import Expression, to_sql
from app.core.pagination import PageParams, paginate
from app.reports.models import Report
from app.routing.models import Deconfliction


class CaseSort(StrEnum):
    number = "number"
    number_desc = "-number"
    received_at = "received_at"
    received_at_desc = "-received_at"
    priority = "priority"
    priority_desc = "-priority"


SORT_KEYS: dict[str, list[InstrumentedAttribute[Any]]] = {
    "number": [Case.number],
    "received_at": [Case.created_at, Case.number],
    "priority": [Case.priority_rank, Case.number],
}


@dataclass(frozen=True, slots=True)
class CaseFilter:
    status: Sequence[str] = ()
    priority: Sequence[str] = ()
    unit_id: uuid.UUID | None = None
    include_descendants: bool = False
    assignee_id: uuid.UUID | None = None
    sla: str | None = None  # breached | at_risk
    incident_type: str | None = None
    province: str | None = None
    tags: Sequence[str] = ()
    received_from: datetime | None = None
    received_to: datetime | None = None
    expression: Expression | None = None  # the filter language over REPORT_FIELDS
    deconflicted: bool | None = None  # has (or has not) a deconfliction link


def matching(exercise_id: uuid.UUID, expression: Expression) -> ColumnElement[bool]:
    """Cases any of whose reports matches ``expression`` (the report catalogue, whose case fields are the case's)."""
    reports = select(Report.case_id).where(
        Report.exercise_id == exercise_id, Report.case_id.is_not(None), to_sql(expression)
    )
    return Case.id.in_(reports)


def conditions(session: Session, ctx: ExerciseContext, f: CaseFilter, *, now: datetime) -> list[Any]:
    where: list[Any] = [Case.exercise_id == ctx.exercise.id, visibility(session, ctx).clause()]
    if f.status:
        where.append(Case.status.in_(f.status))
    if f.priority:  # by rank: the column the list indexes hold
        where.append(Case.priority_rank.in_(sorted(PRIORITY_RANK[Priority(p)] for p in f.priority)))
    if f.unit_id is not None:
        if f.include_descendants:
            where.append(Case.unit_id.in_(subtree_ids(session, ctx.exercise.id, f.unit_id)))
        else:
            where.append(Case.unit_id == f.unit_id)
    if f.assignee_id is not None:
        where.append(Case.assignee_id == f.assignee_id)
    if f.sla is not None:
        where.append(sla.filter_clause(f.sla, now))
    if f.incident_type is not None:
        where.append(Case.incident_type == f.incident_type)
    if f.province is not None:
        where.append(Case.province == f.province)
    for tag in f.tags:  # tags hold no quotes, so the quoted tag matches exactly one element of the JSON list
        where.append(cast(Case.tags, String).contains(f'"{tag}"', autoescape=True))
    if f.received_from is not None:
        where.append(Case.created_at >= f.received_from)
    if f.received_to is not None:
        where.append(Case.created_at < f.received_to)
    if f.expression is not None:
        where.append(matching(ctx.exercise.id, f.expression))
    if f.deconflicted is not None:
        linked = select(Deconfliction.id).where(Deconfliction.case_id == Case.id).exists()
        where.append(linked if f.deconflicted else ~linked)
    return where


def list_cases(
    session: Session, *, ctx: ExerciseContext, filters: CaseFilter, sort: CaseSort, params: PageParams
) -> tuple[list[Case], str | None, int | None]:
    stmt = select(Case).where(*conditions(session, ctx, filters, now=ctx.now()))
    key = sort.value.removeprefix("-")
    return paginate(session, stmt, keys=SORT_KEYS[key], params=params, descending=sort.value.startswith("-"))
