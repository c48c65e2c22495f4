"""The report document: Pydantic models of cyber_tipline.xsd's `<report>` and `<fileDetails>`, for JSON and XML.

One model serves the JSON intake, the `/ispws/` XML intake (`app.reports.xml`) and the XML rendering of stored
reports. How XSD elements and attributes map to JSON is stated once, in `JSON_MAPPING` (`base.py`), and repeated
in the OpenAPI description of each model it affects.
"""

from app.reports.document.base import (
    JSON_MAPPING,
    Flags,
    SimpleContent,
    XmlModel,
    children_containing,
    may_contain,
    model_children,
)
from app.reports.document.common import (
    AccountPermanentlyDisabled,
    AccountTemporarilyDisabled,
    Address,
    AssociatedAccount,
    AssociatedAccountPlatform,
    ContactPerson,
    DeviceId,
    Email,
    EstimatedLocation,
    IpCaptureEvent,
    Person,
    Phone,
)
from app.reports.document.files import Details, FileAnnotations, FileDetails, NameValuePair, OriginalFileHash
from app.reports.document.sections import (
    INTERNET_DETAIL_KINDS,
    BatchedReport,
    CellPhoneIncident,
    ChatImIncident,
    EmailIncident,
    IncidentSummary,
    IntendedRecipient,
    InternetDetails,
    LawEnforcement,
    NewsgroupIncident,
    NonInternetIncident,
    OnlineGamingIncident,
    Peer2peerIncident,
    PersonOrUserReported,
    Report,
    ReportAnnotations,
    Reporter,
    ServedLegalProcessInternational,
    Victim,
    WebPageIncident,
)
from app.reports.document.types import IncidentType
from app.reports.document.unknown import error_pointers, json_pointer, unknown_fields, without_unknown

REPORT_ANNOTATIONS: tuple[str, ...] = tuple(ReportAnnotations.model_fields)
FILE_ANNOTATIONS: tuple[str, ...] = tuple(FileAnnotations.model_fields)

__all__ = [
    "FILE_ANNOTATIONS",
    "INTERNET_DETAIL_KINDS",
    "JSON_MAPPING",
    "REPORT_ANNOTATIONS",
    "AccountPermanentlyDisabled",
    "AccountTemporarilyDisabled",
    "Address",
    "AssociatedAccount",
    "AssociatedAccountPlatform",
    "BatchedReport",
    "CellPhoneIncident",
    "ChatImIncident",
    "ContactPerson",
    "Details",
    "DeviceId",
    "Email",
    "EmailIncident",
    "EstimatedLocation",
    "FileAnnotations",
    "FileDetails",
    "Flags",
    "IncidentSummary",
    "IncidentType",
    "IntendedRecipient",
    "InternetDetails",
    "IpCaptureEvent",
    "LawEnforcement",
    "NameValuePair",
    "NewsgroupIncident",
    "NonInternetIncident",
    "OnlineGamingIncident",
    "OriginalFileHash",
    "Peer2peerIncident",
    "Person",
    "PersonOrUserReported",
    "Phone",
    "Report",
    "ReportAnnotations",
    "Reporter",
    "ServedLegalProcessInternational",
    "SimpleContent",
    "Victim",
    "WebPageIncident",
    "XmlModel",
    "children_containing",
    "error_pointers",
    "json_pointer",
    "may_contain",
    "model_children",
    "unknown_fields",
    "without_unknown",
]
