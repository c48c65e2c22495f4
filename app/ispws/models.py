"""Reports opened through `/ispws/` and their files, until `finish` files them into the exercise.

An open report keeps the submitted document (as JSON, the report model's known fields) and each file's name, size,
hashes and `<fileDetails>`; never file content. `finish` and `retract` drop the document and the files and keep the
row as a small marker, so that later calls answer "already finished" / "already retracted"; the reports they
became (`report_id`) hold everything from then on. Open reports that expire are deleted.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

# xs:long ids; SQLite gives AUTOINCREMENT only to an INTEGER PRIMARY KEY
LongId = BigInteger().with_variant(Integer(), "sqlite")


class IspwsStatus(StrEnum):
    open = "open"
    finished = "finished"
    retracted = "retracted"


class IspwsReport(Base):
    """One protocol report. Its integer `id` is the protocol's `reportId`: unique across exercises and never reused
    (an identity sequence on PostgreSQL, AUTOINCREMENT on SQLite)."""

    __tablename__ = "ispws_report"
    __table_args__ = (
        Index("ix_ispws_report_exercise_id_status_expires_at", "exercise_id", "status", "expires_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(LongId, primary_key=True, autoincrement=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    status: Mapped[IspwsStatus] = mapped_column(String(16))
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # while open
    file_count: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime]  # exercise time
    changed_at: Mapped[datetime]  # exercise time of the last change
    expires_at: Mapped[datetime | None]  # exercise time; while open
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"))


class IspwsFile(Base):
    """A file uploaded to an open report: what `upload` measured and `fileinfo` said about it. Never its bytes."""

    __tablename__ = "ispws_file"
    __table_args__ = (UniqueConstraint("ispws_report_id", "position"),)

    file_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # 32 lowercase hex, random
    ispws_report_id: Mapped[int] = mapped_column(LongId, ForeignKey("ispws_report.id", ondelete="CASCADE"))
    position: Mapped[int]  # 1, 2, ... in upload order
    file_name: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    sha1: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the <fileDetails>, as JSON
    uploaded_at: Mapped[datetime]  # exercise time
