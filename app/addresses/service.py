"""The address registry: cloning the default blocks, lookups for intake, and instructors' edits (each an event)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from app import geo
from app.addresses import errors
from app.addresses.defaults import BlockSpec, default_blocks
from app.addresses.models import AddressBlock
from app.addresses.network import address_key, address_value, is_reserved, parse_network
from app.addresses.schemas import AddressBlockCreate, AddressBlockUpdate, Geolocation
from app.auth.principal import ExerciseContext
from app.core.errors import ProblemDetailItem
from app.core.ids import new_id
from app.core.pagination import PageParams, paginate
from app.db.bulk import insert_rows
from app.events import service as events_service

PLACE_FIELDS = ("country", "province", "regency_code", "city", "district", "isp", "note")


def clone_defaults(session: Session, *, exercise_id: uuid.UUID, now: datetime) -> int:
    rows = [{"id": new_id(), "exercise_id": exercise_id, **place, "updated_at": now} for place in _default_places()]
    insert_rows(session, AddressBlock, rows)
    return len(rows)


@cache
def _default_places() -> tuple[dict[str, Any], ...]:
    """The columns every exercise's copy of the default registry shares, built once per process."""
    return tuple(_place_columns(spec) for spec in default_blocks())


def _place_columns(spec: BlockSpec) -> dict[str, Any]:
    return {
        "network": spec.network.cidr,
        "first": spec.network.first,
        "last": spec.network.last,
        "prefix_length": spec.network.prefix_length,
        "country": spec.country,
        "province": spec.province,
        "regency_code": spec.regency_code,
        "city": spec.city,
        "district": spec.district,
        "isp": spec.isp,
        "note": spec.note,
    }


def geolocate(session: Session, *, exercise_id: uuid.UUID, addresses: Iterable[str]) -> dict[str, Geolocation]:
    """What the registry says about each address (keyed by the address as given); unknown ones have no block."""
    keys = {a: address_key(a) for a in addresses}
    wanted = sorted({k for k in keys.values() if k is not None})
    found: dict[str, AddressBlock] = {}
    if wanted:  # every block holding any of the addresses, in one query; the most specific wins per address
        holds = [and_(AddressBlock.first <= key, AddressBlock.last >= key) for key in wanted]
        blocks = session.scalars(select(AddressBlock).where(AddressBlock.exercise_id == exercise_id, or_(*holds)))
        for block in sorted(blocks, key=lambda b: b.prefix_length):
            for key in wanted:
                if block.first <= key <= block.last:
                    found[key] = block
    return {a: _geolocation(a, found.get(k) if k is not None else None) for a, k in keys.items()}


def _geolocation(address: str, block: Any) -> Geolocation:
    """What a block (an AddressBlock or a row with its columns) says about an address."""
    if block is None:
        return Geolocation(ip=address)
    return Geolocation(
        ip=address,
        block_id=block.id,
        network=block.network,
        country=block.country,
        province=block.province,
        regency_code=block.regency_code,
        city=block.city,
        district=block.district,
        isp=block.isp,
    )


def _invalid(pointer: str, message: str) -> errors.InvalidBlock:
    return errors.InvalidBlock(message, errors=[ProblemDetailItem(pointer=pointer, message=message)])


def _place(country: str, province: str | None, city: str | None, district: str | None) -> dict[str, Any]:
    """The stored place fields, resolved and validated."""
    place: dict[str, Any] = {"country": country, "province": None, "regency_code": None, "city": None, "district": None}
    if country != geo.COUNTRY:
        for name, value in (("province", province), ("city", city), ("district", district)):
            if value is not None:
                raise _invalid(f"/{name}", f"{name} is only recorded for Indonesian ({geo.COUNTRY}) blocks.")
        return place
    if province is None:
        if city is not None or district is not None:
            raise _invalid("/province", "A city or district needs its province.")
        return place
    found = geo.find_province(province)
    if found is None:
        raise _invalid("/province", f"No Indonesian province is called {province!r}.")
    place["province"] = found.iso
    if city is None:
        if district is not None:
            raise _invalid("/district", "A district needs its regency or city.")
        return place
    candidates = geo.find_regencies(city, found)
    if len(candidates) != 1:
        problem = "is ambiguous" if candidates else "is not a regency or city of"
        raise _invalid("/city", f"{city!r} {problem} {found.name}.")
    regency = candidates[0]
    place |= {"regency_code": regency.code, "city": regency.name}
    if district is not None:
        kecamatan = geo.find_district(district, regency)
        if kecamatan is None:
            raise _invalid("/district", f"{district!r} is not a listed kecamatan of {regency.name}.")
        place["district"] = kecamatan.name
    return place


def _block(session: Session, ctx: ExerciseContext, block_id: uuid.UUID, *, lock: bool = False) -> AddressBlock:
    stmt = select(AddressBlock).where(AddressBlock.id == block_id, AddressBlock.exercise_id == ctx.exercise.id)
    block = session.scalar(stmt.with_for_update() if lock else stmt)
    if block is None:
        raise errors.AddressBlockNotFound("No address block with that id in this exercise.")
    return block


def get(session: Session, *, ctx: ExerciseContext, block_id: uuid.UUID) -> AddressBlock:
    return _block(session, ctx, block_id)


