from typing import Any

from app.core.errors import ProblemDetailItem, UnprocessableEntity


class InvalidStatsQuery(UnprocessableEntity):
    """A statistics query that cannot be answered: an unknown or repeated ``by`` dimension, ``from`` not before
    ``to``, or more time buckets than allowed. Adds ``parameter`` and one ``errors`` item naming it."""

    slug, title = "invalid-stats-query", "Statistics query not valid"

    def __init__(self, detail: str, *, parameter: str, **kw: Any) -> None:
        kw.setdefault("extra", {"parameter": parameter})
        kw.setdefault("errors", [ProblemDetailItem(pointer=parameter, location="query", message=detail)])
        super().__init__(detail, **kw)
