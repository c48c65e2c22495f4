"""Job problem types."""

from __future__ import annotations

from app.core.errors import Conflict, NotFound


class JobNotFound(NotFound):
    title = "Job not found"


class JobInProgress(Conflict):
    slug, title = "job-in-progress", "A job of this kind is already running for the exercise"
