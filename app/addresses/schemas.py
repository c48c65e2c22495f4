"""API models of the address registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from app.core.schemas import ReadSchema, Schema

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code, e.g. `ID`.")]
PLACE = (
    "For Indonesian blocks: `province` (ISO 3166-2:ID code or name), `city` (regency or city, name or Kemendagri "
    "code; needs a province) and `district` (kecamatan; only where jurisdiction is decided at that level)."
)


class AddressBlockCreate(Schema):
    __doc__ = f"A block of reserved addresses and where it geolocates to. {PLACE}"

    network: str = Field(
        max_length=64,
        description="CIDR inside the reserved ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, "
        "198.18.0.0/15, 2001:db8::/32, 3fff::/20), without host bits.",
        examples=["198.18.200.0/25"],
    )
    country: CountryCode
    province: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=200)
    district: str | None = Field(default=None, max_length=200)
    isp: str = Field(min_length=1, max_length=200, description="A fictional ISP name.")
    note: str | None = Field(default=None, max_length=500)


class AddressBlockUpdate(Schema):
    __doc__ = f"Change where a block geolocates to (the network itself is fixed). {PLACE}"

    country: CountryCode | None = None
    province: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=200)
    district: str | None = Field(default=None, max_length=200)
    isp: str | None = Field(default=None, min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=500)


class AddressBlockRead(ReadSchema):
    id: uuid.UUID
    network: str
    country: str
    province: str | None = Field(description="ISO 3166-2:ID code.")
    regency_code: str | None = Field(description="Kemendagri code of the regency or city.")
    city: str | None
    district: str | None
    isp: str
    note: str | None
    updated_at: datetime = Field(description="Exercise time of the last change.")


class Geolocation(ReadSchema):
    """What the registry says about one address."""

    ip: str
    block_id: uuid.UUID | None = None
    network: str | None = None
    country: str | None = None
    province: str | None = None
    regency_code: str | None = None
    city: str | None = None
    district: str | None = None
    isp: str | None = None
