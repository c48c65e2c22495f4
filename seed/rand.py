"""Fast draws from a seeded ``random.Random``: one ``random()`` call each (the stdlib's ``randrange`` and Faker's
``random_element`` cost several times more, which shows at a million reports)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def below(rng: random.Random, n: int) -> int:
    """An integer in [0, n)."""
    return int(rng.random() * n)


def between(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high)."""
    return low + int(rng.random() * (high - low))


def pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]
