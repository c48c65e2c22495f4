"""Parsing the filter language: the documented shape is accepted and normalised; every problem is reported once,
with a JSON Pointer to where it is; limits hold."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from app.core.filters import AllOf, AnyOf, Condition, InvalidFilter, Not, Op, dump, parse, parse_json
from app.core.filters.parse import MAX_DEPTH, MAX_ERRORS, MAX_NODES, MAX_TEXT, MAX_VALUES
from tests.core.filter_support import SAMPLE_FIELDS


def problems(raw: Any, **kw: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidFilter) as caught:
        parse(raw, SAMPLE_FIELDS, **kw)
    assert caught.value.status_code == 422 and caught.value.slug == "invalid-filter"
    return [(e.pointer, e.message) for e in caught.value.errors or []]


def test_a_condition_and_the_groups_parse_to_their_nodes() -> None:
    expression = parse(
        {
            "all": [
                {"field": "label", "op": "contains", "value": "Chat"},
                {"any": [{"field": "size", "op": "gte", "value": 3}, {"field": "kind", "op": "exists"}]},
                {"not": {"field": "at", "op": "lt", "value": "2026-03-02T15:00:00+07:00"}},
            ]
        },
        SAMPLE_FIELDS,
    )
    assert isinstance(expression, AllOf)
    first, second, third = expression.items
    assert isinstance(first, Condition) and first.op is Op.contains and first.pointer == "/all/0"
    assert isinstance(second, AnyOf) and isinstance(second.items[1], Condition)
    assert second.items[1].value is None and second.items[1].pointer == "/all/1/any/1"
    assert isinstance(third, Not) and isinstance(third.item, Condition)
    assert third.item.value == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_values_are_normalised_and_dump_gives_the_expression_back() -> None:
    raw = {
        "any": [
            {"field": "ref", "op": "in", "value": [str(uuid.UUID(int=1)), str(uuid.UUID(int=2))]},
            {"field": "flag", "op": "ne", "value": False},
            {"field": "marks", "op": "contains", "value": "m2"},
        ]
    }
    expression = parse(raw, SAMPLE_FIELDS)
    assert isinstance(expression, AnyOf) and isinstance(expression.items[0], Condition)
    assert expression.items[0].value == (uuid.UUID(int=1), uuid.UUID(int=2))
    assert dump(expression) == raw
    assert parse(dump(expression), SAMPLE_FIELDS) == expression
    assert parse(json.loads(json.dumps(dump(expression))), SAMPLE_FIELDS) == expression


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([], [("", "must be an object")]),
        ({}, [("", 'missing "field"'), ("", 'missing "op"')]),
        ({"all": []}, [("/all", "must be a non-empty array")]),
        ({"any": {"field": "size"}}, [("/any", "must be a non-empty array")]),
        ({"all": [1]}, [("/all/0", "must be an object")]),
        ({"all": [{"field": "size", "op": "eq", "value": 1}], "any": []}, [("", "holds all and any")]),
        ({"not": {"field": "size", "op": "eq", "value": 1}, "field": "size"}, [("/field", "not allowed beside")]),
        ({"field": "colour", "op": "eq", "value": 1}, [("/field", "unknown field; the sample fields are: label")]),
        ({"field": 7, "op": "eq", "value": 1}, [("/field", "unknown field")]),
        ({"field": "size", "op": "like", "value": 1}, [("/op", "unknown operator; one of: eq, ne, in")]),
        ({"field": "label", "op": "lt", "value": "a"}, [("/op", "lt does not apply to label (text)")]),
        ({"field": "words", "op": "eq", "value": "a"}, [("/op", "allowed: contains, exists")]),
        ({"field": "size", "op": "eq"}, [("", 'missing "value"')]),
        ({"field": "size", "op": "exists", "value": True}, [("/value", "exists takes no value")]),
        ({"field": "size", "op": "eq", "value": 1, "note": "x"}, [("/note", "unknown member")]),
        ({"field": "size", "op": "eq", "value": "3"}, [("/value", "must be an integer")]),
        ({"field": "size", "op": "eq", "value": True}, [("/value", "must be an integer")]),
        ({"field": "size", "op": "eq", "value": 2.0}, [("/value", "must be an integer")]),
        ({"field": "size", "op": "lt", "value": 2**53}, [("/value", "must lie between")]),
        ({"field": "flag", "op": "eq", "value": 1}, [("/value", "must be true or false")]),
        ({"field": "kind", "op": "eq", "value": "Alpha"}, [("/value", "must be one of: alpha, beta, gamma")]),
        ({"field": "marks", "op": "contains", "value": "m9"}, [("/value", "must be one of: m1, m2, m3")]),
        ({"field": "label", "op": "eq", "value": None}, [("/value", "must be a string")]),
        ({"field": "label", "op": "eq", "value": "a\x00b"}, [("/value", "NUL")]),
        ({"field": "label", "op": "eq", "value": "\ud800"}, [("/value", "lone surrogates")]),
        ({"field": "label", "op": "eq", "value": "x" * (MAX_TEXT + 1)}, [("/value", f"at most {MAX_TEXT}")]),
        ({"field": "at", "op": "gt", "value": "2026-03-02T08:00:00"}, [("/value", "RFC 3339")]),
        ({"field": "at", "op": "gt", "value": "2300-01-01T00:00:00Z"}, [("/value", "between 1970 and 2199")]),
        ({"field": "at", "op": "gt", "value": 1767225600}, [("/value", "RFC 3339")]),
        ({"field": "ref", "op": "eq", "value": "not-a-uuid"}, [("/value", "must be a UUID")]),
        ({"field": "size", "op": "in", "value": 3}, [("/value", "in takes a non-empty array")]),
        ({"field": "size", "op": "not_in", "value": []}, [("/value", "not_in takes a non-empty array")]),
        ({"field": "size", "op": "in", "value": [1, "2", 3, None]}, [("/value/1", "integer"), ("/value/3", "integer")]),
        ({"field": "size", "op": "in", "value": list(range(MAX_VALUES + 1))}, [("/value", f"at most {MAX_VALUES}")]),
    ],
)
def test_each_problem_is_named_with_its_pointer(raw: Any, expected: list[tuple[str, str]]) -> None:
    found = problems(raw)
    assert len(found) == len(expected), found
    for (pointer, message), (want_pointer, fragment) in zip(found, expected, strict=True):
        assert pointer == want_pointer and fragment in message, (pointer, message)


def test_problems_anywhere_in_the_tree_are_all_reported() -> None:
    found = problems(
        {
            "all": [
                {"field": "size", "op": "gt", "value": 1},
                {"any": [{"field": "nope", "op": "eq", "value": 1}, {"not": {"field": "kind", "op": "lt"}}]},
                {"field": "a/b~c", "op": "eq", "value": 1, "x/y": 2},
            ]
        }
    )
    assert [p for p, _ in found] == ["/all/1/any/0/field", "/all/1/any/1/not/op", "/all/2/x~1y", "/all/2/field"]


def test_a_base_pointer_and_location_place_the_expression_in_its_request() -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse({"field": "size", "op": "eq", "value": "x"}, SAMPLE_FIELDS, base="/rules/3/condition")
    assert caught.value.errors is not None
    assert [(e.pointer, e.location) for e in caught.value.errors] == [("/rules/3/condition/value", "body")]


def nested(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"field": "size", "op": "exists"}
    for _ in range(depth - 1):
        node = {"not": node}
    return node


def test_nesting_is_limited() -> None:
    assert parse(nested(MAX_DEPTH), SAMPLE_FIELDS) is not None
    assert problems(nested(MAX_DEPTH + 1)) == [
        ("/not" * MAX_DEPTH, f"nested deeper than {MAX_DEPTH} levels"),
    ]


def test_the_number_of_nodes_is_limited() -> None:
    leaf = {"field": "size", "op": "exists"}
    assert parse({"any": [leaf] * (MAX_NODES - 1)}, SAMPLE_FIELDS) is not None
    assert problems({"any": [leaf] * MAX_NODES}) == [("", f"more than {MAX_NODES} conditions and groups")]


def test_the_number_of_reported_problems_is_bounded() -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse({"any": [{"field": "nope", "op": "eq", "value": 1}] * 60}, SAMPLE_FIELDS)
    assert caught.value.errors is not None and len(caught.value.errors) == MAX_ERRORS
    assert "(the first ones)" in str(caught.value.detail)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{", "Expecting property name enclosed in double quotes at character 1"),
        ("urgent", "Expecting value at character 0"),
        ("[" * 5000, "cannot be read as JSON"),
        ("1" * 5000, "cannot be read as JSON"),
    ],
)
def test_text_that_is_not_json_is_one_problem_at_the_root(text: str, fragment: str) -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse_json(text, SAMPLE_FIELDS)
    assert caught.value.extra == {"parameter": "filter"}
    assert caught.value.errors is not None
    assert [(e.pointer, e.location) for e in caught.value.errors] == [("", "query")]
    assert fragment in caught.value.errors[0].message


def test_json_text_parses_with_query_pointers() -> None:
    assert isinstance(parse_json('{"field": "kind", "op": "in", "value": ["beta"]}', SAMPLE_FIELDS), Condition)
    with pytest.raises(InvalidFilter) as caught:
        parse_json('{"field": "kind", "op": "in", "value": [NaN]}', SAMPLE_FIELDS, parameter="where")
    assert caught.value.extra == {"parameter": "where"}
    assert caught.value.errors is not None
    assert [(e.pointer, e.location) for e in caught.value.errors] == [("/value/0", "query")]
