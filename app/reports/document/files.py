"""The `<fileDetails>` document: metadata about one uploaded file (tipdesk never keeps file content)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from app.reports.document.base import Flags, SimpleContent, XmlModel
from app.reports.document.common import DeviceId, IpCaptureEvent
from app.reports.document.types import (
    FileClassification,
    FileRelevance,
    Flag,
    MetadataType,
    XmlBool,
    XmlDateTime,
    XmlLong,
    XmlStr,
    XmlToken,
)


class FileAnnotations(Flags):
    """Tags indicated by the ESP to describe the reported file (labels on metadata only)."""

    animeDrawingVirtualHentai: Flag | None = None
    potentialMeme: Flag | None = None
    viral: Flag | None = None
    possibleSelfProduction: Flag | None = None
    physicalHarm: Flag | None = None
    violenceGore: Flag | None = None
    bestiality: Flag | None = None
    liveStreaming: Flag | None = None
    infant: Flag | None = None
    generativeAi: Flag | None = None


class OriginalFileHash(SimpleContent):
    """The original hash of the file as uploaded by the reported user; `hashType` (e.g. MD5, SHA1) is required."""

    xml_attributes: ClassVar[tuple[str, ...]] = ("hashType",)

    value: XmlStr
    hashType: XmlStr


class NameValuePair(XmlModel):
    """One metadata entry (XSD `nameValue`). Here `value` is a child element, not element text."""

    name: XmlStr
    value: XmlStr


class Details(XmlModel):
    """EXIF or hash metadata of the file as name/value pairs (XSD `details`)."""

    xml_attributes: ClassVar[tuple[str, ...]] = ("type",)

    type: MetadataType | None = None
    nameValuePair: list[NameValuePair] = Field(min_length=1)


class FileDetails(XmlModel):
    """Details of one uploaded file: the `<fileDetails>` document of cyber_tipline.xsd.

    `potentialMeme` and `fileAnnotations` are an xs:choice: at most one of them may be present.
    """

    xml_root: ClassVar[bool] = True

    reportId: XmlLong = Field(description="The report this file belongs to.")
    fileId: XmlToken = Field(description="The file id returned by the upload.")
    fileName: XmlStr | None = None
    originalFileName: XmlStr | None = None
    uploadedToEspTimestamp: XmlDateTime | None = None
    locationOfFile: XmlStr | None = Field(default=None, description="The URL where the file was originally located.")
    fileViewedByEsp: XmlBool | None = None
    exifViewedByEsp: XmlBool | None = None
    publiclyAvailable: XmlBool | None = None
    fileRelevance: FileRelevance | None = Field(default=None, description="`Reported` unless specified otherwise.")
    potentialMeme: XmlBool | None = None
    fileAnnotations: FileAnnotations | None = None
    industryClassification: FileClassification | None = None
    originalFileHash: list[OriginalFileHash] = Field(default_factory=list)
    ipCaptureEvent: IpCaptureEvent | None = Field(default=None, description="The upload IP address and its time.")
    deviceId: list[DeviceId] = Field(default_factory=list)
    details: list[Details] = Field(default_factory=list)
    additionalInfo: list[XmlStr] = Field(default_factory=list)

    @model_validator(mode="after")
    def _choice(self) -> FileDetails:
        if self.potentialMeme is not None and self.fileAnnotations is not None:
            raise ValueError("potentialMeme and fileAnnotations are alternatives (xs:choice); give at most one")
        return self
