"""Response models of the statistics endpoints (``/api/v1/exercises/{eid}/stats/...``).

Every model has a fixed CSV form (``format=csv`` or ``Accept: text/csv``): :data:`CSV_COLUMNS` names its columns,
in order, and :meth:`csv_rows` gives the rows. Durations are seconds (floats, microsecond precision); times are
exercise time, UTC.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field

from app.core.schemas import ReadSchema


class Dimension(StrEnum):
    """What ``by`` may name."""

    status = "status"
    priority = "priority"
    classification = "classification"
    unit = "unit"
    incident_type = "incident_type"
    province = "province"
    esp = "esp"  # each ESP that reported the case (a case reported by two counts under both)
    disposition = "disposition"
    tag = "tag"
    assignee = "assignee"


class TimeMetric(StrEnum):
    received = "received"
    triaged = "triaged"
    assigned = "assigned"
    closed = "closed"
    breached = "breached"


class Interval(StrEnum):
    hour = "hour"
    day = "day"
    week = "week"


class DurationMetric(StrEnum):
    time_to_triage = "time_to_triage"
    time_to_assign = "time_to_assign"
    time_to_first_action = "time_to_first_action"
    time_to_close = "time_to_close"


class StatsRead(ReadSchema):
    """Base of every statistics answer: its CSV columns and rows."""

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = ()

    def csv_rows(self) -> list[list[Any]]:
        raise NotImplementedError


# --- summary -------------------------------------------------------------------------------------------------------


class Count(ReadSchema):
    key: str | None = Field(description="The value counted (null: none set, e.g. a case without a priority).")
    count: int


class SummaryRead(StatsRead):
    as_of: datetime = Field(description="The exercise time the SLA figures were taken at.")
    cases: int = Field(description="Cases matching the filters.")
    reports: int = Field(description="Reports belonging to those cases.")
    bundled_cases: int = Field(description="Cases holding more than one report (bundles).")
    open_backlog: int = Field(description="Cases neither closed nor referred.")
    sla_breached: int = Field(description="Cases with a running SLA clock past its due time now.")
    sla_at_risk: int = Field(description="Cases in the last part of a running clock, not yet breached.")
    deconflicted: int = Field(
        description="Cases sharing an indicator with a case held by another unit (a deconfliction record; the case "
        "list's `deconflicted=true`)."
    )
    linked: int = Field(description="Cases linked to at least one other case (duplicate or related).")
    by_status: list[Count]
    by_priority: list[Count]
    by_classification: list[Count]

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = ("metric", "key", "count")
    SCALARS: ClassVar[tuple[str, ...]] = (
        "cases",
        "reports",
        "bundled_cases",
        "open_backlog",
        "sla_breached",
        "sla_at_risk",
        "deconflicted",
        "linked",
    )

    def csv_rows(self) -> list[list[Any]]:
        rows: list[list[Any]] = [[name, None, getattr(self, name)] for name in self.SCALARS]
        for group in ("by_status", "by_priority", "by_classification"):
            rows.extend([group, c.key, c.count] for c in getattr(self, group))
        return rows


# --- breakdown -----------------------------------------------------------------------------------------------------


class BreakdownRow(ReadSchema):
    key: list[str | None] = Field(description="One value per `by` dimension (unit and assignee: their ids).")
    label: list[str | None] = Field(description="Readable form of each key (unit code, username; else the key).")
    count: int = Field(description="Cases with exactly these values.")
    subtree_count: int | None = Field(
        default=None, description="With `unit` among `by`: the count including every unit below (roll-up)."
    )
    parent_unit_id: uuid.UUID | None = Field(default=None, description="With `unit` among `by`: the unit's parent.")


class BreakdownRead(StatsRead):
    by: list[Dimension]
    total: int = Field(description="Sum of the counts: the matching cases (with `tag` or `esp`, once per value).")
    rows: list[BreakdownRow]

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = (
        "key_1",
        "label_1",
        "key_2",
        "label_2",
        "count",
        "subtree_count",
        "parent_unit_id",
    )

    def csv_rows(self) -> list[list[Any]]:
        out = []
        for r in self.rows:
            k = [*r.key, None][:2]
            lab = [*r.label, None][:2]
            out.append([k[0], lab[0], k[1], lab[1], r.count, r.subtree_count, r.parent_unit_id])
        return out


# --- timeseries ----------------------------------------------------------------------------------------------------


class Bucket(ReadSchema):
    start: datetime = Field(description="Start of the bucket (exercise time, UTC); it ends where the next begins.")
    count: int


class TimeseriesRead(StatsRead):
    metric: TimeMetric
    interval: Interval
    start: datetime | None = Field(description="Start of the first bucket; null when there is nothing to show.")
    end: datetime | None = Field(description="End of the last bucket (exclusive).")
    total: int
    buckets: list[Bucket] = Field(description="Every bucket from start to end, empty ones with count 0.")

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = ("bucket_start", "count")

    def csv_rows(self) -> list[list[Any]]:
        return [[b.start, b.count] for b in self.buckets]


# --- durations -----------------------------------------------------------------------------------------------------


class DurationGroup(ReadSchema):
    key: str | None = Field(description="The group's value of `by` (null: none set, or no `by`).")
    label: str | None
    count: int = Field(description="Cases that reached the milestone.")
    mean_seconds: float | None
    p50_seconds: float | None
    p90_seconds: float | None
    p99_seconds: float | None
    max_seconds: float | None


class DurationsRead(StatsRead):
    metric: DurationMetric
    by: Dimension | None
    percentile_method: Literal["nearest-rank"] = "nearest-rank"
    overall: DurationGroup = Field(description="Every matching case together.")
    groups: list[DurationGroup] = Field(description="One per value of `by` (empty without `by`).")

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = (
        "scope",
        "key",
        "label",
        "count",
        "mean_seconds",
        "p50_seconds",
        "p90_seconds",
        "p99_seconds",
        "max_seconds",
    )

    def csv_rows(self) -> list[list[Any]]:
        def row(scope: str, g: DurationGroup) -> list[Any]:
            return [
                scope,
                g.key,
                g.label,
                g.count,
                g.mean_seconds,
                g.p50_seconds,
                g.p90_seconds,
                g.p99_seconds,
                g.max_seconds,
            ]

        return [row("overall", self.overall), *(row("group", g) for g in self.groups)]


# --- sla -----------------------------------------------------------------------------------------------------------


class SlaRow(ReadSchema):
    group: Literal["total", "priority", "unit"]
    key: str | None = Field(description="Priority (E, 1-3; null: none set) or unit id (null: unassigned).")
    label: str | None
    cases: int
    triage_met: int = Field(description="Triaged with no breach of the triage clock.")
    triage_breached: int = Field(description="Triage clock breached (whether or not triaged since).")
    triage_pending: int = Field(description="Not triaged yet, not breached.")
    action_met: int
    action_breached: int
    action_pending: int
    triage_compliance: float | None = Field(description="met / (met + breached); null when both are 0.")
    action_compliance: float | None


class SlaStatsRead(StatsRead):
    as_of: datetime
    rows: list[SlaRow] = Field(description="The total first, then per priority, then per unit.")

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = (
        "group",
        "key",
        "label",
        "cases",
        "triage_met",
        "triage_breached",
        "triage_pending",
        "action_met",
        "action_breached",
        "action_pending",
        "triage_compliance",
        "action_compliance",
    )

    def csv_rows(self) -> list[list[Any]]:
        return [[getattr(r, c) for c in self.CSV_COLUMNS] for r in self.rows]


# --- backlog -------------------------------------------------------------------------------------------------------

AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("lt_1d", 1),
    ("1d_3d", 3),
    ("3d_7d", 7),
    ("7d_30d", 30),
    ("ge_30d", None),
)
"""Age buckets of open cases: label and upper bound in days (exclusive); the last is open-ended."""


class BacklogCell(ReadSchema):
    age_bucket: str = Field(description="lt_1d, 1d_3d, 3d_7d, 7d_30d or ge_30d (since received, exercise time).")
    status: str
    count: int


class Workload(ReadSchema):
    assignee_id: uuid.UUID | None = Field(description="null: open cases assigned to no one.")
    assignee: str | None = Field(description="The username.")
    open: int
    by_status: list[Count]


class BacklogRead(StatsRead):
    as_of: datetime
    open: int
    by_age: list[BacklogCell] = Field(description="Every age bucket and open status, zeros included.")
    workload: list[Workload] = Field(description="Open cases per investigator (assignee), largest first.")

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = ("section", "age_bucket", "status", "assignee_id", "assignee", "count")

    def csv_rows(self) -> list[list[Any]]:
        rows: list[list[Any]] = [["age", c.age_bucket, c.status, None, None, c.count] for c in self.by_age]
        for w in self.workload:
            rows.append(["workload", None, None, w.assignee_id, w.assignee, w.open])
            rows.extend(["workload", None, s.key, w.assignee_id, w.assignee, s.count] for s in w.by_status)
        return rows


# --- period report -------------------------------------------------------------------------------------------------


class PeriodRow(ReadSchema):
    unit_id: uuid.UUID | None = Field(description="null: unassigned (or, in the total, every unit).")
    unit: str | None = Field(description="The unit's code.")
    incident_type: str | None
    outstanding_start: int = Field(description="Received before `from` and not closed before `from`.")
    received: int = Field(description="Received in [from, to).")
    closed: int = Field(description="Closed or referred in [from, to).")
    outstanding_end: int = Field(description="Received before `to` and not closed before `to`.")


class PeriodReportRead(StatsRead):
    start: datetime = Field(alias="from", serialization_alias="from")
    end: datetime = Field(alias="to", serialization_alias="to")
    total: PeriodRow
    rows: list[PeriodRow] = Field(description="Per unit and incident type, rows with any non-zero figure.")

    model_config = ConfigDict(populate_by_name=True, from_attributes=True)

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = (
        "scope",
        "unit_id",
        "unit",
        "incident_type",
        "outstanding_start",
        "received",
        "closed",
        "outstanding_end",
    )

    def csv_rows(self) -> list[list[Any]]:
        fields = self.CSV_COLUMNS[1:]
        return [["row", *(getattr(r, c) for c in fields)] for r in self.rows] + [
            ["total", *(getattr(self.total, c) for c in fields)]
        ]
