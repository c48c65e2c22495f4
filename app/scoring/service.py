"""Scores per trainee, per unit and for the whole cohort, from the metrics' outcomes (``app.scoring.metrics``).

A metric's score is ``100 * points / possible`` over its outcomes (``points``: the weight of the correct ones), or
null when it had no opportunity. A scorecard's ``overall`` is the mean of its metric scores that are not null.
A unit's scorecard pools the outcomes of the trainees whose membership is in that unit (each untouched case once);
the cohort's pools every trainee's outcomes and counts every keyed case once for ``untouched``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext, Principal
from app.cases import sla
from app.cases.models import Case
from app.cases.visibility import visibility
from app.core.clock import ExerciseClock
from app.core.errors import Forbidden, NotFound
from app.exercises.models import Exercise
from app.scoring import facts, metrics
from app.scoring.facts import Shift, Trainee
from app.scoring.metrics import METRICS, Outcome
from app.scoring.schemas import (
    ExplainRead,
    MetricScore,
    OutcomeRead,
    Scorecard,
    ScoresRead,
    TraineeScore,
    UnitScore,
)


@dataclass(slots=True)
class Result:
    shift: Shift
    outcomes: list[Outcome]

    def of(self, actor: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.actor == actor]

    def cohort(self) -> list[Outcome]:
        return [o for o in self.outcomes if (o.actor is None) == (o.metric == "untouched")]


def scopes(session: Session, exercise: Exercise, shift: Shift) -> dict[str, set[uuid.UUID]]:
    """Each trainee's queue: the keyed cases they may see now (``app.cases.visibility``)."""
    out: dict[str, set[uuid.UUID]] = {}
    for actor, trainee in shift.trainees.items():
        ctx = ExerciseContext(exercise, Principal(trainee.user, None), trainee.membership)
        seen = session.scalars(
            select(Case.id).where(Case.exercise_id == exercise.id, visibility(session, ctx).clause())
        )
        out[actor] = {case_id for case_id in seen if case_id in shift.cases}
    return out


def compute(session: Session, *, exercise: Exercise) -> Result:
    """Every metric's outcomes for the exercise, at the exercise clock's current time."""
    at = ExerciseClock(exercise.clock_state).now()
    shift = facts.load(session, exercise_id=exercise.id, now=at)
    policy = sla.policy_for(session, exercise_id=exercise.id)
    outcomes = metrics.evaluate(shift, policy, scopes(session, exercise, shift))
    return Result(shift, outcomes)


def _item(shift: Shift, o: Outcome) -> OutcomeRead:
    case = shift.cases[o.case_id]
    return OutcomeRead(
        case_id=o.case_id,
        case_number=o.case_number,
        ok=o.ok,
        weight=o.weight,
        expected=o.expected,
        actual=o.actual,
        note=o.note,
        reports=list(case.expected.reports),
        rationale=case.expected.rationale,
    )


def metric_scores(
    shift: Shift, outcomes: Iterable[Outcome], *, explain: bool = False, only: Sequence[str] | None = None
) -> list[MetricScore]:
    by_metric: dict[str, list[Outcome]] = {m: [] for m in METRICS}
    for o in outcomes:
        by_metric[o.metric].append(o)
    out = []
    for name, title in METRICS.items():
        if only is not None and name not in only:
            continue
        rows = sorted(by_metric[name], key=lambda o: o.case_number)
        possible = sum(o.weight for o in rows)
        points = sum(o.weight for o in rows if o.ok)
        out.append(
            MetricScore(
                metric=name,
                title=title,
                opportunities=len(rows),
                correct=sum(1 for o in rows if o.ok),
                points=points,
                possible=possible,
                score=round(100 * points / possible, 2) if possible else None,
                items=[_item(shift, o) for o in rows] if explain else None,
            )
        )
    return out


def _overall(scores: list[MetricScore]) -> float | None:
    values = [s.score for s in scores if s.score is not None]
    return round(sum(values) / len(values), 2) if values else None


