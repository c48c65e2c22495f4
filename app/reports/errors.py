from app.core.errors import AppError, Conflict, NotFound, UnprocessableEntity


class ReportNotFound(NotFound):
    title = "Report not found"


class IdempotencyMismatch(Conflict):
    slug, title = "idempotency-key-reused", "Idempotency key reused with a different request"


class ExerciseNotTakingReports(Conflict):
    slug, title = "exercise-not-taking-reports", "The exercise takes no reports in its current status"


class UnsafeReport(UnprocessableEntity):
    slug, title = "unsafe-report", "The report carries identifiers outside the reserved ranges or unknown fields"


class ArrivalInPast(UnprocessableEntity):
    slug, title = "arrival-in-the-past", "A scheduled arrival must not be before the exercise's current time"


class InvalidIndicator(UnprocessableEntity):
    slug, title = "invalid-indicator", "Not a value of that kind"


class UnsupportedMediaType(AppError):
    status_code, slug, title = 415, "unsupported-media-type", "Unsupported media type"
