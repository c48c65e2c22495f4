"""Deterministic builder of fabricated report documents (JSON shape) for tests.

Every identifier comes from a reserved range (see ../shared/reference/safe-identifiers.md): IPv4 from the RFC 5737
documentation blocks and 198.18.0.0/15, IPv6 from 2001:db8::/32, domains under example.com/.net/.org, *.example and
*.test, phone numbers from the US 555-01xx, UK 07700 900xxx and Indonesian +62 84x fictional ranges, MACs from
00-00-5E-00-53-xx, IMEI-shaped values with a wrong Luhn digit, random hashes. ESP names are invented and marked
"(fictional)". Free text is procedural (account and platform facts only).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

INCIDENT_TYPES = (
    "Child Pornography (possession, manufacture, and distribution)",
    "Child Sex Trafficking",
    "Child Sex Tourism",
    "Child Sexual Molestation",
    "Misleading Domain Name",
    "Misleading Words or Digital Images on the Internet",
    "Online Enticement of Children for Sexual Acts",
    "Unsolicited Obscene Material Sent to a Child",
)
KINDS = (
    "webPageIncident",
    "emailIncident",
    "newsgroupIncident",
    "chatImIncident",
    "onlineGamingIncident",
    "cellPhoneIncident",
    "nonInternetIncident",
    "peer2peerIncident",
)
ANNOTATIONS = ("sextortion", "csamSolicitation", "minorToMinorInteraction", "spam", "sadisticOnlineExploitation")
FILE_FLAGS = (
    "animeDrawingVirtualHentai",
    "potentialMeme",
    "viral",
    "possibleSelfProduction",
    "physicalHarm",
    "violenceGore",
    "bestiality",
    "liveStreaming",
    "infant",
    "generativeAi",
)
EMAIL_TYPES = ("Home", "Work", "Business", "Recovery")
PHONE_TYPES = ("Mobile", "Home", "Business", "Work", "Fax", "Internet", "Recovery")
ADDRESS_TYPES = ("Home", "Business", "Billing", "Shipping", "Technical")
EVENT_NAMES = ("Login", "Registration", "Purchase", "Upload", "Other", "Unknown")
ACCOUNT_TYPES = ("Billing", "Linked", "Business", "Creator", "Parent/Guardian", "Other")

ESPS = ("Pelangi Chat", "Awan Drive", "Layang Games", "Kabut Mail", "Rimba Forum", "Senja Video")
ESP_DOMAINS = ("pelangi-chat.example", "awan-drive.test", "example.com", "example.net", "example.org")
FIRST_NAMES = ("Budi", "Siti", "Andi", "Rina", "Dewi", "Agus", "Wulan", "Eko", "Fitri", "Hendra")
LAST_NAMES = ("Santoso", "Wijaya", "Pratama", "Lestari", "Saputra", "Hidayat", "Kurniawan", "Permata")
CITIES = (
    ("Bandung", "Jawa Barat"),
    ("Surabaya", "Jawa Timur"),
    ("Medan", "Sumatera Utara"),
    ("Makassar", "Sulawesi Selatan"),
)
WIB = timezone(timedelta(hours=7))
EPOCH = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


class _Fab:
    """Fabricates reserved-range identifiers from one seeded generator."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)

    def pick(self, values: tuple[str, ...]) -> str:
        return self.rng.choice(values)

    def ipv4(self) -> str:
        block = self.rng.choice(("192.0.2", "198.51.100", "203.0.113", "198.18", "198.19"))
        if block.count(".") == 1:
            return f"{block}.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"
        return f"{block}.{self.rng.randrange(1, 255)}"

    def ipv6(self) -> str:
        return "2001:db8:" + ":".join(f"{self.rng.randrange(65536):x}" for _ in range(6))

    def ip(self) -> str:
        return self.ipv6() if self.rng.random() < 0.25 else self.ipv4()

    def domain(self) -> str:
        return self.pick(ESP_DOMAINS)

    def email(self, kind: str | None = None, verified: bool | None = None) -> dict[str, Any]:
        user = f"user{self.rng.randrange(10_000, 99_999)}"
        out: dict[str, Any] = {"value": f"{user}@{self.domain()}"}
        if kind is not None:
            out["type"] = kind
        if verified is not None:
            out["verified"] = verified
            if verified:
                out["verificationDate"] = self.when(-400).isoformat()
        return out

    def phone(self, kind: str | None = None) -> dict[str, Any]:
        style = self.rng.randrange(3)
        out: dict[str, Any]
        if style == 0:
            out = {"value": f"202-555-01{self.rng.randrange(100):02d}", "countryCallingCode": "+1"}
        elif style == 1:
            out = {"value": f"07700 900{self.rng.randrange(1000):03d}", "countryCallingCode": "+44"}
        else:
            digits = f"{self.rng.randrange(10_000):04d}-{self.rng.randrange(10_000):04d}"
            out = {"value": f"084{self.rng.randrange(10)}-{digits}", "countryCallingCode": "+62"}
        if kind is not None:
            out["type"] = kind
        return out

    def url(self, path: str) -> str:
        return f"https://{self.domain()}/{path}/{self.rng.randrange(10**6, 10**7)}"

    def when(self, days: int = 0) -> datetime:
        tz = WIB if self.rng.random() < 0.5 else UTC
        return (EPOCH + timedelta(days=days, minutes=self.rng.randrange(60 * 24 * 30))).astimezone(tz)

    def mac(self) -> str:
        return f"00-00-5E-00-53-{self.rng.randrange(256):02X}"

    def imei(self) -> str:
        body = [self.rng.randrange(10) for _ in range(14)]
        total = 0
        for i, digit in enumerate(reversed(body)):
            doubled = digit * 2 if i % 2 == 0 else digit
            total += doubled - 9 if doubled > 9 else doubled
        valid = (10 - total % 10) % 10
        return "".join(map(str, body)) + str((valid + 1 + self.rng.randrange(9)) % 10)  # never the valid digit

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(n * 4):0{n}x}"

    def name(self) -> tuple[str, str]:
        return self.pick(FIRST_NAMES), self.pick(LAST_NAMES)


