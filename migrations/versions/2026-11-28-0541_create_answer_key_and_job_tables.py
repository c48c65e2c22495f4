"""Create the answer key table (ground truth of seeded reports) and the job table (background work such as seeding).

Revision ID: 7d3a5e9c1b24
Revises: 5c1d7e2a9f40
Create Date: 2026-11-28 05:41:53
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db.base import UTCDateTime

revision: str = "7d3a5e9c1b24"
down_revision: str | None = "5c1d7e2a9f40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_job_created_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_job_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index("ix_job_exercise_id_status", "job", ["exercise_id", "status"])
    op.create_table(
        "answer_key",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("report_number", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("expected_priority", sa.String(length=2), nullable=False),
        sa.Column("expected_unit_id", sa.Uuid(), nullable=True),
        sa.Column("expected_unit_code", sa.String(length=64), nullable=True),
        sa.Column("should_escalate", sa.Boolean(), nullable=False),
        sa.Column("location", sa.String(length=16), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("duplicate_kind", sa.String(length=8), nullable=True),
        sa.Column("bundle", sa.String(length=100), nullable=True),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_answer_key_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["expected_unit_id"], ["unit.id"], name=op.f("fk_answer_key_expected_unit_id_unit"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_answer_key_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_key")),
        sa.UniqueConstraint("report_id", name=op.f("uq_answer_key_report_id")),
    )
    op.create_index(
        "ix_answer_key_exercise_id_report_number", "answer_key", ["exercise_id", "report_number"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_answer_key_exercise_id_report_number", table_name="answer_key")
    op.drop_table("answer_key")
    op.drop_index("ix_job_exercise_id_status", table_name="job")
    op.drop_table("job")
