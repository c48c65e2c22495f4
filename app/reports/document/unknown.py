"""Fields the schema does not define: find them by JSON Pointer, or drop them; turn validation errors into pointers.

Report models keep unknown fields at parse time (`extra="allow"`), because whether they are refused (strict intake)
or dropped (lenient intake) is an exercise setting known only at request time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from app.reports.document.base import model_children

M = TypeVar("M", bound=BaseModel)


def _escape(part: str | int) -> str:
    text = str(part)
    return text.replace("~", "~0").replace("/", "~1") if "~" in text or "/" in text else text


def json_pointer(loc: Iterable[str | int]) -> str:
    """RFC 6901 JSON Pointer for a path such as pydantic's error `loc` (`()` is the whole document, `""`)."""
    return "".join(["/" + _escape(part) for part in loc])


def _walk(value: object, path: tuple[str | int, ...], found: list[str]) -> None:
    if isinstance(value, BaseModel):
        _walk_model(value, path, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, (*path, index), found)


def _walk_model(model: BaseModel, path: tuple[str | int, ...], found: list[str]) -> None:
    fields = model.__dict__  # the fields' values
    for name in model_children(type(model)):  # a model, a list of models or None, in definition order
        child = fields[name]
        if not child:
            continue
        if child.__class__ is list:
            for index, item in enumerate(child):
                _walk_model(item, (*path, name, index), found)
        else:
            _walk_model(child, (*path, name), found)
    if extra := model.__pydantic_extra__:
        found.extend(json_pointer((*path, name)) for name in extra)


def unknown_fields(model: BaseModel) -> list[str]:
    """JSON Pointers of every field anywhere in the tree that the schema does not define.

    Depth first; within one object, the unknown fields of its known children come before its own unknown fields.
    """
    found: list[str] = []
    _walk(model, (), found)
    return found


def _known(value: object) -> object:
    if isinstance(value, BaseModel):
        return {
            name: _known(getattr(value, name)) for name in value.model_fields_set if name in type(value).model_fields
        }
    if isinstance(value, list):
        return [_known(item) for item in value]
    return value


def without_unknown(model: M) -> M:
    """A copy of `model` without unknown fields at any depth (fields that were set stay set)."""
    return type(model).model_validate(_known(model))


def error_pointers(exc: ValidationError) -> list[tuple[str, str]]:
    """`(pointer, message)` for each validation error, the pointer relative to the validated document."""
    return [(json_pointer(err["loc"]), err["msg"]) for err in exc.errors(include_url=False)]
