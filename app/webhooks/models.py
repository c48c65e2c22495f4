"""Webhook endpoints (with their delivery cursor and lease) and the log of their deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its first attempt or for a retry
    succeeded = "succeeded"  # the receiver answered 2xx
    failed = "failed"  # given up after the last attempt


class WebhookEndpoint(IdMixin, Base):
    """A receiver of an exercise's events. ``last_seq`` is the cursor: every event up to it has been delivered,
    given up or filtered out. The lease (``leased_by`` until ``leased_until``, wall time) marks the dispatcher
    working on the endpoint, so no two processes deliver for one endpoint at once."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (Index("ix_webhook_endpoint_exercise_id_created_at", "exercise_id", "created_at"),)

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(200))
    event_types: Mapped[list[str] | None] = mapped_column(JSON)  # None: every type; "case.*" matches a prefix
    filter: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the filter expression, dumped
    secret: Mapped[str] = mapped_column(String(200))  # kept to sign with; never returned after creation
    active: Mapped[bool] = mapped_column(default=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None]  # wall time the pending delivery's next attempt is due
    leased_by: Mapped[str | None] = mapped_column(String(120))
    leased_until: Mapped[datetime | None]  # wall time
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]  # exercise time
    updated_at: Mapped[datetime]  # exercise time


class WebhookDelivery(IdMixin, Base):
    """One event sent (or being sent) to one endpoint, with every attempt. Times are wall-clock times."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_endpoint_id_status_created_at", "endpoint_id", "status", "created_at"),
        Index("ix_webhook_delivery_endpoint_id_created_at", "endpoint_id", "created_at"),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    event_seq: Mapped[int]
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[DeliveryStatus] = mapped_column(String(16), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    redelivery_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_duration_ms: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    attempt_log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # the latest attempts, oldest first
