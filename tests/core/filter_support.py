"""A table of every field type for the filter language tests, its catalogue, Hypothesis strategies that build
random expressions and rows (values drawn from small shared pools, and from the rows, so that conditions often
match), and the SQL-versus-Python check. ``TIPDESK_FILTER_EXAMPLES`` sets the examples per property test;
``TIPDESK_FILTER_RANDOM=1`` draws new ones on every run instead of the reproducible default."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, BigInteger, Boolean, Column, Integer, MetaData, String, Table, Text, Uuid, select
from sqlalchemy.orm import Session

from app.core.filters import Catalogue, Field, FieldType, Op, dump, evaluate, parse, to_sql
from app.db.base import UTCDateTime
from app.db.dialect import JsonArrayMinNumber
from app.events.models import JsonDoc

metadata = MetaData()
sample = Table(
    "filter_sample",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("label", Text),
    Column("kind", String(16)),
    Column("size", BigInteger),
    Column("flag", Boolean),
    Column("at", UTCDateTime()),
    Column("ref", Uuid()),
    Column("words", JSON),
    Column("marks", JSON),
    Column("doc", JsonDoc),
)
KINDS = ("alpha", "beta", "gamma")
MARKS = ("m1", "m2", "m3")


def youngest(doc: Any) -> Any:
    people = doc.get("people") if isinstance(doc, dict) else None
    ages = [
        a
        for p in (people if isinstance(people, list) else [])
        if isinstance(p, dict) and isinstance(info := p.get("info"), dict)
        if isinstance(a := info.get("age"), int | float) and not isinstance(a, bool)
    ]
    return min(ages) if ages else None


SAMPLE_FIELDS: Catalogue[dict[str, Any]] = Catalogue(
    "sample",
    [
        Field("label", FieldType.text, "text", lambda: sample.c.label, lambda r: r["label"]),
        Field("kind", FieldType.enum, "enum", lambda: sample.c.kind, lambda r: r["kind"], choices=KINDS),
        Field("size", FieldType.integer, "integer", lambda: sample.c.size, lambda r: r["size"]),
        Field("flag", FieldType.boolean, "boolean", lambda: sample.c.flag, lambda r: r["flag"]),
        Field("at", FieldType.datetime, "datetime", lambda: sample.c.at, lambda r: r["at"]),
        Field("ref", FieldType.uuid, "uuid", lambda: sample.c.ref, lambda r: r["ref"]),
        Field("words", FieldType.text_list, "text list", lambda: sample.c.words, lambda r: r["words"]),
        Field("marks", FieldType.enum_list, "enum list", lambda: sample.c.marks, lambda r: r["marks"], choices=MARKS),
        Field(
            "youngest",
            FieldType.integer,
            "smallest people[].info.age",
            lambda: JsonArrayMinNumber(sample.c.doc, "people", ("info", "age")),
            lambda r: youngest(r["doc"]),
        ),
    ],
)

# Case pairs inside and outside ASCII, LIKE's wildcards and escape character, quotes, a combining accent.
TRICKY = "aAbBzZ éÉßİıσΣς%_/\\'\"\u0301"
TEXT_POOL = ("", "a", "A", "aB", "Ab", "é", "É", "ß", "İ", "i", "%", "a_", "/")
texts = st.one_of(st.sampled_from(TEXT_POOL), st.text(alphabet=TRICKY, max_size=3))
UUIDS = tuple(uuid.UUID(int=n) for n in (1, 2, 3))
INSTANTS = tuple(datetime(2026, 3, 2, 8, 0, tzinfo=UTC) + timedelta(hours=h) for h in (-24, 0, 1, 48))
instants = st.one_of(
    st.sampled_from(INSTANTS),
    st.sampled_from(INSTANTS).map(lambda t: t + timedelta(microseconds=1)),
    st.sampled_from(INSTANTS).map(lambda t: t - timedelta(microseconds=1)),
)
integers = st.one_of(st.integers(-3, 20), st.sampled_from((2**53 - 1, -(2**53 - 1))))
ages = st.one_of(st.integers(-1, 20), st.sampled_from((12.5, 0.0)), st.booleans(), st.just("12"))


def seen_values(catalogue: Catalogue[Any], subjects: list[Any]) -> dict[FieldType, list[Any]]:
    """Values the subjects hold (and, for text, their case variants and pieces), by the type of value they are, so
    that generated conditions hit stored values often."""
    seen: dict[FieldType, list[Any]] = {t: [] for t in FieldType}
    for field in catalogue:
        for subject in subjects:
            value = field.get(subject)
            if field.type.is_list:
                values = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
            else:
                values = [value]
            kind = FieldType.text if field.type is FieldType.text_list else field.type
            for v in values:
                if v is None or (kind is FieldType.integer and not isinstance(v, int)):
                    continue
                if kind is FieldType.text:
                    seen[kind] += [v, v.swapcase(), v.upper(), v.lower(), v[:1], v[1:]]
                else:
                    seen[kind].append(v)
    return seen


def scalar_json(field: Field[Any], kind: FieldType, seen: dict[FieldType, list[Any]]) -> st.SearchStrategy[Any]:
    """JSON values for a condition on ``field`` (as a value of type ``kind``)."""
    known = seen.get(kind) or []
    match kind:
        case FieldType.text:
            return st.one_of(texts, st.sampled_from(known)) if known else texts
        case FieldType.enum:
            return st.sampled_from(field.choices)
        case FieldType.integer:
            return st.one_of(integers, st.sampled_from(known)) if known else integers
        case FieldType.boolean:
            return st.booleans()
        case FieldType.datetime:
            offsets = st.sampled_from((UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-5, minutes=-30))))
            moments = st.one_of(instants, st.sampled_from(known)) if known else instants
            return st.builds(lambda t, tz: t.astimezone(tz).isoformat(), moments, offsets)
        case FieldType.uuid:
            return st.one_of(st.sampled_from((*UUIDS, *known)), st.uuids()).map(str)
    raise AssertionError(kind)


@st.composite
def conditions(draw: st.DrawFn, catalogue: Catalogue[Any], seen: dict[FieldType, list[Any]]) -> dict[str, Any]:
    field = draw(st.sampled_from(list(catalogue)))
    op = draw(st.sampled_from(field.operators))
    out: dict[str, Any] = {"field": field.name, "op": str(op)}
    if op is Op.exists:
        return out
    kind = field.type
    if kind.is_list:
        kind = FieldType.enum if kind is FieldType.enum_list else FieldType.text
    if op in (Op.in_, Op.not_in):
        out["value"] = draw(st.lists(scalar_json(field, kind, seen), min_size=1, max_size=4))
    else:
        out["value"] = draw(scalar_json(field, kind, seen))
    return out


def expressions(
    catalogue: Catalogue[Any], seen: dict[FieldType, list[Any]] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        conditions(catalogue, seen or {}),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
            inner.map(lambda x: {"not": x}),
        ),
        max_leaves=8,
    )


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def string_lists(pool: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Mostly arrays of strings; sometimes JSON that is not an array of strings, which holds nothing."""
    return st.one_of(
        st.lists(pool, max_size=3),
        st.lists(st.one_of(pool, st.integers(0, 3), st.none()), max_size=3),
        st.sampled_from(({"a": 1}, "a", 3)),
    )


