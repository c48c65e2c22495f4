"""The SQL helpers statistics rely on, at the edges: microsecond instants and UUID text, exactly as Python has them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from app.cases.models import Case
from app.stats.schemas import Interval
from app.stats.service import PERCENTILES, bucket_of, disc_fraction, nearest_rank
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


def test_percentile_disc_with_the_nudged_fraction_is_the_nearest_rank(session: Session) -> None:
    """PostgreSQL's ``percentile_disc`` picks rank ``ceil(fraction * n)`` in floating point: with
    ``disc_fraction(p)`` that is the nearest rank ``ceil(p * n / 100)`` for every n tried (1..3000, and a million
    and neighbours), where the plain fraction (p / 100) misses some (e.g. 0.29 * 100 is 28.999...96, 0.07 * 100 is
    7.0000...01)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("percentile_disc is PostgreSQL's")
    sizes = [*range(1, 3001), 999_999, 1_000_000, 1_000_001]
    fractions = [disc_fraction(p) for p in PERCENTILES]
    got = session.execute(
        text(
            "SELECT n.n, percentile_disc(CAST(:f AS float8[])) WITHIN GROUP (ORDER BY v.v)"
            " FROM unnest(CAST(:sizes AS int[])) AS n(n) CROSS JOIN LATERAL generate_series(1, n.n) AS v(v)"
            " WHERE n.n <= 3000 GROUP BY n.n"
        ),
        {"f": fractions, "sizes": sizes},
    ).all()
    for n, values in got:
        assert values == [nearest_rank(p, n) for p in PERCENTILES], n
    for n in sizes[-3:]:  # the rank alone, for sizes too large to expand
        ranks = session.execute(
            text("SELECT ceil(f * :n) FROM unnest(CAST(:f AS float8[])) AS f"), {"f": fractions, "n": n}
        ).scalars()
        assert [int(r) for r in ranks] == [nearest_rank(p, n) for p in PERCENTILES]
    plain = [p / 100 for p in range(1, 100)]
    misses = session.scalar(
        text(
            "SELECT count(*) FROM unnest(CAST(:f AS float8[])) WITH ORDINALITY AS f(f, p)"
            " CROSS JOIN generate_series(1, 3000) AS n(n) WHERE ceil(f.f * n.n) <> (f.p * n.n + 99) / 100"
        ),
        {"f": plain},
    )
    assert misses  # the nudge is needed
