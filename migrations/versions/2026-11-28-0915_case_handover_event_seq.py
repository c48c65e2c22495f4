"""Case hand-overs keep the sequence number of their event, so a case's transfers and referrals list in the event
log's order even when several share one exercise time (a paused simulated clock).

Rows stored before this revision get 0: they are older than every row stored after it, so they still come first,
among themselves by exercise time as before. Plain ADD COLUMN / DROP COLUMN, no table rebuild.

Revision ID: 8c4f2a7d1e93
Revises: 3f8b6d2e4a17
Create Date: 2026-11-28 09:15:30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c4f2a7d1e93"
down_revision: str | None = "3f8b6d2e4a17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("case_handover", sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("case_handover", "seq")
