"""Routing: rulesets (versioned, one active per exercise), routing decisions with their explanation, and
deconfliction links between cases. Existing exercises on the id-polri template get the template's new unit
(``dittipidsiber.review``, template version 2) and the default ruleset, active, as version 1 (a frozen copy of
``app/routing/defaults/id-polri.json`` version 1; no event is written for it). Cases stored before this revision
keep no routing decision. Downgrade drops the tables and the ``dittipidsiber.review`` units (cases held by one
lose their unit).

Revision ID: 3f8b2c6d9e17
Revises: dfc4188b1609
Create Date: 2026-11-28 09:10:00
"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.db.base import UTCDateTime

revision: str = "3f8b2c6d9e17"
down_revision: str | None = "dfc4188b1609"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REVIEW_UNIT = "dittipidsiber.review"
DEFAULT_RULESET = json.loads(
    """
{
 "name": "id-polri default routing",
 "template": "id-polri",
 "version": 1,
 "description": "Urgent and hands-on-abuse reports to the Polda with jurisdiction, flagged for PPA-PPO; reports without a place in Indonesia to the national intake (Dittipidsiber); informational reports to the national review queue; everything else to the unit covering the place.",
 "rules": [
  {
   "name": "urgent-to-polda",
   "description": "The ESP asked for escalation: the Polda with jurisdiction acts at once, PPA-PPO is flagged.",
   "condition": {
    "field": "urgent",
    "op": "eq",
    "value": true
   },
   "actions": [
    {
     "type": "route_by_jurisdiction",
     "level": "polda",
     "fallback": "dittipidsiber"
    },
    {
     "type": "suggest_priority",
     "priority": "E"
    },
    {
     "type": "add_tag",
     "tag": "ppa-ppo"
    },
    {
     "type": "add_tag",
     "tag": "urgent"
    }
   ]
  },
  {
   "name": "hands-on-abuse-to-polda",
   "description": "Molestation, trafficking, tourism and enticement: the Polda with jurisdiction, flagged for PPA-PPO.",
   "condition": {
    "field": "incident_type",
    "op": "in",
    "value": [
     "Child Sexual Molestation",
     "Child Sex Trafficking",
     "Child Sex Tourism",
     "Online Enticement of Children for Sexual Acts"
    ]
   },
   "actions": [
    {
     "type": "route_by_jurisdiction",
     "level": "polda",
     "fallback": "dittipidsiber"
    },
    {
     "type": "suggest_priority",
     "priority": "1"
    },
    {
     "type": "add_tag",
     "tag": "ppa-ppo"
    }
   ]
  },
  {
   "name": "sextortion-flag",
   "description": "Sextortion or sadistic exploitation annotated: flagged for PPA-PPO wherever it goes.",
   "condition": {
    "any": [
     {
      "field": "annotations",
      "op": "contains",
      "value": "sextortion"
     },
     {
      "field": "annotations",
      "op": "contains",
      "value": "sadisticOnlineExploitation"
     }
    ]
   },
   "actions": [
    {
     "type": "suggest_priority",
     "priority": "1"
    },
    {
     "type": "add_tag",
     "tag": "ppa-ppo"
    },
    {
     "type": "add_tag",
     "tag": "sextortion"
    }
   ]
  },
  {
   "name": "unresolved-to-national-intake",
   "description": "No province in Indonesia (unresolved, abroad, or Indonesia without a province): the national intake.",
   "condition": {
    "not": {
     "field": "location_province",
     "op": "exists"
    }
   },
   "actions": [
    {
     "type": "route_to_unit",
     "unit": "dittipidsiber"
    },
    {
     "type": "add_tag",
     "tag": "location-unresolved"
    }
   ]
  },
  {
   "name": "informational-to-review",
   "description": "Informational reports: the national review queue.",
   "condition": {
    "field": "classification",
    "op": "eq",
    "value": "informational"
   },
   "actions": [
    {
     "type": "route_to_unit",
     "unit": "dittipidsiber.review"
    },
    {
     "type": "suggest_priority",
     "priority": "3"
    }
   ]
  },
  {
   "name": "by-jurisdiction",
   "description": "Every other report: the unit covering the place (Polres where one is defined, else the Polda).",
   "actions": [
    {
     "type": "route_by_jurisdiction",
     "level": "covering",
     "fallback": "dittipidsiber"
    },
    {
     "type": "suggest_priority",
     "priority": "2"
    }
   ]
  }
 ]
}
"""
)


def upgrade() -> None:
    op.create_table(
        "routing_ruleset",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_routing_ruleset_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_ruleset")),
        sa.UniqueConstraint("exercise_id", "version", name=op.f("uq_routing_ruleset_exercise_id_version")),
    )
    with op.batch_alter_table("routing_ruleset", schema=None) as batch_op:
        batch_op.create_index(
            "uq_routing_ruleset_one_active",
            ["exercise_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "case_deconfliction",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("other_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("value_hash", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("other_unit_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_deconfliction_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercise.id"],
            name=op.f("fk_case_deconfliction_exercise_id_exercise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["case.id"], name=op.f("fk_case_deconfliction_other_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["other_unit_id"], ["unit.id"], name=op.f("fk_case_deconfliction_other_unit_id_unit"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_case_deconfliction_unit_id_unit"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_deconfliction")),
        sa.UniqueConstraint(
            "case_id",
            "other_id",
            "kind",
            "scope",
            "value_hash",
            name=op.f("uq_case_deconfliction_case_id_other_id_kind_scope_value_hash"),
        ),
    )
    with op.batch_alter_table("case_deconfliction", schema=None) as batch_op:
        batch_op.create_index("ix_case_deconfliction_exercise_id_case_id", ["exercise_id", "case_id"], unique=False)
        batch_op.create_index("ix_case_deconfliction_other_id", ["other_id"], unique=False)

    op.create_table(
        "routing_decision",
        sa.Column("exercise_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.Column("ruleset_id", sa.Uuid(), nullable=True),
        sa.Column("ruleset_version", sa.Integer(), nullable=False),
        sa.Column("rule_index", sa.Integer(), nullable=True),
        sa.Column("rule_name", sa.String(length=100), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("unit_code", sa.String(length=64), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("suggested_priority", sa.String(length=2), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=False),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_routing_decision_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_routing_decision_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_routing_decision_report_id_report"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ruleset_id"],
            ["routing_ruleset.id"],
            name=op.f("fk_routing_decision_ruleset_id_routing_ruleset"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_routing_decision_unit_id_unit"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_decision")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_routing_decision_case_id_seq")),
    )
    with op.batch_alter_table("routing_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routing_decision_exercise_id"), ["exercise_id"], unique=False)
    _install_defaults()


def _install_defaults() -> None:
    """The review unit and the default ruleset for every id-polri exercise that has the units it names."""
    bind = op.get_bind()
    unit = sa.table(
        "unit",
        sa.column("id", sa.Uuid()),
        sa.column("exercise_id", sa.Uuid()),
        sa.column("parent_id", sa.Uuid()),
        sa.column("code", sa.String()),
        sa.column("name", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("hq", sa.String()),
        sa.column("retired_at", UTCDateTime(timezone=True)),
        sa.column("created_at", UTCDateTime(timezone=True)),
    )
    ruleset = sa.table(
        "routing_ruleset",
        sa.column("id", sa.Uuid()),
        sa.column("exercise_id", sa.Uuid()),
        sa.column("version", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("description", sa.Text()),
        sa.column("status", sa.String()),
        sa.column("rules", sa.JSON()),
        sa.column("based_on", sa.Integer()),
        sa.column("created_by", sa.String()),
        sa.column("created_at", UTCDateTime(timezone=True)),
        sa.column("updated_at", UTCDateTime(timezone=True)),
        sa.column("activated_at", UTCDateTime(timezone=True)),
    )
    exercise = sa.table("exercise", sa.column("id", sa.Uuid()), sa.column("org_template", sa.String()))
    now = datetime.now(UTC)
    named = {a.get("unit") or a.get("fallback") for r in DEFAULT_RULESET["rules"] for a in r["actions"]} - {None}
    for (exercise_id,) in bind.execute(sa.select(exercise.c.id).where(exercise.c.org_template == "id-polri")):
        codes = dict(
            bind.execute(
                sa.select(unit.c.code, unit.c.id).where(unit.c.exercise_id == exercise_id, unit.c.retired_at.is_(None))
            ).all()
        )
        if REVIEW_UNIT not in codes and "dittipidsiber" in codes:
            codes[REVIEW_UNIT] = uuid.uuid4()
            bind.execute(
                unit.insert().values(
                    id=codes[REVIEW_UNIT],
                    exercise_id=exercise_id,
                    parent_id=codes["dittipidsiber"],
                    code=REVIEW_UNIT,
                    name="Dittipidsiber Review Queue (informational reports)",
                    kind="other",
                    hq="Jakarta",
                    retired_at=None,
                    created_at=now,
                )
            )
        if not named <= codes.keys():
            continue  # an exercise whose units were changed: its instructors write their own ruleset
        bind.execute(
            ruleset.insert().values(
                id=uuid.uuid4(),
                exercise_id=exercise_id,
                version=1,
                name=DEFAULT_RULESET["name"],
                description=DEFAULT_RULESET["description"],
                status="active",
                rules=DEFAULT_RULESET["rules"],
                based_on=None,
                created_by="system",
                created_at=now,
                updated_at=now,
                activated_at=now,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("routing_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_decision_exercise_id"))

    op.drop_table("routing_decision")
    with op.batch_alter_table("case_deconfliction", schema=None) as batch_op:
        batch_op.drop_index("ix_case_deconfliction_other_id")
        batch_op.drop_index("ix_case_deconfliction_exercise_id_case_id")

    op.drop_table("case_deconfliction")
    with op.batch_alter_table("routing_ruleset", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_routing_ruleset_one_active",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.drop_table("routing_ruleset")
    op.execute(sa.text("DELETE FROM unit WHERE code = 'dittipidsiber.review'"))
