"""Report intake throughput over HTTP on PostgreSQL, each figure beside a baseline measured in the same run:

- **bulk**: reports/s through ``POST /reports/bulk`` (one NDJSON stream of ``--lines`` typical reports);
- **single**: ``POST /reports`` requests/s from ``--clients`` concurrent clients, next to a bare FastAPI endpoint
  that inserts the same JSON body as one row (``bench/bare_app.py``) under the same server and clients.

    python bench/intake.py --lines 10000 --requests 2000 --clients 4 --repeat 3

Both servers run as one uvicorn worker process each, on this machine, with the clients. A fresh database is
created on the PostgreSQL server at ``TIPDESK_BENCH_PG_ADMIN_URL`` (default: local, user postgres) and dropped
afterwards. "Typical" reports are the shape most CyberTipline reports take (see ``typical_report``); ``--full``
also measures the maximal sample reports the test suite uses (every optional section filled).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.addresses.defaults import default_blocks  # noqa: E402
from app.auth import service as auth_service  # noqa: E402
from app.auth.models import CredentialKind, ExerciseRole, GlobalRole  # noqa: E402
from app.auth.principal import Principal  # noqa: E402
from app.auth.schemas import UserCreate  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.db import ops  # noqa: E402
from app.db.session import Database  # noqa: E402
from app.exercises import service as exercises_service  # noqa: E402
from app.exercises.schemas import ExerciseCreate  # noqa: E402

ADMIN_URL = os.environ.get("TIPDESK_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TYPES = (
    "Child Pornography (possession, manufacture, and distribution)",
    "Online Enticement of Children for Sexual Acts",
    "Unsolicited Obscene Material Sent to a Child",
)
V4_BLOCKS = [b for b in default_blocks() if b.network.version == 4 and b.province]


def typical_report(i: int, rng: random.Random) -> dict[str, Any]:
    """Incident summary, reporting contact, one reported user with an email, screen name, ESP id and two login
    addresses inside the default registry: the common shape of a CyberTipline report."""
    block = rng.choice(V4_BLOCKS)
    base = block.network.first
    host = int(base, 16) & 0xFFFFFFFF
    ips = [
        f"{(host >> 24) & 255}.{(host >> 16) & 255}.{(host >> 8) & 255}.{(host & 255) + rng.randrange(1, 120)}"
        for _ in range(2)
    ]
    return {
        "incidentSummary": {
            "incidentType": TYPES[i % len(TYPES)],
            "platform": "Pelangi Chat",
            "incidentDateTime": "2026-03-02T07:30:00+07:00",
        },
        "reporter": {
            "reportingPerson": {
                "firstName": "Dewi",
                "lastName": "Lestari",
                "email": [{"value": "trust.safety@pelangi-chat.example"}],
            }
        },
        "personOrUserReported": [
            {
                "personOrUserReportedPerson": {"email": [{"value": f"user{i}@mail.example", "verified": True}]},
                "espIdentifier": f"{100000 + i}",
                "screenName": f"user_{i:06d}",
                "ipCaptureEvent": [
                    {"ipAddress": ip, "eventName": "Login", "dateTime": "2026-03-01T10:00:00Z"} for ip in ips
                ],
            }
        ],
    }


SERVER_PIDS: dict[str, int] = {}  # base URL -> the server process


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a local process (Linux /proc); 0 where it cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu() -> dict[int, float]:
    """CPU time of each PostgreSQL backend serving the benchmark's database (local server, by pid)."""
    with _ADMIN[0].connect() as c:
        pids = c.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :db"), {"db": _ADMIN[1]}).scalars()
        return {int(pid): _cpu_seconds(int(pid)) for pid in pids}


