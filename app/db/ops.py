"""Migration operations used by the CLI and the tests."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.core.config import Settings
from app.db.migrations import alembic_config, head_revision
from app.db.registry import Base
from app.db.session import make_engine


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    engine = make_engine(Settings(database_url=database_url))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def check(database_url: str) -> list[str]:
    """Problems that stand between the database and the code: not at head, or schema drift."""
    engine = make_engine(Settings(database_url=database_url))
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            rev = ctx.get_current_revision()
            if rev != head_revision():
                return [f"database at {rev or 'base'}, head is {head_revision()}: run `tipdesk db upgrade`"]
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    return [f"drift: {d!r}" for d in diff]
