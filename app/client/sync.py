"""The blocking client."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel

from app.auth.schemas import AccessToken
from app.client import bulk, calls, errors
from app.client.base import DEFAULT_TIMEOUT, USER_AGENT, ClientBase
from app.client.calls import Call, Id
from app.client.ops import SyncOp, SyncPages

T = TypeVar("T")


class TipdeskClient(ClientBase):
    """tipdesk's API over ``httpx.Client``.

    ``TipdeskClient("http://127.0.0.1:8000")`` then :meth:`login`, or pass ``token=`` (a login token or a personal
    API token). Every method returns the app's own response models; an error answer raises a
    :class:`~app.client.errors.ProblemError` subclass. ``http_client`` lends an existing ``httpx.Client`` (its
    ``base_url`` is used; the client does not close it). Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        token: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.Client | None = None,
    ) -> None:
        if http_client is not None:
            super().__init__(str(http_client.base_url), token=token)
            self._http, self._owned = http_client, False
        else:
            super().__init__(base_url, token=token)
            self._http = httpx.Client(base_url=self.base_url, timeout=timeout, headers={"User-Agent": USER_AGENT})
            self._owned = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._owned:
            self._http.close()

    def send(self, call: Call[T]) -> T:
        """Send one built call and read its answer (every operation goes through here)."""
        return call.finish(self._http.request(**self._request_args(call)))

    # auth
    def login(self, username: str, password: str) -> AccessToken:
        """Log in; later calls carry the token."""
        token = self.send(calls.login(username, password))
        self.token = token.access_token
        return token

    def logout(self) -> None:
        """Revoke the token in use and forget it."""
        self.send(calls.logout())
        self.token = None

    me = SyncOp(calls.me)

    # exercises
    create_exercise = SyncOp(calls.create_exercise)
    list_exercises = SyncOp(calls.list_exercises)
    iter_exercises = SyncPages(calls.list_exercises)
    get_exercise = SyncOp(calls.get_exercise)
    update_exercise = SyncOp(calls.update_exercise)
    get_clock = SyncOp(calls.get_clock)
    change_clock = SyncOp(calls.change_clock)

    # reports
    submit_report = SyncOp(calls.submit_report)
    get_report = SyncOp(calls.get_report)
    list_reports = SyncOp(calls.list_reports)
    iter_reports = SyncPages(calls.list_reports)

    def submit_reports_bulk(
        self,
        exercise_id: Id,
        reports: Iterable[BaseModel | Mapping[str, Any]],
        *,
        chunk_lines: int = bulk.DEFAULT_CHUNK_LINES,
    ) -> Iterator[bulk.BulkLineResult]:
        """Stream report documents (or :func:`~app.client.bulk.envelope` lines) as NDJSON, yielding one result per
        item in order as the server commits them. The items are read lazily; at most ``chunk_lines`` go in one
        request. A refused line is a result with its ``problem``; a refused request raises."""
        chunks = bulk.Chunks(reports, chunk_lines)
        while (run := chunks.next_run()) is not None:
            offset = chunks.sent
            with self._http.stream(
                "POST", bulk.url(exercise_id), content=run, headers={**self._auth(), **bulk.HEADERS}
            ) as response:
                if response.is_error:
                    response.read()
                    raise errors.from_response(response)
                for line in response.iter_lines():
                    if line.strip():
                        yield bulk.result(line, offset)

    # units
    list_units = SyncOp(calls.list_units)
    iter_units = SyncPages(calls.list_units)

    # cases
    list_cases = SyncOp(calls.list_cases)
    iter_cases = SyncPages(calls.list_cases)
    get_case = SyncOp(calls.get_case)
    update_case = SyncOp(calls.update_case)
    transition_case = SyncOp(calls.transition_case)
    assign_case = SyncOp(calls.assign_case)
    claim_case = SyncOp(calls.claim_case)
    release_case = SyncOp(calls.release_case)
    case_history = SyncOp(calls.case_history)
    iter_case_history = SyncPages(calls.case_history)

    # statistics
    stats_summary = SyncOp(calls.stats_summary)
    stats_breakdown = SyncOp(calls.stats_breakdown)
    stats_timeseries = SyncOp(calls.stats_timeseries)
    stats_durations = SyncOp(calls.stats_durations)
    stats_sla = SyncOp(calls.stats_sla)
    stats_backlog = SyncOp(calls.stats_backlog)
    stats_period_report = SyncOp(calls.stats_period_report)
    stats_csv = SyncOp(calls.stats_csv)
    stats = SyncOp(calls.stats)
