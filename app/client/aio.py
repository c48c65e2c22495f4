"""The asyncio client: the same operations as :class:`~app.client.sync.TipdeskClient`, awaited."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel

from app.auth.schemas import AccessToken
from app.client import bulk, calls, errors
from app.client.base import DEFAULT_TIMEOUT, USER_AGENT, ClientBase
from app.client.calls import Call, Id
from app.client.ops import AsyncOp, AsyncPages

T = TypeVar("T")


class AsyncTipdeskClient(ClientBase):
    """tipdesk's API over ``httpx.AsyncClient``.

    ``AsyncTipdeskClient("http://127.0.0.1:8000")`` then :meth:`login`, or pass ``token=`` (a login token or a personal
    API token). Every method returns the app's own response models; an error answer raises a
    :class:`~app.client.errors.ProblemError` subclass. ``http_client`` lends an existing ``httpx.AsyncClient`` (its
    ``base_url`` is used; the client does not close it). Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        token: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if http_client is not None:
            super().__init__(str(http_client.base_url), token=token)
            self._http, self._owned = http_client, False
        else:
            super().__init__(base_url, token=token)
            self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, headers={"User-Agent": USER_AGENT})
            self._owned = True

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owned:
            await self._http.aclose()

    async def send(self, call: Call[T]) -> T:
        """Send one built call and read its answer (every operation goes through here)."""
        return call.finish(await self._http.request(**self._request_args(call)))

    # auth
    async def login(self, username: str, password: str) -> AccessToken:
        """Log in; later calls carry the token."""
        token = await self.send(calls.login(username, password))
        self.token = token.access_token
        return token

    async def logout(self) -> None:
        """Revoke the token in use and forget it."""
        await self.send(calls.logout())
        self.token = None

    me = AsyncOp(calls.me)

    # exercises
    create_exercise = AsyncOp(calls.create_exercise)
    list_exercises = AsyncOp(calls.list_exercises)
    iter_exercises = AsyncPages(calls.list_exercises)
    get_exercise = AsyncOp(calls.get_exercise)
    update_exercise = AsyncOp(calls.update_exercise)
    get_clock = AsyncOp(calls.get_clock)
    change_clock = AsyncOp(calls.change_clock)

    # reports
    submit_report = AsyncOp(calls.submit_report)
    get_report = AsyncOp(calls.get_report)
    list_reports = AsyncOp(calls.list_reports)
    iter_reports = AsyncPages(calls.list_reports)

    async def submit_reports_bulk(
        self,
        exercise_id: Id,
        reports: Iterable[BaseModel | Mapping[str, Any]],
        *,
        chunk_lines: int = bulk.DEFAULT_CHUNK_LINES,
    ) -> AsyncIterator[bulk.BulkLineResult]:
        """Stream report documents (or :func:`~app.client.bulk.envelope` lines) as NDJSON, yielding one result per
        item in order as the server commits them. The items (a plain iterable) are read lazily; at most
        ``chunk_lines`` go in one request. A refused line is a result with its ``problem``; a refused request raises."""
        chunks = bulk.Chunks(reports, chunk_lines)
        while (run := chunks.next_run()) is not None:
            offset = chunks.sent
            async with self._http.stream(
                "POST", bulk.url(exercise_id), content=_aiter(run), headers={**self._auth(), **bulk.HEADERS}
            ) as response:
                if response.is_error:
                    await response.aread()
                    raise errors.from_response(response)
                async for line in response.aiter_lines():
                    if line.strip():
                        yield bulk.result(line, offset)

    # units
    list_units = AsyncOp(calls.list_units)
    iter_units = AsyncPages(calls.list_units)

    # cases
    list_cases = AsyncOp(calls.list_cases)
    iter_cases = AsyncPages(calls.list_cases)
    get_case = AsyncOp(calls.get_case)
    update_case = AsyncOp(calls.update_case)
    transition_case = AsyncOp(calls.transition_case)
    assign_case = AsyncOp(calls.assign_case)
    claim_case = AsyncOp(calls.claim_case)
    release_case = AsyncOp(calls.release_case)
    case_history = AsyncOp(calls.case_history)
    iter_case_history = AsyncPages(calls.case_history)

    # statistics
    stats_summary = AsyncOp(calls.stats_summary)
    stats_breakdown = AsyncOp(calls.stats_breakdown)
    stats_timeseries = AsyncOp(calls.stats_timeseries)
    stats_durations = AsyncOp(calls.stats_durations)
    stats_sla = AsyncOp(calls.stats_sla)
    stats_backlog = AsyncOp(calls.stats_backlog)
    stats_period_report = AsyncOp(calls.stats_period_report)
    stats_csv = AsyncOp(calls.stats_csv)
    stats = AsyncOp(calls.stats)


async def _aiter(lines: Iterable[bytes]) -> AsyncIterator[bytes]:
    for line in lines:
        yield line
