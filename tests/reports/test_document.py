"""The report document models and their XML mapping, checked against ../shared/reference/cyber_tipline.xsd."""

from __future__ import annotations

import copy
import ipaddress
import re
import time
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from pydantic import ValidationError

from app.reports.document import (
    FILE_ANNOTATIONS,
    INTERNET_DETAIL_KINDS,
    JSON_MAPPING,
    REPORT_ANNOTATIONS,
    Email,
    FileDetails,
    Report,
    error_pointers,
    json_pointer,
    model_children,
    unknown_fields,
    without_unknown,
)
from app.reports.xml import (
    XSD_PATH,
    XmlRefused,
    file_details_from_xml,
    file_details_to_xml,
    parse_xml,
    report_from_xml,
    report_to_xml,
)
from tests.reports import samples

SHARED_XSD = Path(__file__).resolve().parents[3] / "shared/reference/cyber_tipline.xsd"
REPORTS = samples.sample_reports(40)
FILES = samples.sample_file_details(20)


@pytest.fixture(scope="module")
def xsd() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD_PATH))


def _minimal() -> dict[str, Any]:
    return {
        "incidentSummary": {"incidentType": "Child Sex Tourism", "incidentDateTime": "2025-03-01T08:00:00Z"},
        "reporter": {"reportingPerson": {"firstName": "Budi"}},
    }


def _errors(data: dict[str, Any], model: type[Report] | type[FileDetails] = Report) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return error_pointers(info.value)


# --- the samples cover the schema ---------------------------------------------------------------------------------


def test_samples_cover_every_kind_annotation_type_and_section() -> None:
    reports = [Report.model_validate(r) for r in REPORTS]
    assert len(reports) >= 30
    kinds = {d.kind for r in reports for d in r.internetDetails}
    assert kinds == set(INTERNET_DETAIL_KINDS) == set(samples.KINDS)
    annotations = {
        name
        for r in reports
        if r.incidentSummary.reportAnnotations is not None
        for name in r.incidentSummary.reportAnnotations.model_fields_set
    }
    assert annotations == set(REPORT_ANNOTATIONS) == set(samples.ANNOTATIONS)
    assert {r.incidentSummary.incidentType for r in reports} == set(samples.INCIDENT_TYPES)
    for section in ("batchedReport", "lawEnforcement", "personOrUserReported", "intendedRecipient", "victim"):
        assert any(getattr(r, section) for r in reports), section
    assert any(r.incidentSummary.escalateToHighPriority for r in reports)
    assert any(p.associatedAccount for r in reports for p in r.personOrUserReported)
    assert any(p.accountPermanentlyDisabled for r in reports for p in r.personOrUserReported)
    assert any(v.associatedAccount for r in reports for v in r.victim)
    files = [FileDetails.model_validate(f) for f in FILES]
    flags = {n for f in files if f.fileAnnotations for n in f.fileAnnotations.model_fields_set}
    assert flags == set(FILE_ANNOTATIONS) == set(samples.FILE_FLAGS)
    assert {f.industryClassification for f in files} >= {"A1", "A2", "B1", "B2"}
    assert any(f.potentialMeme is not None for f in files)


# --- JSON → model → XML validates; XML → model → XML round-trips ------------------------------------------------


@pytest.mark.parametrize("index", range(len(REPORTS)))
def test_report_xml_validates_and_round_trips(xsd: xmlschema.XMLSchema, index: int) -> None:
    report = Report.model_validate(REPORTS[index])
    assert unknown_fields(report) == []
    document = report_to_xml(report)
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    xsd.validate(document.decode())
    again = report_from_xml(document)
    assert again == report
    assert report_to_xml(again) == document
    assert Report.model_validate_json(report.model_dump_json()) == report


@pytest.mark.parametrize("index", range(len(FILES)))
def test_file_details_xml_validates_and_round_trips(xsd: xmlschema.XMLSchema, index: int) -> None:
    details = FileDetails.model_validate(FILES[index])
    document = file_details_to_xml(details)
    xsd.validate(document.decode())
    again = file_details_from_xml(document)
    assert again == details
    assert file_details_to_xml(again) == document


def test_mapping_of_simple_content_attributes_and_flags() -> None:
    data = _minimal()
    data["reporter"]["reportingPerson"]["email"] = [{"value": "a@example.com", "type": "Home", "verified": True}]
    data["incidentSummary"]["reportAnnotations"] = {"spam": True}
    data["batchedReport"] = {"reason": "VIRAL_POTENTIAL_MEME"}
    data["internetDetails"] = [{"webPageIncident": {"thirdPartyHostedContent": False, "url": ["https://example.org/"]}}]
    document = report_to_xml(Report.model_validate(data)).decode()
    assert '<email type="Home" verified="true">a@example.com</email>' in document
    assert "<reportAnnotations><spam /></reportAnnotations>" in document
    assert '<batchedReport reason="VIRAL_POTENTIAL_MEME" />' in document
    assert '<webPageIncident thirdPartyHostedContent="false"><url>https://example.org/</url>' in document
    assert document.index("<batchedReport") < document.index("<incidentSummary") < document.index("<internetDetails")
    assert "xmlns" not in document  # the XSD has no targetNamespace


