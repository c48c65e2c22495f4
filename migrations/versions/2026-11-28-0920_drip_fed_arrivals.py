"""Drip-fed arrivals: reports and cases may carry an arrival time (exercise time), and events whose exercise time is
still ahead wait in ``event_scheduled`` until the clock reaches them.

Revision ID: 3f8b6d2e4a17
Revises: 4e6b1d9a2c35
Create Date: 2026-11-28 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.base import UTCDateTime

revision: str = "3f8b6d2e4a17"
down_revision: str | None = "4e6b1d9a2c35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("arrives_at", UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_report_exercise_id_arrives_at", "report", ["exercise_id", "arrives_at"])
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("arrives_at", UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "event_scheduled",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_event_scheduled_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_scheduled")),
    )
    op.create_index("ix_event_scheduled_exercise_id_at", "event_scheduled", ["exercise_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_event_scheduled_exercise_id_at", table_name="event_scheduled")
    op.drop_table("event_scheduled")
    with op.batch_alter_table("case") as batch:
        batch.drop_column("arrives_at")
    op.drop_index("ix_report_exercise_id_arrives_at", table_name="report")
    with op.batch_alter_table("report") as batch:
        batch.drop_column("arrives_at")
