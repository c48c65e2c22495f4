from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.config import DEFAULT_SECRET, Settings


def test_defaults_are_embedded_sqlite_and_development(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("TIPDESK_DATABASE_URL", "TIPDESK_ENVIRONMENT", "TIPDESK_SECRET_KEY"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.database_url == "sqlite:///./tipdesk.db"
    assert s.environment == "development" and s.secret_key == DEFAULT_SECRET


def test_environment_prefix_and_postgres_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPDESK_DATABASE_URL", "postgresql://u@db:5432/tipdesk")
    monkeypatch.setenv("TIPDESK_CORS_ORIGINS", "http://a.example, http://b.example")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.database_url == "postgresql+psycopg://u@db:5432/tipdesk"
    assert s.cors_origins == ["http://a.example", "http://b.example"]


@pytest.mark.parametrize("secret", [DEFAULT_SECRET, "short"])
def test_production_refuses_default_or_weak_secrets(secret: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None, environment="production", secret_key=secret)  # type: ignore[call-arg]


def test_production_refuses_demo_mode() -> None:
    with pytest.raises(ValidationError, match="DEMO_MODE"):
        Settings(_env_file=None, environment="production", secret_key="s" * 40, demo_mode=True)  # type: ignore[call-arg]


def test_production_with_a_real_secret_is_accepted() -> None:
    assert Settings(_env_file=None, environment="production", secret_key="s" * 40).environment == "production"  # type: ignore[call-arg]