def _postgres_cpu_since(before: dict[int, float]) -> float:
    """CPU the benchmark database's backends used since ``before`` (backends started since count from zero)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in _postgres_cpu().items())


_ADMIN: list[Any] = []  # the admin engine and the benchmark database's name, while it exists


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _database() -> Iterator[str]:
    name = f"tipdesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    _ADMIN[:] = [admin, name]
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _ADMIN.clear()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _server(target: str, url: str, port: int) -> Iterator[str]:
    env = {**os.environ, "TIPDESK_DATABASE_URL": url, "TIPDESK_LOG_LEVEL": "WARNING"}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    SERVER_PIDS[base] = proc.pid
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{target} did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def _setup(url: str) -> tuple[str, str]:
    ops.upgrade(url, "head")
    db = Database(Settings(database_url=url))
    with db.session_factory.begin() as s:
        owner = auth_service.create_user(
            s,
            principal=None,
            data=UserCreate(
                username="bench.owner", password="bench-password", display_name="Bench", role=GlobalRole.instructor
            ),
        )
        ex = exercises_service.create_exercise(s, data=ExerciseCreate(name="bench"), principal=Principal(owner, None))
        reporter = auth_service.create_user(
            s,
            principal=None,
            data=UserCreate(username="bench.reporter", password="bench-password", display_name="Pelangi Chat"),
        )
        auth_service.add_member(
            s,
            exercise=ex,
            user=reporter,
            role=ExerciseRole.reporter,
            unit_id=None,
            actor="system",
            at=exercises_service.clock_read(ex).now,
        )
        _cred, token = auth_service._issue(
            s, user=reporter, kind=CredentialKind.api, name="bench", ttl=timedelta(days=1)
        )
        eid = str(ex.id)
    db.dispose()
    return eid, token


def _concurrent(
    url: str, bodies: list[dict[str, Any]], headers: dict[str, str], clients: int, cpu: list[tuple[float, float]]
) -> float:
    """Requests/s for posting every body once, spread over `clients` threads with keep-alive connections; appends
    (server, PostgreSQL) CPU seconds per request to ``cpu``."""
    server = SERVER_PIDS[url.split("/api/", 1)[0].removesuffix("/rows")]
    server_cpu, pg_cpu = _cpu_seconds(server), _postgres_cpu()
    chunks = [bodies[i::clients] for i in range(clients)]
    failures: list[int] = []

    def run(chunk: list[dict[str, Any]]) -> None:
        with httpx.Client(headers=headers, timeout=60) as client:
            for body in chunk:
                r = client.post(url, json=body)
                if r.status_code != 201:
                    failures.append(r.status_code)

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    cpu.append(((_cpu_seconds(server) - server_cpu) / len(bodies), _postgres_cpu_since(pg_cpu) / len(bodies)))
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[:5]}")
    return len(bodies) / elapsed


def _bulk(url: str, lines: list[bytes], headers: dict[str, str], cpu: list[tuple[float, float]]) -> float:
    """Reports/s for one bulk stream; appends (tipdesk server, PostgreSQL) CPU seconds per report to ``cpu``."""

    def body() -> Iterator[bytes]:
        for start in range(0, len(lines), 256):
            yield b"".join(lines[start : start + 256])

    server = SERVER_PIDS[url.split("/api/", 1)[0]]
    server_cpu, pg_cpu = _cpu_seconds(server), _postgres_cpu()
    start = time.perf_counter()
    stored = 0
    with (
        httpx.Client(timeout=600) as client,
        client.stream("POST", url, content=body(), headers={**headers, "Content-Type": "application/x-ndjson"}) as r,
    ):
        first = None
        for line in r.iter_lines():
            result = json.loads(line)
            stored += result["status"] == 201
            first = first or (None if result["status"] == 201 else result)
    elapsed = time.perf_counter() - start
    cpu.append(((_cpu_seconds(server) - server_cpu) / len(lines), _postgres_cpu_since(pg_cpu) / len(lines)))
    if stored != len(lines):
        raise RuntimeError(f"bulk stored {stored} of {len(lines)} lines; first refusal: {first}")
    return len(lines) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="also bulk-load the maximal sample reports")
    args = parser.parse_args()
    rng = random.Random(20261128)
    with _database() as url:
        eid, token = _setup(url)
        headers = {"Authorization": f"Bearer {token}"}
        port_app, port_bare = _free_port(), _free_port()
        with (
            _server("app.main:create_app", url, port_app) as api,
            _server("bench.bare_app:create_app", url, port_bare) as bare,
        ):
            reports = f"{api}/api/v1/exercises/{eid}/reports"
            bulk_rates, full_rates, single_rates, bare_rates = [], [], [], []
            bulk_cpu: list[tuple[float, float]] = []
            single_cpu: list[tuple[float, float]] = []
            bare_cpu: list[tuple[float, float]] = []
            for r in range(args.repeat):
                offset = r * (args.lines + args.requests)
                lines = [
                    json.dumps(
                        {"idempotency_key": f"b{offset + i}", "report": typical_report(offset + i, rng)}
                    ).encode()
                    + b"\n"
                    for i in range(args.lines)
                ]
                bulk_rates.append(_bulk(f"{reports}/bulk", lines, headers, bulk_cpu))
                if args.full:
                    from tests.reports.samples import build_report

                    full = [json.dumps(build_report(i)).encode() + b"\n" for i in range(min(args.lines, 2_000))]
                    full_rates.append(_bulk(f"{reports}/bulk", full, headers, []))
                bodies = [typical_report(offset + args.lines + i, rng) for i in range(args.requests)]
                bare_rates.append(_concurrent(f"{bare}/rows", bodies, {}, args.clients, bare_cpu))
                single_rates.append(_concurrent(reports, bodies, headers, args.clients, single_cpu))
                print(
                    f"round {r + 1}: bulk {bulk_rates[-1]:,.0f}/s  single {single_rates[-1]:,.0f}/s  "
                    f"bare {bare_rates[-1]:,.0f}/s",
                    flush=True,
                )
    med = statistics.median
    print(f"\nPostgreSQL, {os.cpu_count()} cores, medians of {args.repeat} rounds")
    print(f"bulk NDJSON, typical reports ({args.lines:,} lines): {med(bulk_rates):,.0f} reports/s (goal >= 5,000)")
    server_us, pg_us = (med(c[i] for c in bulk_cpu) * 1e6 for i in (0, 1))
    cores = os.cpu_count() or 1
    print(
        f"  CPU per report: tipdesk server {server_us:,.0f} us, PostgreSQL {pg_us:,.0f} us; with both fully "
        f"overlapped on {cores} cores at most {cores / (server_us + pg_us) * 1e6:,.0f} reports/s, and at most "
        f"{1e6 / pg_us:,.0f} reports/s for PostgreSQL's share alone on one core"
    )
    if full_rates:
        print(f"bulk NDJSON, maximal sample reports: {med(full_rates):,.0f} reports/s")
    ratio = med(single_rates) / med(bare_rates)
    print(
        f"single POST /reports, {args.clients} clients: {med(single_rates):,.0f} req/s; "
        f"bare FastAPI insert: {med(bare_rates):,.0f} req/s; ratio {ratio:.0%} (goal >= 50%)"
    )
    for name, cpu in (("single POST", single_cpu), ("bare insert", bare_cpu)):
        server_ms, pg_ms = (med(c[i] for c in cpu) * 1e3 for i in (0, 1))
        print(f"  CPU per request, {name}: server {server_ms:.2f} ms, PostgreSQL {pg_ms:.2f} ms")


if __name__ == "__main__":
    main()
