"""Address blocks. Each exercise owns its registry; intake geolocates IP addresses through it (Section B)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin


class AddressBlock(IdMixin, Base):
    """A network inside the reserved ranges and where it "is". ``first``/``last`` are the block's bounds as 32 hex
    digits in one IPv6 space (IPv4 mapped to ``::ffff:0:0/96``), so a lookup is a string range comparison on both
    databases; the most specific block (longest prefix) containing an address wins."""

    __tablename__ = "address_block"
    __table_args__ = (
        UniqueConstraint("exercise_id", "network"),
        Index("ix_address_block_exercise_id_first", "exercise_id", "first"),
    )

    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(64))  # canonical CIDR
    first: Mapped[str] = mapped_column(String(32))
    last: Mapped[str] = mapped_column(String(32))
    prefix_length: Mapped[int]  # in the shared IPv6 space (an IPv4 /24 is 120)
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    province: Mapped[str | None] = mapped_column(String(8))  # ISO 3166-2:ID
    regency_code: Mapped[str | None] = mapped_column(String(8))  # Kemendagri
    city: Mapped[str | None] = mapped_column(Text)  # regency or city name
    district: Mapped[str | None] = mapped_column(Text)  # kecamatan, where jurisdiction needs it
    isp: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]  # exercise time
