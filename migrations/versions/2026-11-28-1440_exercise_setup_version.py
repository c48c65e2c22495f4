"""An exercise's set-up version (``exercise.setup_version``): a stamp that changes whenever any row of what intake
reads about the exercise's set-up changes — its units, jurisdiction areas, address registry, routing rulesets and
SLA policy — so a copy of the set-up held in memory is known to be current (``app.reports.setup``).

The stamp is written by triggers on those five tables, so every writer moves it: the ORM, bulk inserts, COPY,
cascaded deletes. A stamp is never reused, even after a rollback: on PostgreSQL it is the next value of a sequence
(statement-level triggers, one update of the exercise row per statement); on SQLite a 64-bit random number
(row-level triggers). A later migration that rebuilds one of these tables on SQLite (batch mode) must create its
triggers again.

Revision ID: 3b8f2d6a9c14
Revises: 5a9e3c7b1d42
Create Date: 2026-11-28 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b8f2d6a9c14"
down_revision: str | None = "5a9e3c7b1d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("unit", "jurisdiction_area", "address_block", "routing_ruleset", "case_sla_policy")
EVENTS = ("insert", "update", "delete")

POSTGRESQL_FUNCTION = """
CREATE FUNCTION exercise_setup_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE exercise SET setup_version = nextval('exercise_setup_stamp')
        WHERE id IN (SELECT DISTINCT exercise_id FROM changed_old);
    ELSE
        UPDATE exercise SET setup_version = nextval('exercise_setup_stamp')
        WHERE id IN (SELECT DISTINCT exercise_id FROM changed_new);
    END IF;
    RETURN NULL;
END
$$
"""


def _postgresql_trigger(table: str, event: str) -> str:
    rows = "OLD TABLE AS changed_old" if event == "delete" else "NEW TABLE AS changed_new"
    return (
        f"CREATE TRIGGER {table}_setup_{event} AFTER {event.upper()} ON {table} REFERENCING {rows} "
        "FOR EACH STATEMENT EXECUTE FUNCTION exercise_setup_changed()"
    )


def _sqlite_trigger(table: str, event: str) -> str:
    row = "OLD" if event == "delete" else "NEW"
    action = f"UPDATE exercise SET setup_version = random() WHERE id = {row}.exercise_id"  # noqa: S608 (constants)
    return f"CREATE TRIGGER {table}_setup_{event} AFTER {event.upper()} ON {table} BEGIN {action}; END"


def upgrade() -> None:
    op.add_column("exercise", sa.Column("setup_version", sa.BigInteger(), server_default="0", nullable=False))
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("CREATE SEQUENCE exercise_setup_stamp")
        op.execute(POSTGRESQL_FUNCTION)
    for table in TABLES:
        for event in EVENTS:
            op.execute(_postgresql_trigger(table, event) if postgresql else _sqlite_trigger(table, event))


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER {table}_setup_{event}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION exercise_setup_changed()")
        op.execute("DROP SEQUENCE exercise_setup_stamp")
    # in place on SQLite too (3.35+): rebuilding the exercise table would cascade deletes into its children
    op.execute("ALTER TABLE exercise DROP COLUMN setup_version")
