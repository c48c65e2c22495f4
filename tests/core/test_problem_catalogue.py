"""Every problem type the code can raise is listed in docs/problems.md with its status."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import app
from app.core.errors import AppError

DOC = Path(__file__).resolve().parents[2] / "docs" / "problems.md"


def _subclasses(cls: type[AppError]) -> set[type[AppError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_error_slug_is_documented_with_its_status() -> None:
    for module in pkgutil.walk_packages(app.__path__, "app."):
        importlib.import_module(module.name)
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)`\s*\| (\d{3}|other)", DOC.read_text(encoding="utf-8"), flags=re.M))
    missing = {
        f"{cls.__module__}.{cls.__name__}: {cls.slug} {cls.status_code}"
        for cls in _subclasses(AppError)
        if rows.get(cls.slug) not in (str(cls.status_code), "other")
    }
    assert not missing, f"document these in docs/problems.md: {sorted(missing)}"
