"""Facts statistics read, kept on the case row (``app.stats.facts``): the number of reports and the distinct ESP
names of the case's reports, the number of case links naming it, the time held so far, and the duration to each
milestone less the time held before it (microseconds). Backfilled from the reports, the links and the event log;
downgrade drops the columns.

Revision ID: 7c1d4e9a2b60
Revises: 3f8b2c6d9e17
Create Date: 2026-11-28 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1d4e9a2b60"
down_revision: str | None = "3f8b2c6d9e17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DURATIONS = (("triage_us", "triaged_at", False), ("assign_us", "assigned_at", True),
             ("first_action_us", "first_action_at", True), ("close_us", "closed_at", True))  # fmt: skip


def _sqlite_us(x: str) -> str:
    """A stored UTC timestamp as microseconds since 1970 (as ``app.stats.sql.epoch_us`` reads it)."""
    return (
        f"(CAST(strftime('%s', substr({x}, 1, 19)) AS INTEGER) * 1000000"
        f" + CASE WHEN length({x}) > 19 THEN CAST(substr({x} || '000000', 21, 6) AS INTEGER) ELSE 0 END)"
    )


def _sqlite_uuid(x: str) -> str:
    parts = " || '-' || ".join(f"substr({x}, {s}, {n})" for s, n in ((1, 8), (9, 4), (13, 4), (17, 4)))
    return f"lower({parts} || '-' || substr({x}, 21, 12))"


def _backfill(postgres: bool) -> None:
    if postgres:
        esps = (
            'SELECT string_agg(DISTINCT r.esp_name COLLATE "C", E\'\\n\' ORDER BY r.esp_name COLLATE "C")'
            " FROM report r WHERE r.case_id = \"case\".id AND r.esp_name <> ''"
        )
        subject, held_seconds = 'CAST("case".id AS TEXT)', "CAST(e.data ->> 'held_seconds' AS DOUBLE PRECISION)"
        on_hold = "e.data ->> 'from' = 'on_hold'"

        def us(x: str) -> str:
            return f"CAST(EXTRACT(EPOCH FROM {x}) * 1000000 AS BIGINT)"
    else:
        esps = (
            "SELECT group_concat(n, char(10)) FROM (SELECT DISTINCT r.esp_name AS n FROM report r"
            " WHERE r.case_id = \"case\".id AND r.esp_name <> '' ORDER BY r.esp_name)"
        )
        subject, held_seconds = _sqlite_uuid('"case".id'), "CAST(json_extract(e.data, '$.held_seconds') AS REAL)"
        on_hold = "json_extract(e.data, '$.from') = 'on_hold'"
        us = _sqlite_us

    def held(before: str | None) -> str:
        upto = f" AND e.at <= {before}" if before else ""
        return (
            f"(SELECT CAST(round(coalesce(sum({held_seconds}), 0) * 1000000) AS BIGINT) FROM event e"  # noqa: S608 - constant SQL fragments only
            f' WHERE e.exercise_id = "case".exercise_id AND e.subject_id = {subject}'
            f" AND e.type = 'case.transitioned' AND {on_hold}{upto})"
        )

    op.execute(
        'UPDATE "case" SET'  # noqa: S608 - constant SQL fragments only
        ' report_count = (SELECT count(*) FROM report r WHERE r.case_id = "case".id),'
        f" esp_key = ({esps}),"
        ' link_count = (SELECT count(*) FROM case_link l WHERE l.case_id = "case".id)'
        ' + (SELECT count(*) FROM case_link l WHERE l.other_id = "case".id)'
    )
    held_us = f'UPDATE "case" SET held_us = {held(None)}'  # noqa: S608 - constant SQL fragments only
    op.execute(f"{held_us} WHERE sla_paused_seconds > 0")
    for column, milestone, less_held in DURATIONS:
        before = held('"case".' + milestone)
        minus = f" - CASE WHEN held_us > 0 THEN {before} ELSE 0 END" if less_held else ""
        update = f'UPDATE "case" SET {column} = {us(milestone)} - {us("created_at")}{minus}'  # noqa: S608 - constant SQL fragments only
        op.execute(f"{update} WHERE {milestone} IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("report_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("esp_key", sa.Text(), nullable=True))
        batch.add_column(sa.Column("link_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("held_us", sa.BigInteger(), server_default="0", nullable=False))
        for column, _, _ in DURATIONS:
            batch.add_column(sa.Column(column, sa.BigInteger(), nullable=True))
    _backfill(op.get_bind().dialect.name == "postgresql")


def downgrade() -> None:
    with op.batch_alter_table("case") as batch:
        for column in ("close_us", "first_action_us", "assign_us", "triage_us", "held_us", "link_count", "esp_key",
                       "report_count"):  # fmt: skip
            batch.drop_column(column)
