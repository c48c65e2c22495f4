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

from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.reports import identifiers as ids
from app.reports.document import DeviceId, Email, FileDetails, IpCaptureEvent, Phone, Report, json_pointer

URL_FIELDS = frozenset({"url", "profileUrl", "legalURL", "locationOfFile"})
"""Fields (of any model) whose strings are URLs."""

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


def _finding(path: Path, kind: ids.IdentifierKind, value: str, verdict: ids.Verdict) -> Iterator[Finding]:
    if not verdict.ok:
        yield Finding(pointer=json_pointer(path), kind=kind, value=value, reason=verdict.reason or "not reserved")


def _check_model(node: BaseModel, path: Path) -> Iterator[Finding]:
    if isinstance(node, Email):
        yield from _finding((*path, "value"), "email", node.value, ids.check_email(node.value))
    elif isinstance(node, Phone):
        verdict = ids.check_phone(node.value, node.countryCallingCode)
        yield from _finding((*path, "value"), "phone", node.value, verdict)
    elif isinstance(node, IpCaptureEvent):
        yield from _finding((*path, "ipAddress"), "ip", node.ipAddress, ids.check_ip(node.ipAddress))
    elif isinstance(node, DeviceId):
        kind = ids.device_id_kind(node.idType, node.idValue)
        if kind is not None:
            verdict = ids.check_device_id(node.idType, node.idValue)
            yield from _finding((*path, "idValue"), kind, node.idValue, verdict)


def _scan(node: object, path: Path) -> Iterator[Finding]:
    if isinstance(node, BaseModel):
        yield from _check_model(node, path)
        for name, value in node.__dict__.items():  # the fields' values, in definition order
            if name in URL_FIELDS:
                urls = value if isinstance(value, list) else [value]
                for index, url in enumerate(urls):
                    if isinstance(url, str):
                        at = (*path, name, index) if isinstance(value, list) else (*path, name)
                        yield from _finding(at, "url", url, ids.check_url(url))
            elif isinstance(value, BaseModel | list):
                yield from _scan(value, (*path, name))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _scan(item, (*path, index))


def scan_report(report: Report, *, prefix: Sequence[str | int] = ()) -> list[Finding]:
    """Every identifier in `report` outside the reserved ranges; pointers relative to the report (or `prefix`)."""
    return list(_scan(report, tuple(prefix)))


def scan_file_details(file_details: FileDetails, *, prefix: Sequence[str | int] = ()) -> list[Finding]:
    """The same for a `<fileDetails>` document: upload IP, device ids, `locationOfFile` (not the file names)."""
    return list(_scan(file_details, tuple(prefix)))