def test_text_is_escaped_and_line_breaks_normalised(xsd: xmlschema.XMLSchema) -> None:
    data = _minimal()
    data["additionalInfo"] = "a < b & c > \"d\" 'e' — ü\r\nnext line\rlast"
    report = Report.model_validate(data)
    assert report.additionalInfo == "a < b & c > \"d\" 'e' — ü\nnext line\nlast"
    document = report_to_xml(report)
    xsd.validate(document.decode())
    assert report_from_xml(document) == report
    assert ("/additionalInfo", "Value error, character U+0001 cannot be carried in XML") in _errors(
        _minimal() | {"additionalInfo": "bad \x01 char"}
    )


def test_presence_flags_accept_empty_or_true_and_refuse_false() -> None:
    base = report_to_xml(Report.model_validate(_minimal())).decode()
    for flag in ("<spam/>", "<spam>true</spam>", "<spam>1</spam>"):
        document = base.replace(
            "<incidentDateTime>", f"<reportAnnotations>{flag}</reportAnnotations><incidentDateTime>"
        )
        report = report_from_xml(document.encode())
        assert report.incidentSummary.reportAnnotations is not None
        assert report.incidentSummary.reportAnnotations.spam is True
    document = base.replace(
        "<incidentDateTime>", "<reportAnnotations><spam>false</spam></reportAnnotations><incidentDateTime>"
    )
    with pytest.raises(ValidationError) as info:
        report_from_xml(document.encode())
    assert [p for p, _ in error_pointers(info.value)] == ["/incidentSummary/reportAnnotations/spam"]
    assert _errors(
        _minimal() | {"incidentSummary": _minimal()["incidentSummary"] | {"reportAnnotations": {"spam": False}}}
    )


# --- validation errors carry pointers ----------------------------------------------------------------------------


def test_bad_enumerations_fail_with_pointers() -> None:
    data = _minimal()
    data["incidentSummary"]["incidentType"] = "Something Else"
    data["reporter"]["reportingPerson"]["email"] = [
        {"value": "a@example.com"},
        {"value": "b@example.com", "type": "Spam"},
    ]
    data["reporter"]["reportingPerson"]["address"] = [{"country": "XX"}]
    data["personOrUserReported"] = [{"ipCaptureEvent": [{"ipAddress": "192.0.2.1", "eventName": "Logout"}]}]
    data["batchedReport"] = {"reason": "OTHER"}
    pointers = {p for p, _ in _errors(data)}
    assert pointers == {
        "/incidentSummary/incidentType",
        "/reporter/reportingPerson/email/1/type",
        "/reporter/reportingPerson/address/0/country",
        "/personOrUserReported/0/ipCaptureEvent/0/eventName",
        "/batchedReport/reason",
    }
    assert {p for p, _ in _errors({"reportId": 1, "fileId": "f", "fileRelevance": "Other"}, FileDetails)} == {
        "/fileRelevance"
    }
    assert {p for p, _ in _errors({"reportId": 1, "fileId": "f", "industryClassification": "C3"}, FileDetails)} == {
        "/industryClassification"
    }


def test_required_patterns_types_and_choices() -> None:
    data: dict[str, Any] = {"incidentSummary": {"incidentType": "Child Sex Tourism"}, "reporter": {}}
    assert {p for p, _ in _errors(data)} == {"/incidentSummary/incidentDateTime", "/reporter/reportingPerson"}
    naive = _minimal()
    naive["incidentSummary"]["incidentDateTime"] = "2025-03-01T08:00:00"
    assert {p for p, _ in _errors(naive)} == {"/incidentSummary/incidentDateTime"}
    phone = _minimal()
    phone["reporter"]["reportingPerson"]["phone"] = [{"value": "202-555-0100", "countryCallingCode": "1"}]
    assert {p for p, _ in _errors(phone)} == {"/reporter/reportingPerson/phone/0/countryCallingCode"}
    two = _minimal() | {"internetDetails": [{"webPageIncident": {}, "emailIncident": {}}]}
    assert {p for p, _ in _errors(two)} == {"/internetDetails/0"}
    none = _minimal() | {"internetDetails": [{}]}
    assert {p for p, _ in _errors(none)} == {"/internetDetails/0"}
    choice = {"reportId": 1, "fileId": "f", "potentialMeme": True, "fileAnnotations": {"viral": True}}
    assert {p for p, _ in _errors(choice, FileDetails)} == {""}
    long = _minimal() | {"personOrUserReported": [{"priorCTReports": [2**63]}]}
    assert {p for p, _ in _errors(long)} == {"/personOrUserReported/0/priorCTReports/0"}
    assert json_pointer(("a/b", "c~d", 0)) == "/a~1b/c~0d/0"


