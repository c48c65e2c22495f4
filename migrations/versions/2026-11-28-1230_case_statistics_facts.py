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


def backfill_postgresql(bind: sa.Connection) -> None:
    """One pass: the reports, links and resumptions from hold aggregated per case, joined to the cases."""
    held = "CAST(e.data ->> 'held_seconds' AS DOUBLE PRECISION)"

    def us(x: str) -> str:
        return f"CAST(EXTRACT(EPOCH FROM {x}) * 1000000 AS BIGINT)"

    def held_us(before: str | None) -> str:
        upto = f" FILTER (WHERE e.at <= c.{before})" if before else ""
        return f"CAST(round(sum({held}){upto} * 1000000) AS BIGINT)"

    durations = ", ".join(
        f"{column} = {us('f.' + milestone)} - {us('f.created_at')}"
        + (f" - coalesce(f.held_{column}, 0)" if less_held else "")
        for column, milestone, less_held in DURATIONS
    )
    held_columns = ", ".join(f"{held_us(m)} AS held_{column}" for column, m, less in DURATIONS if less)
    bind.execute(
        sa.text(f"""
        WITH r AS (
            SELECT case_id, count(*) AS n,
                   string_agg(DISTINCT esp_name COLLATE "C", E'\\n' ORDER BY esp_name COLLATE "C")
                       FILTER (WHERE esp_name <> '') AS k
            FROM report WHERE case_id IS NOT NULL GROUP BY case_id
        ), l AS (
            SELECT id, count(*) AS n FROM (
                SELECT case_id AS id FROM case_link UNION ALL SELECT other_id FROM case_link
            ) AS ends GROUP BY id
        ), h AS (
            SELECT c.id, {held_us(None)} AS total, {held_columns}
            FROM event e JOIN "case" c ON e.subject_id = CAST(c.id AS TEXT) AND e.exercise_id = c.exercise_id
            WHERE e.type = 'case.transitioned' AND e.data ->> 'from' = 'on_hold'
            GROUP BY c.id
        ), f AS (
            SELECT c.id, c.created_at, c.triaged_at, c.assigned_at, c.first_action_at, c.closed_at,
                   coalesce(r.n, 0) AS report_count, r.k AS esp_key, coalesce(l.n, 0) AS link_count,
                   coalesce(h.total, 0) AS held_us, h.held_assign_us, h.held_first_action_us, h.held_close_us
            FROM "case" c LEFT JOIN r ON r.case_id = c.id LEFT JOIN l ON l.id = c.id LEFT JOIN h ON h.id = c.id
        )
        UPDATE "case" SET report_count = f.report_count, esp_key = f.esp_key, link_count = f.link_count,
            held_us = f.held_us, {durations}
        FROM f WHERE "case".id = f.id
        """)  # noqa: S608 - constant SQL fragments only
    )


def backfill_sqlite(bind: sa.Connection) -> None:
    """One pass of correlated subqueries (the time held looked up only for cases that were held)."""
    subject = _sqlite_uuid('"case".id')

    def held(before: str | None) -> str:
        upto = f' AND e.at <= "case".{before}' if before else ""
        return (
            "(SELECT CAST(round(coalesce(sum(CAST(json_extract(e.data, '$.held_seconds') AS REAL)), 0) * 1000000)"  # noqa: S608 - constant SQL fragments only
            f' AS INTEGER) FROM event e WHERE e.exercise_id = "case".exercise_id AND e.subject_id = {subject}'
            f" AND e.type = 'case.transitioned' AND json_extract(e.data, '$.from') = 'on_hold'{upto})"
        )

    def if_held(sql: str) -> str:
        return f"CASE WHEN sla_paused_seconds > 0 THEN {sql} ELSE 0 END"

    durations = ", ".join(
        f"{column} = CASE WHEN {milestone} IS NULL THEN NULL ELSE {_sqlite_us(milestone)} - {_sqlite_us('created_at')}"
        + (f" - {if_held(held(milestone))}" if less_held else "")
        + " END"
        for column, milestone, less_held in DURATIONS
    )
    esps = (
        "SELECT group_concat(n, char(10)) FROM (SELECT DISTINCT r.esp_name AS n FROM report r"
        " WHERE r.case_id = \"case\".id AND r.esp_name <> '' ORDER BY r.esp_name)"
    )
    bind.execute(
        sa.text(
            'UPDATE "case" SET'  # noqa: S608 - constant SQL fragments only
            ' report_count = (SELECT count(*) FROM report r WHERE r.case_id = "case".id),'
            f" esp_key = ({esps}),"
            ' link_count = (SELECT count(*) FROM case_link l WHERE l.case_id = "case".id)'
            ' + (SELECT count(*) FROM case_link l WHERE l.other_id = "case".id),'
            f" held_us = {if_held(held(None))}, {durations}"
        )
    )


# timeseries group by date_bin(interval, milestone, origin) (``app.stats.service.timeseries``): statistics on those
# expressions tell the planner there are few buckets, so it aggregates in parallel workers (without them it expects
# one group per case and hashes a million rows in one process)
BUCKETED = ("created_at", "triaged_at", "assigned_at", "closed_at", "triage_breached_at", "action_breached_at")
INTERVALS = (("hour", "1 hour"), ("day", "1 day"), ("week", "7 days"))


def _bucket_statistics() -> list[tuple[str, str]]:
    return [
        (
            f"st_case_{column.removesuffix('_at')}_{name}",
            f"date_bin('{interval}'::interval, {column}, '1970-01-05 00:00:00+00'::timestamptz)",
        )
        for column in BUCKETED
        for name, interval in INTERVALS
    ]


def upgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("report_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("esp_key", sa.Text(), nullable=True))
        batch.add_column(sa.Column("link_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("held_us", sa.BigInteger(), server_default="0", nullable=False))
        for column, _, _ in DURATIONS:
            batch.add_column(sa.Column(column, sa.BigInteger(), nullable=True))
    bind = op.get_bind()
    (backfill_postgresql if bind.dialect.name == "postgresql" else backfill_sqlite)(bind)
    if bind.dialect.name == "postgresql":
        for name, expression in _bucket_statistics():
            op.execute(f'CREATE STATISTICS {name} ON ({expression}) FROM "case"')
        op.execute('ANALYZE "case"')
    for column, _, _ in DURATIONS:  # durations statistics read these alone (index-only scans on PostgreSQL)
        op.create_index(
            f"ix_case_exercise_id_{column}",
            "case",
            ["exercise_id", column],
            postgresql_include=["arrives_at", "unit_id", "priority"],
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
            sqlite_where=sa.text(f"{column} IS NOT NULL"),
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _ in _bucket_statistics():
            op.execute(f"DROP STATISTICS {name}")
    for column, _, _ in DURATIONS:
        op.drop_index(f"ix_case_exercise_id_{column}", table_name="case")
    with op.batch_alter_table("case") as batch:
        for column in ("close_us", "first_action_us", "assign_us", "triage_us", "held_us", "link_count", "esp_key",
                       "report_count"):  # fmt: skip
            batch.drop_column(column)
