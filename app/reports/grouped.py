"""Single report submissions stored in groups (PostgreSQL): concurrent ``POST /reports`` from one submitter to one
exercise share a transaction (``app.db.group_commit``).

Storing a report costs a transaction's fixed work — the set-up version, the counters' upsert, the event head, the
deconfliction lookup, the pipelined writes and the commit, each a round trip — whatever the number of reports it
stores, so reports that arrive together are stored together, exactly as a bulk batch is: each gets its own result
(a refusal, a replay, a conflict), and the group is committed before any of its callers is answered. The group is
written in the session of the request that leads it, and committed there. A group holds one submitter's reports
(same exercise, same user, same channel), so idempotency keys, the reporter and the events' actor are the same for
all of them. On SQLite, where a write transaction holds the database's only write lock from its first statement,
each request stores its own report instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.core.errors import AppError
from app.db.group_commit import GroupCommit
from app.reports import intake
from app.reports.models import ReportSource

_Key = tuple[uuid.UUID, uuid.UUID, ReportSource]


@dataclass(frozen=True, slots=True)
class _Submission:
    session: Session  # the submitting request's, inside its transaction; nothing in it has changed the set-up
    ctx: ExerciseContext
    prepared: intake.Prepared
    source: ReportSource


class GroupedIntake:
    def __init__(self, *, max_group: int) -> None:
        self.groups: GroupCommit[_Key, _Submission, intake.Stored] = GroupCommit(_store, max_batch=max_group)

    def store(
        self, session: Session, *, ctx: ExerciseContext, prepared: intake.Prepared, source: ReportSource
    ) -> intake.Stored:
        """Store and commit one prepared report together with whatever its submitter is sending at the moment;
        raises the report's refusal. ``session``: the caller's, in a transaction that has not changed the exercise's
        set-up (it may be the one the group is written and committed in)."""
        key = (ctx.exercise.id, ctx.principal.user.id, source)
        # a caller that waits ends its own transaction (it has only read) meanwhile; the request then has nothing
        # left to commit
        return self.groups.submit(key, _Submission(session, ctx, prepared, source), before_waiting=session.commit)


def _store(_key: _Key, group: Sequence[_Submission]) -> list[intake.Stored | AppError]:
    leader = group[0]  # the request running this
    session, ctx = leader.session, leader.ctx
    try:
        outcomes = intake.store_isolating(
            session,
            ctx=ctx,
            items=[s.prepared for s in group],
            source=leader.source,
            setup_version=ctx.exercise.setup_version,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return outcomes


async def get_grouped(request: Request) -> GroupedIntake | None:
    """The application's grouped intake; None where there is none (SQLite, or ``TIPDESK_INTAKE_GROUP_MAX=1``)."""
    grouped: GroupedIntake | None = request.app.state.grouped_intake
    return grouped


GroupedDep = Annotated[GroupedIntake | None, Depends(get_grouped)]
