"""Which cases statistics count: the caller's visible cases (``app.cases.queries.conditions``, which applies
``app.cases.visibility``), narrowed by the statistics filters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.cases.models import Case
from app.cases.queries import CaseFilter, conditions
from app.core.filters import Expression


@dataclass(frozen=True, slots=True)
class StatsFilter:
    received_from: datetime | None = None  # the case's first report received at or after (exercise time)
    received_to: datetime | None = None  # ... and before
    unit_id: uuid.UUID | None = None
    include_descendants: bool = True
    incident_type: str | None = None
    priority: Sequence[str] = ()
    classification: str | None = None
    province: str | None = None
    tags: Sequence[str] = ()
    expression: Expression | None = None  # the filter language over report fields: a case matches if a report does


def where(session: Session, ctx: ExerciseContext, f: StatsFilter, *, now: datetime) -> list[Any]:
    """Conditions on ``Case``: the exercise, the caller's visibility and the filters (and the session tuned for
    statistics, see :func:`tune`)."""
    tune(session)
    clauses = conditions(
        session,
        ctx,
        CaseFilter(
            priority=tuple(f.priority),
            unit_id=f.unit_id,
            include_descendants=f.include_descendants,
            incident_type=f.incident_type,
            province=f.province,
            tags=tuple(f.tags),
            received_from=f.received_from,
            received_to=f.received_to,
            expression=f.expression,  # a case matches when one of its reports does
        ),
        now=now,
    )
    if f.classification is not None:
        clauses.append(Case.classification == f.classification)
    return clauses


def tune(session: Session) -> None:
    """On PostgreSQL, for the rest of the transaction: memory enough for the sorts and hash tables of a whole
    exercise (the 4 MB default spills a million rows to disk), and no JIT (its compilation costs more than it saves
    on these short aggregates)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL work_mem = '128MB'"))
        session.execute(text("SET LOCAL jit = off"))


def prefer_covering_index(session: Session) -> None:
    """On PostgreSQL, for the rest of the transaction: index pages costed as the cached pages they are, so that a
    query reading most of an exercise through a covering index (durations) does not read the whole table instead (at
    the default ``random_page_cost`` of 4 it does, twice as slow). Not for the other statistics, whose scans are
    better served by the table than by the narrower indexes this would lead the planner to."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL random_page_cost = 1.1"))
