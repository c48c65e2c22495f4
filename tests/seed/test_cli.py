"""tipdesk seed / export / verify-safe against a database of their own: reproducible exports, replayable output,
offenders found by report and pointer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import xmlschema
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.auth import service as auth_service
from app.auth.models import GlobalRole
from app.auth.principal import Principal
from app.auth.schemas import UserCreate
from app.cli import app as cli
from app.core.config import Settings, get_settings
from app.db import ops
from app.db.session import Database
from app.exercises import service as exercises_service
from app.exercises.models import ExerciseStatus
from app.exercises.schemas import ExerciseCreate
from app.reports import bulk
from app.reports.models import Report, ReportFile
from app.reports.xml import XSD_PATH
from tests import dbs

CLOCK = {"mode": "simulated", "origin": "2026-03-02T08:00:00Z", "speed": 1.0}


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Database]]:
    with dbs.fresh_database(tmp_path_factory.mktemp("cli"), "cli") as url:
        ops.upgrade(url, "head")
        db = Database(Settings(database_url=url, environment="test", secret_key="x" * 40))
        yield url, db
        db.dispose()


def _exercise(db: Database, status: ExerciseStatus = ExerciseStatus.draft) -> uuid.UUID:
    with db.session_factory.begin() as session:
        user = auth_service.create_user(
            session,
            principal=None,
            data=UserCreate(
                username=f"i{uuid.uuid4().hex[:8]}", password="pw-12345678", display_name="I", role=GlobalRole.admin
            ),
        )
        data = ExerciseCreate.model_validate({"name": "cli", "clock": CLOCK})
        exercise = exercises_service.create_exercise(session, principal=Principal(user, None), data=data)
        exercise.status = status
        return exercise.id


def _run(url: str, *args: str) -> tuple[int, str]:
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, list(args), env={"TIPDESK_DATABASE_URL": url})
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.stdout


def _seed(url: str, exercise: uuid.UUID, seed: int) -> None:
    code, out = _run(
        url, "seed", "--exercise", str(exercise), "--scenario", "classroom", "--reports", "120", "--seed", str(seed)
    )
    assert code == 0, out
    assert "Seeded 120 reports (classroom, seed" in out and "reports/s" in out


def _export(url: str, exercise: uuid.UUID, fmt: str, path: Path) -> bytes:
    code, out = _run(url, "export", "--exercise", str(exercise), "--format", fmt, "--output", str(path))
    assert code == 0, out
    return path.read_bytes()


def test_same_seed_same_bytes_other_seed_other_bytes(cli_db: tuple[str, Database], tmp_path: Path) -> None:
    url, db = cli_db
    first, second, other = _exercise(db), _exercise(db), _exercise(db)
    _seed(url, first, 4)
    _seed(url, second, 4)
    _seed(url, other, 5)
    for fmt in ("ndjson", "ispws-xml"):
        a = _export(url, first, fmt, tmp_path / f"a.{fmt}")
        assert a == _export(url, second, fmt, tmp_path / f"b.{fmt}")
        assert a != _export(url, other, fmt, tmp_path / f"c.{fmt}")
        assert a.count(b"\n") >= 120


def test_exports_are_what_intake_reads(cli_db: tuple[str, Database], tmp_path: Path) -> None:
    url, db = cli_db
    exercise = _exercise(db)
    _seed(url, exercise, 6)
    lines = _export(url, exercise, "ndjson", tmp_path / "x.ndjson").splitlines()
    assert len(lines) == 120
    for number, line in enumerate(lines, start=1):
        envelope = json.loads(line)
        assert envelope["idempotency_key"] == f"report-{number}" and envelope["reporter"]
        parsed = bulk.parse_line(line)
        assert not isinstance(parsed, dict), parsed  # a report the bulk intake accepts
    schema = xmlschema.XMLSchema(str(XSD_PATH))
    documents = _export(url, exercise, "ispws-xml", tmp_path / "x.xml").splitlines()
    roots = [d.split(b">", 1)[0] for d in documents]
    assert roots.count(b"<report") == 120 and roots.count(b"<fileDetails") >= 1
    for document in documents:
        schema.validate(document.decode())


def test_verify_safe_lists_every_offender(cli_db: tuple[str, Database]) -> None:
    url, db = cli_db
    exercise = _exercise(db)
    _seed(url, exercise, 7)
    code, out = _run(url, "verify-safe", "--exercise", str(exercise))
    assert code == 0 and "0 findings" in out
    with db.session_factory.begin() as session:
        report = session.scalar(
            select(Report).where(Report.exercise_id == exercise, Report.file_count > 0).order_by(Report.number)
        )
        assert report is not None
        document = json.loads(json.dumps(report.document))
        document["reporter"]["legalURL"] = "https://www.google.com/legal"
        report.document = document
        listed = select(ReportFile).where(ReportFile.report_id == report.id)  # in the order the API lists files
        file = session.scalars(listed.order_by(ReportFile.received_at, ReportFile.file_id)).first()
        assert file is not None and file.details is not None
        file.details = {**file.details, "locationOfFile": "http://8.8.8.8/f"}
        number = report.number
    code, out = _run(url, "verify-safe", "--exercise", str(exercise))
    assert code == 1
    rows = [line.split("\t") for line in out.splitlines()[1:]]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (str(number), "/reporter/legalURL", "url", "https://www.google.com/legal"),
        (str(number), "/files/0/details/locationOfFile", "url", "http://8.8.8.8/f"),
    ]


def test_command_errors(cli_db: tuple[str, Database]) -> None:
    url, db = cli_db
    missing = str(uuid.uuid4())
    assert _run(url, "seed", "--exercise", missing, "--scenario", "demo")[0] == 2
    assert _run(url, "verify-safe", "--exercise", missing)[0] == 2
    assert _run(url, "export", "--exercise", missing)[0] == 2
    exercise = str(_exercise(db))
    assert _run(url, "seed", "--exercise", exercise, "--scenario", "nope")[0] == 2
    assert _run(url, "export", "--exercise", exercise, "--format", "csv")[0] == 2
    closed = _exercise(db, ExerciseStatus.closed)
    code, _ = _run(url, "seed", "--exercise", str(closed), "--scenario", "classroom", "--reports", "5")
    assert code == 1
    with db.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Report).where(Report.exercise_id == closed)) == 0
