"""The strict-intake guard: finds every identifier outside the reserved ranges, anywhere, with its JSON Pointer."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from app.reports.document import INTERNET_DETAIL_KINDS, FileDetails, Report
from app.reports.guard import Finding, scan_file_details, scan_report
from tests.reports import samples

SUMMARY = {"incidentType": "Child Sex Tourism", "incidentDateTime": "2025-03-01T08:00:00Z"}


def _report(**sections: Any) -> Report:
    return Report.model_validate({"incidentSummary": SUMMARY, "reporter": {"reportingPerson": {}}} | sections)


def _pointers(findings: list[Finding]) -> list[str]:
    return [f.pointer for f in findings]


def _resolve(document: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


@pytest.mark.parametrize("i", range(60))
def test_sample_reports_have_no_findings(i: int) -> None:
    """The sample builder draws every identifier from reserved ranges; the guard agrees."""
    assert scan_report(Report.model_validate(samples.build_report(i))) == []


@pytest.mark.parametrize("i", range(30))
def test_sample_file_details_have_no_findings(i: int) -> None:
    assert scan_file_details(FileDetails.model_validate(samples.build_file_details(i))) == []


def test_every_kind_is_found_in_a_sample_with_real_looking_values() -> None:
    data = samples.build_report(3)  # has an associated account, contact person, two internetDetails
    reported = data["personOrUserReported"][0]
    reported["ipCaptureEvent"][0]["ipAddress"] = "8.8.8.8"
    reported["associatedAccount"][0]["email"][0]["value"] = "someone@gmail.com"
    reported["associatedAccount"][0]["phone"][0] = {"value": "+1 650 253 0000", "type": "Mobile"}
    reported["associatedAccount"][0]["deviceId"][0] = {"idType": "MAC", "idValue": "3C-22-FB-12-34-56"}
    reported["associatedAccount"][0]["profileUrl"].append("https://www.facebook.com/someone")
    reported["deviceId"] = [{"idType": "IMEI", "idValue": "490154203237518"}]
    data["reporter"]["legalURL"] = "https://www.google.com/legal"
    found = scan_report(Report.model_validate(data))
    assert [(f.pointer, f.kind) for f in found] == [
        ("/reporter/legalURL", "url"),
        ("/personOrUserReported/0/ipCaptureEvent/0/ipAddress", "ip"),
        ("/personOrUserReported/0/deviceId/0/idValue", "imei"),
        ("/personOrUserReported/0/associatedAccount/0/phone/0/value", "phone"),
        ("/personOrUserReported/0/associatedAccount/0/email/0/value", "email"),
        ("/personOrUserReported/0/associatedAccount/0/profileUrl/1", "url"),
        ("/personOrUserReported/0/associatedAccount/0/deviceId/0/idValue", "mac"),
    ]
    document = json.loads(Report.model_validate(data).model_dump_json())
    for finding in found:
        assert _resolve(document, finding.pointer) == finding.value


INTERNET_DETAILS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "webPageIncident": (
        {"url": ["https://example.com/ok", "https://www.google.com/x"]},
        ["/internetDetails/1/webPageIncident/url/1"],
    ),
    "emailIncident": (
        {"emailAddress": [{"value": "a@example.com"}, {"value": "b@yahoo.com"}]},
        ["/internetDetails/1/emailIncident/emailAddress/1/value"],
    ),
    "newsgroupIncident": (
        {"name": "alt.test.sample", "emailAddress": [{"value": "c@gmail.com"}]},
        ["/internetDetails/1/newsgroupIncident/emailAddress/0/value"],
    ),
    "chatImIncident": ({"chatClient": "Sample Chat (fictional)", "chatRoomName": "room-1"}, []),
    "onlineGamingIncident": ({"gameName": "Sample Arena (fictional)", "console": "PC"}, []),
    "cellPhoneIncident": (
        {"phoneNumber": {"value": "0812-3456-7890", "countryCallingCode": "+62"}, "latitude": -6.9},
        ["/internetDetails/1/cellPhoneIncident/phoneNumber/value"],
    ),
    "nonInternetIncident": ({"locationName": "Library (fictional)", "incidentAddress": [{"city": "Bandung"}]}, []),
    "peer2peerIncident": (
        {"client": "SampleShare", "ipCaptureEvent": [{"ipAddress": "192.0.2.1"}, {"ipAddress": "1.1.1.1"}]},
        ["/internetDetails/1/peer2peerIncident/ipCaptureEvent/1/ipAddress"],
    ),
}


def test_the_table_covers_every_internet_details_kind() -> None:
    assert set(INTERNET_DETAILS) == set(INTERNET_DETAIL_KINDS)


@pytest.mark.parametrize("kind", INTERNET_DETAIL_KINDS)
def test_every_internet_details_kind(kind: str) -> None:
    """chatIm, onlineGaming and nonInternet incidents have no identifier fields; the others are all checked."""
    body, expected = INTERNET_DETAILS[kind]
    first = {"chatImIncident": {"chatClient": "x"}}
    assert _pointers(scan_report(_report(internetDetails=[first, {kind: body}]))) == expected


def test_every_section_is_scanned() -> None:
    person = {"email": [{"value": "p@gmail.com"}], "phone": [{"value": "+1 650 253 0000"}]}
    account = {"ipCaptureEvent": [{"ipAddress": "2001:4860:4860::8888"}], "profileUrl": ["https://gmail.com/p"]}
    report = _report(
        lawEnforcement={"agencyName": "Unit (fictional)", "officerContact": {"email": [{"value": "o@gmail.com"}]}},
        reporter={"reportingPerson": person, "contactPerson": person},
        intendedRecipient=[{"intendedRecipientPerson": person} | account],
        victim=[{"victimPerson": person} | account],
    )
    assert _pointers(scan_report(report)) == [
        "/lawEnforcement/officerContact/email/0/value",
        "/reporter/reportingPerson/phone/0/value",
        "/reporter/reportingPerson/email/0/value",
        "/reporter/contactPerson/phone/0/value",
        "/reporter/contactPerson/email/0/value",
        "/intendedRecipient/0/intendedRecipientPerson/phone/0/value",
        "/intendedRecipient/0/intendedRecipientPerson/email/0/value",
        "/intendedRecipient/0/profileUrl/0",
        "/intendedRecipient/0/ipCaptureEvent/0/ipAddress",
        "/victim/0/victimPerson/phone/0/value",
        "/victim/0/victimPerson/email/0/value",
        "/victim/0/profileUrl/0",
        "/victim/0/ipCaptureEvent/0/ipAddress",
    ]


def test_free_text_and_names_are_not_identifiers() -> None:
    report = _report(
        additionalInfo="Seen at gmail.com from 8.8.8.8",
        personOrUserReported=[{"screenName": "gmail.com", "espIdentifier": "8.8.8.8", "espService": "google.com"}],
    )
    assert scan_report(report) == []


def test_file_details() -> None:
    data = samples.build_file_details(0)
    data["originalFileName"] = "https://www.google.com/not-a-url-field.jpg"  # a name, not a location
    data["locationOfFile"] = "https://www.google.com/media/1"
    data["ipCaptureEvent"]["ipAddress"] = "10.0.0.7"
    data["deviceId"] = [{"idType": "IMEI", "idValue": "490154203237518"}]
    found = scan_file_details(FileDetails.model_validate(data), prefix=("files", 2))
    assert [(f.pointer, f.kind, f.reason) for f in found] == [
        ("/files/2/locationOfFile", "url", "domain not reserved for documentation (RFC 2606 / RFC 6761)"),
        (
            "/files/2/ipCaptureEvent/ipAddress",
            "ip",
            "private-use address (RFC 1918 / RFC 4193): not reserved for documentation",
        ),
        ("/files/2/deviceId/0/idValue", "imei", "IMEI with a valid Luhn check digit"),
    ]


def test_findings_are_stable_and_serialisable() -> None:
    data = copy.deepcopy(samples.build_report(1))
    data["personOrUserReported"][0]["ipCaptureEvent"][0]["ipAddress"] = "8.8.8.8"
    first = scan_report(Report.model_validate(data))
    again = scan_report(Report.model_validate(data))
    assert first == again
    assert json.loads(json.dumps([f.to_dict() for f in first])) == [
        {
            "pointer": "/personOrUserReported/0/ipCaptureEvent/0/ipAddress",
            "kind": "ip",
            "value": "8.8.8.8",
            "reason": "publicly routable address",
        }
    ]
