"""Rows that belong to a report (its files, its indicators, its answer key) point at the report by (exercise,
report) instead of at the exercise and at the report separately.

One foreign-key check per row instead of two, and a stronger one: a row can no longer name an exercise other than
its report's. The report's own key to its exercise covers the rest (deleting an exercise still deletes them, through
the report). The report gets the unique (exercise, id) index the new foreign keys point at.

Revision ID: 5b8e1d47c0a9
Revises: 3f6d9a1c8b42
Create Date: 2026-11-29 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b8e1d47c0a9"
down_revision: str | None = "3f6d9a1c8b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("report_file", "indicator", "answer_key")


def upgrade() -> None:
    # a unique index, not a constraint: SQLite adds an index in place, where a constraint would rebuild the report
    # table, and dropping the old one would cascade to every row that points at it
    op.create_index(op.f("ix_report_exercise_id_id"), "report", ["exercise_id", "id"], unique=True)
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_exercise_id_exercise"), type_="foreignkey")
            batch.drop_constraint(op.f(f"fk_{table}_report_id_report"), type_="foreignkey")
            batch.create_foreign_key(
                op.f(f"fk_{table}_exercise_id_report"),
                "report",
                ["exercise_id", "report_id"],
                ["exercise_id", "id"],
                ondelete="CASCADE",
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_exercise_id_report"), type_="foreignkey")
            batch.create_foreign_key(
                op.f(f"fk_{table}_report_id_report"), "report", ["report_id"], ["id"], ondelete="CASCADE"
            )
            batch.create_foreign_key(
                op.f(f"fk_{table}_exercise_id_exercise"), "exercise", ["exercise_id"], ["id"], ondelete="CASCADE"
            )
    op.drop_index(op.f("ix_report_exercise_id_id"), table_name="report")
