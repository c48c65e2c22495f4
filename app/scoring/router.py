"""HTTP: trainee scores against the answer key, their explanations, and the instructor's debrief."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from app.auth.dependencies import AnyMember, ExerciseAccess, Instructor
from app.auth.models import ExerciseRole as R
from app.auth.principal import ExerciseContext
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.db.session import SessionDep
from app.scoring import debrief, service
from app.scoring.schemas import DebriefRead, ExplainRead, MetricName, ScoresRead, TraineeScore

router = APIRouter(
    prefix="/exercises/{exercise_id}", tags=["scoring"], responses=err(Unauthorized, NotFound, Forbidden)
)
Trainee = Annotated[ExerciseContext, Depends(ExerciseAccess(R.analyst, R.supervisor, R.investigator))]
Explain = Annotated[bool, Query(description="List the cases behind each score (expected vs actual).")]


@router.get("/scores", response_model=ScoresRead, summary="Score every trainee and unit against the answer key")
def get_scores(session: SessionDep, ctx: Instructor, explain: Explain = False) -> ScoresRead:
    """Instructors only. Per trainee (analysts, supervisors, investigators), per unit (trainees pooled by their
    membership's unit) and for the cohort: priority accuracy (exigent cases weighted), routing and transfer accuracy,
    duplicates found, bundles kept together, escalations, deconflictions acted on, time to triage within the key's
    SLA, cases handled. Definitions: docs/scoring.md."""
    return service.scores(session, ctx=ctx, explain=explain)


@router.get("/scores/me", response_model=TraineeScore, summary="Your own scores")
def get_my_scores(session: SessionDep, ctx: Trainee, explain: Explain = False) -> TraineeScore:
    """A trainee's own scorecard; nobody else's."""
    return service.my_scores(session, ctx=ctx, explain=explain)


@router.get(
    "/scores/{user_id}/explain",
    response_model=ExplainRead,
    summary="The cases behind a trainee's scores",
)
def explain_scores(
    session: SessionDep,
    ctx: AnyMember,
    user_id: uuid.UUID,
    metric: Annotated[MetricName | None, Query(description="Only this metric.")] = None,
) -> ExplainRead:
    """Each metric's cases with what the answer key expected and what the case shows. Instructors may ask about any
    trainee; a trainee only about themselves (403 otherwise)."""
    return service.explain(session, ctx=ctx, user_id=user_id, metric=metric)


@router.get(
    "/debrief",
    response_model=DebriefRead,
    summary="The shift's debrief (JSON, or a self-contained HTML page)",
    responses={200: {"content": {"text/html": {}}}},
)
def get_debrief(
    request: Request,
    session: SessionDep,
    ctx: Instructor,
    format: Annotated[str | None, Query(pattern="^(json|html)$", description="`html` or `json` (default).")] = None,
) -> JSONResponse | HTMLResponse:
    """Instructors only: the shift's timeline, SLA breaches, the cases most trainees got wrong and why, per-trainee
    scorecards and arrivals vs triage per hour. JSON by default; an HTML page (inline CSS and SVG, no external
    assets) with `?format=html`, or with an `Accept` header naming `text/html` and not `application/json` (as
    browsers send)."""
    data = debrief.build(session, ctx=ctx)
    accept = request.headers.get("accept", "")
    wants_html = format == "html" or (format is None and "text/html" in accept and "application/json" not in accept)
    if wants_html:
        return HTMLResponse(debrief.render_html(data))
    return JSONResponse(data.model_dump(mode="json"))
