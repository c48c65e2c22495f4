"""Simple types of `cyber_tipline.xsd`: enumerations (exact strings), numeric ranges, patterns, XML-safe text."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, ValidationInfo

from app.core.schemas import require_iso_date, require_rfc3339, within_range

# Characters XML 1.0 cannot carry (control characters other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value: str) -> str:
    bad = _NOT_XML.search(value)
    if bad is not None:
        raise ValueError(f"character U+{ord(bad.group()):04X} cannot be carried in XML")
    # XML parsers normalise CR and CRLF to LF; normalise here so JSON and XML hold the same text.
    return value.replace("\r\n", "\n").replace("\r", "\n")


XmlStr = Annotated[str, AfterValidator(_xml_text)]
"""xs:string (and the XSD's attribute-less simple-content types `text`, `content`, `screenName`)."""

XmlToken = Annotated[str, AfterValidator(_xml_text)]
"""xs:token."""

XML_CONTEXT = {"xml": True}
"""Validation context of the XML reader: element text is converted to numbers, booleans and dates there."""


def _from_xml(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("xml"))


def _exact_int(value: Any, info: ValidationInfo) -> Any:
    if _from_xml(info) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ValueError("must be an integer")


def _exact_bool(value: Any, info: ValidationInfo) -> Any:
    if _from_xml(info) or isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


def _exact_number(value: Any, info: ValidationInfo) -> Any:
    if _from_xml(info) or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise ValueError("must be a number")


XmlBool = Annotated[bool, BeforeValidator(_exact_bool)]
"""xs:boolean: JSON `true`/`false` only (XML text `true`, `false`, `1`, `0`)."""

XmlLong = Annotated[int, BeforeValidator(_exact_int), Field(ge=-(2**63), le=2**63 - 1)]
"""xs:long."""

XmlInt = Annotated[int, BeforeValidator(_exact_int), Field(ge=-(2**31), le=2**31 - 1)]
"""xs:int."""

LatLong = Annotated[float, BeforeValidator(_exact_number), Field(allow_inf_nan=False)]
"""`latlong`: xs:double (the XSD sets no range; INF/NaN are refused because JSON cannot carry them)."""

XmlDateTime = Annotated[AwareDatetime, BeforeValidator(require_rfc3339), AfterValidator(within_range)]
"""xs:dateTime. tipdesk requires an explicit offset (`Z` or `+07:00`); the XSD would allow a local time."""

XmlDate = Annotated[date, BeforeValidator(require_iso_date)]
"""xs:date (without a time-zone suffix)."""

PhoneCountryCallingCode = Annotated[str, Field(pattern=r"^\+[0-9]{1,3}$")]
"""`phoneCountryCallingCode`: `+` and one to three digits."""

PhoneExtension = Annotated[str, Field(pattern=r"^[0-9]+$")]
"""`phoneExtension`: digits only."""

IncidentType = Literal[
    "Child Pornography (possession, manufacture, and distribution)",
    "Child Sex Trafficking",
    "Child Sex Tourism",
    "Child Sexual Molestation",
    "Misleading Domain Name",
    "Misleading Words or Digital Images on the Internet",
    "Online Enticement of Children for Sexual Acts",
    "Unsolicited Obscene Material Sent to a Child",
]
BatchedReportReason = Literal["VIRAL_POTENTIAL_MEME"]
AddressType = Literal["Home", "Business", "Billing", "Shipping", "Technical"]
EmailType = Literal["Home", "Work", "Business", "Recovery"]
PhoneType = Literal["Mobile", "Home", "Business", "Work", "Fax", "Internet", "Recovery"]
IpCaptureType = Literal["Login", "Registration", "Purchase", "Upload", "Other", "Unknown"]
AssociatedAccountType = Literal["Billing", "Linked", "Business", "Creator", "Parent/Guardian", "Other"]
FileRelevance = Literal["Reported", "Supplemental Reported"]
FileClassification = Literal["A1", "A2", "B1", "B2"]
MetadataType = Literal["EXIF", "HASH"]

# `country`: the XSD's list, verbatim (ISO 3166-1 alpha-2 plus "", A1, A2, O1, AP, EU, FX, AN, XK).
Country = Literal[
    "", "A1", "A2", "O1", "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AN", "AO", "AP", "AQ", "AR", "AS", "AT",
    "AU", "AW", "AX", "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO",
    "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL",
    "CM", "CN", "CO", "CR", "CU", "CV", "CX", "CW", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC",
    "EE", "EG", "EH", "ER", "ES", "ET", "EU", "FI", "FJ", "FK", "FM", "FO", "FR", "FX", "GA", "GB", "GD",
    "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI",
    "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM",
    "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF",
    "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE",
    "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC",
    "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG",
    "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "XK", "YE", "YT", "ZA",
    "ZM", "ZW",
]  # fmt: skip

# `state`: US states and territories, verbatim (including "").
State = Literal[
    "", "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "GU", "HI", "IA", "ID", "IL", "IN",
    "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM",
    "NV", "NY", "OH", "OK", "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VI", "VT", "WA",
    "WI", "WV", "WY",
]  # fmt: skip

Flag = Literal[True]
"""A presence flag (`xs:boolean fixed="true"`): JSON `true` ⇔ the empty element `<flag/>`; absent ⇔ omitted."""
