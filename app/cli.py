"""The ``tipdesk`` command: serve, sweep, db, user, ispws, stats, webhooks, demo, seed, export, verify-safe."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.core.config import Settings, get_settings
from app.stats.cli import stats_app
from seed import commands as seed_commands

app = typer.Typer(help="tipdesk: CyberTipline-style case management for training.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
ispws_app = typer.Typer(help="The CyberTipline protocol intake (/ispws/).", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(ispws_app, name="ispws")
app.add_typer(stats_app, name="stats")
app.add_typer(webhooks_app, name="webhooks")
console = Console()
err_console = Console(stderr=True)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        err_console.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from None


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from app.db import ops

    settings = _settings()
    ops.upgrade(settings.database_url, revision)
    console.print(f"[green]Database at {ops.current(settings.database_url) or 'base'}[/green]")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")]) -> None:
    """Revert migrations down to REVISION."""
    from app.db import ops

    settings = _settings()
    ops.downgrade(settings.database_url, revision)
    console.print(f"Database at {ops.current(settings.database_url) or 'base'}")


@db_app.command("check")
def db_check() -> None:
    """Exit non-zero unless the database is at head and matches the models (no drift)."""
    from app.db import ops

    problems = ops.check(_settings().database_url)
    if problems:
        for p in problems:
            err_console.print(f"[red]✗[/red] {p}")
        raise typer.Exit(1)
    console.print("[green]✓ database at head, no drift between models and schema[/green]")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision."""
    from app.db import ops

    console.print(ops.current(_settings().database_url) or "base (not migrated)")


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="Login name (lower-case).")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    display_name: Annotated[str | None, typer.Option(help="Shown name (default: the username).")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Global admin.")] = False,
    instructor: Annotated[bool, typer.Option("--instructor", help="May create users and exercises.")] = False,
) -> None:
    """Create a user (bootstrap the first admin with --admin)."""
    from pydantic import ValidationError

    from app.auth import service as auth_service
    from app.auth.models import GlobalRole
    from app.auth.schemas import UserCreate
    from app.core.errors import AppError
    from app.db.session import Database

    role = GlobalRole.admin if admin else GlobalRole.instructor if instructor else GlobalRole.user
    try:
        data = UserCreate(username=username, password=password, display_name=display_name or username, role=role)
    except ValidationError as exc:
        err_console.print(f"[red]Invalid user:[/red] {exc}")
        raise typer.Exit(2) from None
    db = Database(_settings())
    try:
        db.ensure_migrated()
        with db.session_factory.begin() as session:
            user = auth_service.create_user(session, data=data, principal=None)
            console.print(f"[green]Created[/green] {user.username} ({user.role}) {user.id}")
    except AppError as exc:
        err_console.print(f"[red]{exc.title}:[/red] {exc.detail}")
        raise typer.Exit(1) from None
    finally:
        db.dispose()


@ispws_app.command("purge")
def ispws_purge() -> None:
    """Delete the unfinished /ispws/ reports that have expired (each exercise on its own clock)."""
    from app.db.session import Database
    from app.ispws import expiry as ispws_expiry

    db = Database(_settings())
    try:
        db.ensure_migrated()
        with db.session_factory.begin() as session:
            purged = ispws_expiry.purge_all(session)
    finally:
        db.dispose()
    console.print(f"Purged {purged} expired unfinished report(s).")


@webhooks_app.command("run")
def webhooks_run(
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Stop once nothing is due instead of running until interrupted.")
    ] = False,
) -> None:
    """Deliver webhooks from the event log: runs beside (or instead of) the dispatcher inside `tipdesk serve`; any
    number may run against one database."""
    import asyncio
    import contextlib

    from app.db.session import Database
    from app.webhooks.dispatcher import Dispatcher

    settings = _settings()
    db = Database(settings)
    try:
        db.ensure_migrated()
        dispatcher = Dispatcher(db, settings)
        if until_idle:
            made = asyncio.run(dispatcher.run_until_idle(timeout=float("inf")))
            console.print(f"{made} webhook request(s) made; nothing more due now.")
        else:
            console.print(f"Delivering webhooks as {dispatcher.worker}; Ctrl-C stops.")
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(dispatcher.run())
    finally:
        db.dispose()


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
) -> None:
    """Serve the API with uvicorn; SLA breaches are recorded every TIPDESK_SLA_SWEEP_INTERVAL_SECONDS and arrived
    scheduled reports enter the event log every TIPDESK_ARRIVAL_RELEASE_INTERVAL_SECONDS meanwhile; each worker
    also delivers webhooks (unless TIPDESK_WEBHOOK_DISPATCHER=false)."""
    import uvicorn

    from app.cases.sweeper import PeriodicSweeper
    from app.db.session import Database
    from app.events.scheduled import PeriodicRelease

    settings = _settings()
    sweeper = None
    if settings.sla_sweep_interval_seconds > 0:
        sweeper = PeriodicSweeper(Database(settings), settings.sla_sweep_interval_seconds).start()
    release = None
    if settings.arrival_release_interval_seconds > 0:
        release = PeriodicRelease(Database(settings), settings.arrival_release_interval_seconds).start()
    try:
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            access_log=False,
            proxy_headers=True,
        )
    finally:
        if sweeper is not None:
            sweeper.stop()
            sweeper.database.dispose()
        if release is not None:
            release.stop()
            release.database.dispose()


@app.command("sweep")
def sweep() -> None:
    """Record SLA breaches now, once, for every open exercise (each at its own exercise time)."""
    from app.cases.sweeper import sweep_all
    from app.core.errors import AppError
    from app.db.session import Database

    db = Database(_settings())
    try:
        db.ensure_migrated()
        found = sweep_all(db)
    except AppError as exc:
        err_console.print(f"[red]{exc.title}:[/red] {exc.detail}")
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    total = sum(found.values())
    console.print(f"{total} SLA breach(es) recorded" + "".join(f"\n  {k}: {v}" for k, v in sorted(found.items())))


@app.command("demo")
def demo(
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API afterwards.")] = True,
) -> None:
    """Migrate, create the demo exercise (seeded with the `demo` scenario) and demo users (printed below), then
    serve. Development only."""
    import os

    from app.db import ops
    from seed import demo as demo_seed

    os.environ["TIPDESK_DEMO_MODE"] = "true"
    get_settings.cache_clear()
    settings = _settings()
    ops.upgrade(settings.database_url, "head")
    result = demo_seed.ensure_demo(settings)
    table = Table(title=f"Demo exercise {result.exercise_name!r} ({result.exercise_id})")
    for col in ("username", "password", "role"):
        table.add_column(col)
    for u in demo_seed.DEMO_USERS:
        table.add_row(u.username, u.password, u.role_label)
    console.print(table)
    if result.seeded is not None:
        seeded = result.seeded
        console.print(f"Seeded {seeded.reports:,} reports (scenario {seeded.scenario}) in {seeded.seconds:.1f} s")
    console.print(f"API docs: http://{host}:{port}/docs")
    if serve_api:
        serve(host=host, port=port, workers=1, reload=False)


app.command("seed")(seed_commands.seed)
app.command("export")(seed_commands.export)
app.command("verify-safe")(seed_commands.verify_safe)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
