from app.core.errors import Conflict, InvalidTransition, UnprocessableEntity


class InvalidExerciseTransition(InvalidTransition):
    title = "Exercise status change not allowed"


class ClockNotSimulated(Conflict):
    slug, title = "clock-not-simulated", "The exercise clock runs in real time"


class UnknownTemplate(UnprocessableEntity):
    slug, title = "unknown-template", "No such organisation template"


class ClockJumpBackwards(UnprocessableEntity):
    slug, title = "clock-jump-backwards", "A clock jump must go forward"
