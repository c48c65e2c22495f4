"""Scenarios as data: one TOML file each in this directory (documented in the README, "Scenarios").

A file names the scenario, says what it teaches, gives its default size and arrival window, and overrides any of
the distribution parameters of ``seed.distributions.Distributions`` under ``[distributions]``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from seed.distributions import Distributions

MAX_REPORTS = 5_000_000


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    teaches: str
    reports: int
    window_hours: float
    distributions: Distributions


def available() -> tuple[str, ...]:
    files = resources.files("seed.scenarios").iterdir()
    return tuple(sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml")))


@cache
def load(name: str) -> Scenario:
    """The scenario of that name; KeyError when there is none, ValueError when its file is invalid."""
    if name not in available():
        raise KeyError(name)
    text = resources.files("seed.scenarios").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    unknown = set(data) - {"name", "title", "teaches", "reports", "window_hours", "distributions"}
    if unknown or data.get("name") != name:
        raise ValueError(f"scenario {name}: unknown keys {sorted(unknown)} or a name that differs from the file")
    reports = int(data["reports"])
    window = float(data["window_hours"])
    if not 1 <= reports <= MAX_REPORTS or not 1 <= window <= 24 * 366:
        raise ValueError(f"scenario {name}: reports or window_hours out of range")
    return Scenario(
        name=name,
        title=str(data["title"]),
        teaches=" ".join(str(data["teaches"]).split()),
        reports=reports,
        window_hours=window,
        distributions=Distributions().with_overrides(data.get("distributions", {})),
    )
