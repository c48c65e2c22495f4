"""The `<report>` document: incident summary, internet details (eight kinds), law enforcement, reporter, reported
person or user, intended recipient, victim."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from app.reports.document.base import Flags, SimpleContent, XmlModel
from app.reports.document.common import (
    AccountPermanentlyDisabled,
    AccountTemporarilyDisabled,
    Address,
    AssociatedAccount,
    ContactPerson,
    DeviceId,
    Email,
    EstimatedLocation,
    IpCaptureEvent,
    Person,
    Phone,
)
from app.reports.document.types import (
    BatchedReportReason,
    Country,
    Flag,
    IncidentType,
    LatLong,
    XmlBool,
    XmlDateTime,
    XmlLong,
    XmlStr,
)


class BatchedReport(XmlModel):
    """The report represents a batch of otherwise individual reports grouped for the given reason."""

    xml_attributes: ClassVar[tuple[str, ...]] = ("reason",)

    reason: BatchedReportReason


class ReportAnnotations(Flags):
    """Tags indicated by the ESP to describe the reported incident."""

    sextortion: Flag | None = None
    csamSolicitation: Flag | None = None
    minorToMinorInteraction: Flag | None = None
    spam: Flag | None = None
    sadisticOnlineExploitation: Flag | None = None


class IncidentSummary(XmlModel):
    """General incident information."""

    incidentType: IncidentType
    platform: XmlStr | None = Field(default=None, description="The full application name where the incident occurred.")
    escalateToHighPriority: XmlStr | None = Field(
        default=None, description="Reason the ESP asks for escalation (immediate risk to a child); only if escalating."
    )
    reportAnnotations: ReportAnnotations | None = None
    incidentDateTime: XmlDateTime = Field(description="When the ESP detected the reported incident.")
    incidentDateTimeDescription: XmlStr | None = None


class WebPageIncident(XmlModel):
    """The incident occurred on a web page."""

    xml_attributes: ClassVar[tuple[str, ...]] = ("thirdPartyHostedContent",)

    thirdPartyHostedContent: XmlBool | None = None
    url: list[XmlStr] = Field(default_factory=list)
    additionalInfo: XmlStr | None = None


class EmailIncident(XmlModel):
    """The incident occurred over email."""

    emailAddress: list[Email] = Field(default_factory=list)
    content: XmlStr | None = Field(default=None, description="Headers and subject of the communication.")
    additionalInfo: XmlStr | None = None


class NewsgroupIncident(XmlModel):
    """The incident occurred in a newsgroup."""

    name: XmlStr | None = None
    emailAddress: list[Email] = Field(default_factory=list)
    content: XmlStr | None = None
    additionalInfo: XmlStr | None = None


class ChatImIncident(XmlModel):
    """The incident occurred over IM or during a chat session."""

    chatClient: XmlStr | None = None
    chatRoomName: XmlStr | None = None
    content: XmlStr | None = None
    additionalInfo: XmlStr | None = None


class OnlineGamingIncident(XmlModel):
    """The incident occurred during an online game."""

    gameName: XmlStr | None = None
    console: XmlStr | None = None
    content: XmlStr | None = None
    additionalInfo: XmlStr | None = None


class CellPhoneIncident(XmlModel):
    """The primary method of communication was a cell phone (calls, text messages, images sent by phone)."""

    phoneNumber: Phone | None = None
    latitude: LatLong | None = None
    longitude: LatLong | None = None
    additionalInfo: XmlStr | None = None


class NonInternetIncident(XmlModel):
    """The incident has no online, computer or cell-phone component."""

    locationName: XmlStr | None = None
    incidentAddress: list[Address] = Field(default_factory=list)
    additionalInfo: XmlStr | None = None


class Peer2peerIncident(XmlModel):
    """The incident occurred via a peer-to-peer network."""

    client: XmlStr | None = None
    ipCaptureEvent: list[IpCaptureEvent] = Field(default_factory=list)
    fileNames: XmlStr | None = None
    additionalInfo: XmlStr | None = None


INTERNET_DETAIL_KINDS = (
    "webPageIncident",
    "emailIncident",
    "newsgroupIncident",
    "chatImIncident",
    "onlineGamingIncident",
    "cellPhoneIncident",
    "nonInternetIncident",
    "peer2peerIncident",
)


class InternetDetails(XmlModel):
    """Details of the incident: an xs:choice, so exactly one of the eight kinds is present."""

    webPageIncident: WebPageIncident | None = None
    emailIncident: EmailIncident | None = None
    newsgroupIncident: NewsgroupIncident | None = None
    chatImIncident: ChatImIncident | None = None
    onlineGamingIncident: OnlineGamingIncident | None = None
    cellPhoneIncident: CellPhoneIncident | None = None
    nonInternetIncident: NonInternetIncident | None = None
    peer2peerIncident: Peer2peerIncident | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> InternetDetails:
        present = [k for k in INTERNET_DETAIL_KINDS if getattr(self, k) is not None]
        if len(present) != 1:
            raise ValueError(f"exactly one of {', '.join(INTERNET_DETAIL_KINDS)} is required (got {len(present)})")
        return self

    @property
    def kind(self) -> str:
        """The name of the alternative present, e.g. `chatImIncident`."""
        return next(k for k in INTERNET_DETAIL_KINDS if getattr(self, k) is not None)


class ServedLegalProcessInternational(SimpleContent):
    """Whether international legal process was served, and by which country's law enforcement."""

    xml_attributes: ClassVar[tuple[str, ...]] = ("fleaCountry",)

    value: XmlBool
    fleaCountry: Country | None = None


