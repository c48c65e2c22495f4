"""The ``?filter=`` query parameter and the OpenAPI description of the language.

(No ``from __future__ import annotations`` here: FastAPI reads the annotations of the dependency defined inside
:func:`query_parameter` at run time, and they name that function's locals.)"""

from typing import Annotated, Any

from fastapi import Depends, Query

from app.core.filters.catalogue import Catalogue
from app.core.filters.nodes import Expression
from app.core.filters.parse import MAX_DEPTH, MAX_NODES, MAX_TEXT, MAX_VALUES, parse_json

MAX_QUERY_CHARS = 4000

SYNTAX = f"""\
A filter is a JSON expression. A **condition** is `{{"field": <name>, "op": <operator>, "value": <value>}}` \
(`exists` takes no `value`); a **group** is `{{"all": [<expression>, ...]}}` (every member holds), \
`{{"any": [<expression>, ...]}}` (at least one holds) or `{{"not": <expression>}}`. Example: \
`{{"all": [{{"field": "urgent", "op": "eq", "value": true}}, {{"not": {{"field": "tags", "op": "contains", \
"value": "reviewed"}}}}]}}`.

Operators: `eq`, `ne`, `in` and `not_in` (a non-empty array of at most {MAX_VALUES} values), `lt`, `lte`, `gt`, \
`gte`, `contains` (text: a substring; lists: an element), `exists` (the value is present; for lists: not empty).

Meaning: a condition on a missing value is false, whatever its operator (`ne` and `not_in` too); `not` of it is \
true; `exists` tests presence. Text compares the letters A-Z and a-z as equal and every other character exactly; \
enumerated values (listed per field) compare exactly and must be one of the field's values. Date-times are \
RFC 3339 with an offset. Limits: {MAX_DEPTH} levels of nesting, {MAX_NODES} conditions and groups, \
{MAX_TEXT} characters per text value. An invalid expression is a 422 `invalid-filter` problem whose `errors` give a \
JSON Pointer into the expression for each problem."""


def describe(catalogue: Catalogue[Any]) -> str:
    return f"{SYNTAX}\n\nFields:\n\n{catalogue.markdown()}"


def query_parameter(catalogue: Catalogue[Any], *, name: str = "filter") -> Any:
    """A dependency reading the expression in query parameter ``name`` (URL-encoded JSON), or None without one."""

    def dependency(
        raw: Annotated[
            str | None, Query(alias=name, min_length=1, max_length=MAX_QUERY_CHARS, description=describe(catalogue))
        ] = None,
    ) -> Expression | None:
        return None if raw is None else parse_json(raw, catalogue, parameter=name)

    return Depends(dependency)
