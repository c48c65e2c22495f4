from app.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, PreconditionFailed, UnprocessableEntity

CASE_NOT_FOUND = "No case with that id is visible to you."


class CaseNotFound(NotFound):
    title = "Case not found"


class TransitionNotAllowed(InvalidTransition):
    """Adds ``from``, ``to`` and ``allowed``."""


class TransitionForbidden(Forbidden):
    slug, title = "transition-forbidden", "Your role may not make this transition"


class DispositionRequired(UnprocessableEntity):
    slug, title = "disposition-required", "Closing a case needs a disposition"


class UnknownDisposition(UnprocessableEntity):
    slug, title = "unknown-disposition", "Not a disposition of this exercise"


class UnitRequired(UnprocessableEntity):
    slug, title = "unit-required", "The case has no unit"


class CaseClosed(Conflict):
    slug, title = "case-closed", "The case is closed or referred"


class StaleVersion(PreconditionFailed):
    """Adds ``current_etag``."""


class UnitNotAssignable(UnprocessableEntity):
    slug, title = "unit-not-assignable", "Not a unit you can assign cases to"


class AssigneeNotEligible(UnprocessableEntity):
    slug, title = "assignee-not-eligible", "Not an investigator of that unit"


class AlreadyAssigned(Conflict):
    slug, title = "already-assigned", "The case has an assignee"


class NotAssignee(Forbidden):
    slug, title = "not-assignee", "Only the assignee or a supervisor may do this"


class LinkExists(Conflict):
    slug, title = "link-exists", "The cases are already linked this way"


class LinkNotFound(NotFound):
    title = "Link not found"


class InvalidLink(UnprocessableEntity):
    slug, title = "invalid-link", "A case cannot be linked or merged with itself"


class SlaTargetsInvalid(UnprocessableEntity):
    slug, title = "invalid-sla-targets", "SLA targets are inconsistent"


class UnitNotTransferable(UnprocessableEntity):
    slug, title = "unit-not-transferable", "Not an active unit of this exercise"


class AlreadyHeld(Conflict):
    slug, title = "already-held", "The case is already held by that unit"


class BulkTooMany(UnprocessableEntity):
    """Adds ``matched`` and ``limit``."""

    slug, title = "bulk-too-many", "The filter selects too many cases for one bulk request"
