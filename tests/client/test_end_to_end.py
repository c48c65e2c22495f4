"""The client against a real server: ``tipdesk serve`` on 127.0.0.1 in its own process, over a fresh database of
the backend under test. Log in, create an exercise, post reports (single and bulk), triage one, read statistics
(JSON and CSV), and see a 404 and a 409 arrive as typed exceptions; once with each client."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import io
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cases.schemas import CaseRead
from app.cli import app as cli
from app.client import AsyncTipdeskClient, Conflict, NotFound, PreconditionFailed, TipdeskClient, Unauthorized, envelope
from app.stats.schemas import PeriodReportRead, SummaryRead
from tests.client.live import ROOT, LiveServer, free_port, live_server
from tests.reports.samples import build_report

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("live")) as live:
        yield live


def _counts(summary: SummaryRead, group: str) -> dict[str | None, int]:
    return {c.key: c.count for c in getattr(summary, group)}


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_sync_client_end_to_end(server: LiveServer) -> None:
    with TipdeskClient(server.url) as tipdesk:
        token = tipdesk.login(server.username, server.password)
        assert token.access_token and tipdesk.me().user.username == server.username

        exercise = tipdesk.create_exercise({"name": "End-to-end exercise", "description": "Client test."})
        assert exercise.status == "draft"
        eid = exercise.id

        single = tipdesk.submit_report(eid, build_report(1), idempotency_key="e2e-single")
        assert tipdesk.submit_report(eid, build_report(1), idempotency_key="e2e-single").id == single.id

        lines = [build_report(i) for i in range(2, 6)]
        lines.insert(2, {"incidentSummary": {"incidentType": "Not a listed type"}})
        lines.append(envelope(build_report(6), "e2e-bulk-6"))
        results = list(tipdesk.submit_reports_bulk(eid, lines, chunk_lines=4))
        assert [r.line for r in results] == [1, 2, 3, 4, 5, 6]
        assert [r.status for r in results] == [201, 201, 422, 201, 201, 201]
        assert results[2].problem is not None and results[2].problem.errors
        replay = list(tipdesk.submit_reports_bulk(eid, [envelope(build_report(6), "e2e-bulk-6")]))
        assert replay[0].replayed and replay[0].id == results[5].id

        cases = list(tipdesk.iter_cases(eid, limit=2))
        assert [c.number for c in cases] == [1, 2, 3, 4, 5, 6]
        assert {r.number for r in tipdesk.iter_reports(eid, limit=4)} == {1, 2, 3, 4, 5, 6}

        # triage one case: priority and tag under If-Match, then triaged, then assigned to a unit
        assert single.case_id is not None
        case = tipdesk.get_case(eid, single.case_id)
        assert isinstance(case, CaseRead) and case.status == "new"
        case = tipdesk.update_case(eid, case.id, {"priority": "1", "add_tags": ["e2e"]}, if_match=case.version)
        with pytest.raises(PreconditionFailed):
            tipdesk.update_case(eid, case.id, {"note": "Checked the account facts."}, if_match=case.version - 1)
        case = tipdesk.transition_case(eid, case.id, "triaged", reason="Reviewed", if_match=case.version)
        unit = next(tipdesk.iter_units(eid))
        case = tipdesk.assign_case(eid, case.id, unit.id, if_match=case.version)
        assert (case.status, case.priority, case.unit_id) == ("assigned", "1", unit.id)

        # unhappy paths arrive as typed exceptions
        with pytest.raises(NotFound) as missing:
            tipdesk.get_case(eid, uuid.uuid4())
        assert missing.value.status == 404 and missing.value.request_id
        with pytest.raises(NotFound):
            tipdesk.get_exercise(uuid.uuid4())
        with pytest.raises(Conflict) as conflict:
            tipdesk.transition_case(eid, case.id, "triaged")
        assert conflict.value.status == 409 and "investigating" in conflict.value.extra["allowed"]

        # statistics: typed JSON, and CSV that reads back to the same figures
        cases = list(tipdesk.iter_cases(eid))  # the figures, recomputed from the cases as listed
        statuses = Counter(str(c.status) for c in cases)
        priorities = Counter(str(c.priority) if c.priority else None for c in cases)
        assert statuses == {"new": 5, "assigned": 1} and priorities["1"] >= 1  # routing suggests priorities too
        summary = tipdesk.stats_summary(eid)
        assert isinstance(summary, SummaryRead)
        assert (summary.cases, summary.reports, summary.open_backlog) == (6, 6, 6)
        assert _counts(summary, "by_status") == statuses
        assert _counts(summary, "by_priority") == priorities
        rows = _csv(tipdesk.stats_csv(eid, "summary"))
        assert {r["metric"]: int(r["count"]) for r in rows if not r["key"]}["cases"] == 6
        assert {r["key"]: int(r["count"]) for r in rows if r["metric"] == "by_status"} == statuses
        assert tipdesk.stats_summary(eid, priority=["1"]).cases == priorities["1"]

        breakdown = tipdesk.stats_breakdown(eid, by=["status", "priority"])
        assert breakdown.total == 6
        pairs = Counter((str(c.status), str(c.priority) if c.priority else None) for c in cases)
        assert {(r.key[0], r.key[1]): r.count for r in breakdown.rows} == pairs
        series = tipdesk.stats_timeseries(eid, metric="received", interval="hour")
        assert series.total == 6 and sum(b.count for b in series.buckets) == 6
        durations = tipdesk.stats_durations(eid, metric="time_to_triage")
        assert durations.overall.count == 1 and durations.overall.p50_seconds is not None
        assert tipdesk.stats_backlog(eid).open == 6
        assert tipdesk.stats_sla(eid).rows[0].cases == 6

        now = tipdesk.get_clock(eid).now
        period = tipdesk.stats_period_report(eid, now - timedelta(days=7), now + timedelta(minutes=1))
        assert isinstance(period, PeriodReportRead)
        assert (period.total.outstanding_start, period.total.received, period.total.outstanding_end) == (0, 6, 6)
        period_csv = _csv(tipdesk.stats_csv(eid, "period-report", start=now - timedelta(days=7), end=now))
        assert [int(r["received"]) for r in period_csv if r["scope"] == "total"] == [6]

        tipdesk.logout()
        with pytest.raises(Unauthorized):
            tipdesk.me()


def test_async_client_end_to_end(server: LiveServer) -> None:
    async def scenario() -> None:
        async with AsyncTipdeskClient(server.url) as tipdesk:
            await tipdesk.login(server.username, server.password)
            exercise = await tipdesk.create_exercise({"name": "Async end-to-end exercise"})
            eid = exercise.id
            single = await tipdesk.submit_report(eid, build_report(21), idempotency_key="e2e-async")
            results = [r async for r in tipdesk.submit_reports_bulk(eid, (build_report(i) for i in range(22, 27)))]
            assert [r.status for r in results] == [201] * 5 and [r.number for r in results] == [2, 3, 4, 5, 6]

            numbers = [c.number async for c in tipdesk.iter_cases(eid, limit=4, sort="-number")]
            assert numbers == [6, 5, 4, 3, 2, 1]

            assert single.case_id is not None
            case = await tipdesk.get_case(eid, single.case_id)
            case = await tipdesk.update_case(eid, case.id, {"priority": "E"}, if_match=case.version)
            case = await tipdesk.transition_case(eid, case.id, "triaged", if_match=case.version)
            assert case.status == "triaged"

            with pytest.raises(NotFound):
                await tipdesk.get_case(eid, uuid.uuid4())
            with pytest.raises(Conflict) as conflict:
                await tipdesk.transition_case(eid, case.id, "investigating")
            assert conflict.value.slug == "invalid-transition" and conflict.value.extra["allowed"]

            summary = await tipdesk.stats_summary(eid)
            assert summary.cases == 6 and _counts(summary, "by_status") == {"new": 5, "triaged": 1}
            priorities = Counter([c.priority or "" async for c in tipdesk.iter_cases(eid)])
            rows = _csv(await tipdesk.stats_csv(eid, "breakdown", by="priority"))
            assert {r["key_1"]: int(r["count"]) for r in rows} == priorities and priorities["E"] >= 1
            await tipdesk.logout()

    asyncio.run(scenario())


def _small_exercise(server: LiveServer, reports: int) -> tuple[str, str]:
    """A new exercise with some reports and one triaged case; its id and a login token."""
    tipdesk = TipdeskClient(server.url)
    token = tipdesk.login(server.username, server.password).access_token
    exercise = tipdesk.create_exercise({"name": "Weekly"})
    results = list(tipdesk.submit_reports_bulk(exercise.id, (build_report(40 + i) for i in range(reports))))
    assert all(r.ok for r in results)
    assert results[0].case_id is not None
    tipdesk.transition_case(exercise.id, results[0].case_id, "triaged")
    tipdesk.close()
    return str(exercise.id), token


def test_weekly_stats_example_writes_the_period_report(
    server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    eid, token = _small_exercise(server, 4)
    out = tmp_path / "weekly.csv"
    script = ROOT / "examples" / "weekly_stats.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPDESK_")}
    args = ["--url", server.url, "--exercise", eid]
    done = subprocess.run(
        [sys.executable, str(script), *args, "--out", str(out)],
        env={**env, "TIPDESK_TOKEN": token},
        cwd=tmp_path,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    rows = _csv(out.read_text(encoding="utf-8"))
    total = [r for r in rows if r["scope"] == "total"]
    assert len(total) == 1 and (total[0]["outstanding_start"], total[0]["received"]) == ("0", "4")
    assert sum(int(r["received"]) for r in rows if r["scope"] == "row") == 4

    # the other ways in, calling the script's main() in this process
    spec = importlib.util.spec_from_file_location("weekly_stats", script)
    assert spec is not None and spec.loader is not None
    weekly = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(weekly)
    for name in [k for k in os.environ if k.startswith("TIPDESK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TIPDESK_PASSWORD", server.password)
    assert weekly.main([*args, "--user", server.username]) == 0
    assert _csv(capsys.readouterr().out) == rows
    assert weekly.main([*args, "--user", server.username, "--password", "wrong-password"]) == 1
    assert "401" in capsys.readouterr().err
    monkeypatch.delenv("TIPDESK_PASSWORD")
    assert weekly.main(args) == 2  # neither a user nor a token
    assert (
        weekly.main(
            [
                "--url",
                server.url,
                "--exercise",
                str(uuid.uuid4()),
                "--user",
                server.username,
                "--password",
                server.password,
            ]
        )
        == 1
    )
    assert "404" in capsys.readouterr().err


def test_stats_command_asks_a_running_server(server: LiveServer) -> None:
    eid, token = _small_exercise(server, 3)
    env = {"TIPDESK_TOKEN": token, "COLUMNS": "200", "TIPDESK_DATABASE_URL": "sqlite:///nowhere/unused.db"}
    runner = CliRunner()

    def tipdesk_stats(*args: str, **extra_env: str) -> Result:
        return runner.invoke(cli, ["stats", "--exercise", eid, "--url", server.url, *args], env={**env, **extra_env})

    summary = tipdesk_stats("--format", "json", "summary")
    assert summary.exit_code == 0, summary.output
    with TipdeskClient(server.url, token=token) as tipdesk:
        expected = tipdesk.stats_summary(eid)
    got = SummaryRead.model_validate_json(summary.stdout)
    assert got.model_dump(exclude={"as_of"}) == expected.model_dump(exclude={"as_of"}) and got.cases == 3

    breakdown = tipdesk_stats("--format", "csv", "--tag", "no-such-tag", "breakdown", "--by", "status")
    assert breakdown.exit_code == 0, breakdown.output
    assert _csv(breakdown.stdout) == []  # no case carries that tag
    table = tipdesk_stats(
        "--user", server.username, "--password", server.password, "breakdown", "--by", "status", TIPDESK_TOKEN=""
    )
    assert table.exit_code == 0, table.output
    assert "triaged" in table.stdout and "new" in table.stdout

    missing = runner.invoke(cli, ["stats", "--exercise", str(uuid.uuid4()), "--url", server.url, "summary"], env=env)
    assert missing.exit_code == 1 and "not found" in missing.output.lower()
    bad = tipdesk_stats("breakdown", "--by", "colour")
    assert bad.exit_code == 1 and "colour" in bad.output
    as_member = tipdesk_stats("--as", "someone", "summary")
    assert as_member.exit_code == 1 and "--as" in as_member.output
    unreachable = runner.invoke(
        cli, ["stats", "--exercise", eid, "--url", f"http://127.0.0.1:{free_port()}", "summary"], env=env
    )
    assert unreachable.exit_code == 1 and "unreachable" in unreachable.output.lower()
