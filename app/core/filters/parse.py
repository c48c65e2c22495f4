"""Parsing and validating expressions: every problem is collected with a JSON Pointer, then raised as one error."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from pydantic import TypeAdapter, ValidationError

from app.core.errors import ProblemDetailItem, UnprocessableEntity
from app.core.filters.catalogue import Catalogue, Field, FieldType, Op
from app.core.filters.nodes import AllOf, AnyOf, Condition, Expression, Not
from app.core.schemas import Rfc3339

MAX_DEPTH: Final = 8
"""Levels of nesting, the root being level 1."""
MAX_NODES: Final = 64
"""Conditions and groups in one expression."""
MAX_VALUES: Final = 100
"""Values in one ``in`` / ``not_in`` list."""
MAX_TEXT: Final = 500
"""Characters in one text value."""
MAX_INTEGER: Final = 2**53 - 1
"""Largest integer magnitude (the range JSON numbers hold exactly everywhere)."""
MAX_ERRORS: Final = 25
"""Problems reported at most; parsing stops after that."""

GROUPS: Final = ("all", "any", "not")
CONDITION_KEYS: Final = ("field", "op", "value")
_DATETIME = TypeAdapter(Rfc3339)


class InvalidFilter(UnprocessableEntity):
    slug, title = "invalid-filter", "Invalid filter expression"


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class _TooMany(Exception):
    pass


class _Parser:
    def __init__(self, catalogue: Catalogue[Any], location: str, base: str) -> None:
        self.catalogue = catalogue
        self.location = location
        self.base = base
        self.errors: list[ProblemDetailItem] = []
        self.nodes = 0

    def fail(self, pointer: str, message: str) -> None:
        self.errors.append(ProblemDetailItem(pointer=self.base + pointer, location=self.location, message=message))
        if len(self.errors) >= MAX_ERRORS:
            raise _TooMany

    def node(self, raw: Any, pointer: str, depth: int) -> Expression | None:
        if depth > MAX_DEPTH:
            self.fail(pointer, f"nested deeper than {MAX_DEPTH} levels")
            return None
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self.fail("", f"more than {MAX_NODES} conditions and groups")
            return None
        if not isinstance(raw, Mapping):
            self.fail(pointer, 'must be an object: a condition {"field", "op", "value"} or a group {"all"|"any"|"not"}')
            return None
        groups = [k for k in GROUPS if k in raw]
        if not groups:
            return self.condition(raw, pointer)
        if len(groups) > 1:
            self.fail(pointer, f"holds {' and '.join(groups)}: a group is one of all, any or not (nest them)")
            return None
        for key in raw:
            if key not in GROUPS:
                self.fail(f"{pointer}/{_escape(str(key))}", f"not allowed beside {groups[0]!r}")
        kind = groups[0]
        here = f"{pointer}/{kind}"
        if kind == "not":
            item = self.node(raw[kind], here, depth + 1)
            return None if item is None else Not(item)
        members = raw[kind]
        if not isinstance(members, list) or not members:
            self.fail(here, "must be a non-empty array of expressions")
            return None
        items = [self.node(m, f"{here}/{i}", depth + 1) for i, m in enumerate(members)]
        parsed = tuple(i for i in items if i is not None)
        if len(parsed) != len(items):
            return None
        return AllOf(parsed) if kind == "all" else AnyOf(parsed)

    def condition(self, raw: Mapping[Any, Any], pointer: str) -> Condition | None:
        before = len(self.errors)
        for key in raw:
            if key not in CONDITION_KEYS:
                self.fail(f"{pointer}/{_escape(str(key))}", "unknown member: a condition has field, op and value")
        field = self.field(raw, pointer)
        op = self.op(raw, pointer, field)
        value: Any = None
        if field is not None and op is not None:
            if op is Op.exists:
                if "value" in raw:
                    self.fail(f"{pointer}/value", "exists takes no value")
            elif "value" not in raw:
                self.fail(pointer, 'missing "value"')
            else:
                value = self.value(field, op, raw["value"], f"{pointer}/value")
        if len(self.errors) > before or field is None or op is None:
            return None
        return Condition(field, op, value, pointer)

    def field(self, raw: Mapping[Any, Any], pointer: str) -> Field[Any] | None:
        if "field" not in raw:
            self.fail(pointer, 'missing "field"')
            return None
        name = raw["field"]
        if not isinstance(name, str) or name not in self.catalogue:
            known = ", ".join(f.name for f in self.catalogue)
            self.fail(f"{pointer}/field", f"unknown field; the {self.catalogue.subject} fields are: {known}")
            return None
        return self.catalogue[name]

    def op(self, raw: Mapping[Any, Any], pointer: str, field: Field[Any] | None) -> Op | None:
        if "op" not in raw:
            self.fail(pointer, 'missing "op"')
            return None
        name = raw["op"]
        try:
            op = Op(name) if isinstance(name, str) else None
        except ValueError:
            op = None
        if op is None:
            self.fail(f"{pointer}/op", "unknown operator; one of: " + ", ".join(Op))
            return None
        if field is not None and op not in field.operators:
            allowed = ", ".join(field.operators)
            self.fail(f"{pointer}/op", f"{op} does not apply to {field.name} ({field.type}); allowed: {allowed}")
            return None
        return op

    def value(self, field: Field[Any], op: Op, raw: Any, pointer: str) -> Any:
        if op in (Op.in_, Op.not_in):
            if not isinstance(raw, list) or not raw:
                self.fail(pointer, f"{op} takes a non-empty array of values")
                return None
            if len(raw) > MAX_VALUES:
                self.fail(pointer, f"at most {MAX_VALUES} values")
                return None
            return tuple(self.scalar(field, field.type, item, f"{pointer}/{i}") for i, item in enumerate(raw))
        kind = field.type
        if field.type.is_list:
            kind = FieldType.enum if field.type is FieldType.enum_list else FieldType.text
        return self.scalar(field, kind, raw, pointer)

    def scalar(self, field: Field[Any], kind: FieldType, raw: Any, pointer: str) -> Any:
        value = _convert(field, kind, raw)
        if isinstance(value, _Bad):
            self.fail(pointer, value.reason)
            return None
        return value


class _Bad(NamedTuple):
    reason: str


def _convert(field: Field[Any], kind: FieldType, raw: Any) -> Any:
    """The normalised value, or why it is not one (a :class:`_Bad`)."""
    if kind in (FieldType.text, FieldType.enum):
        if not isinstance(raw, str):
            return _Bad("must be a string")
        if kind is FieldType.enum:
            return raw if raw in field.choices else _Bad("must be one of: " + ", ".join(field.choices))
        if len(raw) > MAX_TEXT:
            return _Bad(f"must be at most {MAX_TEXT} characters")
        if "\x00" in raw:
            return _Bad("must not contain NUL characters")
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            return _Bad("must be valid Unicode text (no lone surrogates)")
        return raw
    if kind is FieldType.integer:
        if isinstance(raw, bool) or not isinstance(raw, int):
            return _Bad("must be an integer")
        return raw if abs(raw) <= MAX_INTEGER else _Bad(f"must lie between -{MAX_INTEGER} and {MAX_INTEGER}")
    if kind is FieldType.boolean:
        return raw if isinstance(raw, bool) else _Bad("must be true or false")
    if kind is FieldType.datetime:
        if not isinstance(raw, str):
            return _Bad("must be an RFC 3339 date-time string with an offset, e.g. 2026-03-02T08:00:00Z")
        try:
            return _DATETIME.validate_python(raw)
        except ValidationError as exc:
            return _Bad("must be an RFC 3339 date-time with an offset, between 1970 and 2199: " + _first(exc))
    if kind is FieldType.uuid:
        if not isinstance(raw, str):
            return _Bad("must be a UUID string")
        try:
            return uuid.UUID(raw)
        except ValueError:
            return _Bad("must be a UUID string")
    raise AssertionError(f"no scalar conversion for {kind}")


def _first(exc: ValidationError) -> str:
    return str(exc.errors()[0].get("msg", "invalid"))


def parse(
    raw: Any,
    catalogue: Catalogue[Any],
    *,
    location: str = "body",
    base: str = "",
    extra: Mapping[str, Any] | None = None,
) -> Expression:
    """Validate and normalise a JSON expression. Problems raise :class:`InvalidFilter`, each with a JSON Pointer
    (``base`` + the pointer into the expression, so an expression inside a request body points into the body)."""
    parser = _Parser(catalogue, location, base)
    expression = None
    with contextlib.suppress(_TooMany):  # the problems found so far are reported
        expression = parser.node(raw, "", 1)
    if parser.errors or expression is None:
        count = len(parser.errors)
        more = " (the first ones)" if count >= MAX_ERRORS else ""
        raise InvalidFilter(f"{count} problem(s) in the filter expression{more}.", errors=parser.errors, extra=extra)
    return expression


def parse_json(text: str, catalogue: Catalogue[Any], *, parameter: str = "filter") -> Expression:
    """Parse an expression given as JSON text in a query parameter."""
    extra = {"parameter": parameter}
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "cannot be read as JSON"
        where = f" at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        raise InvalidFilter(
            "The filter is not valid JSON.",
            errors=[ProblemDetailItem(pointer="", location="query", message=f"{reason}{where}")],
            extra=extra,
        ) from None
    return parse(raw, catalogue, location="query", extra=extra)
