"""Create the report, case, indicator and exercise counter tables; mark demo users.

Revision ID: b9a18eb63f5d
Revises: 901a608c9112
Create Date: 2026-11-28 02:52:00.122596
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.base import UTCDateTime

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
revision: str = "b9a18eb63f5d"
down_revision: str | None = "901a608c9112"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "exercise_counter",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_exercise_counter_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("exercise_id", "name", name=op.f("pk_exercise_counter")),
    )
    op.create_table(
        "case",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=True),
        sa.Column("classification", sa.String(length=16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["user.id"], name=op.f("fk_case_assignee_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_case_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_case_unit_id_unit"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case")),
        sa.UniqueConstraint("exercise_id", "number", name=op.f("uq_case_exercise_id_number")),
    )
    op.create_index("ix_case_exercise_id_status", "case", ["exercise_id", "status"])

    op.create_table(
        "report",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("document", JSON_DOC, nullable=False),
        sa.Column("incident_type", sa.String(length=100), nullable=False),
        sa.Column("annotations", sa.JSON(), nullable=False),
        sa.Column("esp_name", sa.Text(), nullable=True),
        sa.Column("classification", sa.String(length=16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("escalation", sa.Text(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_report_case_id_case"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_report_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["user.id"], name=op.f("fk_report_reporter_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("exercise_id", "number", name=op.f("uq_report_exercise_id_number")),
        sa.UniqueConstraint(
            "exercise_id",
            "reporter_id",
            "idempotency_key",
            name=op.f("uq_report_exercise_id_reporter_id_idempotency_key"),
        ),
    )
    op.create_index(op.f("ix_report_case_id"), "report", ["case_id"])
    op.create_index("ix_report_exercise_id_incident_type", "report", ["exercise_id", "incident_type"])
    op.create_index("ix_report_exercise_id_received_at", "report", ["exercise_id", "received_at"])

    op.create_table(
        "indicator",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("value_hash", sa.String(length=64), nullable=False),
        sa.Column("pointer", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_indicator_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_indicator_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
    )
    op.create_index("ix_indicator_exercise_id_kind_value_hash", "indicator", ["exercise_id", "kind", "value_hash"])
    op.create_index(op.f("ix_indicator_report_id"), "indicator", ["report_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_indicator_report_id"), table_name="indicator")
    op.drop_index("ix_indicator_exercise_id_kind_value_hash", table_name="indicator")

    op.drop_table("indicator")
    op.drop_index("ix_report_exercise_id_received_at", table_name="report")
    op.drop_index("ix_report_exercise_id_incident_type", table_name="report")
    op.drop_index(op.f("ix_report_case_id"), table_name="report")

    op.drop_table("report")
    op.drop_index("ix_case_exercise_id_status", table_name="case")

    op.drop_table("case")
    op.drop_table("exercise_counter")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("is_demo")
