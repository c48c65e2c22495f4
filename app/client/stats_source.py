"""``tipdesk stats --url URL``: the statistics from a running server, through the client.

:class:`HttpSource` is a :class:`app.stats.cli.StatsSource`: it asks ``/api/v1/exercises/{id}/stats/...`` with the
caller's token (given, or from logging in with a username and password; such a login is revoked on close) and
turns the server's problems into :class:`app.core.errors.AppError` as the command prints them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

from app.client import calls
from app.client.errors import ProblemError
from app.client.sync import TipdeskClient
from app.core.errors import AppError
from app.stats.schemas import StatsRead

T = TypeVar("T")


class RemoteProblem(AppError):
    """A problem the server answered, carried over as the command's own error."""

    def __init__(self, error: ProblemError) -> None:
        super().__init__(error.detail, extra=error.extra, errors=error.errors)
        self.status_code, self.slug, self.title = error.status, error.slug, error.title


class Unreachable(AppError):
    status_code, slug, title = 503, "server-unreachable", "Server unreachable"


class HttpSource:
    def __init__(
        self,
        url: str,
        exercise_id: uuid.UUID,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        if token is None and (username is None or password is None):
            raise ValueError("give a token, or a username and password, to read statistics from a server")
        self.exercise_id = exercise_id
        self.client = TipdeskClient(url, token=token, http_client=http_client)
        self._logged_in = False
        if token is None:
            assert username is not None and password is not None
            self._call(lambda: self.client.login(username, password))
            self._logged_in = True

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except ProblemError as exc:
            raise RemoteProblem(exc) from None
        except httpx.TransportError as exc:
            raise Unreachable(f"{self.client.base_url}: {exc}") from None

    def fetch(self, endpoint: calls.StatsName, params: Mapping[str, Any]) -> StatsRead:
        return self._call(lambda: self.client.stats(self.exercise_id, endpoint, params))

    def close(self) -> None:
        try:
            if self._logged_in:
                self.client.logout()
        except (ProblemError, httpx.TransportError):
            pass  # the token expires on its own
        finally:
            self.client.close()
