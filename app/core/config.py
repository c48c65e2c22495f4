"""One settings object for the whole service (environment variables prefixed ``TIPDESK_``)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET = "change-me-in-production"  # noqa: S105 - the development default that production refuses


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIPDESK_", env_file=".env", env_ignore_empty=True, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./tipdesk.db"
    secret_key: str = Field(
        default=DEFAULT_SECRET,
        description="Signs pagination cursors. Production refuses the default and anything under 32 characters.",
    )
    demo_mode: bool = Field(default=False, description="Demo users with printed passwords; refused in production.")

    access_token_ttl_minutes: int = Field(default=480, ge=1, le=60 * 24 * 30)
    api_token_max_ttl_days: int = Field(default=365, ge=1)
    login_max_failures_per_user: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)

    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest accepted request body (413 above).")
    bulk_max_lines: int = Field(default=100_000, ge=1, description="Most lines in one bulk NDJSON intake.")
    bulk_max_bytes: int = Field(default=256 * 1_048_576, ge=1024, description="Largest bulk NDJSON body.")
    bulk_batch_lines: int = Field(default=500, ge=1, description="Lines committed together in a bulk intake.")
    intake_group_max: int = Field(
        default=32,
        ge=1,
        description="Most concurrent single report submissions stored in one transaction (PostgreSQL; 1: none).",
    )
    ispws_max_xml_bytes: int = Field(
        default=2 * 1_048_576, ge=1024, description="Largest `<report>` or `<fileDetails>` body sent to `/ispws/`."
    )
    ispws_max_upload_bytes: int = Field(
        default=1_073_741_824, ge=1, description="Largest file sent to `/ispws/upload` (hashed, never stored)."
    )
    ispws_max_files: int = Field(default=1000, ge=1, description="Most files uploaded to one `/ispws/` report.")
    seed_max_reports: int = Field(
        default=1_000_000, ge=1, le=1_000_000, description="Most reports one POST .../seed may ask for (422 above)."
    )
    page_default_limit: int = Field(default=50, ge=1)
    page_max_limit: int = Field(default=500, ge=1)

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Browser origins allowed by CORS: comma-separated or a JSON list."
    )
    sla_sweep_interval_seconds: float = Field(
        default=30.0, ge=0, description="How often `tipdesk serve` records SLA breaches (real seconds; 0: never)."
    )
    stream_poll_interval_seconds: float = Field(
        default=0.5, ge=0.01, le=60, description="How often an event stream looks for new events (real seconds)."
    )
    stream_heartbeat_seconds: float = Field(
        default=15.0, ge=0.1, le=3600, description="Idle event streams send a comment ping this often (real seconds)."
    )
    stream_max_seconds: float = Field(
        default=3600.0,
        ge=0.1,
        description="An event stream ends after this long (real seconds); clients resume with Last-Event-ID.",
    )
    stream_batch_size: int = Field(default=500, ge=1, le=10_000, description="Most events one stream poll reads.")
    arrival_release_interval_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How often `tipdesk serve` moves arrived scheduled events into the log (real seconds; 0: never).",
    )
    webhook_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Webhook URLs may name loopback addresses and these hosts only: host names (exact) or IP "
        "networks (CIDR) the resolved addresses must lie in; comma-separated or a JSON list.",
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Attempts per webhook delivery before it is marked failed."
    )
    webhook_backoff_base_seconds: float = Field(
        default=1.0, ge=0, description="Retry n waits a random time up to min(cap, base * 2^(n-1)) (full jitter)."
    )
    webhook_backoff_cap_seconds: float = Field(default=300.0, ge=0, description="Longest wait between two attempts.")
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Connect, write and read timeout of one webhook request."
    )
    webhook_poll_interval_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How often an idle webhook dispatcher looks for new events."
    )
    webhook_concurrency: int = Field(default=8, ge=1, le=256, description="Endpoints one dispatcher serves at once.")
    webhook_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a dispatcher holds an endpoint between two steps; another process takes it over after.",
    )
    webhook_dispatcher: bool | None = Field(
        default=None,
        description="Run the webhook dispatcher inside each API process (default: yes, except in the test "
        "environment); turn off to run `tipdesk webhooks run` on its own.",
    )
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    db_pool_size: int = Field(default=10, ge=1)
    db_ping_idle_seconds: float = Field(
        default=5.0,
        ge=0,
        description="PostgreSQL: a pooled connection idle this long is pinged before use (0: before every use).",
    )
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _normalise_driver(cls, value: str) -> str:
        # plain postgres URLs use psycopg 3, the driver this project ships with
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("cors_origins", "webhook_allowed_hosts", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
                raise ValueError("TIPDESK_SECRET_KEY must be set to a random value of 32+ characters in production")
            if self.demo_mode:
                raise ValueError("TIPDESK_DEMO_MODE is not allowed in production")
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError("webhook_lease_seconds must exceed webhook_timeout_seconds")
        if self.page_default_limit > self.page_max_limit:
            raise ValueError("page_default_limit must not exceed page_max_limit")
        return self

    @property
    def runs_webhook_dispatcher(self) -> bool:
        if self.webhook_dispatcher is None:
            return self.environment != "test"
        return self.webhook_dispatcher

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
