"""Test databases: a temporary SQLite file, or a throw-away PostgreSQL database.

``TIPDESK_TEST_DB`` chooses the backend (``sqlite``, the default, or ``postgresql``). PostgreSQL is reached through
``TIPDESK_TEST_PG_ADMIN_URL`` (default: the local server as user ``postgres``); each run creates its own database
(whose commits do not wait for the disk: ``synchronous_commit = off``) and drops it afterwards. When PostgreSQL was
asked for and cannot be reached, the run fails: it never skips.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BACKEND = os.environ.get("TIPDESK_TEST_DB", "sqlite").lower()
PG_ADMIN_URL = os.environ.get("TIPDESK_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

if BACKEND not in {"sqlite", "postgresql"}:
    raise RuntimeError(f"TIPDESK_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")


@contextmanager
def fresh_database(tmp_dir: Path, label: str = "t") -> Iterator[str]:
    """A new, empty database of the chosen backend; yields its URL and removes it afterwards."""
    if BACKEND == "sqlite":
        path = tmp_dir / f"{label}-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        return
    name = f"tipdesk_test_{label}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # a throw-away database need not survive a crash: commits stop waiting for the WAL flush (~5 ms each)
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as exc:  # the PostgreSQL pass must not silently become a no-op
        admin.dispose()
        raise RuntimeError(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}") from exc
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
