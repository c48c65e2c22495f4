"""Every API operation once, without I/O: a function that builds a :class:`Call` (the HTTP request to send and how
to read its answer). The sync and async clients only send calls; they hold no knowledge of paths or payloads.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Generic, Literal, TypedDict, TypeVar, Unpack
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.auth.schemas import AccessToken, MeRead
from app.cases.schemas import CaseRead, CaseSummary, CaseUpdate, HistoryItem, TransitionRequest
from app.client import errors
from app.core.pagination import Page
from app.exercises.schemas import ClockAction, ClockRead, ExerciseCreate, ExerciseRead, ExerciseUpdate
from app.reports.document import Report as ReportDocument
from app.reports.schemas import ReportRead, ReportSummary
from app.stats.schemas import (
    BacklogRead,
    BreakdownRead,
    DurationsRead,
    PeriodReportRead,
    SlaStatsRead,
    StatsRead,
    SummaryRead,
    TimeseriesRead,
)
from app.units.schemas import UnitRead

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

API = "/api/v1"
JSON = "application/json"
CSV = "text/csv"

Id = uuid.UUID | str
"""An id as a UUID or its text."""
Body = BaseModel | Mapping[str, Any]
"""A request body as the app's input model, or a plain mapping of the same shape."""
Param = str | int | float | bool | datetime | uuid.UUID | Enum
Params = Mapping[str, Any]
"""Query parameters: a value, a sequence of values (repeated), or None (left out)."""


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request and the reader of its successful answer."""

    method: str
    path: str
    read: Callable[[httpx.Response], T]
    params: list[tuple[str, str]] = field(default_factory=list)
    json: Any = None
    form: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def finish(self, response: httpx.Response) -> T:
        """The answer's value, or the :class:`~app.client.errors.ProblemError` it stands for."""
        if response.is_error:
            raise errors.from_response(response)
        try:
            return self.read(response)
        except (ValidationError, ValueError) as exc:
            raise errors.UnexpectedResponse(
                f"{self.method} {self.path}: the answer is not what was expected ({exc})", response
            ) from exc


def path(*parts: Id | str) -> str:
    """``/api/v1/`` and the parts, each percent-encoded as one path segment."""
    return API + "".join("/" + quote(str(p), safe="") for p in parts)


def _param(value: Param | Mapping[str, Any]) -> str:
    if isinstance(value, Mapping):  # a filter expression, sent as JSON
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def query(params: Params) -> list[tuple[str, str]]:
    """Query parameters without the ``None`` ones; a sequence repeats its name (``status=new&status=triaged``)."""
    out: list[tuple[str, str]] = []
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            out.extend((name, _param(v)) for v in value)
        else:
            out.append((name, _param(value)))
    return out


def body(data: Body, model: type[BaseModel] | None = None) -> Any:
    """JSON of a request body. A model is dumped as the API expects (by alias, without unset fields); a mapping is
    checked against ``model`` first when given, so a typo fails here rather than as a 422."""
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if model is not None:
        model.model_validate(dict(data))
    return dict(data)


def etag(version: int | str | None) -> dict[str, str]:
    """An ``If-Match`` header from a case's ``version`` (or an ``ETag`` value as sent)."""
    if version is None:
        return {}
    if isinstance(version, int):
        return {"If-Match": f'"{version}"'}
    return {"If-Match": version if version.startswith(('"', "W/")) else f'"{version}"'}


def model(cls: type[M]) -> Callable[[httpx.Response], M]:
    return lambda response: cls.model_validate_json(response.content)


def adapted(tp: Any) -> Callable[[httpx.Response], Any]:
    adapter: TypeAdapter[Any] = TypeAdapter(tp)
    return lambda response: adapter.validate_json(response.content)


def nothing(response: httpx.Response) -> None:
    return None


def text(response: httpx.Response) -> str:
    return response.text


def paging(limit: int | None, cursor: str | None, total: bool) -> dict[str, Param | None]:
    return {"limit": limit, "cursor": cursor, "total": total or None}


# --- auth ----------------------------------------------------------------------------------------------------------


def login(username: str, password: str) -> Call[AccessToken]:
    """Exchange a username and password for a bearer token (the client then sends it)."""
    form = {"username": username, "password": password, "grant_type": "password"}
    return Call("POST", path("auth", "token"), model(AccessToken), form=form)


def logout() -> Call[None]:
    """Revoke the token in use."""
    return Call("POST", path("auth", "logout"), nothing)


def me() -> Call[MeRead]:
    """The caller: user, credential and exercise memberships."""
    return Call("GET", path("me"), model(MeRead))


