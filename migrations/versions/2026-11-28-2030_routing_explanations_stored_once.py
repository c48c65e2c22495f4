"""Routing explanations stored once per exercise (``routing_explanation``): a decision row holds the id of its
explanation instead of a copy. Reports that show the rules the same values share one explanation, and a copy in
every decision was the largest value intake wrote (about 2.6 kB of a typical report's 5 kB).

An explanation's id is a name-based UUID (version 5) of the exercise's id and the explanation's JSON text (keys
sorted, compact), as ``app.routing.explanations`` derives it. Upgrade moves every stored explanation into the new
table, one row per distinct explanation; downgrade copies each back into its decisions.

Revision ID: 8d2e5b7a1c39
Revises: 3b8f2d6a9c14
Create Date: 2026-11-28 20:30:00
"""

import json
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "8d2e5b7a1c39"
down_revision: str | None = "3b8f2d6a9c14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 2000

decisions = sa.table(
    "routing_decision",
    sa.column("id", sa.Uuid()),
    sa.column("exercise_id", sa.Uuid()),
    sa.column("explanation", sa.JSON()),
    sa.column("explanation_id", sa.Uuid()),
)
explanations = sa.table(
    "routing_explanation", sa.column("id", sa.Uuid()), sa.column("exercise_id", sa.Uuid()), sa.column("body", sa.JSON())
)


def _explanation_id(exercise_id: uuid.UUID, body: Any) -> uuid.UUID:
    return uuid.uuid5(exercise_id, json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def _move_explanations() -> None:
    connection = op.get_bind()
    stored: set[uuid.UUID] = set()
    after: uuid.UUID | None = None
    while True:
        query = sa.select(decisions.c.id, decisions.c.exercise_id, decisions.c.explanation).order_by(decisions.c.id)
        if after is not None:
            query = query.where(decisions.c.id > after)
        rows = connection.execute(query.limit(CHUNK)).all()
        if not rows:
            return
        links, new = [], []
        for decision_id, exercise_id, body in rows:
            eid = _explanation_id(exercise_id, body)
            links.append({"b_decision": decision_id, "b_explanation": eid})
            if eid not in stored:
                stored.add(eid)
                new.append({"id": eid, "exercise_id": exercise_id, "body": body})
        if new:
            connection.execute(explanations.insert(), new)
        connection.execute(
            decisions.update()
            .where(decisions.c.id == sa.bindparam("b_decision"))
            .values(explanation_id=sa.bindparam("b_explanation")),
            links,
        )
        after = rows[-1][0]


def upgrade() -> None:
    op.create_table(
        "routing_explanation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercise.id"],
            name=op.f("fk_routing_explanation_exercise_id_exercise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_explanation")),
    )
    op.create_index(op.f("ix_routing_explanation_exercise_id"), "routing_explanation", ["exercise_id"])
    with op.batch_alter_table("routing_decision") as batch:
        batch.add_column(sa.Column("explanation_id", sa.Uuid(), nullable=True))
    _move_explanations()
    with op.batch_alter_table("routing_decision") as batch:
        batch.alter_column("explanation_id", existing_type=sa.Uuid(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_routing_decision_explanation_id_routing_explanation"),
            "routing_explanation",
            ["explanation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_routing_decision_explanation_id"), ["explanation_id"])
        batch.drop_column("explanation")


def downgrade() -> None:
    with op.batch_alter_table("routing_decision") as batch:
        batch.add_column(sa.Column("explanation", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE routing_decision SET explanation = "
        "(SELECT body FROM routing_explanation WHERE routing_explanation.id = routing_decision.explanation_id)"
    )
    with op.batch_alter_table("routing_decision") as batch:
        batch.alter_column("explanation", existing_type=sa.JSON(), nullable=False)
        batch.drop_index(op.f("ix_routing_decision_explanation_id"))
        batch.drop_constraint(op.f("fk_routing_decision_explanation_id_routing_explanation"), type_="foreignkey")
        batch.drop_column("explanation_id")
    op.drop_index(op.f("ix_routing_explanation_exercise_id"), table_name="routing_explanation")
    op.drop_table("routing_explanation")