def card(shift: Shift, outcomes: Iterable[Outcome], *, explain: bool = False) -> Scorecard:
    scores = metric_scores(shift, outcomes, explain=explain)
    return Scorecard(overall=_overall(scores), metrics=scores)


def trainee_score(result: Result, trainee: Trainee, *, explain: bool = False) -> TraineeScore:
    scores = metric_scores(result.shift, result.of(trainee.actor), explain=explain)
    return TraineeScore(
        user_id=trainee.user_id,
        username=trainee.username,
        display_name=trainee.display_name,
        role=trainee.role,
        unit_id=trainee.unit_id,
        unit_code=result.shift.unit_label(trainee.unit_id) if trainee.unit_id else None,
        overall=_overall(scores),
        metrics=scores,
    )


def _dedupe_untouched(outcomes: list[Outcome]) -> list[Outcome]:
    seen: set[uuid.UUID] = set()
    out = []
    for o in outcomes:
        if o.metric == "untouched":
            if o.case_id in seen:
                continue
            seen.add(o.case_id)
        out.append(o)
    return out


def unit_scores(result: Result, *, explain: bool = False) -> list[UnitScore]:
    shift = result.shift
    groups: dict[uuid.UUID | None, list[Trainee]] = {}
    for trainee in shift.trainees.values():
        groups.setdefault(trainee.unit_id, []).append(trainee)
    out = []
    for unit_id, members in groups.items():
        pooled = _dedupe_untouched([o for t in members for o in result.of(t.actor)])
        scores = metric_scores(shift, pooled, explain=explain)
        unit = shift.units.get(unit_id) if unit_id else None
        out.append(
            UnitScore(
                unit_id=unit_id,
                unit_code=unit.code if unit else None,
                unit_name=unit.name if unit else "trainees without a unit",
                trainees=[t.user_id for t in members],
                overall=_overall(scores),
                metrics=scores,
            )
        )
    return sorted(out, key=lambda u: (u.unit_code is None, u.unit_code or ""))


def scores(session: Session, *, ctx: ExerciseContext, explain: bool) -> ScoresRead:
    result = compute(session, exercise=ctx.exercise)
    shift = result.shift
    return ScoresRead(
        exercise_id=ctx.exercise.id,
        at=shift.now,
        keyed_cases=len(shift.cases),
        exigent_weight=metrics.EXIGENT_WEIGHT,
        cohort=card(shift, result.cohort(), explain=explain),
        trainees=[trainee_score(result, t, explain=explain) for t in shift.trainees.values()],
        units=unit_scores(result, explain=explain),
    )


def my_scores(session: Session, *, ctx: ExerciseContext, explain: bool) -> TraineeScore:
    result = compute(session, exercise=ctx.exercise)
    trainee = result.shift.trainees.get(ctx.actor)
    if trainee is None:
        raise NotFound("You are not a trainee of this exercise: only analysts, supervisors and investigators score.")
    return trainee_score(result, trainee, explain=explain)


INSTRUCTING = ("instructor",)


def explain(session: Session, *, ctx: ExerciseContext, user_id: uuid.UUID, metric: str | None) -> ExplainRead:
    """One trainee's metrics with the cases behind them; trainees may ask only about themselves."""
    own = ctx.principal.user.id == user_id
    if not own and not ctx.principal.is_admin and ctx.role not in INSTRUCTING:
        raise Forbidden("Only instructors may read another trainee's scores.")
    result = compute(session, exercise=ctx.exercise)
    trainee = next((t for t in result.shift.trainees.values() if t.user_id == user_id), None)
    if trainee is None:
        raise NotFound("No trainee with that id in this exercise.")
    only = [metric] if metric else None
    return ExplainRead(
        exercise_id=ctx.exercise.id,
        user_id=user_id,
        at=result.shift.now,
        metrics=metric_scores(result.shift, result.of(trainee.actor), explain=True, only=only),
    )
