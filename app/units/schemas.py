"""Request and response models for units and jurisdiction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from app.core.schemas import ReadSchema, Schema
from app.units.jurisdiction import Reason
from app.units.models import AreaLevel, UnitKind
from app.units.templates import CODE_PATTERN

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Hq = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Code = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),
    StringConstraints(pattern=CODE_PATTERN),
    Field(description="Stable identifier, unique in the exercise: lower-case letters, digits, `.`, `_`, `-`."),
]


class UnitCreate(Schema):
    code: Code
    name: Name
    kind: UnitKind
    hq: Hq | None = Field(default=None, description="Where the unit's headquarters are.")
    parent_id: uuid.UUID | None = Field(default=None, description="An active unit of this exercise; null: a root.")


class UnitUpdate(Schema):
    name: Name | None = None
    kind: UnitKind | None = None
    hq: Hq | None = None
    parent_id: uuid.UUID | None = Field(default=None, description="Move the unit under another active unit.")
    retired: bool | None = Field(
        default=None,
        description="true retires the unit (kept for history, receives nothing new); false reinstates it.",
    )
    successor_id: uuid.UUID | None = Field(
        default=None,
        description="With `retired: true`: the active unit that takes over the unit's active children and areas.",
    )

    @model_validator(mode="after")
    def _successor_only_when_retiring(self) -> UnitUpdate:
        if self.successor_id is not None and self.retired is not True:
            raise ValueError("successor_id is only accepted together with retired: true")
        return self


class UnitSummary(ReadSchema):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    retired: bool


class UnitRead(UnitSummary):
    exercise_id: uuid.UUID
    parent_id: uuid.UUID | None
    hq: str | None
    retired_at: datetime | None = Field(description="Exercise time it was retired, if it is.")
    created_at: datetime


class UnitNode(UnitRead):
    children: list[UnitNode]


class UnitTree(ReadSchema):
    view: Literal["tree"] = "tree"
    items: list[UnitNode] = Field(description="The root units, each with its children.")


class AreaRead(ReadSchema):
    id: uuid.UUID
    unit_id: uuid.UUID
    level: AreaLevel
    province: str = Field(description="ISO 3166-2:ID code, e.g. ID-BT.")
    province_name: str
    regency_code: str | None = Field(description="Kemendagri code of the regency or city, e.g. 3603.")
    regency_name: str | None
    district: str | None = Field(description="Kecamatan name.")


class UnitDetail(UnitRead):
    ancestors: list[UnitSummary] = Field(description="From the root down to the parent.")
    children: list[UnitSummary]
    areas: list[AreaRead] = Field(description="The places this unit covers.")


class AreaAssign(Schema):
    province: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = Field(
        default=None, description="A regency or city: name in its usual variants, or Kemendagri code."
    )
    district: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = Field(
        default=None, description="A kecamatan of `city` that the geography lists."
    )


class PlaceRead(ReadSchema):
    province: str | None = Field(description="ISO code of the province, when the place names one province.")
    province_name: str | None
    regency_code: str | None = Field(description="When the place names one regency or city.")
    regency_name: str | None
    district: str | None = Field(description="The kecamatan as the geography spells it, when it knows it.")


class JurisdictionCandidate(ReadSchema):
    unit: UnitSummary
    polda: UnitSummary | None = Field(description="The Polda the unit belongs to (itself if it is one).")
    areas: list[AreaRead] = Field(description="The areas that give the place to this unit.")


class JurisdictionRead(ReadSchema):
    decided: bool = Field(description="Whether one unit covers the place.")
    ambiguous: bool = Field(description="The place fits several units and no area decides between them.")
    reason: Reason | None = Field(description="Why the place is ambiguous.")
    place: PlaceRead
    unit: UnitSummary | None = Field(description="The unit covering the place (null when ambiguous).")
    area: AreaRead | None = Field(description="The most specific area that decided it: district > regency > province.")
    polda: UnitSummary | None = Field(
        description="The Polda of the deciding unit; when ambiguous, the Polda every candidate belongs to, if one."
    )
    candidates: list[JurisdictionCandidate] = Field(description="When ambiguous: the units the place may belong to.")
    ignored: list[str] = Field(description="Query parameters that did not take part, e.g. an unknown kecamatan.")
