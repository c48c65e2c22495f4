"""The seeding commands of the ``tipdesk`` CLI: ``seed``, ``export`` and ``verify-safe`` (registered in
``app.cli``). Heavy imports happen inside the commands, so ``tipdesk --help`` stays quick."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.db.session import Database
    from app.exercises.models import Exercise
    from seed.loader import Summary

console = Console()
err_console = Console(stderr=True)
ExerciseOption = Annotated[uuid.UUID, typer.Option("--exercise", help="The exercise's id.")]


def _database() -> Database:
    from app.cli import _settings
    from app.db.session import Database

    db = Database(_settings())
    db.ensure_migrated()
    return db


def _exercise(session: Session, exercise_id: uuid.UUID) -> Exercise:
    from app.exercises.models import Exercise

    exercise = session.get(Exercise, exercise_id)
    if exercise is None:
        err_console.print(f"[red]No exercise {exercise_id}.[/red]")
        raise typer.Exit(2)
    return exercise


def print_summary(summary: Summary) -> None:
    table = Table(title=f"Seeded {summary.reports:,} reports ({summary.scenario}, seed {summary.seed})")
    table.add_column("incident type")
    table.add_column("reports", justify="right")
    for name, count in summary.by_type.most_common():
        table.add_row(name, f"{count:,}")
    console.print(table)
    units = Table(title="Expected units (answer keys)")
    units.add_column("unit")
    units.add_column("reports", justify="right")
    for name, count in summary.by_unit.most_common(12):
        units.add_row(name, f"{count:,}")
    rest = sum(summary.by_unit.values()) - sum(c for _, c in summary.by_unit.most_common(12))
    if rest:
        units.add_row(f"{len(summary.by_unit) - 12} other units", f"{rest:,}")
    console.print(units)
    priorities = ", ".join(f"{p}: {c:,}" for p, c in sorted(summary.by_priority.items()))
    console.print(f"Expected priorities: {priorities}")
    console.print(
        f"Reports {summary.first_number:,}-{summary.last_number:,}, {summary.files:,} files, "
        f"{summary.seconds:.1f} s, {summary.rate:,.0f} reports/s"
    )
    console.print(
        f"Time in intake's store: {summary.store_seconds:.1f} s; waiting for generated reports: "
        f"{summary.waiting_seconds:.1f} s"
    )


def seed(
    exercise: ExerciseOption,
    scenario: Annotated[str, typer.Option(help="A scenario of seed/scenarios, e.g. demo, classroom, load.")],
    reports: Annotated[int | None, typer.Option(min=1, max=5_000_000, help="Default: the scenario's.")] = None,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="The same seed gives the same data.")] = 0,
    workers: Annotated[
        int | None, typer.Option(min=0, max=16, help="Generator processes (default: 1 from 20,000 reports).")
    ] = None,
    drip: Annotated[
        bool, typer.Option(help="Feed the reports over the shift from the exercise's current time (drip feed).")
    ] = False,
) -> None:
    """Seed an exercise from a scenario: fabricated reports (reserved identifiers only) through intake's rules,
    with an answer key each. All or nothing: a failure leaves the exercise as it was."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from app.seeding.service import check_seedable
    from seed import scenarios
    from seed.loader import default_workers, seed_exercise

    try:
        chosen = scenarios.load(scenario)
    except KeyError:
        err_console.print(f"[red]No scenario {scenario!r}.[/red] Available: {', '.join(scenarios.available())}")
        raise typer.Exit(2) from None
    count = reports or chosen.reports
    db = _database()
    try:
        with db.session_factory.begin() as session:
            target = _exercise(session, exercise)
            check_seedable(target)
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=err_console) as bar:
                task = bar.add_task(f"Seeding {chosen.name}", total=count)
                summary = seed_exercise(
                    session,
                    exercise=target,
                    scenario=chosen,
                    reports=count,
                    seed=seed,
                    actor="system",
                    workers=workers if workers is not None else default_workers(count),
                    progress=lambda done, _total: bar.update(task, completed=done),
                    drip=drip,
                )
                bar.update(task, description="Committing")
        print_summary(summary)
    except Exception as exc:
        from app.core.errors import AppError

        if not isinstance(exc, AppError):
            raise
        err_console.print(f"[red]{exc.title}:[/red] {exc.detail}")
        raise typer.Exit(1) from None
    finally:
        db.dispose()


def export(
    exercise: ExerciseOption,
    format: Annotated[str, typer.Option("--format", help="ndjson or ispws-xml.")] = "ndjson",
    output: Annotated[Path | None, typer.Option(help="File to write (default: standard output).")] = None,
) -> None:
    """Write an exercise's reports as intake reads them (replayable elsewhere; see the README)."""
    from seed.export import FORMATS
    from seed.export import export as run_export

    if format not in FORMATS:
        err_console.print(f"[red]Unknown format {format!r}[/red]; use one of {', '.join(FORMATS)}.")
        raise typer.Exit(2)
    db = _database()
    try:
        with db.read_session_factory() as session:
            _exercise(session, exercise)
            target = output.open("wb") if output else sys.stdout.buffer
            try:
                for line in run_export(session, exercise_id=exercise, format=format):
                    target.write(line)
            finally:
                if output:
                    target.close()
    finally:
        db.dispose()


def verify_safe(exercise: ExerciseOption) -> None:
    """Check every identifier of the exercise's reports against the reserved ranges; exit 1 listing offenders."""
    from seed.verify import verify_exercise

    db = _database()
    try:
        with db.read_session_factory() as session:
            _exercise(session, exercise)
            offenders = list(verify_exercise(session, exercise_id=exercise))
    finally:
        db.dispose()
    if not offenders:
        console.print("[green]✓ every identifier lies in a reserved range (0 findings)[/green]")
        return
    err_console.print(f"[red]{len(offenders)} identifier(s) outside the reserved ranges[/red]")
    typer.echo("report\tpointer\tkind\tvalue\treason")
    for o in offenders:  # one per line, tab-separated: easy to grep and to read back
        typer.echo(f"{o.report_number}\t{o.pointer}\t{o.kind}\t{o.value}\t{o.reason}")
    raise typer.Exit(1)
