"""Drip-fed arrivals on the exercise clock, on both databases: a 200-report classroom scenario fed over the shift at
clock speed 60 appears on schedule in lists, reads and the event stream; a paused clock holds reports back; a jump
or a faster clock brings them sooner. Instructors inject a report at a chosen moment. The wall clock is a manual one,
so an exercise hour passes in one call instead of a real minute."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole, User
from app.auth.principal import Principal
from app.cases.models import Case
from app.core.clock import ManualWallClock
from app.db.session import Database
from app.events import stream
from app.events.models import Event, ScheduledEvent
from app.exercises.models import Exercise
from app.main import create_app
from app.reports.models import Report
from seed import scenarios
from seed.loader import seed_exercise
from tests.conftest import Actor, Factory
from tests.reports.test_list_filter_api import ENTICEMENT, document

ORIGIN = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 WIB
REPORTS = 200


@dataclass
class Shift:
    client: TestClient
    session: Session
    database: Database
    exercise: Exercise
    owner: Actor
    supervisor: Actor
    analyst: Actor
    wall: ManualWallClock

    @property
    def base(self) -> str:
        return f"/api/v1/exercises/{self.exercise.id}"

    def now(self) -> datetime:
        r = self.client.get(f"{self.base}/clock", headers=self.owner.headers)
        assert r.status_code == 200, r.text
        return datetime.fromisoformat(r.json()["now"])

    def clock(self, **body: Any) -> None:
        r = self.client.post(f"{self.base}/clock", headers=self.owner.headers, json=body)
        assert r.status_code == 200, r.text

    def listed(self, what: str, actor: Actor | None = None) -> list[dict[str, Any]]:
        r = self.client.get(f"{self.base}/{what}", headers=(actor or self.owner).headers, params={"limit": 500})
        assert r.status_code == 200, r.text
        assert r.json()["next_cursor"] is None
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    def scalars(self, stmt: Any) -> list[Any]:
        """Read in a short read-only session (the server's writers must not wait behind the test)."""
        with self.database.read_session_factory() as r:
            return list(r.scalars(stmt))

    def arrivals(self) -> list[datetime]:
        rows = self.scalars(select(Report.arrives_at).where(Report.exercise_id == self.exercise.id))
        return sorted(a for a in rows if a is not None)

    def streamed(self, actor: Actor) -> list[Event]:
        """What the actor's event stream sends from the start, one poll as the endpoint makes it."""
        found = stream.poll(
            self.database,
            exercise_id=self.exercise.id,
            principal=Principal(actor.user, None),
            after=0,
            types=[],
            limit=100_000,
        )
        return found.events


@pytest.fixture
def shift(database: Database, wall_clock: ManualWallClock) -> Iterator[Shift]:
    session = Session(database.engine, expire_on_commit=False)
    factory = Factory(session, database.settings)
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner, clock={"mode": "simulated", "origin": ORIGIN.isoformat(), "speed": 60})
    supervisor = factory.member(exercise, ExerciseRole.supervisor)  # no unit: national intake, sees every case
    analyst = factory.member(exercise, ExerciseRole.analyst)
    users = [owner.user.id, supervisor.user.id, analyst.user.id]
    try:
        with TestClient(create_app(database.settings, database=database), raise_server_exceptions=False) as client:
            yield Shift(client, session, database, exercise, owner, supervisor, analyst, wall_clock)
    finally:
        session.rollback()
        session.execute(delete(Exercise).where(Exercise.id == exercise.id))
        session.execute(delete(User).where(User.id.in_(users)))
        session.commit()
        session.close()


def _seed_drip(s: Shift) -> None:
    seed_exercise(
        s.session,
        exercise=s.exercise,
        scenario=scenarios.load("classroom"),
        reports=REPORTS,
        seed=11,
        actor="system",
        drip=True,
    )
    s.session.commit()


