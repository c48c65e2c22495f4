"""The strict-intake guard: every identifier in a report document that lies outside the reserved ranges.

`scan_report` and `scan_file_details` walk the whole document tree (every section, list and nested model, in field
order) and check each field of identifier kind with `app.reports.identifiers`:

- an `Email` (in `email`, `emailAddress`): kind `email`, pointer `.../value`;
- a `Phone` (in `phone`, `phoneNumber`): kind `phone`, pointer `.../value`, read with its `countryCallingCode`;
- an `IpCaptureEvent` (in `ipCaptureEvent`): kind `ip`, pointer `.../ipAddress`;
- a `DeviceId` (in `deviceId`): kind `mac` or `imei` as its `idType` (else the value's shape) says, pointer
  `.../idValue`; other device ids have no reserved range and are not checked;
- the strings of `url`, `profileUrl`, `legalURL` and `locationOfFile`: kind `url`.

Names, screen names, ESP user ids, file names and free text are not identifiers of a reserved-range kind and are
not checked. Unknown fields (kept at parse time) are not scanned: strict intake refuses them anyway.

Findings come in document order and are plain data (`Finding.to_dict()`), so a 422 response and a stored flag name
the same pointers (RFC 6901, into the JSON form of the document, whose field names are the model field names).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.reports import identifiers as ids
from app.reports.document import (
    DeviceId,
    Email,
    FileDetails,
    IpCaptureEvent,
    Phone,
    Report,
    json_pointer,
    model_children,
)

URL_FIELDS = frozenset({"url", "profileUrl", "legalURL", "locationOfFile"})
"""Fields (of any model) whose strings are URLs."""


@cache
def walked_fields(cls: type[BaseModel]) -> tuple[tuple[str, bool], ...]:
    """The fields of `cls` a walk for identifiers visits, in definition order: its URL fields (`True`) and the
    fields that can hold models (`False`). Shared by the guard and indicator extraction."""
    children = model_children(cls)
    return tuple((name, name in URL_FIELDS) for name in cls.model_fields if name in URL_FIELDS or name in children)


Path = tuple[str | int, ...]


class Finding(BaseModel):
    """One identifier outside the reserved ranges."""

    model_config = ConfigDict(frozen=True)

    pointer: str
    kind: ids.IdentifierKind
    value: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()


def _found(into: list[Finding], path: Path, kind: ids.IdentifierKind, value: str, verdict: ids.Verdict) -> None:
    if not verdict.ok:
        reason = verdict.reason or "not reserved"
        into.append(Finding(pointer=json_pointer(path), kind=kind, value=value, reason=reason))


def _check_email(node: Email, path: Path, into: list[Finding]) -> None:
    _found(into, (*path, "value"), "email", node.value, ids.check_email(node.value))


def _check_phone(node: Phone, path: Path, into: list[Finding]) -> None:
    _found(into, (*path, "value"), "phone", node.value, ids.check_phone(node.value, node.countryCallingCode))


def _check_ip(node: IpCaptureEvent, path: Path, into: list[Finding]) -> None:
    _found(into, (*path, "ipAddress"), "ip", node.ipAddress, ids.check_ip(node.ipAddress))


def _check_device_id(node: DeviceId, path: Path, into: list[Finding]) -> None:
    kind = ids.device_id_kind(node.idType, node.idValue)
    if kind is not None:
        _found(into, (*path, "idValue"), kind, node.idValue, ids.check_device_id(node.idType, node.idValue))


_Check = Callable[[Any, Path, list[Finding]], None]
_CHECKS: tuple[tuple[type[BaseModel], _Check], ...] = (
    (Email, _check_email),
    (Phone, _check_phone),
    (IpCaptureEvent, _check_ip),
    (DeviceId, _check_device_id),
)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the guard reads of one model class: its own identifier check, then its URL fields and the fields that
    can hold models, in definition order (`True`: a URL field)."""

    check: _Check | None
    fields: tuple[tuple[str, bool], ...]


@cache
def _plan(cls: type[BaseModel]) -> _Plan:
    check = next((check for kind, check in _CHECKS if issubclass(cls, kind)), None)
    return _Plan(check, walked_fields(cls))


def _scan(node: BaseModel, path: Path, into: list[Finding]) -> None:
    plan = _plan(type(node))
    if plan.check is not None:
        plan.check(node, path, into)
    values = node.__dict__  # the fields' values
    for name, is_url in plan.fields:
        value = values[name]
        if is_url:
            if isinstance(value, list):
                for index, url in enumerate(value):
                    if isinstance(url, str):
                        _found(into, (*path, name, index), "url", url, ids.check_url(url))
            elif isinstance(value, str):
                _found(into, (*path, name), "url", value, ids.check_url(value))
        elif not value:  # None or []
            continue
        elif value.__class__ is list:  # of models
            for index, item in enumerate(value):
                _scan(item, (*path, name, index), into)
        else:  # a model
            _scan(value, (*path, name), into)


def scan_report(report: Report, *, prefix: Sequence[str | int] = ()) -> list[Finding]:
    """Every identifier in `report` outside the reserved ranges; pointers relative to the report (or `prefix`)."""
    found: list[Finding] = []
    _scan(report, tuple(prefix), found)
    return found


def scan_file_details(file_details: FileDetails, *, prefix: Sequence[str | int] = ()) -> list[Finding]:
    """The same for a `<fileDetails>` document: upload IP, device ids, `locationOfFile` (not the file names)."""
    found: list[Finding] = []
    _scan(file_details, tuple(prefix), found)
    return found
