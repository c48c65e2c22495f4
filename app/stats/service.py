"""Case statistics, computed in the database over the caller's visible cases (see ``app.stats.queries``).

Figures are the same on SQLite and PostgreSQL: counts are counts; durations are the integer microseconds kept on the
case (``app.stats.facts``), with percentiles by the nearest-rank definition (the value at rank ``ceil(p * n / 100)``
of the ``n`` durations sorted ascending, computed in integers as ``(p * n + 99) // 100``; window functions on
SQLite, ``percentile_disc`` at :func:`disc_fraction` on PostgreSQL); time buckets are integer divisions of
microseconds since a fixed Monday, 1970-01-05 00:00 UTC. ``tests/stats`` recompute every figure in plain Python from
the same rows."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, String, and_, cast, func, literal, or_, select, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.principal import ExerciseContext
from app.cases import sla
from app.cases.models import Case, CaseStatus
from app.reports.models import Report
from app.stats import errors, facts
from app.stats.queries import StatsFilter, prefer_covering_index, where
from app.stats.schemas import (
    AGE_BUCKETS,
    BacklogCell,
    BacklogRead,
    BreakdownRead,
    BreakdownRow,
    Bucket,
    Count,
    Dimension,
    DurationGroup,
    DurationMetric,
    DurationsRead,
    Interval,
    PeriodReportRead,
    PeriodRow,
    SlaRow,
    SlaStatsRead,
    SummaryRead,
    TimeMetric,
    TimeseriesRead,
    Workload,
)
from app.stats.sql import epoch_us, tag_elements
from app.units.models import Unit

CLOSED = (CaseStatus.closed, CaseStatus.referred)
OPEN_STATUSES = tuple(s for s in CaseStatus if s not in CLOSED)
ORIGIN = datetime(1970, 1, 5, tzinfo=UTC)  # a Monday: weeks start on Mondays, 00:00 UTC
ORIGIN_US = 4 * 86_400 * 1_000_000
INTERVAL_US = {Interval.hour: 3_600 * 10**6, Interval.day: 86_400 * 10**6, Interval.week: 7 * 86_400 * 10**6}
MAX_BUCKETS = 5_000
PERCENTILES = (50, 90, 99)
MAX_BY = 2


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _key(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.value) if hasattr(value, "value") else str(value)


# --- dimensions ----------------------------------------------------------------------------------------------------


def parse_by(raw: str | None, *, allow_empty: bool, most: int = MAX_BY) -> list[Dimension]:
    """``a`` or ``a,b`` into dimensions; anything else is a 422 naming the choices."""
    if raw is None or raw.strip() == "":
        if allow_empty:
            return []
        raise errors.InvalidStatsQuery("`by` is required.", parameter="by")
    names = [n.strip() for n in raw.split(",")]
    choices = ", ".join(d.value for d in Dimension)
    if len(names) > most:
        raise errors.InvalidStatsQuery(f"`by` takes at most {most} dimension(s).", parameter="by")
    dims: list[Dimension] = []
    for name in names:
        try:
            dim = Dimension(name)
        except ValueError:
            raise errors.InvalidStatsQuery(
                f"Unknown dimension {name!r}; choose from: {choices}.", parameter="by"
            ) from None
        if dim in dims:
            raise errors.InvalidStatsQuery(f"Dimension {name!r} is named twice.", parameter="by")
        dims.append(dim)
    return dims


def _dimension(
    dim: Dimension, dialect: str, exercise_id: uuid.UUID, *, esp_pairs: bool = False
) -> tuple[Any, tuple[Any, Any] | None]:
    """The SQL expression of a dimension, and what to join to ``Case`` for it (with its ON clause): the elements of
    the tag list. ESPs: the case's kept ESP key (``app.stats.facts``, split by :func:`_grouped`), or with
    ``esp_pairs`` (figures that do not add up, as percentiles) the distinct (case, ESP) pairs of its reports."""
    match dim:
        case Dimension.status:
            return Case.status, None
        case Dimension.priority:
            return Case.priority, None
        case Dimension.classification:
            return Case.classification, None
        case Dimension.unit:
            return Case.unit_id, None
        case Dimension.incident_type:
            return Case.incident_type, None
        case Dimension.province:
            return Case.province, None
        case Dimension.esp if not esp_pairs:
            return Case.esp_key, None
        case Dimension.esp:  # a case counts under every ESP that reported it
            pairs = (
                select(Report.case_id, Report.esp_name)
                .where(Report.exercise_id == exercise_id, Report.case_id.is_not(None))
                .distinct()
                .subquery("case_esp")
            )
            return pairs.c.esp_name, (pairs, pairs.c.case_id == Case.id)
        case Dimension.disposition:
            return Case.disposition, None
        case Dimension.assignee:
            return Case.assignee_id, None
        case Dimension.tag:
            elements = tag_elements(Case.tags, dialect)
            return elements.c.value, (elements, true())
    raise AssertionError(dim)


def _grouped(
    session: Session, exercise_id: uuid.UUID, dims: Sequence[Dimension], clauses: list[Any], *columns: Any
) -> list[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """``(dimension values, column values)`` per group of ``dims``, over the cases matching ``clauses``."""
    dialect = _dialect(session)
    exprs, joins = [], []
    for dim in dims:
        expr, join = _dimension(dim, dialect, exercise_id)
        exprs.append(expr.label(f"d_{dim.value}"))
        if join is not None:
            joins.append(join)
    stmt = select(*exprs, *columns).select_from(Case)
    for target, onclause in joins:
        stmt = stmt.join(target, onclause)
    stmt = stmt.where(*clauses)
    if Dimension.tag in dims:  # most cases carry no tag: skip them before expanding the list
        stmt = stmt.where(cast(Case.tags, String) != "[]")
    if Dimension.esp in dims:  # a case without reports has no ESP
        stmt = stmt.where(Case.esp_key.is_not(None))
    if exprs:
        stmt = stmt.group_by(*exprs)
    n = len(exprs)
    rows = [(tuple(row[:n]), tuple(row[n:])) for row in session.execute(stmt).all()]
    if Dimension.esp not in dims:
        return rows
    e = dims.index(Dimension.esp)  # a case counts under each ESP of its key: split the key, add up the sums
    merged: dict[tuple[Any, ...], list[Any]] = {}
    for keys, values in rows:
        for name in facts.esp_names(keys[e]):
            acc = merged.setdefault((*keys[:e], name, *keys[e + 1 :]), [0] * len(values))
            for i, v in enumerate(values):
                acc[i] += v or 0
    return [(k, tuple(v)) for k, v in merged.items()]


def _labels(session: Session, exercise_id: uuid.UUID, dims: Sequence[Dimension], keys: Iterable[tuple[Any, ...]]):  # type: ignore[no-untyped-def]
    """Readable labels: unit codes and usernames for ids; other keys stand for themselves."""
    keys = list(keys)
    units: dict[str, str] = {}
    users: dict[str, str] = {}
    if Dimension.unit in dims:
        units = {str(u.id): u.code for u in session.scalars(select(Unit).where(Unit.exercise_id == exercise_id))}
    if Dimension.assignee in dims:
        ids = {uuid.UUID(str(k[dims.index(Dimension.assignee)])) for k in keys if k[dims.index(Dimension.assignee)]}
        if ids:
            users = {
                str(i): name for i, name in session.execute(select(User.id, User.username).where(User.id.in_(ids)))
            }

    def label(dim: Dimension, key: str | None) -> str | None:
        if key is None:
            return None
        if dim == Dimension.unit:
            return units.get(key, key)
        if dim == Dimension.assignee:
            return users.get(key, key)
        return key

    return label


# --- summary -------------------------------------------------------------------------------------------------------


def _sla_sums(now: datetime) -> list[Any]:
    breached = sla.filter_clause("breached", now)
    at_risk = sla.filter_clause("at_risk", now)
    return [
        func.count().filter(breached),
        func.count().filter(at_risk),
    ]


def summary(session: Session, *, ctx: ExerciseContext, filters: StatsFilter) -> SummaryRead:
    """One scan of the cases: per (status, priority, classification), the count, the SLA figures and the kept
    report and link counts and the deconfliction flag (``app.stats.facts``)."""
    now = ctx.now()
    clauses = where(session, ctx, filters, now=now)
    dims = [Dimension.status, Dimension.priority, Dimension.classification]
    kept = [
        func.sum(Case.report_count),
        func.count().filter(Case.report_count > 1),
        func.count().filter(Case.link_count > 0),
        func.count().filter(Case.deconflicted),
    ]
    rows = _grouped(session, ctx.exercise.id, dims, clauses, func.count(), *_sla_sums(now), *kept)
    by: list[dict[str | None, int]] = [defaultdict(int) for _ in dims]
    cases = breached = at_risk = reports = bundled = linked = deconflicted = 0
    for keys, (count, b, r, n_reports, n_bundled, n_linked, n_deconflicted) in rows:
        for i, k in enumerate(keys):
            by[i][_key(k)] += count
        cases += count
        breached += int(b or 0)
        at_risk += int(r or 0)
        reports += int(n_reports or 0)
        bundled += int(n_bundled or 0)
        linked += int(n_linked or 0)
        deconflicted += int(n_deconflicted or 0)
    open_backlog = sum(n for k, n in by[0].items() if k not in CLOSED)

    def counts(d: dict[str | None, int], order: Sequence[str] | None = None) -> list[Count]:
        ranked = sorted(
            d.items(),
            key=lambda kv: (kv[0] is None, (order or []).index(kv[0]) if order and kv[0] in order else 99, kv[0] or ""),
        )
        return [Count(key=k, count=n) for k, n in ranked]

    return SummaryRead(
        as_of=now,
        cases=cases,
        reports=int(reports),
        bundled_cases=int(bundled),
        open_backlog=open_backlog,
        sla_breached=breached,
        sla_at_risk=at_risk,
        deconflicted=deconflicted,
        linked=linked,
        by_status=counts(by[0], [s.value for s in CaseStatus]),
        by_priority=counts(by[1], ["E", "1", "2", "3"]),
        by_classification=counts(by[2]),
    )


# --- breakdown -----------------------------------------------------------------------------------------------------


def _unit_tree(session: Session, exercise_id: uuid.UUID) -> dict[str, str | None]:
    return {
        str(i): (str(p) if p is not None else None)
        for i, p in session.execute(select(Unit.id, Unit.parent_id).where(Unit.exercise_id == exercise_id))
    }


def breakdown(
    session: Session, *, ctx: ExerciseContext, filters: StatsFilter, by: Sequence[Dimension]
) -> BreakdownRead:
    clauses = where(session, ctx, filters, now=ctx.now())
    rows = [
        (tuple(_key(k) for k in keys), int(vals[0]))
        for keys, vals in _grouped(session, ctx.exercise.id, by, clauses, func.count())
    ]
    counts: dict[tuple[str | None, ...], int] = dict(rows)
    total = sum(counts.values())
    subtree: dict[tuple[str | None, ...], int] = {}
    parents: dict[str, str | None] = {}
    if Dimension.unit in by:  # roll each count up to every unit above
        u = by.index(Dimension.unit)
        parents = _unit_tree(session, ctx.exercise.id)
        for keys, n in rows:
            unit = keys[u]
            seen = 0
            while unit is not None and seen < 64:
                k = (*keys[:u], unit, *keys[u + 1 :])
                subtree[k] = subtree.get(k, 0) + n
                unit = parents.get(unit)
                seen += 1
            if keys[u] is None:
                subtree[keys] = subtree.get(keys, 0) + n
        for k in subtree:
            counts.setdefault(k, 0)
    label = _labels(session, ctx.exercise.id, by, counts.keys())
    out = []
    for keys in sorted(counts, key=lambda ks: tuple((k is None, k or "") for k in ks)):
        unit_key = keys[by.index(Dimension.unit)] if Dimension.unit in by else None
        parent = parents.get(unit_key) if unit_key is not None else None
        out.append(
            BreakdownRow(
                key=list(keys),
                label=[label(d, k) for d, k in zip(by, keys, strict=True)],
                count=counts[keys],
                subtree_count=subtree.get(keys) if Dimension.unit in by else None,
                parent_unit_id=uuid.UUID(parent) if parent else None,
            )
        )
    return BreakdownRead(by=list(by), total=total, rows=out)


# --- timeseries ----------------------------------------------------------------------------------------------------

METRIC_COLUMNS: dict[TimeMetric, tuple[Any, ...]] = {
    TimeMetric.received: (Case.created_at,),
    TimeMetric.triaged: (Case.triaged_at,),
    TimeMetric.assigned: (Case.assigned_at,),
    TimeMetric.closed: (Case.closed_at,),
    TimeMetric.breached: (Case.triage_breached_at, Case.action_breached_at),
}


def check_range(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and start >= end:
        raise errors.InvalidStatsQuery("`from` must be before `to`.", parameter="from")


def bucket_of(at: datetime, interval: Interval) -> int:
    """The bucket index of a time, as the database computes it (Python's twin, for gap-filling and tests)."""
    delta = at - ORIGIN
    us = (delta.days * 86_400 + delta.seconds) * 10**6 + delta.microseconds
    return us // INTERVAL_US[interval]


def bucket_start(index: int, interval: Interval) -> datetime:
    return ORIGIN + timedelta(microseconds=index * INTERVAL_US[interval])


def timeseries(
    session: Session,
    *,
    ctx: ExerciseContext,
    filters: StatsFilter,
    metric: TimeMetric,
    interval: Interval,
    start: datetime | None,
    end: datetime | None,
) -> TimeseriesRead:
    """Counts of a milestone per bucket of exercise time in ``[start, end)``; buckets without any are filled with 0.
    Without ``start``/``end`` the buckets span the first to the last milestone found."""
    check_range(start, end)
    if start is not None and start < ORIGIN:
        raise errors.InvalidStatsQuery("`from` must be 1970-01-05 or later.", parameter="from")
    if start is not None and end is not None:
        _check_bucket_count(bucket_of(start, interval), bucket_of(end - timedelta(microseconds=1), interval))
    clauses = where(session, ctx, filters, now=ctx.now())
    width = INTERVAL_US[interval]
    counts: dict[int, int] = defaultdict(int)
    postgres = _dialect(session) == "postgresql"
    for column in METRIC_COLUMNS[metric]:
        if postgres:  # date_bin: the same buckets, without per-row numeric arithmetic
            index = func.date_bin(timedelta(microseconds=width), column, ORIGIN, type_=column.type).label("b")
        else:
            index = ((epoch_us(column) - literal(ORIGIN_US, BigInteger())) // literal(width, BigInteger())).label("b")
        conds = [*clauses, column.is_not(None), column >= ORIGIN]
        if start is not None:
            conds.append(column >= start)
        if end is not None:
            conds.append(column < end)
        for b, n in session.execute(select(index, func.count()).where(*conds).group_by(index)).all():
            counts[bucket_of(b, interval) if postgres else int(b)] += int(n)
    first = bucket_of(start, interval) if start is not None else min(counts, default=None)
    last = bucket_of(end - timedelta(microseconds=1), interval) if end is not None else max(counts, default=None)
    if first is None and last is not None:
        first = min(counts, default=last)
    if last is None and first is not None:
        last = max(counts, default=first)
    buckets: list[Bucket] = []
    if first is not None and last is not None and first <= last:
        _check_bucket_count(first, last)
        buckets = [Bucket(start=bucket_start(i, interval), count=counts.get(i, 0)) for i in range(first, last + 1)]
    return TimeseriesRead(
        metric=metric,
        interval=interval,
        start=buckets[0].start if buckets else None,
        end=bucket_start(last + 1, interval) if buckets and last is not None else None,
        total=sum(b.count for b in buckets),
        buckets=buckets,
    )


def _check_bucket_count(first: int, last: int) -> None:
    if last - first + 1 > MAX_BUCKETS:
        raise errors.InvalidStatsQuery(
            f"That range holds {last - first + 1} buckets; at most {MAX_BUCKETS}: narrow it or widen the interval.",
            parameter="interval",
        )


# --- durations -----------------------------------------------------------------------------------------------------

# the kept durations (``app.stats.facts``): opening to milestone, less the time held before it, in microseconds
DURATION_COLUMNS: dict[DurationMetric, Any] = {
    DurationMetric.time_to_triage: Case.triage_us,
    DurationMetric.time_to_assign: Case.assign_us,
    DurationMetric.time_to_first_action: Case.first_action_us,
    DurationMetric.time_to_close: Case.close_us,
}


def nearest_rank(p: int, n: int) -> int:
    """1-based rank of the p-th percentile of n sorted values (nearest-rank: ceil(p * n / 100))."""
    return (p * n + 99) // 100


def disc_fraction(p: int) -> float:
    """The fraction for which PostgreSQL's ``percentile_disc`` (the value at rank ``ceil(fraction * n)``, in floating
    point) picks the nearest rank of ``p``: nudged down so that ``p * n / 100`` landing on an integer is not carried
    past it by rounding error (exact while ``n`` stays below 10^9)."""
    return p / 100 - 1e-12


def _seconds(us: int | None) -> float | None:
    return None if us is None else us / 1_000_000


OVERALL = ("overall",)  # the key of the figures over every group, when asked for with the groups


def _duration_groups(  # type: ignore[no-untyped-def]
    session: Session,
    group: Any | None,
    join: Any | None,
    clauses: list[Any],
    metric: DurationMetric,
    *,
    with_overall: bool = False,
):
    """Figures per value of ``group`` (and, with ``with_overall`` on PostgreSQL, under :data:`OVERALL` the figures
    over all groups, from the same scan: ``ROLLUP``)."""
    column = DURATION_COLUMNS[metric]
    g = (group if group is not None else literal(None, Integer())).label("g")
    if _dialect(session) == "postgresql":  # one aggregate pass: ordered-set percentiles per group
        if group is not None and isinstance(group.type, String):  # groups sorted bytewise, not by the locale
            g = group.collate("C").label("g")
        disc = func.percentile_disc(postgresql.array([literal(disc_fraction(p)) for p in PERCENTILES]))
        rollup = with_overall and group is not None
        stmt = select(
            g,
            func.grouping(g) if rollup else literal(0),
            func.count(column),
            func.sum(column),
            func.max(column),
            disc.within_group(column).label("pcts"),
        ).select_from(Case)
        if join is not None:
            stmt = stmt.join(*join)
        stmt = stmt.where(*clauses, column.is_not(None)).group_by(func.rollup(g) if rollup else g)
        out: dict[Any, dict[str, Any]] = {}
        for gv, total_row, count, total, top, pcts in session.execute(stmt).all():
            entry = {"count": int(count), "total": int(total), "max": int(top)}
            entry.update({f"p{p}": int(v) for p, v in zip(PERCENTILES, pcts, strict=True)})
            out[OVERALL if total_row else gv] = entry
        return out
    inner = select(g, column.label("d")).select_from(Case)
    if join is not None:
        inner = inner.join(*join)
    inner_sq = inner.where(*clauses, column.is_not(None)).subquery()
    part = inner_sq.c.g
    ranked = select(
        inner_sq.c.g,
        inner_sq.c.d,
        func.row_number().over(order_by=inner_sq.c.d, partition_by=part).label("rn"),
        func.count().over(partition_by=part).label("n"),
        func.sum(inner_sq.c.d).over(partition_by=part).label("total"),
    ).subquery()
    n = ranked.c.n
    wanted = or_(*(ranked.c.rn == (literal(p) * n + 99) // 100 for p in PERCENTILES), ranked.c.rn == n)
    rows = session.execute(select(ranked.c.g, ranked.c.rn, ranked.c.n, ranked.c.total, ranked.c.d).where(wanted)).all()
    out = {}
    for gv, rn, count, total, value in rows:
        entry = out.setdefault(gv, {"count": int(count), "total": int(total)})
        for p in PERCENTILES:
            if rn == nearest_rank(p, int(count)):
                entry[f"p{p}"] = int(value)
        if rn == count:
            entry["max"] = int(value)
    return out


def _duration_group(key: str | None, label: str | None, e: dict[str, Any] | None) -> DurationGroup:
    if e is None:
        return DurationGroup(
            key=key,
            label=label,
            count=0,
            mean_seconds=None,
            p50_seconds=None,
            p90_seconds=None,
            p99_seconds=None,
            max_seconds=None,
        )
    return DurationGroup(
        key=key,
        label=label,
        count=e["count"],
        mean_seconds=round(e["total"] / e["count"] / 1_000_000, 6),
        p50_seconds=_seconds(e.get("p50")),
        p90_seconds=_seconds(e.get("p90")),
        p99_seconds=_seconds(e.get("p99")),
        max_seconds=_seconds(e.get("max")),
    )


def durations(
    session: Session, *, ctx: ExerciseContext, filters: StatsFilter, metric: DurationMetric, by: Dimension | None
) -> DurationsRead:
    clauses = where(session, ctx, filters, now=ctx.now())
    prefer_covering_index(session)
    groups: list[DurationGroup] = []
    overall: dict[Any, dict[str, Any] | None] = {}
    if by is not None:
        expr, join = _dimension(by, _dialect(session), ctx.exercise.id, esp_pairs=True)
        rollup = join is None and _dialect(session) == "postgresql"  # (a join may count a case twice)
        found = _duration_groups(session, expr, join, clauses, metric, with_overall=rollup)
        if OVERALL in found:
            overall = {OVERALL: found.pop(OVERALL)}
        elif rollup:
            overall = {OVERALL: None}  # no case reached the milestone
        keyed = {_key(k): e for k, e in found.items()}
        label = _labels(session, ctx.exercise.id, [by], [(k,) for k in keyed])
        groups = [_duration_group(k, label(by, k), keyed[k]) for k in sorted(keyed, key=lambda k: (k is None, k or ""))]
    if not overall:
        overall = _duration_groups(session, None, None, clauses, metric)
    return DurationsRead(
        metric=metric, by=by, overall=_duration_group(None, None, next(iter(overall.values()), None)), groups=groups
    )


# --- SLA -----------------------------------------------------------------------------------------------------------


def _sla_columns(now: datetime) -> list[Any]:
    triage_breached = or_(
        Case.triage_breached_at.is_not(None), and_(Case.triaged_at.is_(None), Case.triage_due_at <= now)
    )
    action_breached = or_(
        Case.action_breached_at.is_not(None),
        and_(Case.first_action_at.is_(None), Case.action_due_at <= now, Case.status != CaseStatus.on_hold),
    )

    def n(cond: Any) -> Any:
        return func.count().filter(cond)

    return [  # pending is the rest (see _sla_values)
        func.count(),
        # met: the milestone reached and no breach recorded (once it is reached, only a recorded breach counts)
        n(and_(Case.triaged_at.is_not(None), Case.triage_breached_at.is_(None))),
        n(triage_breached),
        n(and_(Case.first_action_at.is_not(None), Case.action_breached_at.is_(None))),
        n(action_breached),
    ]


def _sla_values(v: Sequence[Any]) -> list[int]:
    """The :data:`SLA_FIELDS` from the counts of :func:`_sla_columns`: per clock, met, breached and pending
    partition the cases."""
    cases, triage_met, triage_breached, action_met, action_breached = (int(x or 0) for x in v)
    return [
        cases,
        triage_met,
        triage_breached,
        cases - triage_met - triage_breached,
        action_met,
        action_breached,
        cases - action_met - action_breached,
    ]


SLA_FIELDS = (
    "cases",
    "triage_met",
    "triage_breached",
    "triage_pending",
    "action_met",
    "action_breached",
    "action_pending",
)


def _ratio(met: int, breached: int) -> float | None:
    return round(met / (met + breached), 6) if met + breached else None


def _sla_row(group: str, key: str | None, label: str | None, v: Sequence[int]) -> SlaRow:
    f = dict(zip(SLA_FIELDS, v, strict=True))
    return SlaRow(
        group=group,
        key=key,
        label=label,
        **f,
        triage_compliance=_ratio(f["triage_met"], f["triage_breached"]),
        action_compliance=_ratio(f["action_met"], f["action_breached"]),
    )


def sla_stats(session: Session, *, ctx: ExerciseContext, filters: StatsFilter) -> SlaStatsRead:
    """Per clock: *met* (milestone reached, never breached), *breached* (recorded by the sweeper, or overdue now and
    not yet swept), *pending* (neither). Compliance is met / (met + breached)."""
    now = ctx.now()
    clauses = where(session, ctx, filters, now=now)
    dims = [Dimension.priority, Dimension.unit]
    rows = [
        ((_key(k[0]), _key(k[1])), _sla_values(v))
        for k, v in _grouped(session, ctx.exercise.id, dims, clauses, *_sla_columns(now))
    ]
    total = [0] * len(SLA_FIELDS)
    by_priority: dict[str | None, list[int]] = {}
    by_unit: dict[str | None, list[int]] = {}
    for (priority, unit), values in rows:
        for target, key in ((by_priority, priority), (by_unit, unit)):
            acc = target.setdefault(key, [0] * len(SLA_FIELDS))
            for i, x in enumerate(values):
                acc[i] += x
        for i, x in enumerate(values):
            total[i] += x
    label = _labels(session, ctx.exercise.id, [Dimension.unit], [(k,) for k in by_unit])
    order = ["E", "1", "2", "3"]
    out = [_sla_row("total", None, None, total)]
    out += [
        _sla_row("priority", k, k, by_priority[k])
        for k in sorted(by_priority, key=lambda k: order.index(k) if k in order else 99)
    ]
    units = sorted(by_unit, key=lambda k: (k is None, label(Dimension.unit, k) or ""))
    out += [_sla_row("unit", k, label(Dimension.unit, k), by_unit[k]) for k in units]
    return SlaStatsRead(as_of=now, rows=out)


# --- backlog -------------------------------------------------------------------------------------------------------


def age_bucket(created_at: datetime, now: datetime) -> str:
    for name, days in AGE_BUCKETS:
        if days is not None and created_at > now - timedelta(days=days):
            return name
    return AGE_BUCKETS[-1][0]


def backlog(session: Session, *, ctx: ExerciseContext, filters: StatsFilter) -> BacklogRead:
    now = ctx.now()
    clauses = [*where(session, ctx, filters, now=now), Case.status.in_(OPEN_STATUSES)]
    # one scan, grouped by (status, assignee) only (few groups: aggregated in parallel), counting per group the cases
    # newer than each age bound; a bucket is the difference of two such counts
    bounds = [(name, days) for name, days in AGE_BUCKETS if days is not None]
    newer = [func.count().filter(Case.created_at > now - timedelta(days=days)) for _, days in bounds]
    cells: dict[tuple[str, str], int] = defaultdict(int)
    work: dict[str | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    grouped = select(Case.status, Case.assignee_id, func.count(), *newer).where(*clauses)
    for s, assignee, n, *within in session.execute(grouped.group_by(Case.status, Case.assignee_id)):
        status, before = _key(s) or "", 0
        for (name, _), count in zip(bounds, within, strict=True):
            cells[(name, status)] += int(count or 0) - before
            before = int(count or 0)
        cells[(AGE_BUCKETS[-1][0], status)] += int(n) - before
        work[_key(assignee)][status] += int(n)
    by_age = [
        BacklogCell(age_bucket=name, status=s.value, count=cells.get((name, s.value), 0))
        for name, _ in AGE_BUCKETS
        for s in OPEN_STATUSES
    ]
    label = _labels(session, ctx.exercise.id, [Dimension.assignee], [(k,) for k in work])
    order = [s.value for s in OPEN_STATUSES]
    workload = [
        Workload(
            assignee_id=uuid.UUID(k) if k else None,
            assignee=label(Dimension.assignee, k),
            open=sum(v.values()),
            by_status=[Count(key=s, count=v[s]) for s in sorted(v, key=order.index)],
        )
        for k, v in work.items()
    ]
    workload.sort(key=lambda w: (-w.open, w.assignee is None, w.assignee or ""))
    return BacklogRead(as_of=now, open=sum(cells.values()), by_age=by_age, workload=workload)


# --- period report -------------------------------------------------------------------------------------------------

PERIOD_FIELDS = ("outstanding_start", "received", "closed", "outstanding_end")


def _period_columns(start: datetime, end: datetime) -> list[Any]:
    def n(cond: Any) -> Any:
        return func.count().filter(cond)

    return [
        n(and_(Case.created_at < start, or_(Case.closed_at.is_(None), Case.closed_at >= start))),
        n(and_(Case.created_at >= start, Case.created_at < end)),
        n(and_(Case.closed_at >= start, Case.closed_at < end)),
        n(or_(Case.closed_at.is_(None), Case.closed_at >= end)),
    ]


def period_report(
    session: Session, *, ctx: ExerciseContext, filters: StatsFilter, start: datetime, end: datetime
) -> PeriodReportRead:
    """The figures units report upward for ``[start, end)``: outstanding at the start, received, closed (or
    referred), outstanding at the end, per unit and incident type. ``outstanding_end = outstanding_start + received
    - closed`` always holds."""
    check_range(start, end)
    # a case opened after the period or closed before it counts in none of the figures
    clauses = [
        *where(session, ctx, filters, now=ctx.now()),
        Case.created_at < end,
        or_(Case.closed_at.is_(None), Case.closed_at >= start),
    ]
    dims = [Dimension.unit, Dimension.incident_type]
    found = [
        ((_key(k[0]), _key(k[1])), [int(x or 0) for x in v])
        for k, v in _grouped(session, ctx.exercise.id, dims, clauses, *_period_columns(start, end))
    ]
    label = _labels(session, ctx.exercise.id, [Dimension.unit], [(k[0],) for k, _ in found])
    rows, total = [], [0] * len(PERIOD_FIELDS)
    for (unit, incident), values in sorted(
        found, key=lambda r: ((r[0][0] is None), label(Dimension.unit, r[0][0]) or "", r[0][1] is None, r[0][1] or "")
    ):
        if not any(values):
            continue
        for i, x in enumerate(values):
            total[i] += x
        rows.append(
            PeriodRow(
                unit_id=uuid.UUID(unit) if unit else None,
                unit=label(Dimension.unit, unit),
                incident_type=incident,
                **dict(zip(PERIOD_FIELDS, values, strict=True)),
            )
        )
    totals = PeriodRow(unit_id=None, unit=None, incident_type=None, **dict(zip(PERIOD_FIELDS, total, strict=True)))
    return PeriodReportRead(start=start, end=end, total=totals, rows=rows)
