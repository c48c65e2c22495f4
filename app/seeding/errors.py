"""Seeding and answer-key problem types."""

from __future__ import annotations

from app.core.errors import Conflict, NotFound


class AnswerKeyNotFound(NotFound):
    title = "No answer key"


class ExerciseNotSeedable(Conflict):
    slug, title = "exercise-not-seedable", "The exercise takes no seeded reports in its current status"
