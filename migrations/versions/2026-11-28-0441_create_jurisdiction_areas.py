"""Jurisdiction areas (province, regency or kecamatan to unit) and unit headquarters.

Revision ID: 5c2e7d41a9f3
Revises: ab27086a99a9
Create Date: 2026-11-28 04:41:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c2e7d41a9f3"
down_revision: str | None = "ab27086a99a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("hq", sa.String(length=100), nullable=True))
    op.create_table(
        "jurisdiction_area",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("province", sa.String(length=8), nullable=False),
        sa.Column("regency_code", sa.String(length=8), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(level = 'province' AND regency_code = '' AND district = '')"
            " OR (level = 'regency' AND regency_code <> '' AND district = '')"
            " OR (level = 'district' AND regency_code <> '' AND district <> '')",
            name=op.f("ck_jurisdiction_area_level"),
        ),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercise.id"],
            name=op.f("fk_jurisdiction_area_exercise_id_exercise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_jurisdiction_area_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdiction_area")),
        sa.UniqueConstraint(
            "exercise_id",
            "province",
            "regency_code",
            "district",
            name=op.f("uq_jurisdiction_area_exercise_id_province_regency_code_district"),
        ),
    )
    op.create_index("ix_jurisdiction_area_unit_id", "jurisdiction_area", ["unit_id"])


def downgrade() -> None:
    op.drop_index("ix_jurisdiction_area_unit_id", table_name="jurisdiction_area")
    op.drop_table("jurisdiction_area")
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("hq")
