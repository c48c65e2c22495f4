"""The repository's own files: the compose file, the README's Quick start, CI and the scripts it calls."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = [ROOT / "scripts" / "demo.sh", ROOT / "scripts" / "test.sh", ROOT / ".ci" / "run"]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    services = compose.get("services")
    assert isinstance(services, dict), "docker-compose.yml has no services mapping"
    service = services.get(name)
    assert isinstance(service, dict), f"service {name!r} is missing"
    return service


def _command(service: dict[str, Any]) -> str:
    command = service.get("command")
    return " ".join(command) if isinstance(command, list) else str(command or "")


def _depends_condition(service: dict[str, Any], on: str) -> str | None:
    depends = service.get("depends_on")
    assert isinstance(depends, dict), "depends_on must be the long form with conditions"
    entry = depends.get(on)
    return entry.get("condition") if isinstance(entry, dict) else None


def test_compose_declares_db_migrate_and_api(compose: dict[str, Any]) -> None:
    for name in ("db", "migrate", "api"):
        _service(compose, name)


def test_compose_db_is_postgres_with_healthcheck_and_volume(compose: dict[str, Any]) -> None:
    db = _service(compose, "db")
    assert str(db.get("image", "")).startswith("postgres:16")
    healthcheck = db.get("healthcheck")
    assert isinstance(healthcheck, dict) and healthcheck.get("test"), "db needs a healthcheck with a test"
    test = healthcheck["test"]
    assert "pg_isready" in (" ".join(test) if isinstance(test, list) else str(test))
    volumes = db.get("volumes") or []
    named = [str(v).split(":", 1)[0] for v in volumes]
    assert any(n in (compose.get("volumes") or {}) for n in named), "db data should live in a named volume"


def test_compose_migrate_runs_once_after_db_is_healthy(compose: dict[str, Any]) -> None:
    migrate = _service(compose, "migrate")
    assert _depends_condition(migrate, "db") == "service_healthy"
    assert "tipdesk db upgrade" in _command(migrate)
    assert "build" in migrate


def test_compose_api_waits_for_migrate_and_publishes_8000(compose: dict[str, Any]) -> None:
    api = _service(compose, "api")
    assert _depends_condition(api, "migrate") == "service_completed_successfully"
    assert _depends_condition(api, "db") == "service_healthy"
    ports = [str(p) for p in api.get("ports") or []]
    assert any(p.split(":")[-2:] == ["8000", "8000"] or p == "8000" for p in ports), ports
    command = _command(api)
    assert command.startswith("tipdesk serve") and "--workers" in command
    environment = api.get("environment") or {}
    assert str(environment.get("TIPDESK_DATABASE_URL", "")).startswith("postgresql+psycopg://")
    assert environment.get("TIPDESK_ENVIRONMENT") == "production"


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start[ \t]*\n(.*?)(?=^## |\Z)", readme, flags=re.MULTILINE | re.DOTALL)
    assert section is not None, "README.md has no '## Quick start' section"
    block = re.search(r"^```[^\n]*\n(.*?)^```", section.group(1), flags=re.MULTILINE | re.DOTALL)
    assert block is not None, "the Quick start section has no fenced code block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_quick_start_is_two_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2, commands
    for command in commands:
        assert not command.startswith("#"), commands


def test_ci_runs_the_readme_test_command() -> None:
    test_command = quick_start_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci
    for command in quick_start_commands():
        script = command.split()[0]
        if script.startswith("./"):
            assert (ROOT / script).is_file(), f"{script} named in the README does not exist"


def _git_modes() -> dict[str, str]:
    """Mode of each tracked script in the git index, when this is a git checkout."""
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        return {}
    rel = [str(p.relative_to(ROOT)) for p in SCRIPTS]
    out = subprocess.run(
        [git, "-C", str(ROOT), "ls-files", "--stage", "--", *rel], capture_output=True, text=True, check=False
    )
    modes: dict[str, str] = {}
    for line in out.stdout.splitlines():
        meta, _, path = line.partition("\t")
        modes[path] = meta.split()[0]
    return modes


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_scripts_are_executable(script: Path) -> None:
    assert script.is_file()
    assert script.read_text(encoding="utf-8").startswith("#!"), f"{script.name} needs a shebang"
    assert script.stat().st_mode & stat.S_IXUSR and os.access(script, os.X_OK), f"{script} is not executable"
    mode = _git_modes().get(str(script.relative_to(ROOT)))
    if mode is not None:  # tracked: the executable bit must be committed too, or a fresh clone loses it
        assert mode == "100755", f"{script} is tracked with mode {mode}; run `git update-index --chmod=+x`"
