"""The report files' (exercise, MD5) index goes: no query reads files by MD5 (they are found through their
indicators), and its keys are hashes, so it only cost every file stored an insert at a random place in an index that
outgrows PostgreSQL's buffers once an exercise holds a few hundred thousand reports.

Revision ID: 3f6d9a1c8b42
Revises: 9e4b7c2a6f13
Create Date: 2026-11-29 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3f6d9a1c8b42"
down_revision: str | None = "9e4b7c2a6f13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_report_file_exercise_id_md5", table_name="report_file")


def downgrade() -> None:
    op.create_index("ix_report_file_exercise_id_md5", "report_file", ["exercise_id", "md5"])
