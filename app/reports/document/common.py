"""Complex types shared by several report sections: person, address, email, phone, IP and device events, ..."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from app.reports.document.base import SimpleContent, XmlModel
from app.reports.document.types import (
    AddressType,
    AssociatedAccountType,
    Country,
    EmailType,
    IpCaptureType,
    PhoneCountryCallingCode,
    PhoneExtension,
    PhoneType,
    State,
    XmlBool,
    XmlDate,
    XmlDateTime,
    XmlInt,
    XmlLong,
    XmlStr,
)


class Address(XmlModel):
    """A postal address (XSD `address`)."""

    xml_attributes: ClassVar[tuple[str, ...]] = ("type",)

    type: AddressType | None = None
    address: XmlStr | None = Field(default=None, description="Street address.")
    city: XmlStr | None = None
    zipCode: XmlStr | None = None
    state: State | None = Field(default=None, description="US state code; use `nonUsaState` elsewhere.")
    nonUsaState: XmlStr | None = Field(default=None, description="State or province outside the USA.")
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2 (Indonesia is `ID`).")


class Email(SimpleContent):
    """An email address with its type and verification (XSD `email`)."""

    xml_attributes: ClassVar[tuple[str, ...]] = ("type", "verified", "verificationDate")

    value: XmlStr
    type: EmailType | None = None
    verified: XmlBool | None = None
    verificationDate: XmlDateTime | None = None


class Phone(SimpleContent):
    """A phone number with its type and verification (XSD `phone`)."""

    xml_attributes: ClassVar[tuple[str, ...]] = (
        "type",
        "verified",
        "verificationDate",
        "countryCallingCode",
        "extension",
    )

    value: XmlStr
    type: PhoneType | None = None
    verified: XmlBool | None = None
    verificationDate: XmlDateTime | None = None
    countryCallingCode: PhoneCountryCallingCode | None = None
    extension: PhoneExtension | None = None


class Person(XmlModel):
    """A person record: reported person or user, victim, or reporting person (XSD `person`)."""

    firstName: XmlStr | None = None
    lastName: XmlStr | None = None
    phone: list[Phone] = Field(default_factory=list)
    email: list[Email] = Field(default_factory=list)
    address: list[Address] = Field(default_factory=list)
    age: XmlInt | None = None
    dateOfBirth: XmlDate | None = None


class ContactPerson(XmlModel):
    """A contact person (XSD `contactPerson`)."""

    firstName: XmlStr | None = None
    lastName: XmlStr | None = None
    phone: list[Phone] = Field(default_factory=list)
    email: list[Email] = Field(default_factory=list)
    address: list[Address] = Field(default_factory=list)


class IpCaptureEvent(XmlModel):
    """An IP address used by a person or user and when it was used (XSD `ipCaptureEvent`)."""

    ipAddress: XmlStr
    eventName: IpCaptureType | None = None
    dateTime: XmlDateTime | None = None
    possibleProxy: XmlBool | None = None
    port: XmlInt | None = None


class DeviceId(XmlModel):
    """An ID for a device used by a person or user and, optionally, when it was used (XSD `deviceId`)."""

    idType: XmlStr = Field(description="Kind of identifier, e.g. IMEI, MAC, advertising id.")
    idValue: XmlStr
    eventName: IpCaptureType | None = None
    dateTime: XmlDateTime | None = None


class EstimatedLocation(XmlModel):
    """The reporter's estimated location for a person or user (XSD `estimatedLocation`)."""

    xml_attributes: ClassVar[tuple[str, ...]] = ("verified", "timestamp")

    verified: XmlBool | None = None
    timestamp: XmlDateTime | None = None
    city: XmlStr | None = None
    region: XmlStr | None = None
    countryCode: Country | None = None


class AccountTemporarilyDisabled(SimpleContent):
    """Whether the account was temporarily disabled at any point (XSD `accountTemporarilyDisabled`)."""

    xml_attributes: ClassVar[tuple[str, ...]] = ("disabledDate", "userNotified", "userNotifiedDate", "reenabledDate")

    value: XmlBool
    disabledDate: XmlDateTime | None = None
    userNotified: XmlBool | None = None
    userNotifiedDate: XmlDateTime | None = None
    reenabledDate: XmlDateTime | None = None


class AccountPermanentlyDisabled(SimpleContent):
    """Whether the account was permanently disabled (XSD `accountPermanentlyDisabled`)."""

    xml_attributes: ClassVar[tuple[str, ...]] = ("disabledDate", "userNotified", "userNotifiedDate")

    value: XmlBool
    disabledDate: XmlDateTime | None = None
    userNotified: XmlBool | None = None
    userNotifiedDate: XmlDateTime | None = None


class AssociatedAccountPlatform(SimpleContent):
    """The platform of an associated account (the anonymous type of `associatedAccount/platform`)."""

    xml_attributes: ClassVar[tuple[str, ...]] = ("thirdPartyUser",)

    value: XmlStr
    thirdPartyUser: XmlBool | None = None


class AssociatedAccount(XmlModel):
    """Another account associated with a reported person or user, or a victim (XSD `associatedAccount`).

    Note the XSD spells the prior-report list `priorCTReport` here (singular), `priorCTReports` elsewhere.
    """

    xml_attributes: ClassVar[tuple[str, ...]] = ("type",)

    type: AssociatedAccountType
    platform: AssociatedAccountPlatform | None = None
    firstName: XmlStr | None = None
    middleName: XmlStr | None = None
    lastName: XmlStr | None = None
    approximateAge: XmlInt | None = None
    dateOfBirth: XmlDate | None = None
    phone: list[Phone] = Field(default_factory=list)
    email: list[Email] = Field(default_factory=list)
    allEmailsReported: XmlBool | None = None
    address: list[Address] = Field(default_factory=list)
    espService: XmlStr | None = None
    espIdentifier: XmlStr | None = None
    profileUrl: list[XmlStr] = Field(default_factory=list)
    screenName: XmlStr | None = None
    displayName: list[XmlStr] = Field(default_factory=list)
    profileBio: XmlStr | None = None
    groupIdentifier: XmlStr | None = None
    compromisedAccount: XmlBool | None = None
    accountTemporarilyDisabled: AccountTemporarilyDisabled | None = None
    accountPermanentlyDisabled: AccountPermanentlyDisabled | None = None
    ipCaptureEvent: list[IpCaptureEvent] = Field(default_factory=list)
    deviceId: list[DeviceId] = Field(default_factory=list)
    priorCTReport: list[XmlLong] = Field(default_factory=list)
    additionalInfo: XmlStr | None = None
