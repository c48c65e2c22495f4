"""Request and response models for cases."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import AfterValidator, Field, StrictBool, StrictInt, StringConstraints, model_validator

from app.cases.models import CaseStatus, Classification, HandoverKind, LinkKind, Priority
from app.cases.sla import SlaState
from app.core.schemas import ReadSchema, Schema

Tag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,39}$")]
Tags = Annotated[list[Tag], Field(max_length=20, description="Up to 20 tags of 1-40 letters, digits and `_.:/-`.")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000, pattern=r"^[^\x00]*$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^[^\x00]*$")]
RequiredReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000, pattern=r"^[^\x00]*$")
]
COUNTRY_CODES = frozenset(phonenumbers.SUPPORTED_REGIONS)
"""ISO 3166-1 alpha-2 codes of the countries and territories with telephone numbering (libphonenumber's regions)."""
Disposition = Annotated[
    str,
    Field(
        pattern=r"^[a-z_]{1,32}$",
        description="arrest, suspect_identified, no_jurisdiction, insufficient_information, duplicate, unfounded or "
        "referred_out (the exercise's list of dispositions).",
    ),
]
MAX_BULK = 200
MAX_BULK_FILTER = 1000


class SlaRead(ReadSchema):
    state: SlaState = Field(description="`paused`: on hold; `met`: no clock left running.")
    triage_due_at: datetime | None
    action_due_at: datetime | None
    due_at: datetime | None = Field(description="The earliest due time among the clocks not yet met.")
    at_risk_at: datetime | None
    triage_breached_at: datetime | None
    action_breached_at: datetime | None
    held_seconds: float = Field(description="Exercise time spent on hold, not counted against the targets.")


class CaseSummary(ReadSchema):
    id: uuid.UUID
    exercise_id: uuid.UUID
    number: int
    status: CaseStatus
    priority: Priority | None
    classification: Classification
    urgent: bool
    incident_type: str | None
    province: str | None = Field(description="ISO 3166-2:ID code of the reported location, when known.")
    unit_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    tags: list[str]
    disposition: str | None
    version: int = Field(description='Changes with every update; the ETag is `"<version>"`.')
    received_at: datetime = Field(description="Exercise time the first report was received.")
    updated_at: datetime
    triaged_at: datetime | None
    assigned_at: datetime | None
    first_action_at: datetime | None
    closed_at: datetime | None
    sla: SlaRead


class CaseReportRead(ReadSchema):
    id: uuid.UUID
    number: int
    received_at: datetime
    incident_type: str
    classification: str
    urgent: bool


class LinkRead(ReadSchema):
    id: uuid.UUID
    kind: LinkKind
    case_id: uuid.UUID = Field(description="The case the link starts from (for duplicate_of: the duplicate).")
    other_id: uuid.UUID
    other_number: int
    note: str | None
    created_at: datetime


class RoutingEvent(ReadSchema):
    seq: int
    at: datetime
    actor: str
    type: str
    data: dict[str, Any]


class UnitRef(ReadSchema):
    id: uuid.UUID
    code: str
    name: str
    kind: str


class RoutingRead(ReadSchema):
    unit: UnitRef | None
    events: list[RoutingEvent] = Field(description="Changes of the case's unit and assignee, oldest first.")


class NoteRead(ReadSchema):
    at: datetime
    actor: str
    text: str


class CaseRead(CaseSummary):
    notes: list[NoteRead] = Field(description="Analyst notes (Section C).")
    closure_proposal: dict[str, Any] | None = Field(description="An investigator's proposal to close, if any.")
    allowed_transitions: list[CaseStatus] = Field(description="Statuses the caller may move the case to now.")
    reports: list[CaseReportRead]
    links: list[LinkRead]
    routing: RoutingRead


class CaseUpdate(Schema):
    """Triage: each field given and different from the stored value is one `case.updated` event."""

    priority: Priority | None = Field(default=None, description="E (exigent), 1, 2 or 3; null clears it.")
    classification: Classification | None = None
    tags: Tags | None = Field(default=None, description="Replaces the tags.")
    add_tags: Tags | None = None
    remove_tags: Tags | None = None
    note: Text | None = Field(default=None, description="Appends an analyst note (Section C).")

    @model_validator(mode="after")
    def _one_way_to_tag(self) -> CaseUpdate:
        if self.tags is not None and (self.add_tags or self.remove_tags):
            raise ValueError("give either tags, or add_tags / remove_tags")
        if "classification" in self.model_fields_set and self.classification is None:
            raise ValueError("classification cannot be cleared")
        return self


class TransitionRequest(Schema):
    to: CaseStatus
    reason: Reason | None = None
    disposition: Disposition | None = None


class Assign(Schema):
    action: Literal["assign"]
    unit_id: uuid.UUID
    assignee_id: uuid.UUID | None = Field(default=None, description="An investigator of that unit (or below).")


class Claim(Schema):
    action: Literal["claim"]


class Release(Schema):
    action: Literal["release"]


AssignmentAction = Annotated[Assign | Claim | Release, Field(discriminator="action")]


class LinkCreate(Schema):
    kind: LinkKind
    other_id: uuid.UUID
    note: Reason | None = None


class MergeRequest(Schema):
    case_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=50)]
    reason: Reason | None = None