# --- unknown fields ----------------------------------------------------------------------------------------------


def test_unknown_fields_are_found_by_pointer_and_dropped() -> None:
    known = samples.build_report(0)
    known["internetDetails"][0]["webPageIncident"] = {"url": []}
    known["personOrUserReported"][0]["ipCaptureEvent"].append({"ipAddress": "203.0.113.9"})
    data = copy.deepcopy(known)
    data["surplus"] = 1
    data["incidentSummary"]["reportAnnotations"]["notAFlag"] = True
    data["personOrUserReported"][0]["ipCaptureEvent"][1]["odd/key~"] = "x"
    data["reporter"]["reportingPerson"]["email"][0]["extra"] = {"nested": [1, 2]}
    data["internetDetails"][0]["webPageIncident"]["colour"] = "blue"
    report = Report.model_validate(data)
    assert unknown_fields(report) == [
        "/incidentSummary/reportAnnotations/notAFlag",
        "/internetDetails/0/webPageIncident/colour",
        "/reporter/reportingPerson/email/0/extra",
        "/personOrUserReported/0/ipCaptureEvent/1/odd~1key~0",
        "/surplus",
    ]
    clean = without_unknown(report)
    assert unknown_fields(clean) == []
    assert clean == Report.model_validate(known)
    assert clean.model_dump(exclude_unset=True) == Report.model_validate(known).model_dump(exclude_unset=True)
    assert b"surplus" not in report_to_xml(report) and b"colour" not in report_to_xml(report)
    assert report_to_xml(report) == report_to_xml(clean)


def test_unknown_xml_elements_and_attributes_become_unknown_fields() -> None:
    document = report_to_xml(Report.model_validate(_minimal())).decode()
    document = document.replace("<reporter>", '<reporter hue="red"><mystery a="1"><b>2</b></mystery>')
    document = document.replace("<firstName>Budi</firstName>", "<firstName>Budi</firstName><nickname>B</nickname>")
    report = report_from_xml(document.encode())
    assert unknown_fields(report) == ["/reporter/reportingPerson/nickname", "/reporter/@hue", "/reporter/mystery"]
    assert report.reporter.model_extra == {"@hue": "red", "mystery": {"@a": "1", "b": "2"}}
    assert unknown_fields(without_unknown(report)) == []


def test_repeated_single_element_from_xml_fails_with_pointer() -> None:
    document = report_to_xml(Report.model_validate(_minimal())).decode()
    document = document.replace("</reportingPerson>", "<lastName>A</lastName><lastName>B</lastName></reportingPerson>")
    with pytest.raises(ValidationError) as info:
        report_from_xml(document.encode())
    assert [p for p, _ in error_pointers(info.value)] == ["/reporter/reportingPerson/lastName"]


# --- hostile and malformed XML -----------------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE report [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<report><additionalInfo>&xxe;</additionalInfo></report>"""
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10 if n > 1 else b"&lol;" * 10) for n in range(1, 10)
    )
    + b"]>\n<report><additionalInfo>&lol9;</additionalInfo></report>"
)
PLAIN_DTD = b'<?xml version="1.0"?>\n<!DOCTYPE report SYSTEM "http://example.com/report.dtd">\n<report/>'
DEEP = b"<report>" + b"<a>" * 10_000 + b"</a>" * 10_000 + b"</report>"
HUGE = b"<report><additionalInfo>" + b"x" * (6 * 1024 * 1024) + b"</additionalInfo></report>"


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        pytest.param(XXE, "dtd", id="external-entity"),
        pytest.param(LAUGHS, "dtd", id="billion-laughs"),
        pytest.param(PLAIN_DTD, "dtd", id="dtd"),
        pytest.param(DEEP, "too_deep", id="10000-deep"),
        pytest.param(HUGE, "too_large", id="oversized"),
        pytest.param(b"<report><incidentSummary></report>", "malformed", id="malformed"),
        pytest.param(b"", "malformed", id="empty"),
        pytest.param(b"<fileDetails/>", "wrong_root", id="wrong-root"),
        pytest.param(b'<report xmlns="urn:example:other"/>', "wrong_root", id="namespaced-root"),
    ],
)
def test_hostile_xml_is_refused_quickly(document: bytes, reason: str) -> None:
    started = time.perf_counter()
    with pytest.raises(XmlRefused) as info:
        report_from_xml(document)
    assert info.value.reason == reason
    assert time.perf_counter() - started < 1.0
    # the process stays healthy: a good document still parses
    assert (
        report_from_xml(report_to_xml(Report.model_validate(_minimal()))).reporter.reportingPerson.firstName == "Budi"
    )


