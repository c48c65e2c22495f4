"""The facts kept on the case row for statistics (``app.stats.facts``) stay equal to a recomputation from the
reports, the links and the event log through every kind of change: intake (bundles joining stored cases),
transitions with holds, resumptions, closing and reopening, assignment, transfers, links and unlinks, merges, and
bulk actions."""

from __future__ import annotations

import copy
import importlib.util
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.models import ExerciseRole as R
from app.auth.principal import ExerciseContext, Principal
from app.cases.models import Case
from app.core.clock import ManualWallClock
from app.reports import intake
from app.reports import service as reports_service
from app.reports.document import Report as ReportDocument
from app.reports.models import ReportSource
from app.stats import facts
from tests.cases.conftest import World
from tests.conftest import Actor, Factory
from tests.reports.test_intake_api import MINIMAL
from tests.seed.test_loader import seeded


def _batched(session: Session, world: World, reporter: Actor, md5: str, *, in_one_batch: int = 1) -> uuid.UUID:
    """Batched reports with one file each: a later one from the same reporter sharing the file joins the case (in
    the same intake batch, or stored earlier)."""
    membership = auth_service.get_membership(session, exercise_id=world.exercise.id, user_id=reporter.user.id)
    ctx = ExerciseContext(world.exercise, Principal(reporter.user, None), membership)
    doc = copy.deepcopy(MINIMAL)
    doc["batchedReport"] = {"reason": "VIRAL_POTENTIAL_MEME"}
    items = [
        intake.prepare(
            ctx,
            ReportDocument.model_validate(doc),
            idempotency_key=None,
            files=[reports_service.FileRecord(file_id=uuid.uuid4().hex, file_name="f.jpg", size=10, md5=md5)],
        )
        for _ in range(in_one_batch)
    ]
    stored = intake.store(session, ctx=ctx, items=items, source=ReportSource.api)
    session.commit()
    case_ids = {s.case_id for s in stored if isinstance(s, intake.Stored)}
    assert len(case_ids) == 1 and len(stored) == in_one_batch
    (case_id,) = case_ids
    assert case_id is not None
    return case_id