class HistoryItem(ReadSchema):
    seq: int
    at: datetime = Field(description="Exercise time.")
    actor: str
    type: str
    field: str | None = Field(description="For `case.updated`: the field changed.")
    old: Any = None
    new: Any = None
    data: dict[str, Any]


class SetPriorityParams(Schema):
    priority: Priority


class TagParams(Schema):
    add: Tags = Field(default_factory=list)
    remove: Tags = Field(default_factory=list)


class AssignParams(Schema):
    unit_id: uuid.UUID
    assignee_id: uuid.UUID | None = None


class _Bulk(Schema):
    ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_BULK)] | None = Field(
        default=None, description=f"The cases, at most {MAX_BULK}; or give `filter` instead."
    )
    filter: dict[str, Any] | None = Field(
        default=None,
        description=f"Instead of `ids`: the visible cases any of whose reports matches this filter expression (the "
        f"language of the report list's `?filter=`), in case-number order; at most {MAX_BULK_FILTER} may match.",
    )
    atomic: StrictBool = Field(default=False, description="All or none: one failing item rolls every change back.")

    @model_validator(mode="after")
    def _ids_or_filter(self) -> _Bulk:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give either ids or filter")
        return self


class BulkTransition(_Bulk):
    action: Literal["transition"]
    params: TransitionRequest


class BulkSetPriority(_Bulk):
    action: Literal["set_priority"]
    params: SetPriorityParams


class BulkTag(_Bulk):
    action: Literal["tag"]
    params: TagParams


class BulkAssign(_Bulk):
    action: Literal["assign"]
    params: AssignParams


BulkRequest = Annotated[BulkTransition | BulkSetPriority | BulkTag | BulkAssign, Field(discriminator="action")]


class BulkItemResult(ReadSchema):
    id: uuid.UUID
    status: int = Field(description="200 applied; otherwise the status a single request would have had.")
    version: int | None = None
    problem: dict[str, Any] | None = Field(default=None, description="The problem document of a failed item.")


class BulkResult(ReadSchema):
    atomic: bool
    applied: int = Field(description="Items whose change was kept (0 when an atomic request had a failure).")
    failed: int
    results: list[BulkItemResult]


class SlaTarget(Schema):
    triage_minutes: StrictInt = Field(ge=1, le=525_600)
    action_minutes: StrictInt = Field(ge=1, le=525_600)

    @model_validator(mode="after")
    def _order(self) -> SlaTarget:
        if self.action_minutes < self.triage_minutes:
            raise ValueError("the first-action target cannot be shorter than the triage target")
        return self


class SlaPolicyBody(Schema):
    targets: dict[Priority, SlaTarget] = Field(description="Per priority (E, 1, 2, 3); those left out keep defaults.")
    at_risk_ratio: float = Field(default=0.25, gt=0, lt=1, description="The last share of a target that is at risk.")


class SlaPolicyRead(ReadSchema):
    targets: dict[str, SlaTarget]
    at_risk_ratio: float
    unprioritised: str = Field(description="The priority whose targets apply to cases without one.")
    customised: bool


def _country(code: str) -> str:
    if code not in COUNTRY_CODES:
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return code


class TransferRequest(Schema):
    unit_id: uuid.UUID = Field(description="An active unit of the exercise.")
    reason: RequiredReason


class ReferralRequest(Schema):
    agency: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    ]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_country)] = Field(
        description="ISO 3166-1 alpha-2, upper case (e.g. `SG`)."
    )
    reason: RequiredReason


class HandoverRead(ReadSchema):
    id: uuid.UUID
    kind: HandoverKind
    from_unit_id: uuid.UUID | None
    to_unit_id: uuid.UUID | None = Field(description="Transfers: the receiving unit.")
    agency: str | None = Field(description="Referrals: the outside agency.")
    country: str | None
    reason: str
    actor: str
    at: datetime = Field(description="Exercise time.")
    seq: int = Field(description="Sequence number of its event (`case.transferred`, `case.referred`) in the log.")
