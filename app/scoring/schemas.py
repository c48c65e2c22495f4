"""Scores, their explanations and the debrief, as the API returns them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from app.core.schemas import Schema

MetricName = Literal[
    "priority", "routing", "duplicates", "bundles", "escalations", "deconfliction", "triage_time", "untouched"
]


class OutcomeRead(Schema):
    case_id: uuid.UUID
    case_number: int
    ok: bool = Field(description="Whether the case shows what the answer key expects.")
    weight: float
    expected: str
    actual: str
    note: str = ""
    reports: list[int] = Field(description="Report numbers the case opened with.")
    rationale: str = Field(description="The answer key's reasons for the opening report.")


class MetricScore(Schema):
    metric: MetricName
    title: str
    opportunities: int = Field(description="Cases (or case pairs) the metric judged; 0: no verdict, `score` null.")
    correct: int
    points: float = Field(description="Weight of the correct outcomes.")
    possible: float = Field(description="Weight of all outcomes.")
    score: float | None = Field(description="100 * points / possible, or null without opportunities.")
    items: list[OutcomeRead] | None = Field(default=None, description="With `explain=true`: the cases behind it.")


class Scorecard(Schema):
    overall: float | None = Field(description="Mean of the metric scores that have opportunities.")
    metrics: list[MetricScore]


class TraineeScore(Scorecard):
    user_id: uuid.UUID
    username: str
    display_name: str
    role: str
    unit_id: uuid.UUID | None
    unit_code: str | None


class UnitScore(Scorecard):
    unit_id: uuid.UUID | None = Field(description="Null: trainees without a unit.")
    unit_code: str | None
    unit_name: str
    trainees: list[uuid.UUID]


class ScoresRead(Schema):
    exercise_id: uuid.UUID
    at: datetime = Field(description="Exercise time the scores were computed at.")
    keyed_cases: int = Field(description="Cases opened by seeded reports: what the answer key covers.")
    exigent_weight: int
    cohort: Scorecard
    trainees: list[TraineeScore]
    units: list[UnitScore]


class ExplainRead(Schema):
    exercise_id: uuid.UUID
    user_id: uuid.UUID
    at: datetime
    metrics: list[MetricScore]


class HourRead(Schema):
    start: datetime
    hours: int = Field(description="Width of the bucket in hours (1 unless the shift is long).")
    arrivals: int = Field(description="Cases opened in the bucket.")
    triaged: int = Field(description="Cases first triaged in the bucket.")
    breaches: int = Field(description="SLA breaches recorded in the bucket.")


class MomentRead(Schema):
    at: datetime
    kind: str
    text: str
    case_number: int | None = None


class BreachRead(Schema):
    case_id: uuid.UUID
    case_number: int
    clock: str
    priority: str | None
    expected_priority: str | None = Field(description="The answer key's priority, for a keyed case.")
    due_at: datetime
    recorded_at: datetime | None = Field(description="When the SLA clocks recorded it; null: overdue, not yet swept.")
    overdue_minutes: float


class MistakeRead(Schema):
    metric: str
    expected: str
    actual: str
    trainees: list[str] = Field(description="Usernames of the trainees who made this decision.")


class HardCaseRead(Schema):
    case_id: uuid.UUID
    case_number: int
    reports: list[int]
    trainees_acted: int = Field(description="Distinct trainees who acted on the case.")
    trainees_wrong: int = Field(description="Distinct trainees who decided something the key contradicts.")
    mistakes: list[MistakeRead]
    why: str = Field(description="The answer key's rationale.")


class PatternRead(Schema):
    metric: str
    expected: str
    actual: str
    cases: int


class DebriefRead(Schema):
    exercise_id: uuid.UUID
    exercise_name: str
    at: datetime
    start: datetime | None = Field(description="The first case's arrival.")
    cases: int
    keyed_cases: int
    triaged: int
    untouched: int
    hours: list[HourRead]
    timeline: list[MomentRead]
    sla_breaches: list[BreachRead]
    hardest_cases: list[HardCaseRead]
    patterns: list[PatternRead]
    cohort: Scorecard
    scorecards: list[TraineeScore]
