"""Agency units (a tree per exercise: national headquarters, directorates, Polda, Polres ...) and the jurisdiction
areas that say which unit covers which place."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin


class UnitKind(StrEnum):
    national_headquarters = "national_headquarters"  # Mabes Polri
    national_agency = "national_agency"  # Bareskrim
    national_directorate = "national_directorate"  # Dittipidsiber, Dittipid PPA-PPO ...
    polda = "polda"  # regional police
    directorate = "directorate"  # a directorate inside a Polda, e.g. Ditsiber
    polrestabes = "polrestabes"  # large-city police
    polresta = "polresta"  # city police
    polres = "polres"  # district police, including the "Polres Metro ..." of the Jakarta area
    polsek = "polsek"  # sub-district post
    other = "other"


class Unit(IdMixin, Base):
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("exercise_id", "code"),)

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # stable: never changes once created
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    hq: Mapped[str | None] = mapped_column(String(100))  # where its headquarters are
    retired_at: Mapped[datetime | None]  # exercise time; retired units stay for history and receive nothing new
    created_at: Mapped[datetime]

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class AreaLevel(StrEnum):
    province = "province"
    regency = "regency"
    district = "district"


class JurisdictionArea(IdMixin, Base):
    """A place a unit covers: a province, a regency or city in it, or a kecamatan (district) of that regency.

    The key columns are never NULL ('' where a level does not apply), so that the unique constraint holds on every
    database; ``level`` names the most specific one that is set."""

    __tablename__ = "jurisdiction_area"
    __table_args__ = (
        UniqueConstraint("exercise_id", "province", "regency_code", "district"),
        Index("ix_jurisdiction_area_unit_id", "unit_id"),
        CheckConstraint(
            "(level = 'province' AND regency_code = '' AND district = '')"
            " OR (level = 'regency' AND regency_code <> '' AND district = '')"
            " OR (level = 'district' AND regency_code <> '' AND district <> '')",
            name="level",
        ),
    )

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    level: Mapped[AreaLevel] = mapped_column(String(8))
    province: Mapped[str] = mapped_column(String(8))  # ISO 3166-2:ID, e.g. ID-BT
    regency_code: Mapped[str] = mapped_column(String(8), default="")  # Kemendagri, e.g. 3603
    district: Mapped[str] = mapped_column(String(100), default="")  # kecamatan name as app.geo spells it