def test_kept_facts_equal_a_recomputation_through_every_change(
    client: TestClient, world: World, wall_clock: ManualWallClock
) -> None:
    session, h = world.session, world.owner.headers
    reporters = [world.member(R.reporter) for _ in range(3)]
    ids = [
        client.post(f"{world.base}/reports", headers=reporters[i % 3].headers, json=MINIMAL).json()["case_id"]
        for i in range(9)
    ]
    bundle = _batched(session, world, reporters[0], "0" * 31 + "a")
    assert _batched(session, world, reporters[0], "0" * 31 + "a") == bundle  # joins the stored case
    ids.append(str(bundle))
    ids.append(str(_batched(session, world, reporters[1], "0" * 31 + "b", in_one_batch=3)))  # opened and joined

    def step(case_id: str, to: str, **body: object) -> None:
        wall_clock.advance(97.25)
        r = client.post(f"{world.base}/cases/{case_id}/transitions", headers=h, json={"to": to, **body})
        assert r.status_code == 200, r.text

    def assign(case_id: str, unit: str) -> None:
        wall_clock.advance(41.5)
        r = client.post(
            f"{world.base}/cases/{case_id}/assignment",
            headers=h,
            json={"action": "assign", "unit_id": str(world.units[unit].id)},
        )
        assert r.status_code == 200, r.text

    for case_id in ids[:8]:
        step(case_id, "triaged")
    for case_id in ids[:6]:  # held before assignment: counts off every later milestone
        step(case_id, "on_hold")
        step(case_id, "triaged")
        assign(case_id, "POLDA-A")
    for case_id in ids[:4]:
        step(case_id, "on_hold")  # held after assignment: counts off first action and closing only
        step(case_id, "assigned")
        step(case_id, "investigating")
    step(ids[0], "closed", disposition="unfounded")
    step(ids[0], "reopened")  # the closing's duration goes, and comes back with the later closing
    step(ids[0], "triaged")
    step(ids[0], "on_hold")
    step(ids[0], "triaged")
    step(ids[0], "closed", disposition="unfounded")
    step(ids[1], "closed", disposition="unfounded")
    step(ids[9], "closed", disposition="unfounded")  # closing at intake: triage and first action met too

    wall_clock.advance(300)
    r = client.post(
        f"{world.base}/cases/{ids[2]}/transfer",
        headers=h,
        json={"unit_id": str(world.units["POLDA-B"].id), "reason": "x"},
    )
    assert r.status_code == 200, r.text
    links = []
    for a, b, kind in ((3, 4, "related"), (4, 5, "duplicate_of"), (6, 3, "related")):
        r = client.post(f"{world.base}/cases/{ids[a]}/links", headers=h, json={"kind": kind, "other_id": ids[b]})
        assert r.status_code == 201, r.text
        links.append((ids[a], r.json()["id"]))
    assert client.delete(f"{world.base}/cases/{links[2][0]}/links/{links[2][1]}", headers=h).status_code == 204
    r = client.post(f"{world.base}/cases/{ids[5]}/merge", headers=h, json={"case_ids": [ids[6], ids[7]]})
    assert r.status_code == 200, r.text  # reports of three ESPs in one case; two cases closed as duplicates
    r = client.post(
        f"{world.base}/cases/bulk",
        headers=h,
        json={"ids": [ids[5], ids[4]], "action": "assign", "params": {"unit_id": str(world.units["POLDA-B"].id)}},
    )
    assert r.status_code == 200, r.text
    wall_clock.advance(600)
    r = client.post(
        f"{world.base}/cases/bulk",
        headers=h,
        json={"ids": [ids[5], ids[4]], "action": "transition", "params": {"to": "on_hold"}},
    )
    assert r.status_code == 200 and r.json()["applied"] == 2, r.text
    wall_clock.advance(1234.5)
    for to in ("assigned", "investigating", "closed"):
        params: dict[str, object] = {"to": to, "disposition": "arrest"} if to == "closed" else {"to": to}
        r = client.post(
            f"{world.base}/cases/bulk",
            headers=h,
            json={"ids": [ids[5], ids[4]], "action": "transition", "params": params},
        )
        assert r.status_code == 200 and r.json()["applied"] == 2, r.text
        wall_clock.advance(77)

    session.expire_all()
    kept = facts.kept(session, world.exercise.id)
    derived = facts.recompute(session, world.exercise.id)
    assert kept == derived
    # the exercise reached every kind of fact
    values = list(kept.values())
    assert {2, 3, 0} <= {v["report_count"] for v in values}
    assert any(len(facts.esp_names(v["esp_key"])) == 3 for v in values)
    assert any(v["link_count"] == 2 for v in values)
    assert sum(1 for v in values if v["held_us"] > 0) >= 6
    assert any(v["close_us"] is not None and v["held_us"] > 0 for v in values)
    assert sum(v["triage_us"] is None for v in values) == 2  # the cases never triaged

    # the migration's backfill derives the same facts from the record
    session.execute(
        update(Case)
        .where(Case.exercise_id == world.exercise.id)
        .values(
            report_count=0,
            esp_key=None,
            link_count=0,
            held_us=0,
            triage_us=None,
            assign_us=None,
            first_action_us=None,
            close_us=None,
        )
    )
    migration = _migration()
    connection = session.connection()
    (migration.backfill_postgresql if connection.dialect.name == "postgresql" else migration.backfill_sqlite)(
        connection
    )
    session.expire_all()
    assert facts.kept(session, world.exercise.id) == derived


def _migration():  # type: ignore[no-untyped-def]
    path = next((Path(__file__).parents[2] / "migrations" / "versions").glob("*_case_statistics_facts.py"))
    spec = importlib.util.spec_from_file_location("case_statistics_facts", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_seeded_exercise_keeps_its_facts(session: Session, factory: Factory) -> None:
    """Seeding goes through intake's store: bundles opened and joined within a batch and across batches."""
    exercise, _ = seeded(session, factory, "viral-bundle", 300)
    kept = facts.kept(session, exercise.id)
    assert kept == facts.recompute(session, exercise.id)
    assert max(v["report_count"] for v in kept.values()) > 1


def test_seeded_deconfliction_flags_both_cases(session: Session, factory: Factory) -> None:
    """Intake's deconfliction records flag the new case and the one it shares an indicator with, whether that was
    opened in the same store batch or stored by an earlier one (seeding stores 1,000 reports, then the rest)."""
    exercise, _ = seeded(session, factory, "deconfliction", 1_500)
    kept = facts.kept(session, exercise.id)
    assert kept == facts.recompute(session, exercise.id)
    assert 0 < sum(v["deconflicted"] for v in kept.values()) < len(kept)
