"""HTTP: links between cases, merges, and the exercise's SLA targets."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status
from sqlalchemy.orm import Session

from app.auth.dependencies import Instructor, Staff
from app.cases import errors, links, reads, service, sla
from app.cases.models import SlaPolicy
from app.cases.router import Triage
from app.cases.schemas import CaseRead, LinkCreate, LinkRead, MergeRequest, SlaPolicyBody, SlaPolicyRead, SlaTarget
from app.core.errors import Forbidden, InvalidTransition, NotFound, Unauthorized
from app.core.errors import responses as err
from app.db.session import SessionDep

router = APIRouter(
    prefix="/exercises/{exercise_id}/cases", tags=["cases"], responses=err(Unauthorized, NotFound, Forbidden)
)
sla_router = APIRouter(
    prefix="/exercises/{exercise_id}/sla", tags=["cases"], responses=err(Unauthorized, NotFound, Forbidden)
)


@router.post(
    "/{case_id:uuid}/links",
    status_code=status.HTTP_201_CREATED,
    response_model=LinkRead,
    summary="Link two cases",
    responses=err(errors.CaseNotFound, errors.LinkExists, errors.InvalidLink),
)
def link_cases(session: SessionDep, ctx: Triage, case_id: uuid.UUID, data: LinkCreate, response: Response) -> LinkRead:
    """`duplicate_of` (this case duplicates `other_id`) or `related`. Both cases get a `case.linked` event."""
    link = links.link(session, ctx=ctx, case_id=case_id, other_id=data.other_id, kind=data.kind, note=data.note)
    response.headers["Location"] = f"/api/v1/exercises/{ctx.exercise.id}/cases/{case_id}/links/{link.id}"
    other = service.get(session, ctx=ctx, case_id=data.other_id)
    return LinkRead(
        id=link.id,
        kind=link.kind,
        case_id=link.case_id,
        other_id=link.other_id,
        other_number=other.number,
        note=link.note,
        created_at=link.created_at,
    )


@router.delete(
    "/{case_id:uuid}/links/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a link",
    responses=err(errors.CaseNotFound, errors.LinkNotFound),
)
def unlink_cases(session: SessionDep, ctx: Triage, case_id: uuid.UUID, link_id: uuid.UUID) -> Response:
    links.unlink(session, ctx=ctx, case_id=case_id, link_id=link_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{case_id:uuid}/merge",
    response_model=CaseRead,
    summary="Merge other cases into this one",
    responses=err(errors.CaseNotFound, errors.CaseClosed, errors.InvalidLink, InvalidTransition),
)
def merge_cases(
    session: SessionDep, ctx: Staff, case_id: uuid.UUID, data: MergeRequest, response: Response
) -> CaseRead:
    """Supervisors and instructors. The reports of `case_ids` move to this case; each of those cases is closed with
    disposition `duplicate` and linked `duplicate_of` this one. All or nothing: if one case cannot be closed (for
    example it is on hold), nothing changes and the problem names it."""
    case = links.merge(session, ctx=ctx, case_id=case_id, case_ids=data.case_ids, reason=data.reason)
    read = reads.full(session, ctx, case)
    response.headers["ETag"] = f'"{read.version}"'
    return read


def _policy_read(session: Session, exercise_id: uuid.UUID) -> SlaPolicyRead:
    policy = sla.policy_for(session, exercise_id=exercise_id)
    return SlaPolicyRead(
        targets={k: SlaTarget.model_validate(v) for k, v in policy.targets.items()},
        at_risk_ratio=policy.at_risk_ratio,
        unprioritised=sla.UNPRIORITISED,
        customised=session.get(SlaPolicy, exercise_id) is not None,
    )


@sla_router.get("", response_model=SlaPolicyRead, summary="Read the SLA targets")
def get_sla(session: SessionDep, ctx: Staff) -> SlaPolicyRead:
    """Targets per priority for time to triage and time to first action, in exercise minutes."""
    return _policy_read(session, ctx.exercise.id)


@sla_router.put("", response_model=SlaPolicyRead, summary="Set the SLA targets", responses=err(422))
def put_sla(session: SessionDep, ctx: Instructor, data: SlaPolicyBody) -> SlaPolicyRead:
    """Instructors only. Applies to cases whose priority changes afterwards and to cases opened afterwards."""
    sla.set_policy(
        session,
        ctx=ctx,
        targets={str(k): v.model_dump() for k, v in data.targets.items()},
        at_risk_ratio=data.at_risk_ratio,
    )
    return _policy_read(session, ctx.exercise.id)