def _address(fab: _Fab, kind: str | None, *, us: bool = False) -> dict[str, Any]:
    if us:
        out: dict[str, Any] = {"address": f"{fab.rng.randrange(1, 999)} Example Street", "city": "Springfield"}
        out |= {"zipCode": "00000", "state": "IL", "country": "US"}
    else:
        city, province = fab.rng.choice(CITIES)
        out = {"address": f"Jl. Contoh No. {fab.rng.randrange(1, 200)}", "city": city, "zipCode": "40111"}
        out |= {"nonUsaState": province, "country": "ID"}
    if kind is not None:
        out["type"] = kind
    return out


def _person(fab: _Fab, i: int, *, full: bool, age: int | None = None) -> dict[str, Any]:
    first, last = fab.name()
    out: dict[str, Any] = {"firstName": first, "lastName": last}
    if full:
        out["phone"] = [fab.phone(PHONE_TYPES[i % len(PHONE_TYPES)])]
        out["email"] = [fab.email(EMAIL_TYPES[i % len(EMAIL_TYPES)], verified=i % 2 == 0), fab.email()]
        out["address"] = [_address(fab, ADDRESS_TYPES[i % len(ADDRESS_TYPES)], us=i % 7 == 3)]
    if age is not None:
        out["age"] = age
        out["dateOfBirth"] = f"{2025 - age}-0{1 + i % 9}-1{i % 10}"
    return out


def _ip_event(fab: _Fab, i: int) -> dict[str, Any]:
    out: dict[str, Any] = {"ipAddress": fab.ip(), "eventName": EVENT_NAMES[i % len(EVENT_NAMES)]}
    out["dateTime"] = fab.when(-i).isoformat()
    if i % 3 == 0:
        out |= {"possibleProxy": i % 2 == 0, "port": fab.rng.randrange(1024, 65535)}
    return out


