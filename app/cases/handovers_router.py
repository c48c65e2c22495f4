"""HTTP: transfers of a case to another unit and referrals to outside agencies (``app.cases.transfers``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.auth.dependencies import Staff
from app.cases import errors, reads, transfers
from app.cases.router import WRITE_ERRORS, IfMatch, with_etag
from app.cases.schemas import CaseRead, HandoverRead, ReferralRequest, TransferRequest
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.db.session import SessionDep

router = APIRouter(
    prefix="/exercises/{exercise_id}/cases", tags=["cases"], responses=err(Unauthorized, NotFound, Forbidden)
)


@router.post(
    "/{case_id:uuid}/transfer",
    response_model=CaseRead,
    summary="Transfer a case to another unit",
    responses=err(*WRITE_ERRORS, errors.UnitNotTransferable, errors.AlreadyHeld),
)
def transfer_case(
    session: SessionDep,
    ctx: Staff,
    case_id: uuid.UUID,
    data: TransferRequest,
    response: Response,
    if_match: IfMatch = None,
) -> CaseRead:
    """`{unit_id, reason}`: instructors, and supervisors who see the case (of the holding unit, a unit above it, or
    the national intake), move it to any active unit of the exercise. The status is kept; an assignee outside the
    receiving unit's subtree is cleared. Event `case.transferred`; a case outside the caller's view is a 404, a
    visible case the caller's role may not transfer a 403."""
    case = transfers.transfer(
        session, ctx=ctx, case_id=case_id, unit_id=data.unit_id, reason=data.reason, if_match=if_match
    )
    return with_etag(response, reads.full(session, ctx, case))


@router.post(
    "/{case_id:uuid}/refer",
    response_model=CaseRead,
    summary="Refer a case to an outside agency",
    responses=err(*WRITE_ERRORS, errors.TransitionNotAllowed, errors.TransitionForbidden),
)
def refer_case(
    session: SessionDep,
    ctx: Staff,
    case_id: uuid.UUID,
    data: ReferralRequest,
    response: Response,
    if_match: IfMatch = None,
) -> CaseRead:
    """`{agency, country, reason}`: the lifecycle's move to `referred` (disposition `referred_out`; who may make it
    and from which statuses is the lifecycle's), with events `case.transitioned` and `case.referred`."""
    case = transfers.refer(
        session,
        ctx=ctx,
        case_id=case_id,
        agency=data.agency,
        country=data.country,
        reason=data.reason,
        if_match=if_match,
    )
    return with_etag(response, reads.full(session, ctx, case))


@router.get(
    "/{case_id:uuid}/handovers",
    response_model=list[HandoverRead],
    summary="A case's transfers and referrals",
    responses=err(errors.CaseNotFound),
)
def case_handovers(session: SessionDep, ctx: Staff, case_id: uuid.UUID) -> list[HandoverRead]:
    """Every transfer and referral of the case, oldest first; they are never removed."""
    return [HandoverRead.model_validate(h) for h in transfers.handovers(session, ctx=ctx, case_id=case_id)]
