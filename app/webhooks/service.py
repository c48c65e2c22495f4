"""Webhook endpoints, their delivery log, and the dispatcher's steps (each one short transaction).

Delivery model (see docs/webhooks.md): each endpoint has a cursor (``last_seq``) into its exercise's event log. A
dispatcher that holds the endpoint's lease takes the endpoint's oldest *pending* delivery or, when there is none,
walks the log after the cursor, moving the cursor past events the endpoint does not want, until one matches; it
records a pending delivery for that event (cursor and delivery in one transaction) and attempts it. The next event
is only looked at once the delivery succeeded or was given up, so each endpoint receives its events in seq order.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.core.clock import wall
from app.core.config import Settings
from app.core.filters import Expression, InvalidFilter, dump, parse
from app.core.pagination import PageParams, paginate
from app.events import service as events_service
from app.events.chain import rfc3339
from app.events.models import Event, EventStream
from app.webhooks import errors, filtering, signing, urls
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.webhooks.schemas import WebhookCreate, WebhookUpdate

log = logging.getLogger("tipdesk.webhooks")

ENVELOPE_VERSION = 1
ATTEMPT_LOG_LIMIT = 25  # attempts kept per delivery (the latest)
SCAN_LIMIT = 2000  # events one step may skip before it commits and comes back
ERROR_CHARS = 500


# --- endpoints -----------------------------------------------------------------------------------------------------


def _check_url(url: str, settings: Settings) -> str:
    try:
        return urls.check(url, settings)
    except urls.UrlRefused as exc:
        raise errors.InvalidWebhookUrl(str(exc), extra={"pointer": "/url"}) from None


def _parse_filter(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    return dump(parse(raw, filtering.EVENT_FIELDS, location="body", base="/filter"))


def _head(session: Session, exercise_id: uuid.UUID) -> int:
    return session.scalar(select(EventStream.last_seq).where(EventStream.exercise_id == exercise_id)) or 0


def _described(ep: WebhookEndpoint) -> dict[str, Any]:
    """What the event log records about an endpoint (never its secret)."""
    return {
        "url": ep.url,
        "event_types": ep.event_types,
        "filter": ep.filter,
        "active": ep.active,
        "description": ep.description,
    }


def create_endpoint(
    session: Session, *, ctx: ExerciseContext, data: WebhookCreate, settings: Settings
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its secret (the only time the secret leaves the server)."""
    url = _check_url(data.url, settings)
    expression = _parse_filter(data.filter)
    secret = data.secret or signing.new_secret()
    now = ctx.now()
    ep = WebhookEndpoint(
        exercise_id=ctx.exercise.id,
        url=url,
        description=data.description,
        event_types=data.event_types,
        filter=expression,
        secret=secret,
        active=data.active,
        last_seq=0,
        created_by_id=ctx.principal.user.id,
        created_at=now,
        updated_at=now,
    )
    session.add(ep)
    session.flush()
    created = events_service.append(
        session,
        exercise_id=ctx.exercise.id,
        at=now,
        actor=ctx.actor,
        type="webhook.created",
        subject_type="webhook",
        subject_id=ep.id,
        data=_described(ep),
    )
    ep.last_seq = created.seq if data.after is None else min(data.after, created.seq)
    session.flush()
    return ep, secret


def list_endpoints(
    session: Session, *, exercise_id: uuid.UUID, params: PageParams
) -> tuple[list[WebhookEndpoint], str | None, int | None]:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.exercise_id == exercise_id)
    return paginate(session, stmt, keys=[WebhookEndpoint.created_at, WebhookEndpoint.id], params=params)


def get_endpoint(session: Session, *, exercise_id: uuid.UUID, webhook_id: uuid.UUID) -> WebhookEndpoint:
    ep = session.get(WebhookEndpoint, webhook_id)
    if ep is None or ep.exercise_id != exercise_id:
        raise errors.WebhookNotFound("No webhook with that id in this exercise.")
    return ep


