"""Serving the application for event-stream tests: in this process (a uvicorn server in a thread) or as separate
uvicorn processes, and reading Server-Sent Events from it with a plain HTTP client.

The Starlette test client runs an endpoint to its end before answering, so an endless stream needs a real server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sse_starlette.sse import AppStatus

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class ThreadServer:
    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self, timeout: float = 15.0) -> float:
        """Stop the server as SIGTERM does (its exit handler, which the SSE library hooks to end open streams);
        the seconds it took."""
        started = time.monotonic()
        try:
            if self.thread.is_alive():
                self.server.handle_exit(signal.SIGTERM, None)
                self.thread.join(timeout)
        finally:
            AppStatus.should_exit = False  # process-wide: other servers of this test process go on streaming
        return time.monotonic() - started


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[ThreadServer]:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    running = ThreadServer(server, thread, f"http://127.0.0.1:{port}")
    try:
        yield running
    finally:
        running.stop()


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    url: str
    log: Path


@contextmanager
def serve_in_process(env: dict[str, str], log_dir: Path, name: str) -> Iterator[Process]:
    """``uvicorn app.main:create_app --factory`` in a child process with ``env`` added (TIPDESK_* settings)."""
    port = free_port()
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1"),
                *("--port", str(port), "--log-level", "warning", "--timeout-graceful-shutdown", "5"),
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        yield Process(popen, url, log)
    finally:
        popen.terminate()
        try:
            popen.wait(15)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(5)


@dataclass
class Message:
    id: str | None
    data: dict[str, Any]

    @property
    def seq(self) -> int:
        return int(self.id or 0)


@dataclass
class Reading:
    messages: list[Message] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    status: int = 0
    ended: bool = False  # the server closed the stream


def read_stream(
    url: str,
    *,
    headers: dict[str, str],
    until: Callable[[Reading], bool],
    timeout: float = 20.0,
    params: dict[str, Any] | None = None,
) -> Reading:
    """Read SSE messages and comments until ``until(reading)`` holds, then disconnect (the server may end first)."""
    reading = Reading()
    deadline = time.monotonic() + timeout
    with (
        httpx.Client(timeout=httpx.Timeout(timeout, connect=5)) as client,
        client.stream("GET", url, headers=headers, params=params) as response,
    ):
        reading.status = response.status_code
        if response.status_code != 200:
            response.read()
            reading.messages.append(Message(None, response.json()))
            return reading
        event_id: str | None = None
        data: list[str] = []
        for line in response.iter_lines():
            if line.startswith(":"):
                reading.comments.append(line[1:].strip())
            elif line.startswith("id:"):
                event_id = line[3:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif line == "" and data:
                reading.messages.append(Message(event_id, json.loads("\n".join(data))))
                event_id, data = None, []
            if until(reading) or time.monotonic() > deadline:
                return reading
        reading.ended = True
    return reading