# --- exercises -----------------------------------------------------------------------------------------------------


def create_exercise(data: ExerciseCreate | Mapping[str, Any]) -> Call[ExerciseRead]:
    """Create an exercise (admins and instructors); the caller becomes its instructor."""
    return Call("POST", path("exercises"), model(ExerciseRead), json=body(data, ExerciseCreate))


def list_exercises(
    *, limit: int | None = None, cursor: str | None = None, total: bool = False
) -> Call[Page[ExerciseRead]]:
    """One page of the exercises visible to the caller."""
    return Call("GET", path("exercises"), model(Page[ExerciseRead]), params=query(paging(limit, cursor, total)))


def get_exercise(exercise_id: Id) -> Call[ExerciseRead]:
    return Call("GET", path("exercises", exercise_id), model(ExerciseRead))


def update_exercise(exercise_id: Id, data: ExerciseUpdate | Mapping[str, Any]) -> Call[ExerciseRead]:
    """Rename, change intake mode, or move the status (draft → active ⇄ paused → closed → archived)."""
    return Call("PATCH", path("exercises", exercise_id), model(ExerciseRead), json=body(data, ExerciseUpdate))


def get_clock(exercise_id: Id) -> Call[ClockRead]:
    """The exercise clock: exercise time now, mode, speed, paused."""
    return Call("GET", path("exercises", exercise_id, "clock"), model(ClockRead))


def change_clock(exercise_id: Id, action: BaseModel | Mapping[str, Any]) -> Call[ClockRead]:
    """Pause, resume, set_speed, jump or set_mode, e.g. ``{"action": "jump", "seconds": 3600}``."""
    if not isinstance(action, BaseModel):
        TypeAdapter(ClockAction).validate_python(dict(action))
    return Call("POST", path("exercises", exercise_id, "clock"), model(ClockRead), json=body(action))


# --- reports -------------------------------------------------------------------------------------------------------


def submit_report(
    exercise_id: Id, document: ReportDocument | Mapping[str, Any], *, idempotency_key: str | None = None
) -> Call[ReportRead]:
    """Submit one report document (JSON shape of the CyberTipline ``<report>``); it opens a case. With an
    ``idempotency_key`` a retry returns the first result instead of a second report."""
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key is not None else {}
    return Call(
        "POST", path("exercises", exercise_id, "reports"), model(ReportRead), json=body(document), headers=headers
    )


def get_report(exercise_id: Id, report_id: Id) -> Call[ReportRead]:
    return Call("GET", path("exercises", exercise_id, "reports", report_id), model(ReportRead))


def list_reports(
    exercise_id: Id,
    *,
    incident_type: str | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    reporter_id: Id | None = None,
    classification: str | None = None,
    urgent: bool | None = None,
    annotation: Sequence[str] | None = None,
    province: str | None = None,
    filter: str | Mapping[str, Any] | None = None,
    limit: int | None = None,
    cursor: str | None = None,
    total: bool = False,
) -> Call[Page[ReportSummary]]:
    """One page of the exercise's reports, filtered (``filter`` is the filter DSL)."""
    params = query(
        {
            "incident_type": incident_type,
            "received_from": received_from,
            "received_to": received_to,
            "reporter_id": reporter_id,
            "classification": classification,
            "urgent": urgent,
            "annotation": annotation,
            "province": province,
            "filter": filter,
            **paging(limit, cursor, total),
        }
    )
    return Call("GET", path("exercises", exercise_id, "reports"), model(Page[ReportSummary]), params=params)


# --- units ---------------------------------------------------------------------------------------------------------


def list_units(
    exercise_id: Id,
    *,
    kind: str | None = None,
    parent_id: Id | None = None,
    include_retired: bool = False,
    limit: int | None = None,
    cursor: str | None = None,
    total: bool = False,
) -> Call[Page[UnitRead]]:
    """One page of the exercise's units, ordered by code."""
    params = query(
        {
            "view": "flat",
            "kind": kind,
            "parent_id": parent_id,
            "include_retired": include_retired or None,
            **paging(limit, cursor, total),
        }
    )
    return Call("GET", path("exercises", exercise_id, "units"), model(Page[UnitRead]), params=params)


# --- cases ---------------------------------------------------------------------------------------------------------


