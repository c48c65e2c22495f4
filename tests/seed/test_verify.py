"""verify-safe: the JSON scan finds what intake's guard finds, finds nothing in seeded data, and finds every
real-looking value injected into it (by report and pointer)."""

from __future__ import annotations

import copy
import types
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from app.reports.document import DeviceId, Email, FileDetails, IpCaptureEvent, Phone, Report
from app.reports.guard import scan_file_details, scan_report
from seed import verify
from tests.reports import samples
from tests.seed.helpers import generate

KINDS = {Email: verify.EMAIL_FIELDS, Phone: verify.PHONE_FIELDS, IpCaptureEvent: verify.IP_FIELDS}
KINDS[DeviceId] = verify.DEVICE_FIELDS
INJECTED = (
    ("/personOrUserReported/0/ipCaptureEvent/0/ipAddress", "8.8.8.8"),
    ("/personOrUserReported/0/personOrUserReportedPerson/email/0/value", "someone@gmail.com"),
    ("/personOrUserReported/0/profileUrl/0", "https://www.google.com/u/someone"),
    ("/reporter/legalURL", "https://www.google.com/legal"),
)


def _models(annotation: Any) -> set[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {annotation}
    if get_origin(annotation) in (Union, types.UnionType, list):
        return set().union(*(_models(a) for a in get_args(annotation)))
    return set()


def _fields(root: type[BaseModel]) -> dict[str, set[type[BaseModel]]]:
    """Every field name in the document tree and the models it holds."""
    seen: set[type[BaseModel]] = set()
    names: dict[str, set[type[BaseModel]]] = {}
    todo = [root]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for name, info in cls.model_fields.items():
            held = _models(info.annotation)
            names.setdefault(name, set()).update(held)
            todo += held
    return names


@pytest.mark.parametrize("root", [Report, FileDetails])
def test_the_field_names_match_the_models(root: type[BaseModel]) -> None:
    for name, held in _fields(root).items():
        for model, names in KINDS.items():
            assert (model in held) == (name in names), (root.__name__, name)


def _set(document: dict[str, Any], pointer: str, value: str) -> None:
    parts = pointer.split("/")[1:]
    node: Any = document
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    node[int(last) if isinstance(node, list) else last] = value


@pytest.mark.parametrize("i", range(40))
def test_the_scan_finds_what_the_guard_finds(i: int) -> None:
    document = Report.model_validate(samples.build_report(i)).model_dump(mode="json", exclude_none=True)
    if document["personOrUserReported"] and document["personOrUserReported"][0]["ipCaptureEvent"]:
        _set(document, INJECTED[0][0], INJECTED[0][1])
    _set(document, INJECTED[3][0], INJECTED[3][1])
    expected = [(f.pointer, f.value) for f in scan_report(Report.model_validate(document))]
    assert expected
    assert [(o.pointer, o.value) for o in verify.scan_report(1, document, [])] == expected
    details = FileDetails.model_validate(samples.build_file_details(i)).model_dump(mode="json", exclude_none=True)
    if "ipCaptureEvent" in details:
        details["ipCaptureEvent"]["ipAddress"] = "2001:4860:4860::8888"
    findings = scan_file_details(FileDetails.model_validate(details), prefix=("files", 0, "details"))
    expected = [(f.pointer, f.value) for f in findings]
    assert [(o.pointer, o.value) for o in verify.scan_report(1, {}, [details])] == expected


def test_seeded_reports_have_no_findings_and_injected_values_are_all_found() -> None:
    injected: set[tuple[int, str]] = set()
    found: set[tuple[int, str]] = set()
    count = 0
    for r in generate("load", 20_000, seed=5):
        count += 1
        document, files = r.body, [f.details_body for f in r.files]
        reported = document["personOrUserReported"]
        if (
            r.index % 4000 == 7
            and reported
            and reported[0]["ipCaptureEvent"]
            and reported[0].get("personOrUserReportedPerson")
        ):
            document = copy.deepcopy(document)
            for pointer, value in INJECTED:
                _set(document, pointer, value)
                injected.add((r.number, pointer))
        found |= {(o.report_number, o.pointer) for o in verify.scan_report(r.number, document, files)}
    assert count == 20_000
    assert len(injected) >= 12
    assert found == injected