class LawEnforcement(XmlModel):
    """Law-enforcement contact, if the incident was already reported to law enforcement or the request came from it."""

    agencyName: XmlStr
    caseNumber: XmlStr | None = None
    officerContact: ContactPerson | None = None
    reportedToLe: XmlBool | None = None
    servedLegalProcessDomestic: XmlBool | None = None
    servedLegalProcessInternational: ServedLegalProcessInternational | None = None


class Reporter(XmlModel):
    """The person or organisation reporting the incident."""

    reportingPerson: Person
    contactPerson: ContactPerson | None = None
    companyTemplate: XmlStr | None = None
    termsOfService: XmlStr | None = None
    legalURL: XmlStr | None = None


class PersonOrUserReported(XmlModel):
    """The reported person or user."""

    personOrUserReportedPerson: Person | None = None
    vehicleDescription: XmlStr | None = None
    espIdentifier: XmlStr | None = Field(default=None, description="The user's unique id in the ESP's system.")
    espService: XmlStr | None = None
    compromisedAccount: XmlBool | None = None
    screenName: XmlStr | None = None
    displayName: list[XmlStr] = Field(default_factory=list)
    profileUrl: list[XmlStr] = Field(default_factory=list)
    profileBio: XmlStr | None = None
    ipCaptureEvent: list[IpCaptureEvent] = Field(default_factory=list)
    deviceId: list[DeviceId] = Field(default_factory=list)
    thirdPartyUserReported: XmlBool | None = None
    priorCTReports: list[XmlLong] = Field(default_factory=list)
    groupIdentifier: XmlStr | None = None
    accountTemporarilyDisabled: AccountTemporarilyDisabled | None = None
    accountPermanentlyDisabled: AccountPermanentlyDisabled | None = None
    estimatedLocation: EstimatedLocation | None = None
    allEmailsReported: XmlBool | None = None
    associatedAccount: list[AssociatedAccount] = Field(default_factory=list)
    additionalInfo: XmlStr | None = None


class IntendedRecipient(XmlModel):
    """An intended recipient. Unlike the other sections, `additionalInfo` repeats here (a list)."""

    intendedRecipientPerson: Person | None = None
    espIdentifier: XmlStr | None = None
    espService: XmlStr | None = None
    compromisedAccount: XmlBool | None = None
    screenName: XmlStr | None = None
    displayName: list[XmlStr] = Field(default_factory=list)
    profileUrl: list[XmlStr] = Field(default_factory=list)
    profileBio: XmlStr | None = None
    ipCaptureEvent: list[IpCaptureEvent] = Field(default_factory=list)
    deviceId: list[DeviceId] = Field(default_factory=list)
    priorCTReports: list[XmlLong] = Field(default_factory=list)
    groupIdentifier: XmlStr | None = None
    accountTemporarilyDisabled: AccountTemporarilyDisabled | None = None
    accountPermanentlyDisabled: AccountPermanentlyDisabled | None = None
    estimatedLocation: EstimatedLocation | None = None
    allEmailsReported: XmlBool | None = None
    additionalInfo: list[XmlStr] = Field(default_factory=list)


class Victim(XmlModel):
    """A victim record."""

    victimPerson: Person
    espIdentifier: XmlStr | None = None
    espService: XmlStr | None = None
    compromisedAccount: XmlBool | None = None
    screenName: XmlStr | None = None
    displayName: list[XmlStr] = Field(default_factory=list)
    profileUrl: list[XmlStr] = Field(default_factory=list)
    profileBio: XmlStr | None = None
    ipCaptureEvent: list[IpCaptureEvent] = Field(default_factory=list)
    deviceId: list[DeviceId] = Field(default_factory=list)
    schoolName: XmlStr | None = None
    priorCTReports: list[XmlLong] = Field(default_factory=list)
    accountTemporarilyDisabled: AccountTemporarilyDisabled | None = None
    accountPermanentlyDisabled: AccountPermanentlyDisabled | None = None
    estimatedLocation: EstimatedLocation | None = None
    allEmailsReported: XmlBool | None = None
    associatedAccount: list[AssociatedAccount] = Field(default_factory=list)
    additionalInfo: XmlStr | None = None


class Report(XmlModel):
    """A CyberTipline-style incident report: the `<report>` document of cyber_tipline.xsd (Section A)."""

    xml_root: ClassVar[bool] = True

    batchedReport: BatchedReport | None = None
    incidentSummary: IncidentSummary
    internetDetails: list[InternetDetails] = Field(default_factory=list)
    lawEnforcement: LawEnforcement | None = None
    reporter: Reporter
    personOrUserReported: list[PersonOrUserReported] = Field(default_factory=list)
    intendedRecipient: list[IntendedRecipient] = Field(default_factory=list)
    victim: list[Victim] = Field(default_factory=list)
    additionalInfo: XmlStr | None = None