def test_size_and_depth_limits_are_parameters_and_apply_to_file_details() -> None:
    with pytest.raises(XmlRefused) as info:
        parse_xml(b"<a/>", max_bytes=3)
    assert info.value.reason == "too_large"
    with pytest.raises(XmlRefused) as info:
        file_details_from_xml(b"<fileDetails>" + b"<x>" * 40 + b"</x>" * 40 + b"</fileDetails>")
    assert info.value.reason == "too_deep"


# --- OpenAPI descriptions and fabricated identifiers -------------------------------------------------------------


def test_openapi_descriptions_state_the_mapping() -> None:
    schema = Report.model_json_schema()
    assert JSON_MAPPING in schema["description"]
    assert JSON_MAPPING in FileDetails.model_json_schema()["description"]
    email = Email.model_json_schema()["description"]
    assert "`value` is the element's text" in email and "`verified`" in email
    assert "is an attribute of the element" in schema["$defs"]["Address"]["description"]
    assert "presence flag" in schema["$defs"]["ReportAnnotations"]["description"]
    assert '{"value": "a@example.com", "type": "Home", "verified": true}' in JSON_MAPPING


RESERVED_NETS = [
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "198.18.0.0/15", "2001:db8::/32")
]
DOMAIN = re.compile(r"(?:@|https?://)([a-z0-9.-]+)", re.IGNORECASE)
SAFE_DOMAIN = re.compile(r"(^|\.)(example\.(com|net|org)|[a-z0-9-]+\.(example|test|invalid))$")


def test_samples_use_only_reserved_identifiers() -> None:
    text = "\n".join(
        [report_to_xml(Report.model_validate(r)).decode() for r in REPORTS]
        + [file_details_to_xml(FileDetails.model_validate(f)).decode() for f in FILES]
    )
    addresses = re.findall(r"<ipAddress>([^<]+)</ipAddress>", text)
    assert len(addresses) > 50
    assert all(any(ipaddress.ip_address(a) in net for net in RESERVED_NETS) for a in addresses)
    domains = set(DOMAIN.findall(text))
    assert domains and all(SAFE_DOMAIN.search(d) for d in domains), domains
    for phone in re.findall(r"<(?:phone|phoneNumber)[^>]*>([^<]+)<", text):
        assert re.fullmatch(r"202-555-01\d\d|07700 900\d{3}|084\d-\d{4}-\d{4}", phone), phone
    for mac in re.findall(r"<idValue>([0-9A-F-]{17})</idValue>", text):
        assert mac.startswith("00-00-5E-00-53-")
    for imei in re.findall(r"<idValue>(\d{15})</idValue>", text):
        digits = [int(c) for c in imei]
        total = sum(d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d) for i, d in enumerate(reversed(digits)))
        assert total % 10 != 0, imei  # an invalid Luhn check digit: not a real IMEI


def test_packaged_xsd_is_the_reference_copy() -> None:
    if not SHARED_XSD.exists():
        pytest.skip(f"the reference copy is not beside the checkout ({SHARED_XSD})")
    assert XSD_PATH.read_bytes() == SHARED_XSD.read_bytes()


def _models_outside(node: Any, pointer: str) -> list[str]:
    """Pointers of models held by fields that `model_children` does not list (the walks would miss them)."""
    from pydantic import BaseModel

    found: list[str] = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            found += _models_outside(item, f"{pointer}/{i}")
    elif isinstance(node, BaseModel):
        listed = set(model_children(type(node)))
        for name in type(node).model_fields:
            value = getattr(node, name)
            if name in listed:
                found += _models_outside(value, f"{pointer}/{name}")
            elif _holds_model(value):
                found.append(f"{pointer}/{name}")
    return found


def _holds_model(value: Any) -> bool:
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return True
    if isinstance(value, list | tuple):
        return any(_holds_model(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_model(v) for v in value.values())
    return False


def test_only_the_fields_model_children_lists_hold_models() -> None:
    """The guard, indicator, capture and unknown-field walks visit only `model_children`: every model in a validated
    document must sit in one of those fields."""
    for body in samples.sample_reports():
        assert _models_outside(Report.model_validate(body), "") == []
    for body in samples.sample_file_details():
        assert _models_outside(FileDetails.model_validate(body), "") == []
