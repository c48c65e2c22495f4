"""What the sync and async clients share: the base URL, the token, and turning a :class:`Call` into request
arguments."""

from __future__ import annotations

from typing import Any

from app import __version__
from app.client.calls import API, Call

USER_AGENT = f"tipdesk-client/{__version__}"
DEFAULT_TIMEOUT = 30.0


def root_url(base_url: str) -> str:
    """The server's root: ``http://host:8000``, ``http://host:8000/`` and ``http://host:8000/api/v1`` are the
    same server."""
    url = base_url.rstrip("/")
    return url.removesuffix(API).rstrip("/")


class ClientBase:
    """Connection settings and the bearer token. ``token`` may be set at any time (e.g. a personal API token from
    the environment); :meth:`login` sets it and :meth:`logout` clears it."""

    def __init__(self, base_url: str, *, token: str | None = None) -> None:
        self.base_url = root_url(base_url)
        self.token = token

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _request_args(self, call: Call[Any]) -> dict[str, Any]:
        args: dict[str, Any] = {
            "method": call.method,
            "url": call.path,
            "headers": {**self._auth(), **call.headers},
        }
        if call.params:
            args["params"] = call.params
        if call.json is not None:
            args["json"] = call.json
        if call.form is not None:
            args["data"] = call.form
        return args
