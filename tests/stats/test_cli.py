"""``tipdesk stats`` against a database of its own: the figures equal the API's, in table, CSV and JSON; bad
options exit non-zero with the problem's message."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.auth import service as auth_service
from app.auth.models import GlobalRole
from app.auth.principal import Principal
from app.auth.schemas import UserCreate
from app.cases.models import Case
from app.cli import app as cli
from app.core.config import Settings, get_settings
from app.db import ops
from app.db.session import Database
from app.exercises import service as exercises_service
from app.exercises.schemas import ExerciseCreate
from app.stats import cli as stats_cli
from tests import dbs

CLOCK = {"mode": "simulated", "origin": "2026-03-02T08:00:00Z", "speed": 1.0}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Database, uuid.UUID]]:
    with dbs.fresh_database(tmp_path_factory.mktemp("stats-cli"), "stats_cli") as url:
        ops.upgrade(url, "head")
        db = Database(Settings(database_url=url, environment="test", secret_key="x" * 40))
        with db.session_factory.begin() as session:
            user = auth_service.create_user(
                session,
                principal=None,
                data=UserCreate(
                    username="stats.admin", password="pw-12345678", display_name="A", role=GlobalRole.admin
                ),
            )
            exercise = exercises_service.create_exercise(
                session,
                principal=Principal(user, None),
                data=ExerciseCreate.model_validate({"name": "s", "clock": CLOCK}),
            )
            exercise_id = exercise.id
        code, out = _run(url, "seed", "--exercise", str(exercise_id), "--scenario", "classroom", "--reports", "60")
        assert code == 0, out
        yield url, db, exercise_id
        db.dispose()


def _run(url: str, *args: str) -> tuple[int, str]:
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, list(args), env={"TIPDESK_DATABASE_URL": url, "COLUMNS": "200"})
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


def test_summary_and_breakdown_in_every_format(seeded: tuple[str, Database, uuid.UUID]) -> None:
    url, db, eid = seeded
    with db.session_factory() as session:
        cases = list(session.scalars(select(Case).where(Case.exercise_id == eid)))
    assert cases
    code, out = _run(url, "stats", "--exercise", str(eid), "--format", "json", "summary")
    assert code == 0, out
    summary = json.loads(out)
    assert summary["cases"] == len(cases)
    assert {c["key"]: c["count"] for c in summary["by_status"]} == dict(Counter(str(c.status) for c in cases))
    code, out = _run(url, "stats", "--exercise", str(eid), "--format", "csv", "breakdown", "--by", "status,priority")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["key_1"], r["key_2"] or None): int(r["count"]) for r in rows} == dict(
        Counter((str(c.status), c.priority) for c in cases)
    )
    code, out = _run(url, "stats", "--exercise", str(eid), "durations", "--metric", "time_to_triage")
    assert code == 0, out
    assert "p50_seconds" in out and "overall" in out  # the table
    code, out = _run(
        url, "stats", "--exercise", str(eid), "--format", "json", "period-report",
        "--from", "2026-03-01T00:00:00Z", "--to", "2026-03-09T00:00:00Z",
    )  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["total"]["received"] == sum(
        1 for c in cases if c.created_at.isoformat() >= "2026-03-01" and c.created_at.isoformat() < "2026-03-09"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("breakdown", "--by", "colour"), "Unknown dimension"),
        (("timeseries", "--interval", "fortnight"), "fortnight"),
        (("period-report", "--from", "2026-03-02T00:00:00Z"), "needs `from` and `to`"),
        (("period-report", "--from", "2026-03-03T00:00:00Z", "--to", "2026-03-02T00:00:00Z"), "before"),
    ],
)
def test_bad_options_exit_non_zero(
    seeded: tuple[str, Database, uuid.UUID], args: tuple[str, ...], message: str
) -> None:
    url, _db, eid = seeded
    code, out = _run(url, "stats", "--exercise", str(eid), *args)
    assert code == 1
    assert message in out


def test_unknown_exercise_and_member(seeded: tuple[str, Database, uuid.UUID]) -> None:
    url, _db, eid = seeded
    code, out = _run(url, "stats", "--exercise", str(uuid.uuid4()), "summary")
    assert code == 1 and "No exercise" in out
    code, out = _run(url, "stats", "--exercise", str(eid), "--as", "nobody.here", "summary")
    assert code == 1 and "not a member" in out


def test_the_source_is_pluggable(monkeypatch: pytest.MonkeyPatch, seeded: tuple[str, Database, uuid.UUID]) -> None:
    """Another source (e.g. over HTTP) answers through the same commands and renderers."""
    from app.stats.schemas import Count, SummaryRead

    asked: list[tuple[str, dict[str, object]]] = []

    class Fake:
        def fetch(self, endpoint: str, params: dict[str, object]) -> SummaryRead:
            asked.append((endpoint, dict(params)))
            return SummaryRead(
                as_of="2026-03-02T08:00:00Z",  # type: ignore[arg-type]
                cases=3, reports=4, bundled_cases=1, open_backlog=2, sla_breached=0, sla_at_risk=0, deconflicted=0,
                linked=0,
                by_status=[Count(key="new", count=3)], by_priority=[], by_classification=[],
            )  # fmt: skip

        def close(self) -> None:
            pass

    monkeypatch.setattr(stats_cli, "source_factory", lambda *a, **k: Fake())
    url, _db, eid = seeded
    code, out = _run(url, "stats", "--exercise", str(eid), "--format", "csv", "--priority", "1", "summary")
    assert code == 0, out
    assert asked == [("summary", {"priority": ["1"]})]
    assert "reports,,4" in out.splitlines()
