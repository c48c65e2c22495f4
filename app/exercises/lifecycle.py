"""The exercise status machine: draft → active ⇄ paused; active|paused → closed → archived."""

from __future__ import annotations

from app.exercises.errors import InvalidExerciseTransition
from app.exercises.models import ExerciseStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.draft: frozenset({S.active}),
    S.active: frozenset({S.paused, S.closed}),
    S.paused: frozenset({S.active, S.closed}),
    S.closed: frozenset({S.archived}),
    S.archived: frozenset(),
}


def allowed_from(status: S) -> list[str]:
    return sorted(TRANSITIONS[status])


def check_transition(previous: S | str, new: S | str) -> None:
    previous, new = S(previous), S(new)
    if new not in TRANSITIONS[previous]:
        allowed = allowed_from(previous)
        raise InvalidExerciseTransition(
            f"An exercise cannot go from {previous} to {new}; from {previous} it can go to: "
            f"{', '.join(allowed) or 'nothing (final)'}.",
            extra={"from": previous.value, "to": new.value, "allowed": allowed},
        )
