"""Case lifecycle: milestones, SLA clocks, notes, dispositions, list indexes; case links; SLA targets per exercise;
an index for a record's history in the event log.

Existing cases get the columns with their defaults: urgent ones priority E, and SLA due times from the default
targets (E: 1 h / 4 h; others, unprioritised, the priority-2 targets 24 h / 72 h).

Revision ID: 5c1d7e2a9f40
Revises: d48627061179
Create Date: 2026-11-28 05:40:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from app.db.base import UTCDateTime

revision: str = "5c1d7e2a9f40"
down_revision: str | None = "d48627061179"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_INDEXES = {
    "ix_case_exercise_id_status_priority_rank_number": ["exercise_id", "status", "priority_rank", "number"],
    "ix_case_exercise_id_unit_id_status_priority_rank_number": [
        "exercise_id",
        "unit_id",
        "status",
        "priority_rank",
        "number",
    ],
    "ix_case_exercise_id_assignee_id_number": ["exercise_id", "assignee_id", "number"],
    "ix_case_exercise_id_priority_rank_number": ["exercise_id", "priority_rank", "number"],
    "ix_case_exercise_id_created_at_number": ["exercise_id", "created_at", "number"],
    "ix_case_exercise_id_sla_due_at": ["exercise_id", "sla_due_at"],
}
TIMES = (
    "triaged_at",
    "assigned_at",
    "first_action_at",
    "closed_at",
    "triage_due_at",
    "action_due_at",
    "sla_due_at",
    "sla_warn_at",
    "sla_paused_at",
    "triage_breached_at",
    "action_breached_at",
)


def _backfill() -> None:
    case = sa.table(
        "case",
        sa.column("id", sa.Uuid()),
        sa.column("urgent", sa.Boolean()),
        sa.column("created_at", UTCDateTime()),
        sa.column("priority", sa.String()),
        sa.column("priority_rank", sa.Integer()),
        sa.column("incident_type", sa.String()),
        sa.column("triage_due_at", UTCDateTime()),
        sa.column("action_due_at", UTCDateTime()),
        sa.column("sla_due_at", UTCDateTime()),
        sa.column("sla_warn_at", UTCDateTime()),
    )
    report = sa.table("report", sa.column("case_id", sa.Uuid()), sa.column("incident_type", sa.String()))
    bind = op.get_bind()
    for case_id, urgent, created_at in bind.execute(sa.select(case.c.id, case.c.urgent, case.c.created_at)).all():
        triage, action = (60, 240) if urgent else (24 * 60, 72 * 60)
        incident_type = bind.execute(
            sa.select(report.c.incident_type).where(report.c.case_id == case_id).limit(1)
        ).scalar()
        bind.execute(
            case.update()
            .where(case.c.id == case_id)
            .values(
                priority="E" if urgent else None,
                priority_rank=0 if urgent else 9,
                incident_type=incident_type,
                triage_due_at=created_at + timedelta(minutes=triage),
                action_due_at=created_at + timedelta(minutes=action),
                sla_due_at=created_at + timedelta(minutes=triage),
                sla_warn_at=created_at + timedelta(minutes=triage * 0.75),
            )
        )


def upgrade() -> None:
    # plain ADD COLUMN, no batch rebuild: on SQLite, rebuilding "case" (drop and rename, with foreign keys on) would
    # null every report's case_id through its ON DELETE SET NULL
    op.add_column("case", sa.Column("resume_status", sa.String(length=16), nullable=True))
    op.add_column("case", sa.Column("priority_rank", sa.Integer(), nullable=False, server_default="9"))
    op.add_column("case", sa.Column("incident_type", sa.String(length=100), nullable=True))
    op.add_column("case", sa.Column("province", sa.String(length=8), nullable=True))
    op.add_column("case", sa.Column("notes", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("case", sa.Column("disposition", sa.String(length=32), nullable=True))
    op.add_column("case", sa.Column("closure_proposal", sa.JSON(), nullable=True))
    for name in TIMES:
        op.add_column("case", sa.Column(name, UTCDateTime(), nullable=True))
    op.add_column("case", sa.Column("sla_paused_seconds", sa.Double(), nullable=False, server_default="0"))
    _backfill()
    op.drop_index("ix_case_exercise_id_status", table_name="case")
    for name, columns in NEW_INDEXES.items():
        op.create_index(name, "case", columns)

    op.create_table(
        "case_link",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("other_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_case_link_case_id_case"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_case_link_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["other_id"], ["case.id"], name=op.f("fk_case_link_other_id_case"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_link")),
        sa.UniqueConstraint("case_id", "other_id", "kind", name=op.f("uq_case_link_case_id_other_id_kind")),
    )
    op.create_index(op.f("ix_case_link_case_id"), "case_link", ["case_id"])
    op.create_index(op.f("ix_case_link_exercise_id"), "case_link", ["exercise_id"])
    op.create_index(op.f("ix_case_link_other_id"), "case_link", ["other_id"])

    op.create_table(
        "case_sla_policy",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("at_risk_ratio", sa.Double(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_case_sla_policy_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("exercise_id", name=op.f("pk_case_sla_policy")),
    )
    op.create_index("ix_event_exercise_id_subject_id_seq", "event", ["exercise_id", "subject_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_event_exercise_id_subject_id_seq", table_name="event")
    op.drop_table("case_sla_policy")
    op.drop_index(op.f("ix_case_link_other_id"), table_name="case_link")
    op.drop_index(op.f("ix_case_link_exercise_id"), table_name="case_link")
    op.drop_index(op.f("ix_case_link_case_id"), table_name="case_link")
    op.drop_table("case_link")
    for name in NEW_INDEXES:
        op.drop_index(name, table_name="case")
    op.create_index("ix_case_exercise_id_status", "case", ["exercise_id", "status"])
    dropped = ("sla_paused_seconds", *reversed(TIMES), "closure_proposal", "disposition", "notes", "province")
    for name in (*dropped, "incident_type", "priority_rank", "resume_status"):
        op.drop_column("case", name)  # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): no table rebuild
