"""Indicators: normalised identifiers of a report, for linking reports and cases that share one.

- `email`: every `Email`; the whole address lower-cased.
- `screen_name`: `screenName` of a reported user, intended recipient, victim or associated account; stripped, a
  leading `@` removed, case-folded. Scoped to the ESP (below).
- `esp_user_id`: `espIdentifier` of the same sections; stripped only (ids may be case-sensitive). Scoped to the ESP.
- `ip`: every `IpCaptureEvent.ipAddress`; canonical text (IPv6 compressed, lower-case).
- `phone`: every `Phone`, read with its `countryCallingCode`; E.164.
- `device_id`: every `DeviceId.idValue`; a MAC as `00-00-5E-00-53-01`, an IMEI as its 15 digits, others stripped.
- `url`: `url`, `profileUrl`, `locationOfFile`; scheme and host lower-cased, the rest kept.
- `md5`, `sha1`: a `FileDetails`'s `originalFileHash` (by `hashType`) and `details` of type HASH (by name), and
  server-computed hashes of uploads; lower-case hex of the right length (other values are skipped).
Only screen names and ESP user ids carry a scope; the others have `scope=""` (never None, so a database unique
constraint over (kind, scope, value) behaves the same on every dialect).

**ESP scope.** The report has no field naming the reporting company (the ESP is known from the submitting
credential), and one ESP runs several services with separate account namespaces. A screen name or user id is
therefore scoped, in this order, to: the section's `espService` (the service the account is on); for an associated
account, its `platform`, else the scope of the section it belongs to; the report's `incidentSummary.platform`; the
`esp` argument (the reporter's organisation, supplied by the caller); else no scope (`""`). Scopes are compared
stripped, case-folded, with runs of whitespace collapsed, so `Pelangi Chat` and ` pelangi  chat` are one scope.

**Pointers.** Indicators are unique by `(kind, scope, value)` and listed in order of first occurrence; each keeps
*all* pointers where it was found, first occurrence first (`pointer` is the first). Pointers are RFC 6901, into
the report's JSON form; for values found in `files` they start `/files/{i}` (the position of the file in the
`files` argument), followed by the pointer into that `FileDetails`, or `/md5` / `/sha1` for server-computed hashes.

**Sections.** `reporter` and `lawEnforcement` are not read: they describe the reporting ESP's staff and the agency
already involved, not the incident, and linking on them would connect every report of one ESP (the guard still
checks them). Everything else is: incident details, reported users, intended recipients, victims, and files.

Values that cannot be normalised (an `ipAddress` that is not an address, a phone number that cannot be parsed) are
not indicators.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Literal, NamedTuple, Protocol, cast, runtime_checkable

from pydantic import BaseModel

from app.reports import identifiers as ids
from app.reports.document import (
    AssociatedAccount,
    DeviceId,
    Email,
    FileDetails,
    IntendedRecipient,
    IpCaptureEvent,
    PersonOrUserReported,
    Phone,
    Report,
    Victim,
    model_children,
)
from app.reports.guard import walked_fields

IndicatorKind = Literal["email", "screen_name", "esp_user_id", "ip", "phone", "device_id", "url", "md5", "sha1"]
SCOPED_KINDS: frozenset[IndicatorKind] = frozenset({"screen_name", "esp_user_id"})
NOT_INDICATOR_SECTIONS = frozenset({"reporter", "lawEnforcement"})
"""Report sections about the reporting party and the agency, not the incident: no indicators come from them."""

_Hit = tuple[IndicatorKind, str, str, str]  # kind, scope, value, JSON Pointer
_HEX = re.compile(r"^[0-9a-f]+$")
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]")
_HASH_LENGTHS: dict[IndicatorKind, int] = {"md5": 32, "sha1": 40}


@runtime_checkable
class FileHashes(Protocol):
    """A file whose hashes the server computed on upload (its bytes are not kept); either hash may be missing."""

    @property
    def md5(self) -> str | None: ...

    @property
    def sha1(self) -> str | None: ...


class Indicator(NamedTuple):
    """One normalised identifier and every place it was found."""

    kind: IndicatorKind
    scope: str
    value: str
    pointers: tuple[str, ...]

    @property
    def pointer(self) -> str:
        """Where the value first occurs."""
        return self.pointers[0]


def normalize_scope(name: str | None) -> str:
    """Stripped, case-folded, whitespace collapsed; `""` when blank or None."""
    return " ".join((name or "").split()).casefold()


def normalize_screen_name(value: str) -> str | None:
    text = value.strip().removeprefix("@").strip().casefold()
    return text or None


def _hash_kind(name: str) -> IndicatorKind | None:
    key = _NOT_ALPHANUMERIC.sub("", name.lower())
    return "md5" if key == "md5" else "sha1" if key == "sha1" else None


def _hash_hit(kind: IndicatorKind | None, value: str | None, at: str) -> Iterator[_Hit]:
    text = (value or "").strip().lower()
    if kind is not None and len(text) == _HASH_LENGTHS[kind] and _HEX.match(text):
        yield kind, "", text, at


_Account = PersonOrUserReported | IntendedRecipient | Victim | AssociatedAccount
_ACCOUNTS = (PersonOrUserReported, IntendedRecipient, Victim, AssociatedAccount)


def _account_scope(node: _Account, fallback: str) -> str:
    scope = normalize_scope(node.espService)
    if not scope and isinstance(node, AssociatedAccount) and node.platform is not None:
        scope = normalize_scope(node.platform.value)
    return scope or fallback


def _model_hits(node: BaseModel, at: str, scope: str) -> Iterator[_Hit]:
    """The values `node` holds itself; `at`: its JSON Pointer."""
    if isinstance(node, Email):
        if (email := ids.normalize_email(node.value)) is not None:
            yield "email", "", email, f"{at}/value"
    elif isinstance(node, Phone):
        if (phone := ids.normalize_phone(node.value, node.countryCallingCode)) is not None:
            yield "phone", "", phone, f"{at}/value"
    elif isinstance(node, IpCaptureEvent):
        if (ip := ids.normalize_ip(node.ipAddress)) is not None:
            yield "ip", "", ip, f"{at}/ipAddress"
    elif isinstance(node, DeviceId):
        kind = ids.device_id_kind(node.idType, node.idValue)
        norm = {"mac": ids.normalize_mac, "imei": ids.normalize_imei}[kind](node.idValue) if kind else None
        if value := norm or node.idValue.strip():
            yield "device_id", "", value, f"{at}/idValue"
    elif isinstance(node, _ACCOUNTS):
        if node.screenName is not None and (name := normalize_screen_name(node.screenName)) is not None:
            yield "screen_name", scope, name, f"{at}/screenName"
        if node.espIdentifier is not None and (uid := node.espIdentifier.strip()):
            yield "esp_user_id", scope, uid, f"{at}/espIdentifier"
    elif isinstance(node, FileDetails):
        for i, fh in enumerate(node.originalFileHash):
            yield from _hash_hit(_hash_kind(fh.hashType), fh.value, f"{at}/originalFileHash/{i}/value")
        for i, details in enumerate(node.details):
            if details.type == "HASH":
                for j, pair in enumerate(details.nameValuePair):
                    pointer = f"{at}/details/{i}/nameValuePair/{j}/value"
                    yield from _hash_hit(_hash_kind(pair.name), pair.value, pointer)


_HIT_KINDS = (Email, Phone, IpCaptureEvent, DeviceId, *_ACCOUNTS, FileDetails)
"""Models `_model_hits` reads."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """What extraction reads of one model class: whether it is an account (it sets the scope of what it holds),
    whether it holds a value itself, and its URL fields and fields that can hold models, in definition order
    (`True`: a URL field). The report itself is read only through its sections."""

    account: bool
    hits: bool
    fields: tuple[tuple[str, bool], ...]


@cache
def _plan(cls: type[BaseModel]) -> _Plan:
    if issubclass(cls, Report):
        sections = tuple((n, False) for n in model_children(cls) if n not in NOT_INDICATOR_SECTIONS)
        return _Plan(False, False, sections)
    return _Plan(issubclass(cls, _ACCOUNTS), issubclass(cls, _HIT_KINDS), walked_fields(cls))


def _walk(node: BaseModel, at: str, scope: str, into: list[_Hit]) -> None:
    """Collect the hits of `node` and what it holds; `at`: its JSON Pointer (field names need no escaping)."""
    plan = _plan(type(node))
    if plan.account:
        scope = _account_scope(cast(_Account, node), scope)
    if plan.hits:
        into.extend(_model_hits(node, at, scope))
    values = node.__dict__  # the fields' values
    for name, is_url in plan.fields:
        value = values[name]
        if is_url:
            if isinstance(value, list):
                for index, url in enumerate(value):
                    if isinstance(url, str) and url.strip():
                        into.append(("url", "", ids.normalize_url(url), f"{at}/{name}/{index}"))
            elif isinstance(value, str) and value.strip():
                into.append(("url", "", ids.normalize_url(value), f"{at}/{name}"))
        elif not value:  # None or []
            continue
        elif value.__class__ is list:  # of models
            for index, item in enumerate(value):
                _walk(item, f"{at}/{name}/{index}", scope, into)
        else:  # a model
            _walk(value, f"{at}/{name}", scope, into)


def _hits(report: Report, files: Iterable[FileHashes | FileDetails], esp: str | None) -> list[_Hit]:
    hits: list[_Hit] = []
    _walk(report, "", normalize_scope(report.incidentSummary.platform) or normalize_scope(esp), hits)
    for i, file in enumerate(files):
        if isinstance(file, FileDetails):
            _walk(file, f"/files/{i}", "", hits)
            continue
        hits.extend(_hash_hit("md5", file.md5, f"/files/{i}/md5"))
        hits.extend(_hash_hit("sha1", file.sha1, f"/files/{i}/sha1"))
        details = getattr(file, "details", None)  # the file's <fileDetails>, when the reporter sent one
        if isinstance(details, FileDetails):
            _walk(details, f"/files/{i}/details", "", hits)
    return hits


def extract_indicators(
    report: Report, files: Iterable[FileHashes | FileDetails] = (), *, esp: str | None = None
) -> list[Indicator]:
    """The report's indicators (see the module docstring), unique by (kind, scope, value), first occurrence first.

    `files`: the report's files, each a `FileDetails` document or an object with server-computed `md5`/`sha1`.
    `esp`: the reporting organisation's name, the last-resort scope of screen names and ESP user ids."""
    found: dict[tuple[IndicatorKind, str, str], list[str]] = {}
    for kind, scope, value, pointer in _hits(report, files, esp):
        found.setdefault((kind, scope, value), []).append(pointer)
    return [Indicator(kind=k, scope=s, value=v, pointers=tuple(p)) for (k, s, v), p in found.items()]


def normalize_query(kind: IndicatorKind, value: str, scope: str | None = None) -> tuple[str, str | None] | None:
    """A searched value in stored form, and its scope (None: any scope), or None if it cannot be one of `kind`."""
    normalized: str | None
    match kind:
        case "email":
            normalized = ids.normalize_email(value)
        case "screen_name":
            normalized = normalize_screen_name(value)
        case "esp_user_id":
            normalized = value.strip() or None
        case "ip":
            normalized = ids.normalize_ip(value)
        case "phone":
            normalized = ids.normalize_phone(value)
        case "device_id":
            normalized = ids.normalize_mac(value) or ids.normalize_imei(value) or value.strip() or None
        case "url":
            normalized = ids.normalize_url(value.strip()) if value.strip() else None
        case "md5" | "sha1":
            text = value.strip().lower()
            normalized = text if re.fullmatch(rf"[0-9a-f]{{{_HASH_LENGTHS[kind]}}}", text) else None
    if normalized is None:
        return None
    return normalized, (normalize_scope(scope) if scope is not None and kind in SCOPED_KINDS else None)
