from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from app.core.schemas import ReadSchema, Schema
from app.webhooks.filtering import EVENT_TYPE_PATTERN
from app.webhooks.models import DeliveryStatus
from app.webhooks.urls import MAX_URL_CHARS

MAX_EVENT_TYPES = 50


def _unique_types(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    seen: list[str] = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return None if "*" in seen else seen


EventTypePattern = Annotated[str, StringConstraints(max_length=64, pattern=EVENT_TYPE_PATTERN.pattern)]
EventTypes = Annotated[
    list[EventTypePattern] | None,
    Field(
        min_length=1,
        max_length=MAX_EVENT_TYPES,
        description="Event types to deliver: exact (`case.opened`), by prefix (`case.*`), or `*`; null or omitted: "
        "every type.",
    ),
    AfterValidator(_unique_types),
]
Url = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_URL_CHARS, strip_whitespace=True),
    Field(description="http or https; the host must resolve to loopback or be allowed by the server's settings."),
]
Secret = Annotated[
    str,
    StringConstraints(min_length=16, max_length=200, pattern=r"^[\x21-\x7e]+$"),
    Field(description="Signing secret (16-200 printable ASCII characters). Write-only."),
]
FilterDoc = Annotated[
    dict[str, Any] | None,
    Field(description="A filter expression over the event and the case it is about (see docs/webhooks.md)."),
]
Description = Annotated[str | None, StringConstraints(max_length=200), Field(description="A note for people.")]


class WebhookCreate(Schema):
    url: Url
    event_types: EventTypes = None
    filter: FilterDoc = None
    secret: Secret | None = Field(
        default=None, description="Signing secret; omitted: one is generated and returned once in the response."
    )
    description: Description = None
    active: bool = True
    after: int | None = Field(
        default=None,
        ge=0,
        le=2**31 - 1,
        description="Deliver events with a seq greater than this (0: the whole log). Default: only events recorded "
        "from now on.",
    )


class WebhookUpdate(Schema):
    url: Url | None = None
    event_types: EventTypes = None
    filter: FilterDoc = None
    secret: Secret | None = Field(default=None, description="A new signing secret (takes effect at once).")
    description: Description = None
    active: bool | None = Field(default=None, description="false pauses deliveries; true resumes from the cursor.")

    @model_validator(mode="after")
    def _no_nulls(self) -> WebhookUpdate:
        nulled = [f for f in ("url", "secret", "active") if f in self.model_fields_set and getattr(self, f) is None]
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null; leave the field out to keep it")
        return self


class WebhookRead(ReadSchema):
    id: uuid.UUID
    exercise_id: uuid.UUID
    url: str
    description: str | None
    event_types: list[str] | None = Field(description="null: every type.")
    filter: dict[str, Any] | None
    active: bool
    last_seq: int = Field(description="The cursor: events up to this seq are delivered, given up or filtered out.")
    retry_at: datetime | None = Field(description="When the pending delivery is next attempted (wall clock).")
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="The signing secret. Shown only in this response.")


class AttemptRead(Schema):
    attempt: int
    at: datetime = Field(description="When the attempt started (wall clock).")
    status_code: int | None = Field(description="The receiver's HTTP status; null when no response came.")
    duration_ms: int
    error: str | None


class DeliveryRead(ReadSchema):
    id: uuid.UUID = Field(description="Also the envelope's `id` and the `Tipdesk-Delivery` header.")
    endpoint_id: uuid.UUID
    event_seq: int
    event_type: str
    status: DeliveryStatus
    attempts: int
    redelivery_of: uuid.UUID | None
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    completed_at: datetime | None
    last_status_code: int | None
    last_duration_ms: int | None
    last_error: str | None
    attempt_log: list[AttemptRead] = Field(description="The latest attempts, oldest first.")