def list_blocks(
    session: Session, *, ctx: ExerciseContext, province: str | None, country: str | None, params: PageParams
) -> tuple[list[AddressBlock], str | None, int | None]:
    stmt = select(AddressBlock).where(AddressBlock.exercise_id == ctx.exercise.id)
    if country is not None:
        stmt = stmt.where(AddressBlock.country == country)
    if province is not None:
        found = geo.find_province(province)
        if found is None:
            raise _invalid("province", f"No Indonesian province is called {province!r}.")
        stmt = stmt.where(AddressBlock.province == found.iso)
    return paginate(session, stmt, keys=[AddressBlock.first, AddressBlock.id], params=params)


def _event(session: Session, ctx: ExerciseContext, type: str, block: AddressBlock, data: dict[str, Any]) -> None:
    events_service.append(
        session,
        exercise_id=ctx.exercise.id,
        at=ctx.now(),
        actor=ctx.actor,
        type=type,
        subject_type="address_block",
        subject_id=block.id,
        data={"network": block.network, **data},
    )


def create(session: Session, *, ctx: ExerciseContext, data: AddressBlockCreate) -> AddressBlock:
    try:
        network = parse_network(data.network)
    except ValueError as exc:
        raise _invalid("/network", f"Not a network: {exc}.") from None
    if not is_reserved(network):
        raise _invalid("/network", "Registry blocks must lie inside the reserved documentation/benchmark ranges.")
    exists = session.scalar(
        select(AddressBlock.id).where(AddressBlock.exercise_id == ctx.exercise.id, AddressBlock.network == network.cidr)
    )
    if exists is not None:
        raise errors.DuplicateBlock(f"{network.cidr} is already registered.", extra={"block_id": str(exists)})
    place = _place(data.country, data.province, data.city, data.district)
    block = AddressBlock(
        exercise_id=ctx.exercise.id,
        network=network.cidr,
        first=network.first,
        last=network.last,
        prefix_length=network.prefix_length,
        isp=data.isp,
        note=data.note,
        updated_at=ctx.now(),
        **place,
    )
    session.add(block)
    session.flush()
    _event(session, ctx, "address_block.created", block, {f: getattr(block, f) for f in PLACE_FIELDS})
    return block


def update(session: Session, *, ctx: ExerciseContext, block_id: uuid.UUID, data: AddressBlockUpdate) -> AddressBlock:
    block = _block(session, ctx, block_id, lock=True)
    given = data.model_dump(exclude_unset=True)
    if "country" in given and given["country"] is None:
        raise _invalid("/country", "A block always has a country.")
    if given.get("isp", "") is None:
        raise _invalid("/isp", "A block always has an ISP.")
    merged = {f: getattr(block, f) for f in ("country", "province", "city", "district")}
    if {"country", "province"} & given.keys():  # a new place replaces the finer levels unless they are given too
        merged |= {"city": None, "district": None}
    if "city" in given:
        merged["district"] = None
    merged |= {k: v for k, v in given.items() if k in merged}
    place = _place(merged["country"], merged["province"], merged["city"], merged["district"])
    new = place | {k: given[k] for k in ("isp", "note") if k in given}
    changes = {f: {"old": getattr(block, f), "new": v} for f, v in new.items() if getattr(block, f) != v}
    if changes:
        for field, change in changes.items():
            setattr(block, field, change["new"])
        block.updated_at = ctx.now()
        session.flush()
        _event(session, ctx, "address_block.updated", block, {"changes": changes})
    return block


def remove(session: Session, *, ctx: ExerciseContext, block_id: uuid.UUID) -> None:
    block = _block(session, ctx, block_id, lock=True)
    _event(session, ctx, "address_block.deleted", block, {f: getattr(block, f) for f in PLACE_FIELDS})
    session.execute(delete(AddressBlock).where(AddressBlock.id == block.id))


class Registry:
    """An exercise's registry held in memory for geolocating many addresses at once (bulk intake): one query,
    then one dictionary probe per distinct prefix length per address."""

    _COLUMNS = ("id", "network", "first", "prefix_length", "country", "province", "regency_code", "city", "district")

    def __init__(self, blocks: Iterable[Any]) -> None:
        self._by_length: dict[int, dict[int, Any]] = {}
        for block in blocks:
            self._by_length.setdefault(block.prefix_length, {})[int(block.first, 16)] = block
        self._lengths = sorted(self._by_length, reverse=True)

    @classmethod
    def load(cls, session: Session, *, exercise_id: uuid.UUID) -> Registry:
        columns = [getattr(AddressBlock, c) for c in (*cls._COLUMNS, "isp")]
        return cls(session.execute(select(*columns).where(AddressBlock.exercise_id == exercise_id)))

    def _block(self, value: int) -> Any:
        for length in self._lengths:
            block = self._by_length[length].get(value & ~((1 << (128 - length)) - 1))
            if block is not None:
                return block
        return None

    def geolocate(self, addresses: Iterable[str]) -> dict[str, Geolocation]:
        result: dict[str, Geolocation] = {}
        for address in addresses:
            value = address_value(address)
            result[address] = _geolocation(address, self._block(value) if value is not None else None)
        return result