def list_cases(
    exercise_id: Id,
    *,
    status: Sequence[str] | None = None,
    priority: Sequence[str] | None = None,
    unit_id: Id | None = None,
    include_descendants: bool = False,
    assignee_id: Id | None = None,
    sla: str | None = None,
    incident_type: str | None = None,
    province: str | None = None,
    tag: Sequence[str] | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    sort: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
    total: bool = False,
) -> Call[Page[CaseSummary]]:
    """One page of the cases visible to the caller, filtered; ``sort`` is ``number``, ``received_at`` or
    ``priority``, ``-`` in front reverses."""
    params = query(
        {
            "status": status,
            "priority": priority,
            "unit_id": unit_id,
            "include_descendants": include_descendants or None,
            "assignee_id": assignee_id,
            "sla": sla,
            "incident_type": incident_type,
            "province": province,
            "tag": tag,
            "received_from": received_from,
            "received_to": received_to,
            "sort": sort,
            **paging(limit, cursor, total),
        }
    )
    return Call("GET", path("exercises", exercise_id, "cases"), model(Page[CaseSummary]), params=params)


def get_case(exercise_id: Id, case_id: Id) -> Call[CaseRead]:
    """The case with its reports, links, routing and SLA clocks; its ``version`` is the ``If-Match`` of a change."""
    return Call("GET", path("exercises", exercise_id, "cases", case_id), model(CaseRead))


def update_case(
    exercise_id: Id, case_id: Id, data: CaseUpdate | Mapping[str, Any], *, if_match: int | str | None = None
) -> Call[CaseRead]:
    """Triage: priority, classification, tags, a note. ``if_match`` (the version read) refuses a lost update
    with :class:`~app.client.errors.PreconditionFailed`."""
    return Call(
        "PATCH",
        path("exercises", exercise_id, "cases", case_id),
        model(CaseRead),
        json=body(data, CaseUpdate),
        headers=etag(if_match),
    )


def transition_case(
    exercise_id: Id,
    case_id: Id,
    to: str,
    *,
    reason: str | None = None,
    disposition: str | None = None,
    if_match: int | str | None = None,
) -> Call[CaseRead]:
    """Move the case to status ``to``; one the lifecycle does not allow is a
    :class:`~app.client.errors.Conflict` listing ``extra["allowed"]``."""
    data = TransitionRequest.model_validate({"to": to, "reason": reason, "disposition": disposition})
    return Call(
        "POST",
        path("exercises", exercise_id, "cases", case_id, "transitions"),
        model(CaseRead),
        json=data.model_dump(mode="json", exclude_none=True),
        headers=etag(if_match),
    )


def _assignment(exercise_id: Id, case_id: Id, action: dict[str, Any], if_match: int | str | None) -> Call[CaseRead]:
    return Call(
        "POST",
        path("exercises", exercise_id, "cases", case_id, "assignment"),
        model(CaseRead),
        json=action,
        headers=etag(if_match),
    )


def assign_case(
    exercise_id: Id,
    case_id: Id,
    unit_id: Id,
    *,
    assignee_id: Id | None = None,
    if_match: int | str | None = None,
) -> Call[CaseRead]:
    """Assign (or reassign) the case to a unit, and optionally to an investigator of it."""
    action: dict[str, Any] = {"action": "assign", "unit_id": str(unit_id)}
    if assignee_id is not None:
        action["assignee_id"] = str(assignee_id)
    return _assignment(exercise_id, case_id, action, if_match)


def claim_case(exercise_id: Id, case_id: Id, *, if_match: int | str | None = None) -> Call[CaseRead]:
    """An investigator takes a case of their units."""
    return _assignment(exercise_id, case_id, {"action": "claim"}, if_match)


def release_case(exercise_id: Id, case_id: Id, *, if_match: int | str | None = None) -> Call[CaseRead]:
    """The assignee (or a supervisor) gives the case back to its unit."""
    return _assignment(exercise_id, case_id, {"action": "release"}, if_match)


def case_history(
    exercise_id: Id, case_id: Id, *, limit: int | None = None, cursor: str | None = None, total: bool = False
) -> Call[Page[HistoryItem]]:
    """One page of the case's history, oldest first."""
    return Call(
        "GET",
        path("exercises", exercise_id, "cases", case_id, "history"),
        model(Page[HistoryItem]),
        params=query(paging(limit, cursor, total)),
    )


# --- pagination ----------------------------------------------------------------------------------------------------


def next_cursor(page: Page[Any]) -> str | None:
    """Where the next page starts; ``None`` after the last (an empty page ends the walk too)."""
    return page.next_cursor if page.items else None


# --- statistics ----------------------------------------------------------------------------------------------------


class StatsFilters(TypedDict, total=False):
    """The filters every statistics endpoint takes (times are exercise time)."""

    received_from: datetime
    received_to: datetime
    unit_id: Id
    include_descendants: bool
    incident_type: str
    priority: Sequence[str]
    classification: str
    province: str
    tag: Sequence[str]
    filter: str | Mapping[str, Any]
    """An expression of the filter language over report fields (JSON text or a mapping)."""


