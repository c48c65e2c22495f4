"""HTTP: the exercise's synthetic address registry (Section B geolocation)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.addresses import errors, service
from app.addresses.network import address_key
from app.addresses.schemas import AddressBlockCreate, AddressBlockRead, AddressBlockUpdate, Geolocation
from app.auth.dependencies import Instructor, Staff
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.core.pagination import Page, PageDep
from app.db.session import SessionDep
from app.reports.errors import InvalidIndicator

router = APIRouter(
    prefix="/exercises/{exercise_id}/address-blocks",
    tags=["address registry"],
    responses=err(Unauthorized, NotFound, Forbidden),
)


@router.get("", response_model=Page[AddressBlockRead], summary="List the address registry")
def list_blocks(
    session: SessionDep,
    ctx: Staff,
    page: PageDep,
    province: Annotated[str | None, Query(max_length=100, description="ISO 3166-2:ID code or name.")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
) -> Page[AddressBlockRead]:
    """Blocks in address order. A new exercise starts with the default registry (see docs/section-b.md)."""
    rows, cursor, total = service.list_blocks(session, ctx=ctx, province=province, country=country, params=page)
    return Page(items=[AddressBlockRead.model_validate(b) for b in rows], next_cursor=cursor, total=total)


@router.get("/lookup", response_model=Geolocation, summary="Geolocate an address", responses=err(InvalidIndicator))
def lookup(
    session: SessionDep, ctx: Staff, ip: Annotated[str, Query(min_length=1, max_length=100, examples=["198.18.0.1"])]
) -> Geolocation:
    """What intake would record for this address: the most specific block holding it, or no block."""
    if address_key(ip) is None:
        raise InvalidIndicator(f"{ip!r} is not an IP address.", extra={"parameter": "ip"})
    return service.geolocate(session, exercise_id=ctx.exercise.id, addresses=[ip])[ip]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AddressBlockRead,
    summary="Register an address block",
    responses=err(errors.DuplicateBlock, errors.InvalidBlock),
)
def create_block(
    session: SessionDep, ctx: Instructor, data: AddressBlockCreate, response: Response
) -> AddressBlockRead:
    block = service.create(session, ctx=ctx, data=data)
    response.headers["Location"] = f"/api/v1/exercises/{ctx.exercise.id}/address-blocks/{block.id}"
    return AddressBlockRead.model_validate(block)


@router.get(
    "/{block_id:uuid}",
    response_model=AddressBlockRead,
    summary="Read an address block",
    responses=err(errors.AddressBlockNotFound),
)
def get_block(session: SessionDep, ctx: Staff, block_id: uuid.UUID) -> AddressBlockRead:
    return AddressBlockRead.model_validate(service.get(session, ctx=ctx, block_id=block_id))


@router.patch(
    "/{block_id:uuid}",
    response_model=AddressBlockRead,
    summary="Change where a block geolocates to",
    responses=err(errors.AddressBlockNotFound, errors.InvalidBlock),
)
def update_block(
    session: SessionDep, ctx: Instructor, block_id: uuid.UUID, data: AddressBlockUpdate
) -> AddressBlockRead:
    """Reports already received keep the Section B they were given; new intake uses the change."""
    return AddressBlockRead.model_validate(service.update(session, ctx=ctx, block_id=block_id, data=data))


@router.delete(
    "/{block_id:uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an address block",
    responses=err(errors.AddressBlockNotFound),
)
def delete_block(session: SessionDep, ctx: Instructor, block_id: uuid.UUID) -> Response:
    service.remove(session, ctx=ctx, block_id=block_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