def _device(fab: _Fab, i: int) -> dict[str, Any]:
    if i % 2:
        return {"idType": "MAC", "idValue": fab.mac()}
    return {
        "idType": "IMEI",
        "idValue": fab.imei(),
        "eventName": EVENT_NAMES[i % 6],
        "dateTime": fab.when().isoformat(),
    }


def _disabled(fab: _Fab, temporary: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"value": True, "disabledDate": fab.when(2).isoformat(), "userNotified": temporary}
    if temporary:
        out |= {"userNotifiedDate": fab.when(3).isoformat(), "reenabledDate": fab.when(10).isoformat()}
    return out


def _account_facts(fab: _Fab, i: int, esp: str) -> dict[str, Any]:
    """Fields shared by the reported user, intended recipient and victim sections."""
    out: dict[str, Any] = {
        "espIdentifier": str(fab.rng.randrange(10**9, 10**10)),
        "espService": f"{esp} (fictional) messaging",
        "compromisedAccount": i % 5 == 0,
        "screenName": f"user_{fab.hex(6)}",
        "displayName": [f"Sample User {fab.rng.randrange(1000)}"],
        "profileUrl": [fab.url("u")],
        "profileBio": "Profile text as shown on the platform at report time.",
        "ipCaptureEvent": [_ip_event(fab, i + k) for k in range(1 + i % 3)],
        "deviceId": [_device(fab, i + k) for k in range(i % 3)],
        "priorCTReports": [fab.rng.randrange(10**7, 10**8) for _ in range(i % 2)],
        "estimatedLocation": {"verified": i % 2 == 0, "timestamp": fab.when().isoformat(), "city": "Bandung"}
        | {"region": "Jawa Barat", "countryCode": "ID"},
        "allEmailsReported": i % 2 == 1,
    }
    if i % 4 == 0:
        out["accountTemporarilyDisabled"] = _disabled(fab, True)
    if i % 4 == 2:
        out["accountPermanentlyDisabled"] = _disabled(fab, False)
    return out


def _associated_account(fab: _Fab, i: int, esp: str) -> dict[str, Any]:
    first, last = fab.name()
    return {
        "type": ACCOUNT_TYPES[i % len(ACCOUNT_TYPES)],
        "platform": {"value": f"{esp} (fictional)", "thirdPartyUser": i % 2 == 0},
        "firstName": first,
        "middleName": "Example",
        "lastName": last,
        "approximateAge": 30 + i % 20,
        "dateOfBirth": "1990-01-15",
        "phone": [fab.phone()],
        "email": [fab.email("Recovery")],
        "allEmailsReported": True,
        "address": [_address(fab, "Billing")],
        "espService": f"{esp} (fictional) storage",
        "espIdentifier": str(fab.rng.randrange(10**9, 10**10)),
        "profileUrl": [fab.url("profile")],
        "screenName": f"linked_{fab.hex(4)}",
        "displayName": ["Linked Account"],
        "profileBio": "Linked account; no further profile text.",
        "groupIdentifier": f"group-{fab.hex(8)}",
        "compromisedAccount": False,
        "accountTemporarilyDisabled": _disabled(fab, True),
        "accountPermanentlyDisabled": _disabled(fab, False),
        "ipCaptureEvent": [_ip_event(fab, i)],
        "deviceId": [_device(fab, i)],
        "priorCTReport": [fab.rng.randrange(10**7, 10**8)],
        "additionalInfo": "Account linked by shared billing details.",
    }


