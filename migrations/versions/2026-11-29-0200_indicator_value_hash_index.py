"""Indicators are looked up by a hash index on their value hash; the files' (exercise, MD5) index goes.

Both indexes were keyed by hashes, so every insert and lookup landed on a random page. Once an exercise holds
millions of indicators the (exercise, kind, value hash) B-tree outgrows PostgreSQL's buffers, and nearly every
indicator stored and every deconfliction probe reads a page from outside them. A hash index on the value hash alone
is about a third of that size (4-byte hash codes instead of the 64-character text). In a bare table of 3 million
indicator-like rows, COPY of 50,000 more took 1.1 s with the B-tree and 0.38 s with the hash index, and 20,000
lookups 1.76 s and 0.29 s.
Lookups still compare exercise and kind, on the few rows a hash leads to. SQLite gets a B-tree on the value hash.

No query reads report files by MD5 (files are found through their indicators), so that index only cost every file
stored a random insert.

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
    op.drop_index("ix_indicator_exercise_id_kind_value_hash", table_name="indicator")
    op.create_index("ix_indicator_value_hash", "indicator", ["value_hash"], postgresql_using="hash")
    op.drop_index("ix_report_file_exercise_id_md5", table_name="report_file")


def downgrade() -> None:
    op.create_index("ix_report_file_exercise_id_md5", "report_file", ["exercise_id", "md5"])
    op.drop_index("ix_indicator_value_hash", table_name="indicator")
    op.create_index("ix_indicator_exercise_id_kind_value_hash", "indicator", ["exercise_id", "kind", "value_hash"])
