"""The OpenAPI document: responses every operation shares, declared once here instead of on each route."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.core.errors import PROBLEM_MEDIA_TYPE, Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}}


def _add_shared_responses(doc: dict[str, Any]) -> None:
    for path, item in doc.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            has_body = "requestBody" in op
            params = {p.get("name") for p in op.get("parameters", [])}
            if has_body or params:
                responses["422"] = _problem("Request validation failed (`errors` lists each problem).")
            if has_body:
                responses.setdefault("400", _problem("Malformed request body."))
                responses.setdefault("413", _problem("Request body too large."))
            if "cursor" in params:
                responses.setdefault("400", _problem("Bad request (e.g. a cursor this list did not issue)."))
            responses.setdefault("503", _problem("Database unavailable or not migrated."))
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _add_shared_responses(doc)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


@lru_cache(maxsize=8)
def _path_patterns(app: FastAPI) -> tuple[tuple[re.Pattern[str], frozenset[str]], ...]:
    patterns = []
    for path, item in app.openapi().get("paths", {}).items():
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"
        patterns.append((re.compile(regex), frozenset(m.upper() for m in item if m in _METHODS)))
    return tuple(patterns)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the API declares for a concrete path (for the ``Allow`` header of a 405)."""
    matches = [
        (pattern.pattern.count("[^/]+"), declared) for pattern, declared in _path_patterns(app) if pattern.match(path)
    ]
    if not matches:
        return []
    fewest = min(n for n, _ in matches)  # `/reports/bulk` is that path, not `/reports/{report_id}`
    return sorted(set().union(*(declared for n, declared in matches if n == fewest)))
