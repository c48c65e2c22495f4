"""Building one seeded report's document and files from its draft, recording what intake will find in them.

Sections are written in the order of the report schema (and intake's walk), so the recorded indicators, capture
events and estimates come out in intake's order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.reports.document import Person, PersonOrUserReported, Victim
from app.reports.document import Report as ReportDocument
from app.reports.enrichment import Estimate
from app.reports.indicators import normalize_scope
from app.reports.intake import FileRecord
from seed import text
from seed.canonical import Facts, shape
from seed.esps import Esp
from seed.people import Account, Pools, staff_name
from seed.plan import rfc3339
from seed.providers import MIME_TYPES, FictionalPhoneProvider, SafeIdentifiers
from seed.rand import between, pick

e164 = FictionalPhoneProvider.e164


@dataclass(slots=True)
class FileSpec:
    kind: str  # photo | video | other
    ext: str
    name: str
    size: int
    md5: str
    sha256: str
    classification: str | None
    generative_ai: bool
    viral: bool


@dataclass(slots=True)
class Draft:
    """Every decision about one report; the document follows from it."""

    index: int
    number: int  # the report number it will get
    received: datetime
    detected: datetime
    incident_type: str
    esp: Esp
    service: str
    lang: str
    detail_kind: str
    annotations: list[str] = field(default_factory=list)
    escalated: bool = False
    imminent: bool = False
    hidden: bool = False
    informational: bool = False
    subject: Account | None = None
    victim: Account | None = None
    files: list[FileSpec] = field(default_factory=list)
    bundle: int | None = None
    show_name: bool = False


@dataclass(slots=True)
class Built:
    body: dict[str, Any]
    files: list[FileRecord]
    facts: Facts


def _internet_details(rng: random.Random, fake: SafeIdentifiers, draft: Draft, facts: Facts) -> dict[str, Any]:
    kind, lang, esp, subject = draft.detail_kind, draft.lang, draft.esp, draft.subject
    at: tuple[str | int, ...] = ("internetDetails", 0, kind)
    days = between(rng, 1, 30)
    if kind == "webPageIncident":
        urls = [fake.content_url(esp.domain) for _ in range(between(rng, 1, 3))]
        for i, url in enumerate(urls):
            facts.hit("url", url, (*at, "url", i))
        return {kind: {"thirdPartyHostedContent": False, "url": urls}}
    if kind == "chatImIncident":
        content = text.chat_content(rng, lang, between(rng, 2, 400), between(rng, 1, 4), days, between(rng, 0, 6))
        return {kind: {"chatClient": draft.service, "content": content}}
    if kind == "onlineGamingIncident":
        game = pick(rng, esp.games) if esp.games else draft.service
        content = text.gaming_content(rng, lang, between(rng, 1, 60), between(rng, 2, 300))
        return {kind: {"gameName": game, "console": "Mobile", "content": content}}
    if kind == "cellPhoneIncident" and subject is not None and subject.phone is not None and not draft.informational:
        facts.hit("phone", e164(subject.phone), (*at, "phoneNumber", "value"))
        return {kind: {"phoneNumber": {"value": subject.phone, "type": "Mobile"}}}
    content = text.email_content(rng, lang, between(rng, 1, 40), days)
    return {"emailIncident": {"emailAddress": [], "content": content}}


def _person(who: Account, key: str, at: tuple[str | int, ...], facts: Facts, *, named: bool, aged: bool) -> Any:
    person: dict[str, Any] = {}
    if named:
        person["firstName"], person["lastName"] = who.first_name, who.last_name
    if who.phone is not None:
        facts.hit("phone", e164(who.phone), (*at, key, "phone", 0, "value"))
        person["phone"] = [{"value": who.phone, "type": "Mobile", "verified": True}]
    if who.email is not None:
        facts.hit("email", who.email, (*at, key, "email", 0, "value"))
        person["email"] = [{"value": who.email, "type": "Home"}]
    place = who.location.place
    if named and who.street is not None and place is not None:
        home = {"type": "Home", "address": who.street, "city": place.regency_name, "nonUsaState": place.province_name}
        person["address"] = [home | {"country": "ID"}]
    if aged and who.age is not None:
        person["age"] = who.age
    if who.birth is not None:
        person["dateOfBirth"] = who.birth.isoformat()
    return shape(Person, person)


def _account_section(
    rng: random.Random, fake: SafeIdentifiers, draft: Draft, who: Account, section: str, facts: Facts, *, reported: bool
) -> dict[str, Any]:
    at: tuple[str | int, ...] = (section, 0)
    scope = normalize_scope(who.service)
    facts.hit("screen_name", who.screen_name.casefold(), (*at, "screenName"), scope)
    facts.hit("esp_user_id", who.user_id, (*at, "espIdentifier"), scope)
    key = "personOrUserReportedPerson" if reported else "victimPerson"
    out: dict[str, Any] = {}
    if not reported or who.email is not None or who.phone is not None or draft.show_name:
        out[key] = _person(who, key, at, facts, named=reported and draft.show_name, aged=not reported)
    out |= {"espIdentifier": who.user_id, "espService": who.service, "screenName": who.screen_name}
    out["displayName"] = [who.display_name]
    url = fake.profile_url(who.esp.domain, who.screen_name)
    facts.hit("url", url, (*at, "profileUrl", 0))
    out["profileUrl"] = [url]
    if reported and rng.random() < 0.4:
        out["profileBio"] = text.profile_bio(rng, draft.lang, who.created.year)
    events = []
    for i, ip in enumerate(who.ips):
        name = "Registration" if i == 0 and rng.random() < 0.3 else "Login"
        when = rfc3339(draft.detected - timedelta(seconds=rng.uniform(1800, 864_000)))
        facts.capture((*at, "ipCaptureEvent", i), ip, name, when)
        events.append({"ipAddress": ip, "eventName": name, "dateTime": when})
    out["ipCaptureEvent"] = events
    out["deviceId"] = [{"idType": kind, "idValue": value} for kind, value in who.devices]
    for i, (_, value) in enumerate(who.devices):
        facts.hit("device_id", value, (*at, "deviceId", i, "idValue"))
    if reported and who.disabled is not None:
        disabled = rfc3339(who.disabled)
        out["accountTemporarilyDisabled"] = {"value": True, "disabledDate": disabled, "userNotified": False}
    location = who.location
    if location.estimate and location.place is not None:
        place = location.place
        facts.estimates.append(Estimate((*at, "estimatedLocation"), "ID", place.province_name, place.regency_name))
        out["estimatedLocation"] = {"city": place.regency_name, "region": place.province_name, "countryCode": "ID"}
    if not reported and draft.hidden:
        out["additionalInfo"] = text.recent_activity(rng, draft.lang, between(rng, 1, 12), who.age or 12)
    else:
        created = who.created.date().isoformat()
        out["additionalInfo"] = text.account_info(rng, draft.lang, created, between(rng, 1, 90), len(who.ips))
    return shape(PersonOrUserReported if reported else Victim, out)


def _anonymous_section(draft: Draft, who: Account, facts: Facts) -> dict[str, Any]:
    """A reported person an informational report names without any identifier: a display name, perhaps where."""
    out: dict[str, Any] = {"displayName": [who.display_name]}
    place = who.location.place
    if who.location.estimate and place is not None:
        at = ("personOrUserReported", 0, "estimatedLocation")
        facts.estimates.append(Estimate(at, "ID", place.province_name, place.regency_name))
        out["estimatedLocation"] = {"city": place.regency_name, "region": place.province_name, "countryCode": "ID"}
    return shape(PersonOrUserReported, out)


def _reporter(rng: random.Random, pool: Pools, esp: Esp, lang: str, service: str) -> dict[str, Any]:
    first, last = staff_name(rng, pool, esp)
    staff = {"firstName": first, "lastName": last, "email": [{"value": f"trust.safety@{esp.domain}"}]}
    return {
        "reportingPerson": shape(Person, staff),
        "termsOfService": text.terms_of_service(lang, service, between(rng, 2, 12)),
        "legalURL": f"https://{esp.domain}/legal",
    }


def _file(rng: random.Random, fake: SafeIdentifiers, draft: Draft, spec: FileSpec, i: int, facts: Facts) -> FileRecord:
    file_id = f"{rng.getrandbits(128):032x}"
    uploaded = rfc3339(draft.detected - timedelta(seconds=rng.uniform(60, 36_000)))
    details: dict[str, Any] = {
        "reportId": draft.number,
        "fileId": file_id,
        "fileName": spec.name,
        "uploadedToEspTimestamp": uploaded,
    }
    at: tuple[str | int, ...] = ("files", i, "details")
    facts.hit("md5", spec.md5, ("files", i, "md5"))
    facts.hit("md5", spec.md5, (*at, "originalFileHash", 0, "value"))
    if rng.random() < 0.3:
        url = fake.file_url(draft.esp.domain, file_id)
        facts.hit("url", url, (*at, "locationOfFile"))
        details["locationOfFile"] = url
    details["fileViewedByEsp"] = rng.random() < 0.7
    details["publiclyAvailable"] = rng.random() < 0.2
    details["fileRelevance"] = "Reported"
    if spec.viral:
        details["fileAnnotations"] = (
            {"potentialMeme": True, "viral": True, "generativeAi": True}
            if (spec.generative_ai)
            else {"potentialMeme": True, "viral": True}
        )
    elif spec.generative_ai:
        details["fileAnnotations"] = {"generativeAi": True}
    if spec.classification is not None:
        details["industryClassification"] = spec.classification
    details["originalFileHash"] = [{"value": spec.md5, "hashType": "MD5"}]
    subject = draft.subject
    if subject is not None and subject.ips:
        ip = pick(rng, subject.ips)
        facts.capture((*at, "ipCaptureEvent"), ip, "Upload", uploaded)
        details["ipCaptureEvent"] = {"ipAddress": ip, "eventName": "Upload", "dateTime": uploaded}
    details["deviceId"] = []
    if spec.kind == "photo" and rng.random() < 0.5:
        exif_time = f"{uploaded[:10].replace('-', ':')} {uploaded[11:19]}"
        pairs = (
            {"name": "Make", "value": fake.device_maker()},
            {"name": "Model", "value": fake.device_model()},
            {"name": "MIMEType", "value": MIME_TYPES[spec.ext]},
            {"name": "DateTimeOriginal", "value": exif_time},
        )
        details["details"] = [{"type": "EXIF", "nameValuePair": list(pairs)}]
    else:
        details["details"] = []
    details["additionalInfo"] = []
    return FileRecord(file_id, spec.name, spec.size, spec.md5, None, spec.sha256, None, details)


def build_body(rng: random.Random, fake: SafeIdentifiers, pool: Pools, draft: Draft, facts: Facts) -> dict[str, Any]:
    lang = draft.lang
    summary: dict[str, Any] = {"incidentType": draft.incident_type, "platform": draft.service}
    if draft.escalated:
        summary["escalateToHighPriority"] = text.escalation(rng, lang, between(rng, 2, 24))
    if draft.annotations:
        summary["reportAnnotations"] = dict.fromkeys(draft.annotations, True)
    summary["incidentDateTime"] = rfc3339(draft.detected)
    summary["incidentDateTimeDescription"] = text.detection_description(rng, lang)
    doc: dict[str, Any] = {}
    if draft.bundle is not None:
        doc["batchedReport"] = {"reason": "VIRAL_POTENTIAL_MEME"}
    doc["incidentSummary"] = summary
    doc["internetDetails"] = [_internet_details(rng, fake, draft, facts)]
    doc["reporter"] = _reporter(rng, pool, draft.esp, lang, draft.service)
    if draft.subject is not None and draft.informational:
        doc["personOrUserReported"] = [_anonymous_section(draft, draft.subject, facts)]
    elif draft.subject is not None:
        section = _account_section(rng, fake, draft, draft.subject, "personOrUserReported", facts, reported=True)
        doc["personOrUserReported"] = [section]
    if draft.victim is not None:
        doc["victim"] = [_account_section(rng, fake, draft, draft.victim, "victim", facts, reported=False)]
    detected = draft.detected.strftime("%Y-%m-%d %H:%M UTC")
    doc["additionalInfo"] = text.report_info(rng, lang, detected, len(draft.files), draft.service)
    return shape(ReportDocument, doc)


def build_files(rng: random.Random, fake: SafeIdentifiers, draft: Draft, facts: Facts) -> list[FileRecord]:
    return [_file(rng, fake, draft, spec, i, facts) for i, spec in enumerate(draft.files)]


def build(rng: random.Random, fake: SafeIdentifiers, pool: Pools, draft: Draft) -> Built:
    facts = Facts()
    body = build_body(rng, fake, pool, draft, facts)
    return Built(body, build_files(rng, fake, draft, facts), facts)