def _internet_detail(fab: _Fab, kind: str, i: int, esp: str) -> dict[str, Any]:
    note = f"Detected by {esp} (fictional) automated review; metadata only."
    body: dict[str, Any]
    if kind == "webPageIncident":
        body = {"url": [fab.url("post"), fab.url("media")], "additionalInfo": note}
        if i % 2:
            body["thirdPartyHostedContent"] = i % 4 == 1
    elif kind == "emailIncident":
        body = {"emailAddress": [fab.email("Home"), fab.email()], "content": "Subject: (withheld by reporter)"}
        body["additionalInfo"] = note
    elif kind == "newsgroupIncident":
        body = {"name": "alt.test.sample", "emailAddress": [fab.email()], "content": "Headers withheld by reporter."}
    elif kind == "chatImIncident":
        body = {
            "chatClient": f"{esp} (fictional) app 4.2",
            "chatRoomName": f"room-{fab.hex(6)}",
            "additionalInfo": note,
        }
    elif kind == "onlineGamingIncident":
        body = {"gameName": "Layang Arena (fictional)", "console": "PC", "content": "In-game chat log withheld."}
    elif kind == "cellPhoneIncident":
        body = {
            "phoneNumber": fab.phone("Mobile"),
            "latitude": -6.9 + i / 100,
            "longitude": 107.6,
            "additionalInfo": note,
        }
    elif kind == "nonInternetIncident":
        body = {"locationName": "Public library (fictional)", "incidentAddress": [_address(fab, None)]}
    else:
        body = {"client": "SampleShare (fictional) 1.0", "ipCaptureEvent": [_ip_event(fab, i), _ip_event(fab, i + 1)]}
        body["fileNames"] = "file_0001.bin, file_0002.bin"
    return {kind: body}


def build_report(i: int) -> dict[str, Any]:
    """The i-th fabricated report. Cycles through every internetDetails kind, annotation and incident type; every
    optional section appears in some of the first 16."""
    fab = _Fab(f"tipdesk-report-{i}")
    esp = ESPS[i % len(ESPS)]
    if i % 10 == 9:  # the minimal report: only what the XSD requires
        return {
            "incidentSummary": {"incidentType": INCIDENT_TYPES[i % 8], "incidentDateTime": fab.when().isoformat()},
            "reporter": {"reportingPerson": {}},
        }
    summary: dict[str, Any] = {
        "incidentType": INCIDENT_TYPES[i % len(INCIDENT_TYPES)],
        "platform": f"{esp} (fictional)",
        "reportAnnotations": {ANNOTATIONS[i % 5]: True} | ({ANNOTATIONS[(i + 2) % 5]: True} if i % 3 == 0 else {}),
        "incidentDateTime": fab.when().isoformat(),
    }
    if i % 5 == 1:
        summary["escalateToHighPriority"] = "Reporter requests escalation; account activity is ongoing."
    if i % 2 == 0:
        summary["incidentDateTimeDescription"] = "Time of automated detection."
    report: dict[str, Any] = {
        "incidentSummary": summary,
        "internetDetails": [_internet_detail(fab, KINDS[i % 8], i, esp)]
        + ([_internet_detail(fab, KINDS[(i + 3) % 8], i, esp)] if i % 4 == 3 else []),
        "reporter": {
            "reportingPerson": _person(fab, i, full=True),
            "companyTemplate": f"{esp} (fictional) retains account data for 90 days.",
            "termsOfService": "Section 4: prohibited use (summary).",
            "legalURL": f"https://{fab.domain()}/legal",
        },
        "personOrUserReported": [
            {"personOrUserReportedPerson": _person(fab, i + 1, full=i % 2 == 0)} | _account_facts(fab, i, esp)
        ],
        "additionalInfo": "Report generated for a training exercise.",
    }
    if i % 6 == 0:
        report["batchedReport"] = {"reason": "VIRAL_POTENTIAL_MEME"}
    if i % 2 == 1:
        report["reporter"]["contactPerson"] = _person(fab, i, full=True) | {"firstName": "Trust", "lastName": "Desk"}
    reported = report["personOrUserReported"][0]
    if i % 3 == 0:
        reported |= {"vehicleDescription": "Not provided.", "thirdPartyUserReported": False}
        reported |= {"groupIdentifier": f"group-{fab.hex(8)}", "additionalInfo": "Account created recently."}
        reported["associatedAccount"] = [_associated_account(fab, i + k, esp) for k in range(1 + i % 2)]
    if i % 4 == 1:
        report["lawEnforcement"] = {
            "agencyName": "Sample Police Unit (fictional)",
            "caseNumber": f"LP/{fab.rng.randrange(100, 999)}/2025",
            "officerContact": {"firstName": "Officer", "lastName": "Example", "phone": [fab.phone("Work")]}
            | {"email": [fab.email("Work", verified=True)], "address": [_address(fab, "Business")]},
            "reportedToLe": True,
            "servedLegalProcessDomestic": i % 8 == 1,
            "servedLegalProcessInternational": {"value": True, "fleaCountry": "ID"},
        }
    if i % 3 == 1:
        recipient = {"intendedRecipientPerson": _person(fab, i + 2, full=False)} | _account_facts(fab, i + 1, esp)
        recipient |= {"groupIdentifier": f"group-{fab.hex(8)}", "additionalInfo": ["Recipient account.", "Active."]}
        report["intendedRecipient"] = [recipient]
    if i % 3 == 2:
        victim = {"victimPerson": _person(fab, i + 3, full=i % 2 == 0, age=12 + i % 5)} | _account_facts(fab, i, esp)
        victim |= {"schoolName": "Sekolah Contoh (fictional)", "additionalInfo": "Age as stated in profile."}
        victim["associatedAccount"] = [_associated_account(fab, i + 5, esp)]
        report["victim"] = [victim]
    return report


