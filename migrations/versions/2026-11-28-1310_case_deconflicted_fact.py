"""A fact statistics read, kept on the case row (``app.stats.facts``): whether the case has deconfliction records
(``case_deconfliction``). Backfilled from those records; downgrade drops the column.

Revision ID: 5a9e3c7b1d42
Revises: 7c1d4e9a2b60
Create Date: 2026-11-28 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a9e3c7b1d42"
down_revision: str | None = "7c1d4e9a2b60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("deconflicted", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute('UPDATE "case" SET deconflicted = TRUE WHERE id IN (SELECT case_id FROM case_deconfliction)')


def downgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.drop_column("deconflicted")
