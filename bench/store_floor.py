"""How fast PostgreSQL alone can store seeded reports, beside the seeder's own rate in the same run.

The seeder (``seed.loader.seed_exercise``, ``load`` scenario, fresh process) stores ``--reports`` reports in a fresh
database; that is the measured rate. Every table it filled is then copied out in PostgreSQL's binary format and
copied, as it is, into another freshly migrated database: no Python builds or formats a row, no query runs between
batches, nothing else shares the machine. That is the most the database can do with the rows a report needs:

- **schema**: the tables exactly as migrated (every constraint, foreign key and index);
- **no foreign keys**: the same with every foreign key dropped first (each one is a per-row check);
- **keys only**: no foreign keys and no index except primary keys and unique ones.

Each is the median of ``--repeat`` loads into fresh databases. The figures hold for an exercise of ``--reports``
reports; indexes grow with the exercise, so a larger one is slower per report, never faster.

    python bench/store_floor.py --reports 100000 --repeat 3 [--variants schema]

Databases are made at ``TIPDESK_BENCH_PG_ADMIN_URL`` (default: local, user postgres) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.db import ops  # noqa: E402
from app.db.registry import Base  # noqa: E402  (every model)
from bench.seed import _child, _exercise, _postgres  # noqa: E402

VARIANTS = ("schema", "no foreign keys", "keys only")
SHOWN = ("report", "case", "indicator", "report_file", "event", "routing_decision", "answer_key")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tables() -> list[str]:
    return [t.name for t in Base.metadata.sorted_tables]  # parents before children


def _dump(url: str, tables: list[str], folder: Path) -> dict[str, int]:
    sizes = {}
    with psycopg.connect(_libpq(url)) as conn:
        for table in tables:
            path = folder / f"{table}.bin"
            with path.open("wb") as f, conn.cursor().copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                for chunk in copy:
                    f.write(chunk)
            sizes[table] = path.stat().st_size
    return sizes


def _strip(conn: psycopg.Connection, variant: str) -> None:
    if variant in ("no foreign keys", "keys only"):
        for table, name in conn.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f'"
        ).fetchall():
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    if variant == "keys only":
        for (name,) in conn.execute(
            "SELECT indexrelid::regclass::text FROM pg_index JOIN pg_class ON pg_class.oid = indrelid "
            "WHERE relnamespace = 'public'::regnamespace AND NOT indisprimary AND NOT indisunique"
        ).fetchall():
            conn.execute(f"DROP INDEX {name}")


def _load(tables: list[str], folder: Path, variant: str) -> tuple[float, dict[str, float]]:
    """Seconds to COPY every dumped table into a fresh migrated database (its tables empty), commit included, and
    per table."""
    with _postgres() as url:
        ops.upgrade(url, "head")
        with psycopg.connect(_libpq(url)) as conn:
            _strip(conn, variant)
            conn.commit()
            per: dict[str, float] = {}
            start = time.perf_counter()
            for table in tables:
                began = time.perf_counter()
                with (
                    (folder / f"{table}.bin").open("rb") as f,
                    conn.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy,
                ):
                    while block := f.read(1 << 20):
                        copy.write(block)
                per[table] = time.perf_counter() - began
            conn.commit()
            return time.perf_counter() - start, per


def _settings(url: str) -> str:
    names = ("shared_buffers", "max_wal_size", "full_page_writes", "wal_compression", "server_version")
    with psycopg.connect(_libpq(url)) as conn:
        query = "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)"
        got = dict(conn.execute(query, [list(names)]).fetchall())
    return ", ".join(f"{n} {got.get(n, '?')}" for n in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, from: " + ", ".join(VARIANTS))
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if unknown := set(variants) - set(VARIANTS):
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    tables = _tables()
    with tempfile.TemporaryDirectory() as tmp, _postgres() as url:
        print(f"machine: {os.cpu_count()} cores; PostgreSQL: {_settings(url)}")
        ops.upgrade(url, "head")
        seeded = _child("fast", url, str(_exercise(url)), str(args.reports), "-1")
        n = int(seeded["reports"])
        rate = n / float(seeded["seconds"])
        print(f"{'seeder':<24}{n:>10,} reports {seeded['seconds']:8.1f} s {rate:8,.0f} reports/s")
        sizes = _dump(url, tables, Path(tmp))
        print(f"{'':<24}{sum(sizes.values()) / 1e6:,.0f} MB of rows in binary COPY format")
        for variant in variants:
            runs = [_load(tables, Path(tmp), variant) for _ in range(args.repeat)]
            seconds = statistics.median(r[0] for r in runs)
            per = {t: statistics.median(r[1][t] for r in runs) for t in SHOWN}
            spread = ", ".join(f"{r[0]:.1f}" for r in runs)
            print(
                f"{'COPY, ' + variant:<24}{n:>10,} reports {seconds:8.1f} s {n / seconds:8,.0f} reports/s"
                f" ({n / seconds / rate:.1f}x the seeder; runs {spread} s)"
            )
            print(f"{'':<24}" + ", ".join(f"{t} {s:.1f} s" for t, s in per.items()))


if __name__ == "__main__":
    main()
