"""SLA clocks on a simulated exercise clock: breaches recorded exactly once, on-hold time not counted, targets per
exercise, the sweep command and the periodic sweeper."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.auth.models import ExerciseRole, GlobalRole
from app.cases import sla
from app.cases.models import Case
from app.cases.sweeper import PeriodicSweeper
from app.core.clock import ManualWallClock
from app.core.clock.exercise import ClockMode
from app.core.config import Settings, get_settings
from app.db import ops
from app.db.session import Database
from app.events.models import Event
from app.exercises import service as exercises_service
from app.exercises.models import Exercise
from app.exercises.schemas import JumpClock, PauseClock, SetMode
from tests import dbs
from tests.cases.conftest import World
from tests.conftest import Factory

ORIGIN = datetime(2030, 1, 1, tzinfo=UTC)


def _simulated(world: World) -> World:
    """The world's exercise on a simulated clock stopped at ORIGIN: time moves only by jumps."""
    for action in (SetMode(action="set_mode", mode=ClockMode.simulated, origin=ORIGIN), PauseClock(action="pause")):
        exercises_service.apply_clock_action(world.session, ctx=world.ctx(), action=action)
    world.session.commit()
    return world


@pytest.fixture
def sim(world: World, wall_clock: ManualWallClock) -> World:
    return _simulated(world)


def _jump(client: TestClient, world: World, minutes: float) -> None:
    r = client.post(
        f"{world.base}/clock", headers=world.owner.headers, json={"action": "jump", "seconds": minutes * 60}
    )
    assert r.status_code == 200, r.text


def _breaches(session: Session, case: Case) -> list[dict[str, object]]:
    rows = session.scalars(
        select(Event).where(Event.type == "case.sla_breached", Event.subject_id == str(case.id)).order_by(Event.seq)
    )
    return [e.data for e in rows]


def _sweep(world: World) -> int:
    exercise = world.session.get(Exercise, world.exercise.id)  # requests expunge the test's objects
    assert exercise is not None
    count = sla.sweep(world.session, exercise=exercise)
    world.session.commit()
    return count


def _listed(client: TestClient, world: World, which: str) -> list[int]:
    r = client.get(f"{world.base}/cases?sla={which}", headers=world.owner.headers)
    return [c["number"] for c in r.json()["items"]]


def test_priority_e_untouched_61_minutes_is_breached_exactly_once(client: TestClient, sim: World) -> None:
    case = sim.case(urgent=True)
    assert case.priority == "E" and case.created_at == ORIGIN
    _jump(client, sim, 46)
    assert _sweep(sim) == 0
    assert _listed(client, sim, "at_risk") == [case.number] and _listed(client, sim, "breached") == []
    _jump(client, sim, 15)  # 61 exercise minutes
    assert _listed(client, sim, "breached") == [case.number]
    assert _sweep(sim) == 1
    assert _sweep(sim) == 0
    [breach] = _breaches(sim.session, case)
    assert breach["clock"] == "triage" and breach["due_at"] == "2030-01-01T01:00:00.000000Z"
    assert breach["overdue_seconds"] == 60.0 and breach["priority"] == "E"
    read = client.get(sim.url(case), headers=sim.owner.headers).json()
    assert read["sla"]["state"] == "breached" and read["sla"]["triage_breached_at"] == "2030-01-01T01:01:00Z"
    # a jump far ahead records the first-action clock once too, and nothing more after that
    _jump(client, sim, 300)
    assert _sweep(sim) == 1 and _sweep(sim) == 0
    assert [b["clock"] for b in _breaches(sim.session, case)] == ["triage", "first_action"]


def test_on_hold_time_is_not_counted(client: TestClient, sim: World) -> None:
    case = sim.case(urgent=True)
    headers = sim.owner.headers
    _jump(client, sim, 10)
    assert client.post(sim.url(case, "/transitions"), headers=headers, json={"to": "triaged"}).status_code == 200
    _jump(client, sim, 50)  # 1 h: first action due at 4 h
    held = client.post(sim.url(case, "/transitions"), headers=headers, json={"to": "on_hold"}).json()
    assert held["sla"]["state"] == "paused" and held["sla"]["due_at"] is None
    _jump(client, sim, 240)  # 5 h, on hold: past the original due time, nothing recorded
    assert _sweep(sim) == 0 and _listed(client, sim, "breached") == []
    back = client.post(sim.url(case, "/transitions"), headers=headers, json={"to": "triaged"}).json()
    assert back["sla"]["held_seconds"] == 4 * 3600
    assert back["sla"]["action_due_at"] == "2030-01-01T08:00:00Z"  # 4 h target + 4 h held
    _jump(client, sim, 170)  # 7 h 50: still inside the target
    assert _sweep(sim) == 0
    _jump(client, sim, 11)  # 8 h 01
    assert _sweep(sim) == 1 and _sweep(sim) == 0
    assert [b["clock"] for b in _breaches(sim.session, case)] == ["first_action"]


