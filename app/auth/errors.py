from app.core.errors import Conflict, NotFound, TooManyRequests, Unauthorized, UnprocessableEntity


class InvalidCredentials(Unauthorized):
    slug, title = "invalid-credentials", "Invalid credentials"


class LoginThrottled(TooManyRequests):
    slug, title = "login-throttled", "Too many failed logins"


class UsernameTaken(Conflict):
    slug, title = "username-taken", "Username already exists"


class AlreadyMember(Conflict):
    slug, title = "already-member", "User is already a member"


class UnknownUser(UnprocessableEntity):
    slug, title = "unknown-user", "No such user"


class UnknownUnit(UnprocessableEntity):
    slug, title = "unknown-unit", "No such unit in this exercise"


class TokenNotFound(NotFound):
    title = "Token not found"


class UnknownExercise(UnprocessableEntity):
    slug, title = "unknown-exercise", "No such exercise"


class MembershipNotFound(NotFound):
    title = "Membership not found"


class LastInstructor(Conflict):
    slug, title = "last-instructor", "An exercise keeps at least one instructor"
