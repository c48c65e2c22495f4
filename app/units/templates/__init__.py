"""Organisation templates: versioned data files cloned into an exercise when it is created."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

TEMPLATE_DIR = Path(__file__).resolve().parent
DEFAULT_TEMPLATE = "empty"


class TemplateUnit(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=32)
    parent: str | None = None


class OrgTemplate(BaseModel):
    name: str
    version: int
    description: str = ""
    units: list[TemplateUnit] = Field(default_factory=list)


@lru_cache
def available_templates() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in TEMPLATE_DIR.glob("*.json")))


@lru_cache
def load_template(name: str) -> OrgTemplate:
    if name not in available_templates():
        raise KeyError(name)
    data = json.loads((TEMPLATE_DIR / f"{name}.json").read_text(encoding="utf-8"))
    template = OrgTemplate.model_validate(data)
    codes = [u.code for u in template.units]
    if len(codes) != len(set(codes)):
        raise ValueError(f"template {name}: duplicate unit codes")
    known: set[str] = set()
    for unit in template.units:  # parents are listed before their children
        if unit.parent is not None and unit.parent not in known:
            raise ValueError(f"template {name}: unit {unit.code} names parent {unit.parent} before it is defined")
        known.add(unit.code)
    return template
