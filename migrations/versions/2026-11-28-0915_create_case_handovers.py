"""Create the case hand-over table: transfers of a case to another unit and referrals to outside agencies.

Revision ID: 4e6b1d9a2c35
Revises: 7d3a5e9c1b24
Create Date: 2026-11-28 09:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db.base import UTCDateTime

revision: str = "4e6b1d9a2c35"
down_revision: str | None = "7d3a5e9c1b24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_handover",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_unit_id", sa.Uuid(), nullable=True),
        sa.Column("to_unit_id", sa.Uuid(), nullable=True),
        sa.Column("agency", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_handover_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_case_handover_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["from_unit_id"], ["unit.id"], name=op.f("fk_case_handover_from_unit_id_unit"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"], ["unit.id"], name=op.f("fk_case_handover_to_unit_id_unit"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_handover")),
    )
    op.create_index("ix_case_handover_case_id_at", "case_handover", ["case_id", "at"])
    op.create_index(op.f("ix_case_handover_exercise_id"), "case_handover", ["exercise_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_case_handover_exercise_id"), table_name="case_handover")
    op.drop_index("ix_case_handover_case_id_at", table_name="case_handover")
    op.drop_table("case_handover")