@st.composite
def sample_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 6))
    rows = []
    for n in range(count):
        people = st.lists(
            st.one_of(
                st.fixed_dictionaries({"info": st.fixed_dictionaries({}, optional={"age": ages})}),
                st.just("not a person"),
            ),
            max_size=3,
        )
        doc = draw(st.one_of(st.fixed_dictionaries({}, optional={"people": people}), st.just({"people": 7})))
        rows.append(
            {
                "id": n,
                "label": draw(_optional(texts)),
                "kind": draw(_optional(st.sampled_from(KINDS))),
                "size": draw(_optional(integers)),
                "flag": draw(_optional(st.booleans())),
                "at": draw(_optional(instants)),
                "ref": draw(_optional(st.sampled_from(UUIDS))),
                "words": draw(string_lists(texts)),
                "marks": draw(string_lists(st.sampled_from(MARKS))),
                "doc": doc,
            }
        )
    return rows


EXAMPLES = int(os.environ.get("TIPDESK_FILTER_EXAMPLES", "150"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("TIPDESK_FILTER_RANDOM") is None,  # reproducible unless asked otherwise
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def agree(
    session: Session,
    table: Table,
    catalogue: Catalogue[Any],
    rows: list[Any],
    raws: list[dict[str, Any]],
    key: Any,
) -> None:
    """Each expression selects the same rows in SQL as in Python (rows are stored by the caller)."""
    for raw in raws:
        expression = parse(raw, catalogue)
        assert parse(dump(expression), catalogue) == expression
        in_sql = set(session.scalars(select(table.c.id).where(to_sql(expression))))
        in_python = {key(r) for r in rows if evaluate(expression, r)}
        assert in_sql == in_python, {"expression": raw, "sql": sorted(in_sql), "python": sorted(in_python)}