StatsName = Literal["summary", "breakdown", "timeseries", "durations", "sla", "backlog", "period-report"]


def _stats(exercise_id: Id, name: StatsName, read: Callable[[httpx.Response], T], params: Params) -> Call[T]:
    return Call("GET", path("exercises", exercise_id, "stats", name), read, params=query(params))


def _joined(values: str | Sequence[str] | None) -> str | None:
    if values is None or isinstance(values, str):
        return values
    return ",".join(_param(v) for v in values)


def stats_summary(exercise_id: Id, **filters: Unpack[StatsFilters]) -> Call[SummaryRead]:
    """Totals by status, priority and classification; open backlog; SLA breached and at risk; deconflicted and
    bundled cases; reports against cases."""
    return _stats(exercise_id, "summary", model(SummaryRead), {**filters})


def stats_breakdown(exercise_id: Id, by: str | Sequence[str], **filters: Unpack[StatsFilters]) -> Call[BreakdownRead]:
    """Case counts grouped by one or two dimensions (``by="unit"`` or ``by=["priority", "status"]``)."""
    return _stats(exercise_id, "breakdown", model(BreakdownRead), {"by": _joined(by), **filters})


def stats_timeseries(
    exercise_id: Id,
    metric: str = "received",
    interval: str = "day",
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    **filters: Unpack[StatsFilters],
) -> Call[TimeseriesRead]:
    """Gap-filled buckets of received, triaged, assigned, closed or breached cases per hour, day or week; ``start``
    and ``end`` bound the milestones counted."""
    params = {"metric": metric, "interval": interval, "from": start, "to": end, **filters}
    return _stats(exercise_id, "timeseries", model(TimeseriesRead), params)


def stats_durations(
    exercise_id: Id,
    metric: str = "time_to_triage",
    by: str | None = None,
    **filters: Unpack[StatsFilters],
) -> Call[DurationsRead]:
    """Count, mean, p50, p90, p99 and max of a milestone's duration (on-hold time excluded), overall and per ``by``."""
    return _stats(exercise_id, "durations", model(DurationsRead), {"metric": metric, "by": by, **filters})


def stats_sla(exercise_id: Id, **filters: Unpack[StatsFilters]) -> Call[SlaStatsRead]:
    """SLA compliance in total, per priority and per unit."""
    return _stats(exercise_id, "sla", model(SlaStatsRead), {**filters})


def stats_backlog(exercise_id: Id, **filters: Unpack[StatsFilters]) -> Call[BacklogRead]:
    """Open cases by age bucket and status, and each investigator's workload."""
    return _stats(exercise_id, "backlog", model(BacklogRead), {**filters})


def stats_period_report(
    exercise_id: Id, start: datetime, end: datetime, **filters: Unpack[StatsFilters]
) -> Call[PeriodReportRead]:
    """Outstanding at ``start``, received, closed, outstanding at ``end``, per unit and incident type."""
    return _stats(exercise_id, "period-report", model(PeriodReportRead), {"from": start, "to": end, **filters})


STATS_MODELS: dict[str, type[StatsRead]] = {
    "summary": SummaryRead,
    "breakdown": BreakdownRead,
    "timeseries": TimeseriesRead,
    "durations": DurationsRead,
    "sla": SlaStatsRead,
    "backlog": BacklogRead,
    "period-report": PeriodReportRead,
}


def stats(exercise_id: Id, name: StatsName, params: Params) -> Call[StatsRead]:
    """Any statistics endpoint by name, with the API's own query parameters (``from``, ``to``, ``by`` ...), as its
    response model."""
    if name not in STATS_MODELS:
        raise ValueError(f"no statistics endpoint {name!r}")
    return _stats(exercise_id, name, model(STATS_MODELS[name]), params)


def stats_csv(exercise_id: Id, name: StatsName, **params: Any) -> Call[str]:
    """Any statistics endpoint as CSV text (``name`` as in the URL; ``params`` as the JSON methods take them, with
    ``by`` as a list or comma-separated, and ``start``/``end`` for the URL's ``from``/``to``)."""
    if "by" in params:
        params["by"] = _joined(params["by"])
    params["from"], params["to"] = params.pop("start", None), params.pop("end", None)
    return Call(
        "GET",
        path("exercises", exercise_id, "stats", name),
        text,
        params=query({**params, "format": "csv"}),
        headers={"Accept": CSV},
    )
