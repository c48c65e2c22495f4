"""The filter language: one JSON expression for list filters (``?filter=``, compiled to SQL) and routing rules
(evaluated in Python against one subject). Both give the same answer on every subject.

Shape
-----
A **condition** names a field of a catalogue, an operator and a value::

    {"field": "incident_type", "op": "eq", "value": "Online Enticement of Children for Sexual Acts"}
    {"field": "victim_age", "op": "lt", "value": 13}
    {"field": "tags", "op": "contains", "value": "sextortion-wave"}
    {"field": "priority", "op": "exists"}                      # exists takes no "value"

A **group** combines expressions::

    {"all": [<expression>, ...]}    every member holds (a non-empty array)
    {"any": [<expression>, ...]}    at least one member holds (a non-empty array)
    {"not": <expression>}           the member does not hold

Any expression may be the root. A node is exactly one of these forms; other members are errors.

Operators by field type (:data:`catalogue.OPERATORS`)
-----------------------------------------------------
- ``text``: eq, ne, in, not_in, contains (substring), exists. A-Z and a-z compare equal; every other character
  compares exactly (so SQLite and PostgreSQL, whatever the locale, agree with Python). No ordering: collations
  differ between databases.
- ``enum``: eq, ne, in, not_in, exists; values must be among the field's choices and compare exactly.
- ``integer``: eq, ne, in, not_in, lt, lte, gt, gte, exists; integers within ±(2^53 - 1), never booleans.
- ``boolean``: eq, ne, exists; ``true`` or ``false``.
- ``datetime``: eq, ne, lt, lte, gt, gte, exists; RFC 3339 strings with an offset (1970-2199), compared as instants.
- ``uuid``: eq, ne, in, not_in, exists; UUID strings.
- ``text_list`` / ``enum_list`` (JSON arrays of strings): contains (an element equal to the value, text folded as
  above, enums exact), exists (at least one element). Elements that are not strings, and stored values that are not
  arrays, are ignored: a list is the strings it holds.

Missing values
--------------
A field's value may be missing (NULL in SQL, ``None`` in Python). Every condition on a missing value is false,
``ne`` and ``not_in`` included; ``not`` of such a condition is true; ``exists`` is the presence test. A list is never
missing, only empty. In SQL each condition is guarded (``x IS NOT NULL AND ...``) so that no term is ever NULL and
three-valued logic never shows.

Limits and errors
-----------------
At most :data:`parse.MAX_DEPTH` levels of nesting, :data:`parse.MAX_NODES` conditions and groups,
:data:`parse.MAX_VALUES` values in an ``in`` list and :data:`parse.MAX_TEXT` characters in a text value. Parsing
checks everything (unknown field or member, an operator the field's type does not allow, a value of the wrong type,
an empty group, the limits) and raises one :class:`InvalidFilter` (422, ``urn:tipdesk:problem:invalid-filter``)
whose ``errors`` hold a JSON Pointer into the expression and a message for each problem.

Use
---
A domain declares a :class:`Catalogue` of :class:`Field` (name, type, description, SQL expression builder, Python
getter); :func:`parse` / :func:`parse_json` validate an expression against it; :func:`to_sql` gives a WHERE clause;
:func:`evaluate` / :func:`explain` answer for one subject; :func:`dump` gives the JSON form back.
"""

from app.core.filters.catalogue import OPERATORS, Catalogue, Field, FieldType, Op
from app.core.filters.compile import to_sql
from app.core.filters.evaluate import Check, evaluate, explain
from app.core.filters.http import describe, query_parameter
from app.core.filters.nodes import AllOf, AnyOf, Condition, Expression, Not, dump
from app.core.filters.parse import InvalidFilter, parse, parse_json

__all__ = [
    "OPERATORS",
    "AllOf",
    "AnyOf",
    "Catalogue",
    "Check",
    "Condition",
    "Expression",
    "Field",
    "FieldType",
    "InvalidFilter",
    "Not",
    "Op",
    "describe",
    "dump",
    "evaluate",
    "explain",
    "parse",
    "parse_json",
    "query_parameter",
    "to_sql",
]