def update_endpoint(
    session: Session, *, ctx: ExerciseContext, webhook_id: uuid.UUID, data: WebhookUpdate, settings: Settings
) -> WebhookEndpoint:
    ep = get_endpoint(session, exercise_id=ctx.exercise.id, webhook_id=webhook_id)
    given = data.model_fields_set
    changes: dict[str, Any] = {}
    new: dict[str, Any] = {}
    if "url" in given and data.url is not None:
        new["url"] = _check_url(data.url, settings)
    if "event_types" in given:
        new["event_types"] = data.event_types
    if "filter" in given:
        new["filter"] = _parse_filter(data.filter)
    if "description" in given:
        new["description"] = data.description
    if "active" in given and data.active is not None:
        new["active"] = data.active
    for name, value in new.items():
        old = getattr(ep, name)
        if old != value:
            changes[name] = {"old": old, "new": value}
            setattr(ep, name, value)
    if "secret" in given and data.secret is not None and data.secret != ep.secret:
        ep.secret = data.secret
        changes["secret"] = "replaced"  # noqa: S105 - a note that it changed, never the value
    if changes:
        now = ctx.now()
        ep.updated_at = now
        if "active" in changes and ep.active:
            ep.retry_at = None  # resumed: try again at once
        events_service.append(
            session,
            exercise_id=ctx.exercise.id,
            at=now,
            actor=ctx.actor,
            type="webhook.updated",
            subject_type="webhook",
            subject_id=ep.id,
            data={"changes": changes},
        )
    session.flush()
    return ep


def delete_endpoint(session: Session, *, ctx: ExerciseContext, webhook_id: uuid.UUID) -> None:
    ep = get_endpoint(session, exercise_id=ctx.exercise.id, webhook_id=webhook_id)
    events_service.append(
        session,
        exercise_id=ctx.exercise.id,
        at=ctx.now(),
        actor=ctx.actor,
        type="webhook.deleted",
        subject_type="webhook",
        subject_id=ep.id,
        data=_described(ep),
    )
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == ep.id))
    session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == ep.id))
    session.expunge(ep)


# --- the delivery log ----------------------------------------------------------------------------------------------