def test_a_clock_met_late_before_any_sweep_is_recorded_once(client: TestClient, sim: World) -> None:
    case = sim.case(urgent=True)
    _jump(client, sim, 90)
    r = client.post(sim.url(case, "/transitions"), headers=sim.owner.headers, json={"to": "triaged"})
    assert r.status_code == 200
    assert _sweep(sim) == 0
    assert [(b["clock"], b["overdue_seconds"]) for b in _breaches(sim.session, case)] == [("triage", 1800.0)]


def test_priority_changes_move_the_due_times(client: TestClient, sim: World) -> None:
    case = sim.case()
    read = client.get(sim.url(case), headers=sim.owner.headers).json()
    assert read["priority"] is None and read["sla"]["triage_due_at"] == "2030-01-02T00:00:00Z"  # priority 2 targets
    r = client.patch(sim.url(case), headers=sim.owner.headers, json={"priority": "1"})
    assert r.json()["sla"]["triage_due_at"] == "2030-01-01T04:00:00Z"
    assert r.json()["sla"]["action_due_at"] == "2030-01-02T00:00:00Z"


def test_sla_targets_per_exercise(client: TestClient, sim: World) -> None:
    url = f"{sim.base}/sla"
    assert client.get(url, headers=sim.owner.headers).json()["targets"]["E"] == {
        "triage_minutes": 60,
        "action_minutes": 240,
    }
    analyst = sim.member(ExerciseRole.analyst)
    body = {"targets": {"E": {"triage_minutes": 30, "action_minutes": 120}}, "at_risk_ratio": 0.5}
    assert client.put(url, headers=analyst.headers, json=body).status_code == 403
    r = client.put(url, headers=sim.owner.headers, json=body)
    assert r.status_code == 200 and r.json()["customised"] is True and r.json()["targets"]["1"]["triage_minutes"] == 240
    bad = {"targets": {"E": {"triage_minutes": 30, "action_minutes": 10}}}
    assert client.put(url, headers=sim.owner.headers, json=bad).status_code == 422
    case = sim.case(urgent=True)
    assert case.triage_due_at == datetime(2030, 1, 1, 0, 30, tzinfo=UTC)
    assert case.sla_warn_at == datetime(2030, 1, 1, 0, 15, tzinfo=UTC)


def test_periodic_sweeper_runs_until_stopped(database: Database) -> None:
    sweeper = PeriodicSweeper(database, 0.01).start()
    deadline = time.monotonic() + 10
    while sweeper.runs < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    sweeper.stop()
    assert sweeper.runs >= 2 and not sweeper._thread.is_alive()


def test_sweep_command_records_breaches(tmp_path: Path, wall_clock: ManualWallClock) -> None:
    from app.cli import app as cli

    with dbs.fresh_database(tmp_path, "sweep") as url:
        ops.upgrade(url, "head")
        db = Database(Settings(database_url=url, environment="test", secret_key="x" * 40))
        try:
            with Session(db.engine, expire_on_commit=False) as s:
                f = Factory(s, db.settings)
                owner = f.user(GlobalRole.instructor)
                w = _simulated(World(s, f, f.exercise(owner), owner))
                w.case(urgent=True)
                exercises_service.apply_clock_action(s, ctx=w.ctx(), action=JumpClock(action="jump", seconds=3660))
                s.commit()
        finally:
            db.dispose()
        get_settings.cache_clear()
        try:
            runner = CliRunner()
            first = runner.invoke(cli, ["sweep"], env={"TIPDESK_DATABASE_URL": url})
            assert first.exit_code == 0 and first.output.startswith("1 SLA breach(es) recorded"), first.output
            again = runner.invoke(cli, ["sweep"], env={"TIPDESK_DATABASE_URL": url})
            assert again.exit_code == 0 and again.output.startswith("0 SLA breach(es) recorded"), again.output
        finally:
            get_settings.cache_clear()


def test_sweep_command_runs_in_a_fresh_process(database_url: str, tmp_path: Path) -> None:
    """The sweep may be a process's first query (``tipdesk sweep``, or ``tipdesk serve`` before the app is
    imported): every model must be mapped by then."""
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPDESK_")}
    env |= {"TIPDESK_DATABASE_URL": database_url, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "sweep"], env=env, cwd=tmp_path, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    assert b"SLA breach(es) recorded" in done.stdout
