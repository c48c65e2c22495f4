"""Each operator on each field type, in SQL (on the test database) and in Python, against known answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.core.filters import evaluate, explain, parse, to_sql
from tests.core.filter_support import SAMPLE_FIELDS, metadata, sample

U1, U2 = uuid.UUID(int=1), uuid.UUID(int=2)
ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "label": "Pelangi Chat",
        "kind": "alpha",
        "size": 5,
        "flag": True,
        "at": datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        "ref": U1,
        "words": ["Urgent", "Review"],
        "marks": ["m1"],
        "doc": {"people": [{"info": {"age": 12}}, {"info": {"age": 9}}]},
    },
    {
        "id": 2,
        "label": "pelangi CHAT",
        "kind": "beta",
        "size": 10,
        "flag": False,
        "at": datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
        "ref": U2,
        "words": ["review"],
        "marks": ["m1", "m2"],
        "doc": {"people": [{"info": {}}]},
    },
    {
        "id": 3,
        "label": "Écho 50%",
        "kind": "alpha",
        "size": -1,
        "flag": False,
        "at": datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        "ref": U1,
        "words": [],
        "marks": [],
        "doc": {"people": [{"info": {"age": 15.5}}, "x", {"info": {"age": "7"}}]},
    },
    {
        "id": 4,
        "label": None,
        "kind": None,
        "size": None,
        "flag": None,
        "at": None,
        "ref": None,
        "words": [],
        "marks": [],
        "doc": {},
    },
    {
        "id": 5,
        "label": "ÉCHO",
        "kind": "gamma",
        "size": 0,
        "flag": None,
        "at": datetime(2026, 3, 2, 8, 0, 0, 1, tzinfo=UTC),
        "ref": None,
        "words": ["ÉTÉ", 3, None],
        "marks": {"m1": True},
        "doc": {"people": "[{}]"},
    },
]


@pytest.fixture
def rows(session: Session) -> Iterator[list[dict[str, Any]]]:
    metadata.create_all(session.connection())  # inside the test's transaction: rolled back with it
    session.execute(insert(sample), ROWS)
    yield ROWS


def both(session: Session, raw: dict[str, Any]) -> set[int]:
    expression = parse(raw, SAMPLE_FIELDS)
    in_sql = set(session.scalars(select(sample.c.id).where(to_sql(expression))))
    in_python = {r["id"] for r in ROWS if evaluate(expression, r)}
    assert in_sql == in_python, (raw, in_sql, in_python)
    return in_sql


def c(field: str, op: str, value: Any = ..., /) -> dict[str, Any]:
    return {"field": field, "op": op} | ({} if value is ... else {"value": value})


CASES: list[tuple[dict[str, Any], set[int]]] = [
    # text: A-Z and a-z alike, other characters exact; LIKE wildcards are literal
    (c("label", "eq", "PELANGI chat"), {1, 2}),
    (c("label", "eq", "écho 50%"), set()),
    (c("label", "eq", "Écho 50%"), {3}),
    (c("label", "ne", "pelangi chat"), {3, 5}),
    (c("label", "in", ["écho", "ÉCHO"]), {5}),
    (c("label", "not_in", ["Pelangi Chat"]), {3, 5}),
    (c("label", "contains", "ch"), {1, 2, 3, 5}),
    (c("label", "contains", "0%"), {3}),
    (c("label", "contains", "_"), set()),
    (c("label", "contains", "%"), {3}),
    (c("label", "contains", ""), {1, 2, 3, 5}),
    (c("label", "exists"), {1, 2, 3, 5}),
    # enum: exact
    (c("kind", "eq", "alpha"), {1, 3}),
    (c("kind", "ne", "alpha"), {2, 5}),
    (c("kind", "in", ["beta", "gamma"]), {2, 5}),
    (c("kind", "not_in", ["beta"]), {1, 3, 5}),
    (c("kind", "exists"), {1, 2, 3, 5}),
    # integer
    (c("size", "eq", 0), {5}),
    (c("size", "ne", 5), {2, 3, 5}),
    (c("size", "in", [5, 10]), {1, 2}),
    (c("size", "not_in", [5, 10]), {3, 5}),
    (c("size", "lt", 5), {3, 5}),
    (c("size", "lte", 5), {1, 3, 5}),
    (c("size", "gt", 0), {1, 2}),
    (c("size", "gte", 0), {1, 2, 5}),
    (c("size", "exists"), {1, 2, 3, 5}),
    # boolean
    (c("flag", "eq", True), {1}),
    (c("flag", "eq", False), {2, 3}),
    (c("flag", "ne", True), {2, 3}),
    (c("flag", "exists"), {1, 2, 3}),
    # datetime, compared as instants whatever the offset
    (c("at", "eq", "2026-03-02T15:00:00+07:00"), {1}),
    (c("at", "ne", "2026-03-02T08:00:00Z"), {2, 3, 5}),
    (c("at", "lt", "2026-03-02T08:00:00Z"), {3}),
    (c("at", "lte", "2026-03-02T08:00:00Z"), {1, 3}),
    (c("at", "gt", "2026-03-02T08:00:00Z"), {2, 5}),
    (c("at", "gte", "2026-03-02T03:00:00.000001-05:00"), {2, 5}),
    (c("at", "exists"), {1, 2, 3, 5}),
    # uuid
    (c("ref", "eq", str(U1)), {1, 3}),
    (c("ref", "ne", str(U1).upper()), {2}),
    (c("ref", "in", [str(U2)]), {2}),
    (c("ref", "not_in", [str(U2)]), {1, 3}),
    (c("ref", "exists"), {1, 2, 3}),
    # lists: contains an element (text folded, enums exact), exists = not empty; non-arrays hold nothing
    (c("words", "contains", "review"), {1, 2}),
    (c("words", "contains", "Rev"), set()),
    (c("words", "contains", "été"), set()),
    (c("words", "contains", "ÉtÉ"), {5}),
    (c("words", "contains", "3"), set()),
    (c("words", "exists"), {1, 2, 5}),
    (c("marks", "contains", "m1"), {1, 2}),
    (c("marks", "contains", "m2"), {2}),
    (c("marks", "exists"), {1, 2}),
    # a number extracted from a JSON document: only JSON numbers count
    (c("youngest", "eq", 9), {1}),
    (c("youngest", "gt", 10), {3}),
    (c("youngest", "exists"), {1, 3}),
    # missing values: every comparison false, not of it true
    ({"not": c("size", "ne", 5)}, {1, 4}),
    ({"not": c("label", "contains", "")}, {4}),
    ({"not": c("flag", "eq", True)}, {2, 3, 4, 5}),
    ({"not": c("youngest", "lt", 100)}, {2, 4, 5}),
    # groups
    ({"all": [c("kind", "eq", "alpha"), c("size", "gt", 0)]}, {1}),
    ({"any": [c("kind", "eq", "beta"), c("size", "lt", 0)]}, {2, 3}),
    ({"not": {"any": [c("kind", "eq", "beta"), c("size", "lt", 0)]}}, {1, 4, 5}),
    ({"all": [{"not": c("kind", "exists")}, {"not": c("words", "exists")}]}, {4}),
]


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=[str(raw) for raw, _ in CASES])
def test_each_operator_in_sql_and_python(session: Session, rows: list[dict[str, Any]], raw: Any, expected: Any) -> None:
    assert both(session, raw) == expected


def conditions_in(raw: dict[str, Any]) -> list[dict[str, Any]]:
    if "field" in raw:
        return [raw]
    members = raw.get("all") or raw.get("any") or [raw["not"]]
    return [c for m in members for c in conditions_in(m)]


def test_every_operator_of_every_type_is_covered() -> None:
    covered = {(c["field"], c["op"]) for raw, _ in CASES for c in conditions_in(raw)}
    assert covered == {(f.name, str(op)) for f in SAMPLE_FIELDS for op in f.operators} - {
        ("youngest", o)
        for o in ("ne", "in", "not_in", "lte", "gte")  # the same SQL as for size
    }


def test_explain_gives_each_condition_with_the_value_it_saw() -> None:
    expression = parse({"all": [c("size", "gt", 1), {"not": c("label", "contains", "x")}]}, SAMPLE_FIELDS)
    matched, checks = explain(expression, ROWS[0])
    assert matched is True
    assert [ch.as_json() for ch in checks] == [
        {"pointer": "/all/0", "field": "size", "op": "gt", "value": 1, "actual": 5, "result": True},
        {
            "pointer": "/all/1/not",
            "field": "label",
            "op": "contains",
            "value": "x",
            "actual": "Pelangi Chat",
            "result": False,
        },
    ]
    matched, checks = explain(expression, ROWS[3])
    assert matched is False and [(ch.actual, ch.result) for ch in checks] == [(None, False)]
