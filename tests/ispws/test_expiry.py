"""Unfinished reports expire on the exercise clock: 24 h after opening or 1 h after the last change, the later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.auth.models import ExerciseRole, GlobalRole
from app.auth.principal import ExerciseContext, Principal
from app.cli import app as cli
from app.core.clock import ManualWallClock
from app.core.config import get_settings
from app.db import ops
from app.db.session import Database
from app.ispws import expiry, service
from app.ispws.models import IspwsFile, IspwsReport
from app.reports.document import Report
from tests import dbs
from tests.conftest import Factory
from tests.ispws.conftest import Desk, file_details_xml
from tests.reports.samples import build_report

HOUR = 3600


def _expired_events(desk: Desk) -> list[str]:
    url = f"/api/v1/exercises/{desk.exercise.id}/events?type=ispws.expired"
    return [e["subject_id"] for e in desk.client.get(url, headers=desk.owner.headers).json()["items"]]


def test_a_report_lives_24_hours_after_opening_however_idle(desk: Desk, session: Session) -> None:
    kept, lost = desk.open(1), desk.open(2)
    desk.jump(HOUR)
    assert desk.upload(kept, b"bytes").code == 0 and desk.upload(lost, b"bytes").code == 0  # idle rule: 2:00
    desk.jump(23 * HOUR - 1)
    assert desk.finish(kept).code == 0  # at 23:59:59
    desk.jump(1)
    assert desk.finish(lost).code == 5001  # at 24:00:00
    assert session.get(IspwsReport, lost) is None  # purged when touched
    assert session.scalar(select(func.count()).where(IspwsFile.ispws_report_id == lost)) == 0
    assert _expired_events(desk) == [str(lost)]
    assert desk.retract(lost).code == 5001


def test_the_idle_hour_outlasts_the_day(desk: Desk) -> None:
    rid = desk.open()
    desk.jump(24 * HOUR - 60)
    file_id = desk.upload(rid, b"bytes").fields["fileId"]  # expires at 24:59
    desk.jump(30 * 60)
    assert desk.fileinfo(file_details_xml(rid, file_id)).code == 0  # at 24:29, expires at 25:29
    desk.jump(59 * 60)
    assert desk.upload(rid, b"more").code == 0  # at 25:28, expires at 26:28
    desk.jump(HOUR)
    assert desk.finish(rid).code == 5001


def test_expiry_follows_the_exercise_clock_not_the_wall_clock(desk: Desk, wall_clock: ManualWallClock) -> None:
    rid = desk.open()  # the exercise clock is paused
    wall_clock.advance(72 * HOUR)
    assert desk.finish(rid).code == 0


def test_opening_a_report_purges_the_exercises_expired_ones(desk: Desk, session: Session) -> None:
    stale = [desk.open(1), desk.open(2)]
    finished = desk.open(3)
    assert desk.finish(finished).code == 0
    retracted = desk.open(4)
    assert desk.retract(retracted).code == 0
    desk.jump(25 * HOUR)
    fresh = desk.open(5)
    assert [session.get(IspwsReport, r) is None for r in stale] == [True, True]
    assert session.get(IspwsReport, finished) is not None and session.get(IspwsReport, retracted) is not None
    assert sorted(_expired_events(desk)) == sorted(map(str, stale))
    assert desk.finish(finished).code == 5102 and desk.retract(retracted).code == 5101
    assert desk.finish(fresh).code == 0


def test_purge_all_uses_each_exercises_clock(desk: Desk, factory: Factory, session: Session) -> None:
    other = factory.exercise(desk.owner)  # a real clock: its reports are young
    elsewhere = Desk(desk.client, other, desk.owner, factory.member(other, ExerciseRole.reporter))
    young, old = elsewhere.open(1), desk.open(2)
    desk.jump(25 * HOUR)
    assert expiry.purge_all(session) == 1
    assert session.get(IspwsReport, old) is None and session.get(IspwsReport, young) is not None
    assert expiry.purge_all(session) == 0


def test_the_cli_purges_expired_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with dbs.fresh_database(tmp_path, "purge") as url:
        ops.upgrade(url, "head")
        monkeypatch.setenv("TIPDESK_DATABASE_URL", url)
        get_settings.cache_clear()
        db = Database(get_settings())
        try:
            with Session(db.engine, expire_on_commit=False) as s:
                f = Factory(s, db.settings)
                owner = f.user(GlobalRole.instructor)
                exercise = f.exercise(owner, clock={"mode": "simulated", "origin": "2026-03-02T08:00:00Z"})
                reporter = f.member(exercise, ExerciseRole.reporter)
                ctx = ExerciseContext(exercise, Principal(reporter.user, None), None)
                document = Report.model_validate(build_report(1))
                rows = [service.open_report(s, ctx=ctx, document=document) for _ in range(2)]
                rows[0].expires_at = datetime(2026, 3, 1, tzinfo=UTC)  # long past on the exercise clock
                rows[1].expires_at = datetime(2026, 3, 2, 8, tzinfo=UTC) + timedelta(days=365)
                s.commit()
                ids = [r.id for r in rows]
            result = CliRunner().invoke(cli, ["ispws", "purge"])
            assert result.exit_code == 0, result.output
            assert "Purged 1 expired" in result.output
            with Session(db.engine) as s:
                assert [s.get(IspwsReport, i) is None for i in ids] == [True, False]
        finally:
            db.dispose()
            get_settings.cache_clear()


def test_an_open_report_keeps_the_document_as_sent(desk: Desk, session: Session) -> None:
    rid = desk.open(7)
    row = session.get(IspwsReport, rid)
    assert row is not None and row.status == "open"
    assert Report.model_validate(row.document) == Report.model_validate(build_report(7))
    assert row.expires_at == row.opened_at + timedelta(hours=24)
