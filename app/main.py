"""The ASGI application: ``create_app()`` wires settings, database, routers, errors and middleware."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app import __version__
from app.api import api_router
from app.core import openapi
from app.core.config import Settings, get_settings
from app.core.errors import install_handlers
from app.core.middleware import BodyLimitMiddleware, RequestContextMiddleware
from app.db.session import Database
from app.health import router as health_router
from app.ispws import bodies as ispws_bodies
from app.ispws.router import router as ispws_router
from app.ispws.routing import RequestIdHeader
from app.reports.grouped import GroupedIntake
from app.webhooks import dispatcher as webhooks

DESCRIPTION = """
tipdesk is a case-management API for law-enforcement training on CyberTipline-style reports, with fabricated,
non-sensitive data only. Every error is an RFC 9457 `application/problem+json` document. Lists use keyset
pagination (`limit`, `cursor` → `next_cursor`). Authenticate with `POST /api/v1/auth/token` or a personal API token.
"""


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    db = database or Database(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as background:
            if settings.runs_webhook_dispatcher:
                _app.state.webhook_dispatcher = await background.enter_async_context(webhooks.running(db, settings))
            yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="tipdesk",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.grouped_intake = (
        None
        if settings.is_sqlite or settings.intake_group_max == 1
        else GroupedIntake(max_group=settings.intake_group_max)
    )
    install_handlers(app)
    openapi.install(app)
    app.include_router(health_router)
    app.include_router(api_router)
    app.include_router(ispws_router)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        overrides=(
            (r"/reports/bulk$", settings.bulk_max_bytes),
            (r"^/ispws/", ispws_bodies.SELF_BOUNDED),
        ),
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Location", "ETag"],
        )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(RequestIdHeader)  # outermost: copies the request id into the protocol's Request-ID header
    return app
