"""Create the address registry and report file tables; add Section B, bundle and file-count columns to reports.

Reports stored before this revision keep an empty Section B (location "unresolved"); they are not re-geolocated.

Revision ID: ab27086a99a9
Revises: b9a18eb63f5d
Create Date: 2026-11-28 04:36:25.026402
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db.base import UTCDateTime

revision: str = "ab27086a99a9"
down_revision: str | None = "b9a18eb63f5d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "address_block",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("network", sa.String(length=64), nullable=False),
        sa.Column("first", sa.String(length=32), nullable=False),
        sa.Column("last", sa.String(length=32), nullable=False),
        sa.Column("prefix_length", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("province", sa.String(length=8), nullable=True),
        sa.Column("regency_code", sa.String(length=8), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("district", sa.Text(), nullable=True),
        sa.Column("isp", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_address_block_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_block")),
        sa.UniqueConstraint("exercise_id", "network", name=op.f("uq_address_block_exercise_id_network")),
    )
    with op.batch_alter_table("address_block", schema=None) as batch_op:
        batch_op.create_index("ix_address_block_exercise_id_first", ["exercise_id", "first"], unique=False)

    op.create_table(
        "report_file",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("sha1", sa.String(length=40), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_report_file_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_report_file_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_file")),
        sa.UniqueConstraint("report_id", "file_id", name=op.f("uq_report_file_report_id_file_id")),
    )
    with op.batch_alter_table("report_file", schema=None) as batch_op:
        batch_op.create_index("ix_report_file_exercise_id_md5", ["exercise_id", "md5"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_file_report_id"), ["report_id"], unique=False)

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batched", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("file_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("section_b", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(
            sa.Column("location_source", sa.String(length=16), server_default="unresolved", nullable=False)
        )
        batch_op.add_column(sa.Column("location_country", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("location_province", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("location_regency_code", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("location_city", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("location_district", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_report_exercise_id_location_province", ["exercise_id", "location_province"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_exercise_id_location_province")
        batch_op.drop_column("location_district")
        batch_op.drop_column("location_city")
        batch_op.drop_column("location_regency_code")
        batch_op.drop_column("location_province")
        batch_op.drop_column("location_country")
        batch_op.drop_column("location_source")
        batch_op.drop_column("section_b")
        batch_op.drop_column("file_count")
        batch_op.drop_column("batched")

    with op.batch_alter_table("report_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_file_report_id"))
        batch_op.drop_index("ix_report_file_exercise_id_md5")

    op.drop_table("report_file")
    with op.batch_alter_table("address_block", schema=None) as batch_op:
        batch_op.drop_index("ix_address_block_exercise_id_first")

    op.drop_table("address_block")
