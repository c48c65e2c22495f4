"""The SQL helpers statistics rely on, at the edges: microsecond instants and UUID text, exactly as Python has them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.cases.models import Case
from app.stats.schemas import Interval
from app.stats.service import bucket_of
from app.stats.sql import epoch_us, uuid_text
from tests.cases.conftest import World

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 3, 2, 8, 0, 0, 999_700, tzinfo=UTC),  # a fraction strftime would round into the next second
        datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(1970, 1, 5, 0, 0, 0, 1, tzinfo=UTC),
    ],
)
def test_epoch_us_is_exact(session: Session, world: World, at: datetime) -> None:
    case = world.case()
    session.execute(update(Case).where(Case.id == case.id).values(created_at=at))
    got = session.execute(select(epoch_us(Case.created_at), uuid_text(Case.id)).where(Case.id == case.id)).one()
    assert got[0] == (at - EPOCH) // timedelta(microseconds=1)
    assert got[1] == str(case.id) and uuid.UUID(got[1]) == case.id


def test_bucket_of_matches_calendar() -> None:
    monday = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
    assert bucket_of(monday, Interval.week) != bucket_of(monday - timedelta(microseconds=1), Interval.week)
    assert bucket_of(monday + timedelta(days=6, hours=23), Interval.week) == bucket_of(monday, Interval.week)
    assert bucket_of(monday + timedelta(hours=1), Interval.hour) == bucket_of(monday, Interval.hour) + 1