def build_file_details(i: int) -> dict[str, Any]:
    """The i-th fabricated fileDetails document (metadata only; the hashes are random, no file exists)."""
    fab = _Fab(f"tipdesk-file-{i}")
    out: dict[str, Any] = {"reportId": 100_000 + i, "fileId": fab.hex(32)}
    if i % 5 == 4:
        return out
    out |= {
        "fileName": f"file_{i:04d}.jpg",
        "originalFileName": f"IMG_{fab.rng.randrange(1000, 9999)}.jpg",
        "uploadedToEspTimestamp": fab.when(-5).isoformat(),
        "locationOfFile": fab.url("media"),
        "fileViewedByEsp": i % 2 == 0,
        "exifViewedByEsp": i % 3 == 0,
        "publiclyAvailable": i % 4 == 0,
        "fileRelevance": "Supplemental Reported" if i % 6 == 5 else "Reported",
    }
    if i % 3 == 1:
        out["potentialMeme"] = i % 2 == 0
    else:
        out["fileAnnotations"] = {FILE_FLAGS[i % 10]: True, FILE_FLAGS[(i + 3) % 10]: True}
    if i % 6 != 5:
        out["industryClassification"] = ("A1", "A2", "B1", "B2")[i % 4]
    out["originalFileHash"] = [{"value": fab.hex(32), "hashType": "MD5"}, {"value": fab.hex(64), "hashType": "SHA256"}]
    out["ipCaptureEvent"] = _ip_event(fab, i) | {"eventName": "Upload"}
    out["deviceId"] = [_device(fab, i)]
    out["details"] = [
        {
            "type": "EXIF",
            "nameValuePair": [{"name": "Model", "value": "Sample Camera"}, {"name": "Width", "value": "640"}],
        },
        {"type": "HASH", "nameValuePair": [{"name": "SHA1", "value": fab.hex(40)}]},
    ]
    out["additionalInfo"] = ["Uploaded from the mobile app.", "Metadata as stored by the ESP."]
    return out


def sample_reports(n: int = 40) -> list[dict[str, Any]]:
    return [build_report(i) for i in range(n)]


def sample_file_details(n: int = 20) -> list[dict[str, Any]]:
    return [build_file_details(i) for i in range(n)]
