"""Every statistics endpoint against a plain-Python recomputation over the same rows (on whichever database the
suite runs), CSV against JSON, visibility, and the unhappy paths."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.cases.models import Case, CaseLink, CaseStatus
from app.reports.models import Report
from app.routing.models import Deconfliction
from app.stats.schemas import AGE_BUCKETS
from tests.stats.conftest import (
    MILESTONE,
    StatsWorld,
    durations_of,
    is_open,
    micros,
    resumptions,
    summary_stats,
)

ORIGIN = datetime(1970, 1, 5, tzinfo=UTC)
A_TREE = {"POLDA-A", "POLRES-A1"}


def get(client: TestClient, sw: StatsWorld, path: str, params: dict[str, Any] | None = None, actor: Any = None) -> Any:
    r = client.get(f"{sw.base}/{path}", params=params or {}, headers=(actor or sw.world.owner).headers)
    assert r.status_code == 200, r.text
    return r.json()


def get_csv(
    client: TestClient, sw: StatsWorld, path: str, params: dict[str, Any] | None = None
) -> list[dict[str, str]]:
    r = client.get(f"{sw.base}/{path}", params=params or {}, headers={**sw.world.owner.headers, "Accept": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(r.text)))


def key(v: Any) -> str | None:
    return None if v is None else str(getattr(v, "value", v))


def num(text: str) -> Any:
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


# --- summary --------------------------------------------------------------------------------------------------------


def expected_summary(session: Session, sw: StatsWorld, cases: list[Case]) -> dict[str, Any]:
    ids = {c.id for c in cases}
    reports = Counter(
        r.case_id for r in session.scalars(select(Report).where(Report.exercise_id == sw.world.exercise.id))
    )
    links = session.scalars(select(CaseLink).where(CaseLink.exercise_id == sw.world.exercise.id)).all()
    linked = {link.case_id for link in links} | {link.other_id for link in links}
    flagged = set(
        session.scalars(select(Deconfliction.case_id).where(Deconfliction.exercise_id == sw.world.exercise.id))
    )
    now = sw.now
    return {
        "cases": len(cases),
        "reports": sum(reports[i] for i in ids),
        "bundled_cases": sum(1 for i in ids if reports[i] > 1),
        "open_backlog": sum(1 for c in cases if is_open(c)),
        "sla_breached": sum(1 for c in cases if c.sla_due_at is not None and c.sla_due_at <= now),
        "sla_at_risk": sum(
            1
            for c in cases
            if c.sla_warn_at is not None and c.sla_warn_at <= now and c.sla_due_at > now  # type: ignore[operator]
        ),
        "deconflicted": len(ids & flagged),
        "linked": len(ids & linked),
        "by_status": dict(Counter(key(c.status) for c in cases)),
        "by_priority": dict(Counter(key(c.priority) for c in cases)),
        "by_classification": dict(Counter(key(c.classification) for c in cases)),
    }


def test_summary_equals_reference(client: TestClient, session: Session, stats_world: StatsWorld) -> None:
    got = get(client, stats_world, "summary")
    want = expected_summary(session, stats_world, stats_world.cases(session))
    for name in ("by_status", "by_priority", "by_classification"):
        got[name] = {c["key"]: c["count"] for c in got[name]}
    assert {k: got[k] for k in want} == want
    exercised = ("sla_breached", "bundled_cases", "deconflicted", "linked")
    assert all(want[name] > 0 for name in exercised)  # the data exercises each figure
    rows = get_csv(client, stats_world, "summary")
    assert list(rows[0]) == ["metric", "key", "count"]
    assert {r["metric"]: int(r["count"]) for r in rows if r["key"] == ""}["reports"] == want["reports"]
    assert {r["key"]: int(r["count"]) for r in rows if r["metric"] == "by_status"} == want["by_status"]


def test_visibility_polda_analyst_counts_only_its_subtree(
    client: TestClient, session: Session, stats_world: StatsWorld
) -> None:
    sw = stats_world
    mine = sw.cases(session, A_TREE)
    assert 0 < len(mine) < len(sw.cases(session))
    got = get(client, sw, "summary", actor=sw.analyst_a)
    assert got["cases"] == len(mine)
    assert got["reports"] == expected_summary(session, sw, mine)["reports"]
    units = get(client, sw, "breakdown", {"by": "unit"}, actor=sw.analyst_a)
    assert {r["label"][0] for r in units["rows"] if r["count"]} <= A_TREE
    assert units["total"] == len(mine)
    period = get(
        client, sw, "period-report", {"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}, sw.analyst_a
    )
    assert period["total"]["received"] == len(mine)
    # the instructor counts every case
    assert get(client, sw, "summary")["cases"] == len(sw.cases(session))


# --- breakdown ------------------------------------------------------------------------------------------------------


def test_breakdown_two_dimensions_and_tags(client: TestClient, session: Session, stats_world: StatsWorld) -> None:
    cases = stats_world.cases(session)
    got = get(client, stats_world, "breakdown", {"by": "status,priority"})
    assert got["by"] == ["status", "priority"]
    assert {tuple(r["key"]): r["count"] for r in got["rows"]} == dict(
        Counter((key(c.status), key(c.priority)) for c in cases)
    )
    tags = get(client, stats_world, "breakdown", {"by": "tag"})
    assert {r["key"][0]: r["count"] for r in tags["rows"]} == dict(Counter(t for c in cases for t in c.tags))
    rows = get_csv(client, stats_world, "breakdown", {"by": "status,priority"})
    assert list(rows[0])[:5] == ["key_1", "label_1", "key_2", "label_2", "count"]
    assert {(r["key_1"], r["key_2"] or None): int(r["count"]) for r in rows} == {
        tuple(r["key"]): r["count"] for r in got["rows"]
    }


def test_breakdown_unit_rolls_up(client: TestClient, session: Session, stats_world: StatsWorld) -> None:
    sw = stats_world
    cases = sw.cases(session)
    direct = Counter(c.unit_id for c in cases)
    u = sw.world.units
    got = {r["label"][0]: r for r in get(client, sw, "breakdown", {"by": "unit"})["rows"]}
    assert got["POLRES-A1"]["subtree_count"] == direct[u["POLRES-A1"].id]
    assert got["POLDA-A"]["subtree_count"] == direct[u["POLDA-A"].id] + direct[u["POLRES-A1"].id]
    assert got["NAT"]["subtree_count"] == sum(n for k, n in direct.items() if k is not None)
    assert got["NAT"]["count"] == direct[u["NAT"].id]
    assert got["POLDA-A"]["parent_unit_id"] == str(u["NAT"].id)
    assert got[None]["count"] == direct[None]


def test_breakdown_esp_assignee_and_filters(client: TestClient, session: Session, stats_world: StatsWorld) -> None:
    sw = stats_world
    cases = sw.cases(session)
    esps: dict[Any, set[str | None]] = defaultdict(set)
    for r in session.scalars(select(Report).where(Report.exercise_id == sw.world.exercise.id)):
        esps[r.case_id].add(r.esp_name)
    got = get(client, sw, "breakdown", {"by": "esp,status"})
    want = Counter((e, key(c.status)) for c in cases for e in esps[c.id])
    assert {tuple(r["key"]): r["count"] for r in got["rows"]} == dict(want)
    assert got["total"] == sum(want.values()) > len(cases)  # a case reported by two ESPs counts under both
    durations = get(client, sw, "durations", {"metric": "time_to_triage", "by": "esp"})
    assert {g["key"]: g["count"] for g in durations["groups"]} == dict(
        Counter(e for c in cases if c.triaged_at is not None for e in esps[c.id])
    )
    names = {u.id: u.username for u in session.scalars(select(User))}
    got = get(client, sw, "breakdown", {"by": "assignee"})
    assert {r["label"][0]: r["count"] for r in got["rows"]} == dict(
        Counter(names.get(c.assignee_id) if c.assignee_id else None for c in cases)  # type: ignore[arg-type]
    )
    # filters: unit with descendants, priority, classification, tags, the filter language (any report from an ESP)
    esp = "Contoh Mail"
    with_esp = {r.case_id for r in session.scalars(select(Report).where(Report.esp_name == esp))}
    params: dict[str, Any] = {
        "by": "status",
        "unit_id": str(sw.world.units["POLDA-A"].id),
        "priority": ["1", "2"],
        "classification": "referral",
        "tag": ["wave-a"],
        "filter": json.dumps({"field": "esp_name", "op": "eq", "value": esp}),
    }
    want = [
        c
        for c in sw.cases(session, A_TREE)
        if key(c.priority) in ("1", "2")
        and key(c.classification) == "referral"
        and "wave-a" in c.tags
        and c.id in with_esp
    ]
    got = get(client, sw, "breakdown", params)
    assert got["total"] == len(want)
    direct = get(client, sw, "breakdown", {**params, "include_descendants": "false"})
    assert direct["total"] == sum(1 for c in want if c.unit_id == sw.world.units["POLDA-A"].id)
    ranged = get(
        client, sw, "summary", {"received_from": (sw.now - timedelta(days=10)).isoformat(), "province": "ID-JK"}
    )
    assert ranged["cases"] == sum(
        1 for c in cases if c.created_at >= sw.now - timedelta(days=10) and c.province == "ID-JK"
    )


# --- timeseries -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "interval"), [("received", "day"), ("closed", "week"), ("triaged", "hour"), ("breached", "day")]
)
def test_timeseries_gap_filled(
    client: TestClient, session: Session, stats_world: StatsWorld, metric: str, interval: str
) -> None:
    sw = stats_world
    width = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}[interval]
    columns = {
        "received": ("created_at",),
        "triaged": ("triaged_at",),
        "closed": ("closed_at",),
        "breached": ("triage_breached_at", "action_breached_at"),
    }[metric]
    start = sw.now - timedelta(days=21)
    end = sw.now
    times = [t for c in sw.cases(session) for col in columns if (t := getattr(c, col)) is not None]
    times = [t for t in times if start <= t < end]
    want = Counter(ORIGIN + ((t - ORIGIN) // width) * width for t in times)
    got = get(
        client,
        sw,
        "timeseries",
        {"metric": metric, "interval": interval, "from": start.isoformat(), "to": end.isoformat()},
    )
    buckets = [(datetime.fromisoformat(b["start"]), b["count"]) for b in got["buckets"]]
    assert buckets[0][0] == ORIGIN + ((start - ORIGIN) // width) * width
    assert all(b - a == width for (a, _), (b, _) in itertools.pairwise(buckets))  # contiguous
    assert buckets[-1][0] <= end < buckets[-1][0] + width
    assert {s: n for s, n in buckets if n} == dict(want)
    assert sum(n for _, n in buckets) == got["total"] == len(times)
    if interval != "week":
        assert any(n == 0 for _, n in buckets)  # empty buckets are there
    rows = get_csv(
        client,
        sw,
        "timeseries",
        {"metric": metric, "interval": interval, "from": start.isoformat(), "to": end.isoformat()},
    )
    assert [(datetime.fromisoformat(r["bucket_start"]), int(r["count"])) for r in rows] == buckets


def test_timeseries_without_range_spans_the_data(client: TestClient, session: Session, stats_world: StatsWorld) -> None:
    got = get(client, stats_world, "timeseries", {"metric": "received", "interval": "week"})
    assert got["total"] == len(stats_world.cases(session))
    assert got["buckets"][0]["count"] > 0 and got["buckets"][-1]["count"] > 0


# --- durations ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", list(MILESTONE))
def test_durations_equal_reference(client: TestClient, session: Session, stats_world: StatsWorld, metric: str) -> None:
    sw = stats_world
    cases = sw.cases(session)
    holds = resumptions(session, sw.world.exercise.id)
    values = durations_of(cases, metric, holds)
    got = get(client, sw, "durations", {"metric": metric, "by": "priority"})
    assert got["percentile_method"] == "nearest-rank"
    overall = {k: got["overall"][k] for k in summary_stats(list(values.values()))}
    assert overall == summary_stats(list(values.values()))
    groups: dict[str | None, list[int]] = defaultdict(list)
    for c in cases:
        if c.id in values:
            groups[key(c.priority)].append(values[c.id])
    assert {g["key"]: {k: g[k] for k in summary_stats([1])} for g in got["groups"]} == {
        k: summary_stats(v) for k, v in groups.items()
    }
    rows = get_csv(client, sw, "durations", {"metric": metric, "by": "priority"})
    assert rows[0]["scope"] == "overall"
    for name in ("count", "mean_seconds", "p50_seconds", "p90_seconds", "p99_seconds", "max_seconds"):
        assert num(rows[0][name]) == got["overall"][name]
        assert [num(r[name]) for r in rows[1:]] == [g[name] for g in got["groups"]]


def test_durations_exclude_hold_time(client: TestClient, session: Session, stats_world: StatsWorld) -> None:
    sw = stats_world
    holds = resumptions(session, sw.world.exercise.id)
    held = [c for c in sw.cases(session) if c.closed_at is not None and holds.get(str(c.id))]
    assert held, "the data holds closed cases that were held"
    raw = [micros(c.closed_at - c.created_at) for c in held]  # type: ignore[operator]
    values = durations_of(held, "time_to_close", holds)
    assert all(values[c.id] < r for c, r in zip(held, raw, strict=True))


def test_durations_empty_group(client: TestClient, stats_world: StatsWorld) -> None:
    got = get(client, stats_world, "durations", {"metric": "time_to_close", "priority": "E", "tag": ["none-such"]})
    assert got["overall"]["count"] == 0 and got["overall"]["p50_seconds"] is None and got["groups"] == []


# --- SLA, backlog, period report ------------------------------------------------------------------------------------


def test_sla_equals_reference(client: TestClient, session: Session, stats_world: StatsWorld) -> None:
    sw = stats_world
    now = sw.now
    cases = sw.cases(session)

    def figures(cs: list[Case]) -> dict[str, int]:
        out = Counter({"cases": len(cs)})
        for c in cs:
            tb = c.triage_breached_at is not None or (c.triaged_at is None and c.triage_due_at <= now)  # type: ignore[operator]
            ab = c.action_breached_at is not None or (
                c.first_action_at is None and c.action_due_at <= now and c.status != CaseStatus.on_hold  # type: ignore[operator]
            )
            out["triage_breached" if tb else "triage_met" if c.triaged_at else "triage_pending"] += 1
            out["action_breached" if ab else "action_met" if c.first_action_at else "action_pending"] += 1
        return out

    got = get(client, sw, "sla")
    fields = [
        "cases",
        "triage_met",
        "triage_breached",
        "triage_pending",
        "action_met",
        "action_breached",
        "action_pending",
    ]
    total = got["rows"][0]
    assert total["group"] == "total"
    assert {f: total[f] for f in fields} == {f: figures(cases)[f] for f in fields}
    assert total["triage_compliance"] == round(
        total["triage_met"] / (total["triage_met"] + total["triage_breached"]), 6
    )
    by_priority = {r["key"]: {f: r[f] for f in fields} for r in got["rows"] if r["group"] == "priority"}
    groups: dict[str | None, list[Case]] = defaultdict(list)
    for c in cases:
        groups[key(c.priority)].append(c)
    assert by_priority == {k: {f: figures(v)[f] for f in fields} for k, v in groups.items()}
    rows = get_csv(client, sw, "sla")
    assert [[num(r[f]) for f in fields] for r in rows] == [[r[f] for f in fields] for r in got["rows"]]
    assert [num(r["action_compliance"]) for r in rows] == [r["action_compliance"] for r in got["rows"]]


def test_backlog_equals_reference(client: TestClient, session: Session, stats_world: StatsWorld) -> None:
    sw = stats_world
    now = sw.now
    open_cases = [c for c in sw.cases(session) if is_open(c)]

    def bucket(c: Case) -> str:
        age = now - c.created_at
        for name, days in AGE_BUCKETS:
            if days is not None and age < timedelta(days=days):
                return name
        return "ge_30d"

    got = get(client, sw, "backlog")
    assert got["open"] == len(open_cases)
    assert {(c["age_bucket"], c["status"]): c["count"] for c in got["by_age"] if c["count"]} == dict(
        Counter((bucket(c), key(c.status)) for c in open_cases)
    )
    assert {w["assignee_id"]: w["open"] for w in got["workload"]} == dict(
        Counter(key(c.assignee_id) for c in open_cases)
    )
    rows = get_csv(client, sw, "backlog")
    assert sum(int(r["count"]) for r in rows if r["section"] == "age") == len(open_cases)


def test_period_report_equals_reference(client: TestClient, session: Session, stats_world: StatsWorld) -> None:
    sw = stats_world
    start, end = sw.now - timedelta(days=14), sw.now - timedelta(days=3)
    cases = sw.cases(session)

    def open_at(c: Case, t: datetime) -> bool:
        return c.created_at < t and (c.closed_at is None or c.closed_at >= t)

    want: dict[tuple[str | None, str | None], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for c in cases:
        figures = [
            open_at(c, start),
            start <= c.created_at < end,
            c.closed_at is not None and start <= c.closed_at < end,
            open_at(c, end),
        ]
        for i, f in enumerate(figures):
            want[(key(c.unit_id), c.incident_type)][i] += int(f)
    want = {k: v for k, v in want.items() if any(v)}
    got = get(client, sw, "period-report", {"from": start.isoformat(), "to": end.isoformat()})
    fields = ["outstanding_start", "received", "closed", "outstanding_end"]
    assert {(r["unit_id"], r["incident_type"]): [r[f] for f in fields] for r in got["rows"]} == want
    t = got["total"]
    assert t["outstanding_end"] == t["outstanding_start"] + t["received"] - t["closed"]
    assert t["closed"] > 0 and t["outstanding_start"] > 0
    rows = get_csv(client, sw, "period-report", {"from": start.isoformat(), "to": end.isoformat(), "format": "csv"})
    assert rows[-1]["scope"] == "total" and [num(rows[-1][f]) for f in fields] == [t[f] for f in fields]
    assert [[num(r[f]) for f in fields] for r in rows[:-1]] == [[r[f] for f in fields] for r in got["rows"]]


# --- unhappy paths --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "slug"),
    [
        ("breakdown", {"by": "colour"}, "invalid-stats-query"),
        ("breakdown", {"by": "status,priority,unit"}, "invalid-stats-query"),
        ("breakdown", {"by": "status,status"}, "invalid-stats-query"),
        ("breakdown", {}, "validation-error"),
        ("durations", {"by": "status,priority"}, "invalid-stats-query"),
        ("durations", {"metric": "time_to_lunch"}, "validation-error"),
        ("timeseries", {"metric": "opened"}, "validation-error"),
        ("timeseries", {"interval": "fortnight"}, "validation-error"),
        ("timeseries", {"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "invalid-stats-query"),
        (
            "timeseries",
            {"interval": "hour", "from": "2000-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            "invalid-stats-query",
        ),
        ("timeseries", {"from": "yesterday"}, "validation-error"),
        ("period-report", {"from": "2026-03-02T00:00:00Z", "to": "2026-03-02T00:00:00Z"}, "invalid-stats-query"),
        ("period-report", {"from": "2026-03-02T00:00:00Z"}, "validation-error"),
        (
            "summary",
            {"received_from": "2026-03-02T00:00:00Z", "received_to": "2026-03-01T00:00:00Z"},
            "invalid-stats-query",
        ),
        ("summary", {"filter": '{"field": "colour", "op": "eq", "value": 1}'}, "invalid-filter"),
        ("summary", {"format": "xlsx"}, "validation-error"),
    ],
)
def test_bad_queries_are_422_problems(
    client: TestClient, stats_world: StatsWorld, path: str, params: dict[str, str], slug: str
) -> None:
    r = client.get(f"{stats_world.base}/{path}", params=params, headers=stats_world.world.owner.headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == f"urn:tipdesk:problem:{slug}"


def test_stats_need_a_staff_role(client: TestClient, stats_world: StatsWorld) -> None:
    from app.auth.models import ExerciseRole as R

    reporter = stats_world.world.member(R.reporter)
    assert client.get(f"{stats_world.base}/summary", headers=reporter.headers).status_code == 403
    assert client.get(f"{stats_world.base}/summary").status_code == 401
