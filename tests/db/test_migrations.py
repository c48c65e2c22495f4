"""Migrations: up, down and up again on an empty database of the chosen backend; no drift against the models; an
unmigrated database makes the API say so instead of failing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from app.core.config import Settings, get_settings
from app.db import migrations, ops
from app.main import create_app
from seed.demo import ensure_demo
from tests import dbs

EXPECTED_TABLES = {
    "user",
    "credential",
    "login_failure",
    "exercise",
    "membership",
    "unit",
    "jurisdiction_area",
    "event",
    "event_stream",
}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_leaves_no_drift(tmp_path: Path) -> None:
    with dbs.fresh_database(tmp_path, "mig") as url:
        ops.upgrade(url, "head")
        assert _tables(url) >= EXPECTED_TABLES
        assert ops.current(url) == migrations.head_revision()
        ops.downgrade(url, "base")
        assert _tables(url) == set()
        assert ops.current(url) is None
        ops.upgrade(url, "head")
        assert ops.check(url) == []


def test_check_reports_an_unmigrated_database(tmp_path: Path) -> None:
    with dbs.fresh_database(tmp_path, "chk") as url:
        problems = ops.check(url)
        assert len(problems) == 1 and "tipdesk db upgrade" in problems[0]


def test_revision_files_are_date_prefixed() -> None:
    versions = Path(migrations.MIGRATIONS_DIR, "versions").glob("*.py")
    names = sorted(p.name for p in versions)
    assert names and all(len(n) > 16 and n[:10].count("-") == 2 and n[10] == "-" for n in names), names


def test_unmigrated_database_gives_readyz_false_and_503_problems(tmp_path: Path) -> None:
    with dbs.fresh_database(tmp_path, "raw") as url:
        settings = Settings(database_url=url, environment="test", secret_key="x" * 40)
        with TestClient(create_app(settings), raise_server_exceptions=False) as c:
            ready = c.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["ready"] is False and ready.json()["database"] == "not-migrated"
            assert c.get("/healthz").status_code == 200
            r = c.get("/api/v1/exercises", headers={"Authorization": "Bearer tdk_x"})
            assert r.status_code == 503
            assert r.json()["type"] == "urn:tipdesk:problem:not-migrated"
            assert "tipdesk db upgrade" in r.json()["detail"]
            ops.upgrade(url, "head")  # once migrated, the same process recovers without a restart
            assert c.get("/readyz").status_code == 200
            assert c.get("/api/v1/exercises", headers={"Authorization": "Bearer tdk_x"}).status_code == 401


def test_cli_db_upgrade_and_check(tmp_path: Path, monkeypatch: object) -> None:
    from app.cli import app as cli

    runner = CliRunner()
    with dbs.fresh_database(tmp_path, "cli") as url:
        env = {"TIPDESK_DATABASE_URL": url}
        get_settings.cache_clear()
        try:
            r = runner.invoke(cli, ["db", "check"], env=env)
            assert r.exit_code == 1
            r = runner.invoke(cli, ["db", "upgrade"], env=env)
            assert r.exit_code == 0, r.output
            get_settings.cache_clear()
            r = runner.invoke(cli, ["db", "check"], env=env)
            assert r.exit_code == 0 and "no drift" in r.output
            get_settings.cache_clear()
            r = runner.invoke(
                cli, ["user", "create", "first.admin", "--password", "long-enough-pw", "--admin"], env=env
            )
            assert r.exit_code == 0, r.output
            get_settings.cache_clear()
            r = runner.invoke(cli, ["user", "create", "first.admin", "--password", "long-enough-pw"], env=env)
            assert r.exit_code == 1 and "already exists" in r.output
        finally:
            get_settings.cache_clear()


def _compression(url: str) -> dict[str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            rows = c.execute(
                text(
                    "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = 'report'::regclass"
                    " AND attname IN ('document', 'section_b')"
                )
            )
            return {name: str(method) for name, method in rows}
    finally:
        engine.dispose()


def test_report_documents_are_compressed_with_lz4_on_postgresql(tmp_path: Path) -> None:
    if dbs.BACKEND != "postgresql":
        pytest.skip("column compression is PostgreSQL's")
    with dbs.fresh_database(tmp_path, "lz4") as url:
        ops.upgrade(url, "head")
        assert _compression(url) == {"document": "l", "section_b": "l"}  # CI's PostgreSQL has lz4
        ops.downgrade(url, "8d2e5b7a1c39")
        assert _compression(url) == {"document": "", "section_b": ""}  # the database's default again


def _indexes(url: str, table: str) -> dict[str, str]:
    """Index name -> its columns and, on PostgreSQL, its method."""
    engine = create_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as c:
                rows = c.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"), {"t": table})
                return {name: definition.split(" USING ", 1)[1] for name, definition in rows}
        return {i["name"]: f"({', '.join(i['column_names'])})" for i in inspect(engine).get_indexes(table) if i["name"]}
    finally:
        engine.dispose()


def test_the_report_files_md5_index_is_dropped_and_restored(tmp_path: Path) -> None:
    with dbs.fresh_database(tmp_path, "md5idx") as url:
        ops.upgrade(url, "head")
        assert "ix_report_file_exercise_id_md5" not in _indexes(url, "report_file")
        assert "exercise_id, kind, value_hash" in _indexes(url, "indicator")["ix_indicator_exercise_id_kind_value_hash"]
        ops.downgrade(url, "9e4b7c2a6f13")
        assert "exercise_id, md5" in _indexes(url, "report_file")["ix_report_file_exercise_id_md5"]


def _report_keys(url: str) -> dict[str, tuple[int, list[tuple[str, tuple[str, ...]]]]]:
    """Per table holding rows of a report: its row count and its foreign keys (referred table, columns)."""
    engine = create_engine(url)
    try:
        found = {}
        with engine.connect() as c:
            for table in ("indicator", "report_file", "answer_key"):
                count = c.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                keys = inspect(c).get_foreign_keys(table)
                found[table] = (
                    count,
                    sorted(
                        (k["referred_table"], tuple(k["constrained_columns"]))
                        for k in keys
                        if k["referred_table"] != "unit"
                    ),
                )
        return found
    finally:
        engine.dispose()


def test_rows_of_a_report_move_to_one_key_and_back_with_their_data(tmp_path: Path) -> None:
    """The migration keeps every row (on SQLite it rebuilds those tables) and its downgrade restores the two keys."""
    one_key = [("report", ("exercise_id", "report_id"))]
    two_keys = [("exercise", ("exercise_id",)), ("report", ("report_id",))]
    with dbs.fresh_database(tmp_path, "rowkeys") as url:
        ops.upgrade(url, "head")
        ensure_demo(Settings(database_url=url, environment="test", secret_key="x" * 40, demo_mode=True))
        at_head = _report_keys(url)
        counts = {t: n for t, (n, _) in at_head.items()}
        assert all(counts.values()) and all(keys == one_key for _, keys in at_head.values()), at_head
        assert "exercise_id, id" in _indexes(url, "report")["ix_report_exercise_id_id"]
        ops.downgrade(url, "3f6d9a1c8b42")
        assert _report_keys(url) == {t: (counts[t], two_keys) for t in counts}
        assert "ix_report_exercise_id_id" not in _indexes(url, "report")
        ops.upgrade(url, "head")
        assert _report_keys(url) == at_head
        assert ops.check(url) == []