def test_classroom_shift_at_speed_60_arrives_on_schedule_and_a_paused_clock_holds_it(shift: Shift) -> None:
    s = shift
    _seed_drip(s)
    start = s.now()
    arrivals = s.arrivals()
    assert len(arrivals) == REPORTS
    window = timedelta(hours=scenarios.load("classroom").window_hours)
    assert start <= arrivals[0] and arrivals[-1] <= start + window  # the shift's schedule, from now on
    assert arrivals[-1] - arrivals[0] > window / 2  # spread over it, not bunched

    def due(now: datetime) -> int:
        return sum(a <= now for a in arrivals)

    def check(now: datetime) -> int:
        expected = due(now)
        reports = s.listed("reports")
        assert len(reports) == expected
        assert all(datetime.fromisoformat(r["received_at"]) <= now for r in reports)
        case_ids = {r["case_id"] for r in reports}
        cases = s.listed("cases", s.supervisor)
        assert {c["id"] for c in cases} == case_ids  # a case shows with its first report, not before
        log = s.streamed(s.owner)
        received = [e for e in log if e.type == "report.received"]
        assert len(received) == expected
        assert [e.at for e in received] == sorted(e.at for e in received)  # the log holds arrivals in their order
        assert all(e.at <= now for e in received)
        theirs = s.streamed(s.supervisor)
        assert sum(e.type == "report.received" for e in theirs) == expected
        assert not any(e.type == "report.scheduled" for e in theirs)  # the schedule is the instructor's
        return expected

    assert check(start) == due(start) < 5  # the shift begins: next to nothing has come in
    hidden = s.scalars(
        select(Report).where(Report.exercise_id == s.exercise.id, Report.arrives_at > start + timedelta(hours=3))
    )[0]
    for who in (s.owner, s.supervisor):
        assert s.client.get(f"{s.base}/reports/{hidden.id}", headers=who.headers).status_code == 404
        assert s.client.get(f"{s.base}/cases/{hidden.case_id}", headers=who.headers).status_code == 404

    s.wall.advance(60)  # one real minute at speed 60: the first exercise hour
    one_hour = check(start + timedelta(hours=1))
    assert one_hour > due(start)

    s.clock(action="pause")
    paused_at = s.now()
    s.wall.advance(3600)  # an hour of real time passes; the exercise does not move
    assert s.now() == paused_at
    assert check(paused_at) == due(paused_at)
    assert due(paused_at) < due(paused_at + timedelta(hours=60)) == REPORTS  # held back, not lost

    s.clock(action="resume")
    s.clock(action="jump", seconds=2 * 3600)
    after_jump = s.now()
    assert check(after_jump) > one_hour

    s.clock(action="set_speed", speed=120)
    s.wall.advance(60)  # twice as fast: two exercise hours
    faster = s.now()
    assert faster - after_jump == timedelta(hours=2)
    check(faster)

    assert s.client.get(f"{s.base}/reports/{hidden.id}", headers=s.owner.headers).status_code == 200
    [case] = s.scalars(select(Case).where(Case.id == hidden.case_id))
    assert case.arrives_at is not None
    assert case.created_at == case.arrives_at  # SLA clocks start at arrival
    assert case.triage_due_at is not None and case.triage_due_at > case.arrives_at

    s.clock(action="jump", seconds=6 * 3600)
    assert check(s.now()) == REPORTS
    assert s.scalars(select(ScheduledEvent.id).where(ScheduledEvent.exercise_id == s.exercise.id)) == []
    verify = s.client.get(f"{s.base}/events/verify", headers=s.owner.headers).json()
    assert verify["ok"] is True


def test_instructors_inject_a_report_at_a_chosen_moment(shift: Shift) -> None:
    s = shift
    now = s.now()
    at = now + timedelta(minutes=30)
    body = document(ENTICEMENT, urgent=True, ages=(13,))
    url = f"{s.base}/reports"

    refused = s.client.post(url, headers=s.supervisor.headers, json=body, params={"arrives_at": at.isoformat()})
    assert refused.status_code == 403 and refused.json()["type"].endswith("forbidden")
    past = s.client.post(
        url, headers=s.owner.headers, json=body, params={"arrives_at": (now - timedelta(minutes=1)).isoformat()}
    )
    assert past.status_code == 422 and past.json()["type"].endswith("arrival-in-the-past")
    bad = s.client.post(url, headers=s.owner.headers, json=body, params={"arrives_at": "half past ten"})
    assert bad.status_code == 422
    assert s.scalars(select(Report.id).where(Report.exercise_id == s.exercise.id)) == []  # nothing stored

    made = s.client.post(url, headers=s.owner.headers, json=body, params={"arrives_at": at.isoformat()})
    assert made.status_code == 201, made.text
    report = made.json()
    assert datetime.fromisoformat(report["arrives_at"]) == at == datetime.fromisoformat(report["received_at"])
    assert s.listed("reports") == [] and s.listed("cases", s.supervisor) == []
    log = s.streamed(s.owner)
    assert [e.type for e in log if e.subject_id == report["id"]] == ["report.scheduled"]
    assert not any(e.subject_id == report["id"] for e in s.streamed(s.supervisor))

    s.wall.advance(29)  # 29 exercise minutes
    assert s.listed("reports", s.supervisor) == []
    s.wall.advance(1)
    assert [r["id"] for r in s.listed("reports", s.supervisor)] == [report["id"]]
    [case] = s.listed("cases", s.supervisor)
    assert case["id"] == report["case_id"] and datetime.fromisoformat(case["received_at"]) == at
    theirs = s.streamed(s.supervisor)
    seen = [e.type for e in theirs if e.type.startswith(("report.", "case."))]
    assert seen == ["case.opened", "case.routed", "report.received"]  # routing's event is held with the arrival
    assert all(e.at == at for e in theirs if e.type in ("case.opened", "report.received"))
    assert uuid.UUID(report["id"])


def test_seeding_with_drip_schedules_the_scenario_from_the_current_time(
    client: TestClient, factory: Factory, session: Session
) -> None:
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner, clock={"mode": "simulated", "origin": ORIGIN.isoformat(), "paused": True})
    base = f"/api/v1/exercises/{exercise.id}"
    bad = client.post(f"{base}/seed", headers=owner.headers, json={"scenario": "classroom", "drip": "soon"})
    assert bad.status_code == 422
    r = client.post(f"{base}/seed", headers=owner.headers, json={"scenario": "classroom", "reports": 12, "drip": True})
    assert r.status_code == 202, r.text
    assert r.json()["params"]["drip"] is True
    job = client.get(f"/api/v1/jobs/{r.json()['id']}", headers=owner.headers).json()
    assert job["status"] == "succeeded", job
    arrivals = sorted(session.scalars(select(Report.arrives_at).where(Report.exercise_id == exercise.id)))
    assert len(arrivals) == 12 and all(a is not None and ORIGIN <= a <= ORIGIN + timedelta(hours=8) for a in arrivals)
    listed = client.get(f"{base}/reports", headers=owner.headers).json()["items"]
    assert len(listed) == sum(a <= ORIGIN for a in arrivals)  # the clock is paused at the origin
