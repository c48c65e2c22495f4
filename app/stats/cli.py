"""``tipdesk stats``: the statistics endpoints from the command line, as a table, CSV or JSON.

Where the figures come from is a :class:`StatsSource`: :class:`DatabaseSource` reads the database directly (the
operator's view: every case, or what ``--as USERNAME`` would see); with ``--url`` the client's
:class:`app.client.stats_source.HttpSource` asks a running server instead, as the token's user (``fetch(endpoint,
params)`` with the API's query parameters, returning the response model). :func:`source_factory` chooses.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

import typer
from rich.console import Console
from rich.table import Table

from app.stats.render import cell, to_csv
from app.stats.schemas import StatsRead

if TYPE_CHECKING:
    from app.auth.principal import ExerciseContext
    from app.db.session import Database

Endpoint = Literal["summary", "breakdown", "timeseries", "durations", "sla", "backlog", "period-report"]
OutputFormat = Literal["table", "csv", "json"]

console = Console()
err_console = Console(stderr=True)


class StatsSource(Protocol):
    """Answers one statistics endpoint for one exercise. ``params`` are the HTTP API's query parameters (``by``,
    ``metric``, ``interval``, ``from``, ``to``, ``unit_id``, ``priority`` (a list), ``tag`` (a list), ``filter``
    ...), values as strings; errors are :class:`app.core.errors.AppError` (or a subclass a client raises)."""

    def fetch(self, endpoint: Endpoint, params: Mapping[str, Any]) -> StatsRead: ...

    def close(self) -> None: ...


def _time(params: Mapping[str, Any], name: str) -> datetime | None:
    from pydantic import TypeAdapter

    from app.core.errors import ProblemDetailItem, UnprocessableEntity
    from app.core.schemas import Rfc3339

    raw = params.get(name)
    if raw is None:
        return None
    try:
        return TypeAdapter(Rfc3339).validate_python(raw)
    except ValueError as exc:
        raise UnprocessableEntity(
            f"`{name}` is not an RFC 3339 date-time with an offset.",
            errors=[ProblemDetailItem(pointer=name, location="query", message=str(exc))],
        ) from None


class DatabaseSource:
    """Statistics straight from the database, with the code the API runs (``app.stats.service``)."""

    def __init__(self, database: Database, exercise_id: uuid.UUID, *, username: str | None = None) -> None:
        self.database = database
        self.exercise_id = exercise_id
        self.username = username

    def _context(self, session: Any) -> ExerciseContext:
        from sqlalchemy import select

        from app.auth import service as auth_service
        from app.auth.models import GlobalRole, User
        from app.auth.principal import ExerciseContext, Principal
        from app.core.errors import NotFound
        from app.exercises.models import Exercise

        exercise = session.get(Exercise, self.exercise_id)
        if exercise is None:
            raise NotFound(f"No exercise {self.exercise_id}.")
        if self.username is None:  # the operator: an admin's view, every case
            operator = User(username="cli", display_name="Command line", role=GlobalRole.admin)
            return ExerciseContext(exercise, Principal(operator, None), None)
        user = session.scalar(select(User).where(User.username == self.username))
        membership = (
            auth_service.get_membership(session, exercise_id=exercise.id, user_id=user.id) if user is not None else None
        )
        if user is None or (membership is None and user.role != GlobalRole.admin):
            raise NotFound(f"{self.username!r} is not a member of exercise {self.exercise_id}.")
        return ExerciseContext(exercise, Principal(user, None), membership)

    def fetch(self, endpoint: Endpoint, params: Mapping[str, Any]) -> StatsRead:
        from app.cases.models import Classification, Priority
        from app.core.filters import parse_json
        from app.routing.fields import REPORT_FIELDS
        from app.stats import service
        from app.stats.errors import InvalidStatsQuery
        from app.stats.queries import StatsFilter
        from app.stats.schemas import DurationMetric, Interval, TimeMetric

        expression = parse_json(params["filter"], REPORT_FIELDS) if params.get("filter") else None
        received_from, received_to = _time(params, "received_from"), _time(params, "received_to")
        service.check_range(received_from, received_to)
        filters = StatsFilter(
            received_from=received_from,
            received_to=received_to,
            unit_id=uuid.UUID(params["unit_id"]) if params.get("unit_id") else None,
            include_descendants=str(params.get("include_descendants", "true")).lower() != "false",
            incident_type=params.get("incident_type"),
            priority=tuple(Priority(p).value for p in params.get("priority") or ()),
            classification=Classification(params["classification"]) if params.get("classification") else None,
            province=params.get("province"),
            tags=tuple(params.get("tag") or ()),
            expression=expression,
        )
        with self.database.session_factory() as session:
            ctx = self._context(session)
            common: dict[str, Any] = {"ctx": ctx, "filters": filters}
            match endpoint:
                case "summary":
                    return service.summary(session, **common)
                case "breakdown":
                    return service.breakdown(
                        session, **common, by=service.parse_by(params.get("by"), allow_empty=False)
                    )
                case "timeseries":
                    return service.timeseries(
                        session,
                        **common,
                        metric=TimeMetric(params.get("metric", "received")),
                        interval=Interval(params.get("interval", "day")),
                        start=_time(params, "from"),
                        end=_time(params, "to"),
                    )
                case "durations":
                    by = service.parse_by(params.get("by"), allow_empty=True, most=1)
                    return service.durations(
                        session,
                        **common,
                        metric=DurationMetric(params.get("metric", "time_to_triage")),
                        by=by[0] if by else None,
                    )
                case "sla":
                    return service.sla_stats(session, **common)
                case "backlog":
                    return service.backlog(session, **common)
                case "period-report":
                    start, end = _time(params, "from"), _time(params, "to")
                    if start is None or end is None:
                        raise InvalidStatsQuery("The period report needs `from` and `to`.", parameter="from")
                    return service.period_report(session, **common, start=start, end=end)
        raise AssertionError(endpoint)

    def close(self) -> None:
        self.database.dispose()


def database_source(exercise_id: uuid.UUID, *, username: str | None = None, server: str | None = None) -> StatsSource:
    from app.cli import _settings
    from app.db.session import Database

    db = Database(_settings())
    db.ensure_migrated()
    return DatabaseSource(db, exercise_id, username=username)


def any_source(exercise_id: uuid.UUID, *, username: str | None = None, server: str | None = None) -> StatsSource:
    """The server at ``server`` through the client (with the command's token or login), else the database."""
    if server is None:
        return database_source(exercise_id, username=username)
    if username is not None:
        raise ValueError("--as counts what a member sees in the database; with --url the token's user is who counts")
    from app.client.stats_source import HttpSource

    return HttpSource(server, exercise_id, token=state.token, username=state.login, password=state.password)


SourceFactory = Callable[..., StatsSource]
source_factory: SourceFactory = any_source
"""Builds the source for a command: ``(exercise_id, username=..., server=...)``. The HTTP client's source replaces
or wraps this to answer from a running server when ``--server`` is given."""


def render(model: StatsRead, fmt: OutputFormat) -> str | Table:
    if fmt == "csv":
        return to_csv(model)
    if fmt == "json":
        return json.dumps(model.model_dump(mode="json", by_alias=True), indent=2)
    table = Table(title=type(model).__name__.removesuffix("Read"))
    for column in model.CSV_COLUMNS:
        table.add_column(column, justify="right" if column.endswith(("count", "seconds")) else "left")
    for row in model.csv_rows():
        table.add_row(*(cell(v) for v in row))
    return table


# --- the commands --------------------------------------------------------------------------------------------------

stats_app = typer.Typer(
    help="Case statistics (as the /stats/ endpoints), from the database or from a running server (--url).",
    no_args_is_help=True,
)


class _State:
    exercise_id: uuid.UUID
    fmt: OutputFormat = "table"
    username: str | None = None
    server: str | None = None
    token: str | None = None
    login: str | None = None
    password: str | None = None
    filters: dict[str, Any]


state = _State()


@stats_app.callback()
def options(
    exercise: Annotated[uuid.UUID, typer.Option("--exercise", help="The exercise's id.")],
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    as_user: Annotated[
        str | None, typer.Option("--as", help="Count only what this member sees (default: every case).")
    ] = None,
    unit_id: Annotated[str | None, typer.Option(help="Cases of this unit (and below).")] = None,
    priority: Annotated[list[str] | None, typer.Option(help="Any of these priorities (repeat).")] = None,
    incident_type: Annotated[str | None, typer.Option(help="The incident type.")] = None,
    classification: Annotated[str | None, typer.Option(help="referral or informational.")] = None,
    province: Annotated[str | None, typer.Option(help="ISO 3166-2:ID code.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Cases carrying all of these tags (repeat).")] = None,
    received_from: Annotated[str | None, typer.Option(help="Cases received at or after (RFC 3339).")] = None,
    received_to: Annotated[str | None, typer.Option(help="Cases received before (RFC 3339).")] = None,
    filter_expression: Annotated[str | None, typer.Option("--filter", help="A filter-language expression.")] = None,
    url: Annotated[
        str | None, typer.Option("--url", envvar="TIPDESK_URL", help="Ask the server at this URL, not the database.")
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", envvar="TIPDESK_TOKEN", help="With --url: a login or API token.")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="With --url and no token: log in as this user.")] = None,
    password: Annotated[
        str | None, typer.Option("--password", envvar="TIPDESK_PASSWORD", help="With --user: the password.")
    ] = None,
) -> None:
    if fmt not in ("table", "csv", "json"):
        err_console.print(f"[red]--format must be table, csv or json, not {fmt!r}.[/red]")
        raise typer.Exit(2)
    state.exercise_id, state.fmt, state.username = exercise, fmt, as_user  # type: ignore[assignment]
    state.server, state.token, state.login, state.password = url, token, user, password
    state.filters = {
        k: v
        for k, v in {
            "unit_id": unit_id,
            "priority": priority,
            "incident_type": incident_type,
            "classification": classification,
            "province": province,
            "tag": tag,
            "received_from": received_from,
            "received_to": received_to,
            "filter": filter_expression,
        }.items()
        if v
    }


def run(endpoint: Endpoint, params: Mapping[str, Any]) -> None:
    """Fetch from the configured source and print; problems are printed and exit with status 1."""
    from app.core.errors import AppError

    source: StatsSource | None = None
    try:
        source = source_factory(state.exercise_id, username=state.username, server=state.server)
        model = source.fetch(endpoint, {**state.filters, **{k: v for k, v in params.items() if v is not None}})
    except (AppError, ValueError) as exc:
        detail = exc.detail if isinstance(exc, AppError) else str(exc)
        title = exc.title if isinstance(exc, AppError) else "Invalid value"
        err_console.print(f"[red]{title}:[/red] {detail}")
        raise typer.Exit(1) from None
    finally:
        if source is not None:
            source.close()
    out = render(model, state.fmt)
    if isinstance(out, str):
        typer.echo(out, nl=not out.endswith("\n"))
    else:
        console.print(out)


By = Annotated[str | None, typer.Option("--by", help="Dimension(s), comma-separated.")]
From = Annotated[str | None, typer.Option("--from", help="Start (RFC 3339, exercise time).")]
To = Annotated[str | None, typer.Option("--to", help="End, exclusive (RFC 3339, exercise time).")]


@stats_app.command("summary")
def summary() -> None:
    """Totals by status, priority, classification; backlog; SLA; bundles; deconflicted cases."""
    run("summary", {})


@stats_app.command("breakdown")
def breakdown(by: By = "status") -> None:
    """Counts by one or two dimensions (--by status,priority)."""
    run("breakdown", {"by": by})


@stats_app.command("timeseries")
def timeseries(
    metric: Annotated[str, typer.Option(help="received, triaged, assigned, closed or breached.")] = "received",
    interval: Annotated[str, typer.Option(help="hour, day or week.")] = "day",
    start: From = None,
    end: To = None,
) -> None:
    """Counts per time bucket, empty buckets included."""
    run("timeseries", {"metric": metric, "interval": interval, "from": start, "to": end})


@stats_app.command("durations")
def durations(
    metric: Annotated[
        str, typer.Option(help="time_to_triage, time_to_assign, time_to_first_action, time_to_close.")
    ] = ("time_to_triage"),
    by: By = None,
) -> None:
    """Count, mean and percentiles (nearest rank) of the time to a milestone, on-hold time excluded."""
    run("durations", {"metric": metric, "by": by})


@stats_app.command("sla")
def sla() -> None:
    """SLA compliance in total, per priority and per unit."""
    run("sla", {})


@stats_app.command("backlog")
def backlog() -> None:
    """Open cases by age and status; workload per assignee."""
    run("backlog", {})


@stats_app.command("period-report")
def period_report(start: From = None, end: To = None) -> None:
    """Outstanding at the start, received, closed, outstanding at the end, per unit and incident type."""
    run("period-report", {"from": start, "to": end})
