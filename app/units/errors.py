from app.auth.errors import UnknownUnit
from app.core.errors import Conflict, NotFound, UnprocessableEntity

__all__ = [
    "InvalidParent",
    "NoJurisdiction",
    "UnitCodeTaken",
    "UnitInUse",
    "UnitNotFound",
    "UnitRetired",
    "UnknownPlace",
    "UnknownUnit",
]


class UnitNotFound(NotFound):
    title = "Unit not found"


class UnitCodeTaken(Conflict):
    slug, title = "unit-code-taken", "Unit code already used in this exercise"


class UnitRetired(Conflict):
    slug, title = "unit-retired", "The unit is retired"


class UnitInUse(Conflict):
    slug, title = "unit-in-use", "The unit still has active children or areas"


class InvalidParent(UnprocessableEntity):
    slug, title = "invalid-parent", "A unit cannot be placed under itself or its own descendants"


class UnknownPlace(UnprocessableEntity):
    slug, title = "unknown-place", "No such place"


class NoJurisdiction(NotFound):
    slug, title = "no-jurisdiction", "No unit of this exercise covers the place"
