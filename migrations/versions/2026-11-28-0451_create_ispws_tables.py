"""Create the tables of the CyberTipline protocol intake (/ispws/): reports opened and not yet filed, their files.

`ispws_report.id` is the protocol's `reportId` (xs:long): a BIGINT identity on PostgreSQL, an INTEGER PRIMARY KEY
with AUTOINCREMENT on SQLite, so that an id is never reused after its row is deleted.

Revision ID: d48627061179
Revises: 5c2e7d41a9f3
Create Date: 2026-11-28 04:51:05.464763
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db.base import UTCDateTime

revision: str = "d48627061179"
down_revision: str | None = "5c2e7d41a9f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LongId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ispws_report",
        sa.Column("id", LongId, autoincrement=True, nullable=False),
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_ispws_report_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_ispws_report_report_id_report"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_ispws_report_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ispws_report")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("ispws_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ispws_report_exercise_id_status_expires_at", ["exercise_id", "status", "expires_at"], unique=False
        )

    op.create_table(
        "ispws_file",
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("ispws_report_id", LongId, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ispws_report_id"],
            ["ispws_report.id"],
            name=op.f("fk_ispws_file_ispws_report_id_ispws_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_ispws_file")),
        sa.UniqueConstraint("ispws_report_id", "position", name=op.f("uq_ispws_file_ispws_report_id_position")),
    )


def downgrade() -> None:
    op.drop_table("ispws_file")
    with op.batch_alter_table("ispws_report", schema=None) as batch_op:
        batch_op.drop_index("ix_ispws_report_exercise_id_status_expires_at")
    op.drop_table("ispws_report")
