"""``compact``: orjson's text where orjson takes the value, ``json.dumps``'s where it does not; the same values
either way, and the same refusals."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

import pytest

from app.core.jsontext import compact


class Colour(Enum):
    red = "red"


@dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": [1.5, None, True, "é ü 中"], "c": {"d": "line\nbreak\ttab \\ back"}},
        [],
        {"big": 10**30},  # beyond 64 bits: json.dumps writes it
        {1: "int key"},  # a key that is not a string: json.dumps writes it as "1"
        {"float": [1e16, 1e-7, 2.5e-5], "small": 5e-324},
    ],
)
def test_compact_holds_the_values_json_dumps_writes(value: object) -> None:
    text = compact(value)
    assert json.loads(text) == json.loads(json.dumps(value))
    # compact separators, non-ASCII characters kept as they are: as long as json.dumps's compact text (no floats)
    if "float" not in value:
        assert len(text) == len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def test_compact_writes_uuids_and_members_as_their_text() -> None:
    value = uuid.UUID("0190e7c2-0000-7000-8000-000000000001")
    assert json.loads(compact({"id": value, "colour": Colour.red})) == {"id": str(value), "colour": "red"}


@pytest.mark.parametrize("value", [datetime(2026, 1, 1, tzinfo=UTC), Point(1), {1, 2}, object()])
def test_compact_refuses_what_json_dumps_refuses(value: object) -> None:
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        compact({"v": value})


def test_compact_takes_lone_surrogates_as_json_dumps_does() -> None:
    assert compact({"s": "\ud800"}) == json.dumps({"s": "\ud800"}, ensure_ascii=False, separators=(",", ":"))