def list_deliveries(
    session: Session,
    *,
    exercise_id: uuid.UUID,
    webhook_id: uuid.UUID,
    status: DeliveryStatus | None,
    params: PageParams,
) -> tuple[list[WebhookDelivery], str | None, int | None]:
    """Newest first."""
    ep = get_endpoint(session, exercise_id=exercise_id, webhook_id=webhook_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == ep.id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return paginate(
        session, stmt, keys=[WebhookDelivery.created_at, WebhookDelivery.id], params=params, descending=True
    )


def get_delivery(
    session: Session, *, exercise_id: uuid.UUID, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    ep = get_endpoint(session, exercise_id=exercise_id, webhook_id=webhook_id)
    d = session.get(WebhookDelivery, delivery_id)
    if d is None or d.endpoint_id != ep.id:
        raise errors.DeliveryNotFound("No delivery with that id for this webhook.")
    return d


def redeliver(
    session: Session, *, exercise_id: uuid.UUID, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Queue the delivery's event again, as a new delivery that goes before the endpoint's next new event."""
    original = get_delivery(session, exercise_id=exercise_id, webhook_id=webhook_id, delivery_id=delivery_id)
    if original.status == DeliveryStatus.pending:
        raise errors.DeliveryPending(
            "This delivery is still pending; it is redelivered automatically until it succeeds or is given up.",
            extra={"delivery_id": str(original.id)},
        )
    now = wall.now()
    again = WebhookDelivery(
        endpoint_id=original.endpoint_id,
        exercise_id=original.exercise_id,
        event_seq=original.event_seq,
        event_type=original.event_type,
        status=DeliveryStatus.pending,
        attempts=0,
        redelivery_of=original.id,
        created_at=now,
        next_attempt_at=now,
        attempt_log=[],
    )
    session.add(again)
    session.flush()
    return again


# --- dispatching ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attempt:
    """One HTTP request to make: everything the dispatcher needs without the database."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    secret: str
    body: bytes
    event_type: str
    event_seq: int
    number: int  # 1 for the first attempt


@dataclass(frozen=True, slots=True)
class Outcome:
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


MORE = "more"  # a step skipped events without finding one to deliver: call again


def envelope(delivery: WebhookDelivery, event: Event) -> bytes:
    """The JSON body of a delivery (the same bytes on every attempt of it)."""
    doc = {
        "version": ENVELOPE_VERSION,
        "id": str(delivery.id),
        "type": event.type,
        "seq": event.seq,
        "at": rfc3339(event.at),
        "exercise_id": str(event.exercise_id),
        "actor": event.actor,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "data": event.data,
        "redelivery_of": str(delivery.redelivery_of) if delivery.redelivery_of else None,
    }
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def backoff(attempts: int, settings: Settings, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: full jitter over an exponential ceiling."""
    ceiling = min(settings.webhook_backoff_cap_seconds, settings.webhook_backoff_base_seconds * 2 ** (attempts - 1))
    return (rng or random).uniform(0, ceiling)


def claim(session: Session, *, worker: str, now: datetime, lease_seconds: float, limit: int) -> list[uuid.UUID]:
    """Lease up to ``limit`` active endpoints that have work due and no live lease. On PostgreSQL the candidate rows
    are locked with ``FOR UPDATE SKIP LOCKED``, so concurrent dispatchers take different endpoints without waiting;
    on SQLite the write transaction serialises them."""
    head = select(EventStream.last_seq).where(EventStream.exercise_id == WebhookEndpoint.exercise_id)
    pending = exists().where(
        WebhookDelivery.endpoint_id == WebhookEndpoint.id, WebhookDelivery.status == DeliveryStatus.pending
    )
    stmt = (
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.active.is_(True),
            or_(WebhookEndpoint.leased_until.is_(None), WebhookEndpoint.leased_until < now),
            or_(WebhookEndpoint.retry_at.is_(None), WebhookEndpoint.retry_at <= now),
            or_(pending, head.scalar_subquery() > WebhookEndpoint.last_seq),
        )
        .order_by(WebhookEndpoint.leased_until.is_not(None), WebhookEndpoint.leased_until, WebhookEndpoint.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookEndpoint)
    )
    taken = list(session.scalars(stmt))
    until = now + timedelta(seconds=lease_seconds)
    for ep in taken:
        ep.leased_by, ep.leased_until = worker, until
    session.flush()
    return [ep.id for ep in taken]


def has_work(session: Session, *, now: datetime) -> bool:
    """A cheap read: is any endpoint's work due now? (Lets an idle dispatcher avoid write transactions.)"""
    head = select(EventStream.last_seq).where(EventStream.exercise_id == WebhookEndpoint.exercise_id)
    pending = exists().where(
        WebhookDelivery.endpoint_id == WebhookEndpoint.id, WebhookDelivery.status == DeliveryStatus.pending
    )
    stmt = select(
        exists().where(
            WebhookEndpoint.active.is_(True),
            or_(WebhookEndpoint.leased_until.is_(None), WebhookEndpoint.leased_until < now),
            or_(WebhookEndpoint.retry_at.is_(None), WebhookEndpoint.retry_at <= now),
            or_(pending, head.scalar_subquery() > WebhookEndpoint.last_seq),
        )
    )
    return bool(session.scalar(stmt))


def next_due(session: Session) -> datetime | None:
    """The earliest scheduled retry of an active endpoint (to sleep until it)."""
    return session.scalar(
        select(func.min(WebhookEndpoint.retry_at)).where(
            WebhookEndpoint.active.is_(True), WebhookEndpoint.retry_at.is_not(None)
        )
    )


def _stored_filter(ep: WebhookEndpoint) -> Expression | None:
    if ep.filter is None:
        return None
    return parse(ep.filter, filtering.EVENT_FIELDS, location="body", base="/filter")


def next_attempt(
    session: Session, *, endpoint_id: uuid.UUID, worker: str, now: datetime, lease_seconds: float
) -> Attempt | str | None:
    """The endpoint's next request, :data:`MORE` after skipping a long run of unwanted events, or None when it has
    nothing due (or the lease is no longer this worker's)."""
    ep = session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
    if ep is None or ep.leased_by != worker or not ep.active:
        return None
    if ep.retry_at is not None and ep.retry_at > now:
        return None
    ep.leased_until = now + timedelta(seconds=lease_seconds)
    delivery = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == ep.id, WebhookDelivery.status == DeliveryStatus.pending)
        .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
        .limit(1)
    ).first()
    event: Event | None = None
    if delivery is None:
        try:
            expression = _stored_filter(ep)
        except InvalidFilter:  # the catalogue changed under a stored filter: deliver nothing rather than everything
            log.warning("webhook %s: its stored filter no longer parses; events are skipped", ep.id)
            expression = None
            wanted = False
        else:
            wanted = True
        scanned, size = 0, 4  # small reads first (the next event is usually wanted), larger while skipping
        while delivery is None and scanned < SCAN_LIMIT:
            batch = events_service.list_events(session, exercise_id=ep.exercise_id, after=ep.last_seq, limit=size)
            size = min(size * 4, 256)
            if not batch:
                break
            for ev in batch:
                scanned += 1
                ep.last_seq = ev.seq
                if wanted and filtering.matches(session, ev, ep.event_types, expression):
                    delivery = WebhookDelivery(
                        endpoint_id=ep.id,
                        exercise_id=ep.exercise_id,
                        event_seq=ev.seq,
                        event_type=ev.type,
                        status=DeliveryStatus.pending,
                        attempts=0,
                        created_at=now,
                        next_attempt_at=now,
                        attempt_log=[],
                    )
                    session.add(delivery)
                    session.flush()
                    event = ev
                    break
        if delivery is None:
            session.flush()
            return MORE if scanned >= SCAN_LIMIT else None
    if event is None:
        event = session.get(Event, (delivery.exercise_id, delivery.event_seq))
        if event is None:
            delivery.status, delivery.completed_at = DeliveryStatus.failed, now
            delivery.last_error = "the event is no longer in the log"
            session.flush()
            return MORE
    session.flush()
    return Attempt(
        delivery_id=delivery.id,
        endpoint_id=ep.id,
        url=ep.url,
        secret=ep.secret,
        body=envelope(delivery, event),
        event_type=event.type,
        event_seq=event.seq,
        number=delivery.attempts + 1,
    )


def record(
    session: Session,
    *,
    attempt: Attempt,
    outcome: Outcome,
    worker: str,
    now: datetime,
    settings: Settings,
    rng: random.Random | None = None,
) -> bool:
    """Record an attempt's outcome. True when the endpoint may go on to its next delivery now; False when a retry
    is scheduled (``retry_at``) or the delivery was no longer pending."""
    ep = session.get(WebhookEndpoint, attempt.endpoint_id, with_for_update=True)
    delivery = session.get(WebhookDelivery, attempt.delivery_id)
    if ep is None or delivery is None or delivery.status != DeliveryStatus.pending:
        return False
    delivery.attempts += 1
    entry = {
        "attempt": delivery.attempts,
        "at": rfc3339(outcome.started_at),
        "status_code": outcome.status_code,
        "duration_ms": outcome.duration_ms,
        "error": outcome.error,
    }
    delivery.attempt_log = [*delivery.attempt_log, entry][-ATTEMPT_LOG_LIMIT:]
    delivery.last_attempt_at = outcome.started_at
    delivery.last_status_code = outcome.status_code
    delivery.last_duration_ms = outcome.duration_ms
    delivery.last_error = outcome.error
    go_on = True
    if outcome.ok:
        delivery.status, delivery.completed_at, delivery.next_attempt_at = DeliveryStatus.succeeded, now, None
        ep.retry_at = None
    elif delivery.attempts >= settings.webhook_max_attempts:
        delivery.status, delivery.completed_at, delivery.next_attempt_at = DeliveryStatus.failed, now, None
        ep.retry_at = None
        log.warning("webhook %s: delivery %s of seq %s given up", ep.id, delivery.id, delivery.event_seq)
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff(delivery.attempts, settings, rng))
        ep.retry_at = delivery.next_attempt_at
        go_on = False
    if ep.leased_by == worker:
        ep.leased_until = now + timedelta(seconds=settings.webhook_lease_seconds)
    session.flush()
    return go_on


def release(session: Session, *, endpoint_ids: list[uuid.UUID], worker: str, now: datetime) -> None:
    """Give the leases back (``leased_until`` keeps when, so the least recently served go first next time)."""
    if endpoint_ids:
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id.in_(endpoint_ids), WebhookEndpoint.leased_by == worker)
            .values(leased_by=None, leased_until=now)
            .execution_options(synchronize_session=False)
        )


def clip(text: str) -> str:
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"
