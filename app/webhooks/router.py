"""HTTP: an exercise's webhook endpoints and their delivery log (instructors only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.auth.dependencies import Instructor
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.core.errors import responses as err
from app.core.filters import InvalidFilter
from app.core.pagination import Page, PageDep
from app.db.session import SessionDep
from app.webhooks import errors, filtering, service
from app.webhooks.models import DeliveryStatus
from app.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead, WebhookUpdate

router = APIRouter(
    prefix="/exercises/{exercise_id}/webhooks", tags=["webhooks"], responses=err(Unauthorized, NotFound, Forbidden)
)

FILTER_HELP = (
    "`filter` takes the language of list filters over these fields (case fields are read when the event is "
    "dispatched; missing for events about neither a case nor a report):\n\n" + filtering.EVENT_FIELDS.markdown()
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    summary="Register a webhook endpoint",
    description="Instructors only. The URL must be http(s) and resolve to loopback or to a host the server allows "
    "(422 `invalid-webhook-url` otherwise). Deliveries start after the current end of the event log unless `after` "
    "says otherwise. The response holds the signing `secret`, shown only here. Event `webhook.created`.\n\n"
    + FILTER_HELP,
    responses=err(errors.InvalidWebhookUrl, InvalidFilter),
)
def create_webhook(
    request: Request, session: SessionDep, ctx: Instructor, data: WebhookCreate, response: Response
) -> WebhookCreated:
    ep, secret = service.create_endpoint(session, ctx=ctx, data=data, settings=request.app.state.settings)
    response.headers["Location"] = f"/api/v1/exercises/{ctx.exercise.id}/webhooks/{ep.id}"
    return WebhookCreated.model_validate({**WebhookRead.model_validate(ep).model_dump(), "secret": secret})


@router.get("", response_model=Page[WebhookRead], summary="List the webhook endpoints")
def list_webhooks(session: SessionDep, ctx: Instructor, page: PageDep) -> Page[WebhookRead]:
    """Oldest first. Secrets are never shown."""
    rows, cursor, total = service.list_endpoints(session, exercise_id=ctx.exercise.id, params=page)
    return Page(items=[WebhookRead.model_validate(r) for r in rows], next_cursor=cursor, total=total)


@router.get(
    "/{webhook_id}",
    response_model=WebhookRead,
    summary="Read a webhook endpoint",
    responses=err(errors.WebhookNotFound),
)
def get_webhook(session: SessionDep, ctx: Instructor, webhook_id: uuid.UUID) -> WebhookRead:
    return WebhookRead.model_validate(service.get_endpoint(session, exercise_id=ctx.exercise.id, webhook_id=webhook_id))


@router.patch(
    "/{webhook_id}",
    response_model=WebhookRead,
    summary="Change, pause or resume a webhook endpoint",
    responses=err(errors.WebhookNotFound, errors.InvalidWebhookUrl, InvalidFilter),
)
def update_webhook(
    request: Request, session: SessionDep, ctx: Instructor, webhook_id: uuid.UUID, data: WebhookUpdate
) -> WebhookRead:
    """Fields left out stay as they are; `event_types: null` means every type and `filter: null` removes the
    filter. Changes apply to events not yet dispatched. `active: false` pauses deliveries; `true` resumes them from
    the cursor, so nothing recorded meanwhile is missed. `secret` replaces the signing secret. Event
    `webhook.updated`."""
    ep = service.update_endpoint(
        session, ctx=ctx, webhook_id=webhook_id, data=data, settings=request.app.state.settings
    )
    return WebhookRead.model_validate(ep)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a webhook endpoint",
    responses=err(errors.WebhookNotFound),
)
def delete_webhook(session: SessionDep, ctx: Instructor, webhook_id: uuid.UUID) -> Response:
    """Removes the endpoint and its delivery log. Event `webhook.deleted`."""
    service.delete_endpoint(session, ctx=ctx, webhook_id=webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[DeliveryRead],
    summary="Read a webhook's delivery log",
    responses=err(errors.WebhookNotFound),
)
def list_deliveries(
    session: SessionDep,
    ctx: Instructor,
    page: PageDep,
    webhook_id: uuid.UUID,
    status: Annotated[DeliveryStatus | None, Query(description="Only deliveries in this state.")] = None,
) -> Page[DeliveryRead]:
    """Newest first: each delivery's event, attempts with their status codes and timings, and last error."""
    rows, cursor, total = service.list_deliveries(
        session, exercise_id=ctx.exercise.id, webhook_id=webhook_id, status=status, params=page
    )
    return Page(items=[DeliveryRead.model_validate(r) for r in rows], next_cursor=cursor, total=total)


@router.get(
    "/{webhook_id}/deliveries/{delivery_id}",
    response_model=DeliveryRead,
    summary="Read one delivery",
    responses=err(errors.WebhookNotFound, errors.DeliveryNotFound),
)
def get_delivery(session: SessionDep, ctx: Instructor, webhook_id: uuid.UUID, delivery_id: uuid.UUID) -> DeliveryRead:
    d = service.get_delivery(session, exercise_id=ctx.exercise.id, webhook_id=webhook_id, delivery_id=delivery_id)
    return DeliveryRead.model_validate(d)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    summary="Send a delivery's event again",
    responses=err(errors.WebhookNotFound, errors.DeliveryNotFound, errors.DeliveryPending),
)
def redeliver(session: SessionDep, ctx: Instructor, webhook_id: uuid.UUID, delivery_id: uuid.UUID) -> DeliveryRead:
    """Queues a new delivery of the same event (`redelivery_of` names the original), sent before the endpoint's
    next new event; 409 `delivery-pending` while the original is still being attempted."""
    d = service.redeliver(session, exercise_id=ctx.exercise.id, webhook_id=webhook_id, delivery_id=delivery_id)
    return DeliveryRead.model_validate(d)
