"""A real tipdesk server for end-to-end tests: ``tipdesk serve`` (uvicorn) in its own process on 127.0.0.1 and a
free port, against a fresh migrated database of the chosen backend, with one instructor user made beforehand."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.auth import service as auth_service
from app.auth.models import GlobalRole
from app.auth.schemas import UserCreate
from app.core.config import Settings
from app.db import ops
from app.db.session import Database
from tests import dbs

ROOT = Path(__file__).resolve().parents[2]
SECRET = "live-secret-0123456789abcdef0123456789"
INSTRUCTOR = ("live.instructor", "live-instructor-pass")


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str
    log: Path
    username: str
    password: str


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _make_instructor(database_url: str) -> None:
    db = Database(Settings(database_url=database_url, environment="test", secret_key=SECRET, cors_origins=[]))
    try:
        with db.session_factory() as session:
            username, password = INSTRUCTOR
            auth_service.create_user(
                session,
                principal=None,
                data=UserCreate(
                    username=username, password=password, display_name="Live Instructor", role=GlobalRole.instructor
                ),
            )
            session.commit()
    finally:
        db.dispose()


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not become ready in {timeout:.0f} s:\n{log.read_text(errors='replace')}")


@contextmanager
def live_server(tmp_dir: Path) -> Iterator[LiveServer]:
    with dbs.fresh_database(tmp_dir, "live") as database_url:
        ops.upgrade(database_url, "head")
        _make_instructor(database_url)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIPDESK_")}
        env |= {
            "TIPDESK_DATABASE_URL": database_url,
            "TIPDESK_ENVIRONMENT": "test",
            "TIPDESK_SECRET_KEY": SECRET,
            "TIPDESK_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        log = tmp_dir / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=tmp_dir,  # no stray .env from the working directory
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, process, log)
            yield LiveServer(url, database_url, log, *INSTRUCTOR)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
