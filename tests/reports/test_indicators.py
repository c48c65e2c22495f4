"""Indicators (normalised, deduplicated, ESP-scoped) and the NCMEC-side classification built on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app.reports.classification import is_urgent, ncmec_classification
from app.reports.document import FileDetails, Report
from app.reports.indicators import FileHashes, Indicator, extract_indicators
from tests.reports import samples


def _summary(**extra: Any) -> dict[str, Any]:
    return {"incidentType": "Child Sex Tourism", "incidentDateTime": "2025-03-01T08:00:00Z"} | extra


def _report(summary: dict[str, Any] | None = None, **sections: Any) -> Report:
    base = {"incidentSummary": summary or _summary(), "reporter": {"reportingPerson": {}}}
    return Report.model_validate(base | sections)


def _by_kind(found: list[Indicator]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for i in found:
        out.setdefault(i.kind, []).append((i.scope, i.value))
    return out


@dataclass
class Upload:
    md5: str | None
    sha1: str | None


def test_values_are_normalised() -> None:
    report = _report(
        personOrUserReported=[
            {
                "personOrUserReportedPerson": {
                    "email": [{"value": " Budi.Santoso@Mail.EXAMPLE.com "}],
                    "phone": [
                        {"value": "(202) 555-0123", "countryCallingCode": "+1"},
                        {"value": "0840-1234-5678", "countryCallingCode": "+62"},
                        {"value": "+44 7700 900123"},
                    ],
                },
                "profileUrl": ["HTTPS://Profile.Example.COM/Users?X=Y"],
                "ipCaptureEvent": [
                    {"ipAddress": "2001:0DB8:0000:0000:0000:0000:0000:0001"},
                    {"ipAddress": " 192.0.2.7 "},
                    {"ipAddress": "unknown"},
                ],
                "deviceId": [
                    {"idType": "MAC", "idValue": "00:00:5e:00:53:0a"},
                    {"idType": "IMEI", "idValue": "49-015420-323751-9"},
                    {"idType": "advertising id", "idValue": " ad-id-1 "},
                ],
            }
        ],
    )
    assert _by_kind(extract_indicators(report)) == {
        "email": [("", "budi.santoso@mail.example.com")],
        "phone": [("", "+12025550123"), ("", "+6284012345678"), ("", "+447700900123")],
        "url": [("", "https://profile.example.com/Users?X=Y")],
        "ip": [("", "2001:db8::1"), ("", "192.0.2.7")],
        "device_id": [("", "00-00-5E-00-53-0A"), ("", "490154203237519"), ("", "ad-id-1")],
    }


def test_duplicates_are_merged_with_all_pointers_first_occurrence_first() -> None:
    report = _report(
        victim=[{"victimPerson": {"email": [{"value": "A@example.com"}]}}],
        personOrUserReported=[
            {"personOrUserReportedPerson": {"email": [{"value": "a@EXAMPLE.com"}]}},
            {"ipCaptureEvent": [{"ipAddress": "2001:db8::1"}, {"ipAddress": "2001:DB8:0::1"}]},
        ],
    )
    found = extract_indicators(report)
    assert [(i.kind, i.value, i.pointers) for i in found] == [
        (
            "email",
            "a@example.com",
            (
                "/personOrUserReported/0/personOrUserReportedPerson/email/0/value",
                "/victim/0/victimPerson/email/0/value",
            ),
        ),
        (
            "ip",
            "2001:db8::1",
            (
                "/personOrUserReported/1/ipCaptureEvent/0/ipAddress",
                "/personOrUserReported/1/ipCaptureEvent/1/ipAddress",
            ),
        ),
    ]
    assert found[0].pointer == "/personOrUserReported/0/personOrUserReportedPerson/email/0/value"


def test_screen_names_and_user_ids_are_scoped_to_the_esp_service() -> None:
    report = _report(
        _summary(platform="Pelangi Chat (fictional)"),
        personOrUserReported=[
            {
                "screenName": " @User_A1 ",
                "espIdentifier": "AbC123",
                "espService": "Pelangi  Chat (fictional) Messaging",
                "associatedAccount": [
                    {"type": "Linked", "platform": {"value": "Awan Drive (fictional)"}, "screenName": "user_a1"},
                    {"type": "Other", "screenName": "user_a1"},
                ],
            }
        ],
        victim=[{"victimPerson": {}, "screenName": "USER_A1", "espService": "pelangi chat (fictional) messaging"}],
        intendedRecipient=[{"screenName": "user_a1", "espIdentifier": "AbC123"}],
    )
    found = [(i.kind, i.scope, i.value, i.pointers) for i in extract_indicators(report)]
    messaging = "pelangi chat (fictional) messaging"
    assert found == [
        # One account seen three times: the victim's service and an associated account without a service or
        # platform (which keeps its parent's scope) name the same ESP service.
        (
            "screen_name",
            messaging,
            "user_a1",
            (
                "/personOrUserReported/0/screenName",
                "/personOrUserReported/0/associatedAccount/1/screenName",
                "/victim/0/screenName",
            ),
        ),
        ("esp_user_id", messaging, "AbC123", ("/personOrUserReported/0/espIdentifier",)),
        (
            "screen_name",
            "awan drive (fictional)",
            "user_a1",
            ("/personOrUserReported/0/associatedAccount/0/screenName",),
        ),
        # Without espService, the report's platform is the scope.
        ("screen_name", "pelangi chat (fictional)", "user_a1", ("/intendedRecipient/0/screenName",)),
        ("esp_user_id", "pelangi chat (fictional)", "AbC123", ("/intendedRecipient/0/espIdentifier",)),
    ]


def test_the_esp_argument_is_the_last_resort_scope() -> None:
    report = _report(personOrUserReported=[{"screenName": "someone"}])
    assert [i.scope for i in extract_indicators(report, esp=" Kabut Mail ")] == ["kabut mail"]
    assert [i.scope for i in extract_indicators(report)] == [""]


def test_file_hashes_from_documents_and_uploads() -> None:
    details = FileDetails.model_validate(
        {
            "reportId": 1,
            "fileId": "f1",
            "originalFileHash": [
                {"value": "D41D8CD98F00B204E9800998ECF8427E", "hashType": "MD5"},
                {"value": "not-hex", "hashType": "SHA1"},
                {"value": "a" * 64, "hashType": "SHA256"},
            ],
            "details": [{"type": "HASH", "nameValuePair": [{"name": "SHA-1", "value": "B" * 40}]}],
            "ipCaptureEvent": {"ipAddress": "203.0.113.5"},
        }
    )
    upload = Upload(md5="d41d8cd98f00b204e9800998ecf8427e", sha1=None)
    assert isinstance(upload, FileHashes)
    found = extract_indicators(_report(), [details, upload])
    assert [(i.kind, i.value, i.pointers) for i in found] == [
        (
            "md5",
            "d41d8cd98f00b204e9800998ecf8427e",
            ("/files/0/originalFileHash/0/value", "/files/1/md5"),
        ),
        ("sha1", "b" * 40, ("/files/0/details/0/nameValuePair/0/value",)),
        ("ip", "203.0.113.5", ("/files/0/ipCaptureEvent/ipAddress",)),
    ]


@pytest.mark.parametrize("i", range(20))
def test_sample_indicators_are_unique_and_point_into_the_document(i: int) -> None:
    report = Report.model_validate(samples.build_report(i))
    found = extract_indicators(report, [FileDetails.model_validate(samples.build_file_details(i))])
    keys = [(x.kind, x.scope, x.value) for x in found]
    assert len(keys) == len(set(keys))
    assert all(p.startswith("/") for x in found for p in x.pointers)


# --- classification -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sections",
    [
        {"personOrUserReported": [{"ipCaptureEvent": [{"ipAddress": "192.0.2.1"}]}]},
        {"personOrUserReported": [{"screenName": "someone"}]},
        {"victim": [{"victimPerson": {}, "espIdentifier": "123"}]},
        {"victim": [{"victimPerson": {"email": [{"value": "a@example.com"}]}}]},
        {"internetDetails": [{"cellPhoneIncident": {"phoneNumber": {"value": "+1 202 555 0100"}}}]},
        {"internetDetails": [{"emailIncident": {"emailAddress": [{"value": "b@example.org"}]}}]},
    ],
)
def test_identifying_detail_makes_a_referral(sections: dict[str, Any]) -> None:
    assert ncmec_classification(_report(**sections), file_count=0) == "referral"


def test_a_file_alone_makes_a_referral() -> None:
    assert ncmec_classification(_report(), file_count=1) == "referral"


def test_reporter_and_law_enforcement_sections_yield_no_indicators() -> None:
    contact = {"email": [{"value": "trust.safety@pelangi-chat.example"}], "phone": [{"value": "+1 202 555 0100"}]}
    report = _report(
        reporter={"reportingPerson": contact, "contactPerson": contact, "legalURL": "https://example.com/legal"},
        lawEnforcement={"agencyName": "Unit (fictional)", "officerContact": contact},
    )
    assert extract_indicators(report) == []
    assert ncmec_classification(report, file_count=0) == "informational"


def test_no_identifying_detail_is_informational() -> None:
    report = _report(
        _summary(platform="Pelangi Chat (fictional)"),
        internetDetails=[{"webPageIncident": {"url": ["https://example.com/page"]}}],
        personOrUserReported=[
            {
                "personOrUserReportedPerson": {"firstName": "Budi", "address": [{"city": "Bandung"}]},
                "displayName": ["Sample"],
                "deviceId": [{"idType": "MAC", "idValue": "00-00-5E-00-53-01"}],
                "ipCaptureEvent": [{"ipAddress": "not recorded"}],
            }
        ],
        additionalInfo="Nothing else is known.",
    )
    assert ncmec_classification(report, file_count=0) == "informational"
    assert ncmec_classification(Report.model_validate(samples.build_report(9)), file_count=0) == "informational"


@pytest.mark.parametrize(
    ("escalation", "urgent"),
    [(None, False), ("", False), ("  \n ", False), ("Ongoing contact with a child.", True)],
)
def test_urgency(escalation: str | None, urgent: bool) -> None:
    summary = _summary() if escalation is None else _summary(escalateToHighPriority=escalation)
    assert is_urgent(_report(summary)) is urgent
