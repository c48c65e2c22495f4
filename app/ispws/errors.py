"""The protocol's response codes and the refusals that carry them.

A `ProtocolError` is an answer, not a failure: the router renders it as a `<reportResponse>` (or, for `finish`, a
`<reportDoneResponse>`) with its code, and the request's transaction commits whatever led to it (an expired report
purged on access, a failed login counted). Services therefore raise one only before changing anything they would
not keep, or inside a savepoint.
"""

from __future__ import annotations

from enum import IntEnum


class Code(IntEnum):
    """`responseCode` values, as the protocol lists them."""

    success = 0
    server_error = 1000
    save_failed = 1100
    upload_failed = 1110
    file_upload_failed = 1111
    resource_not_found = 1210
    update_failed = 1300
    authentication_required = 2000
    not_authorized = 3000
    not_authorized_for_submissions = 3100
    not_authorized_for_updates = 3300
    invalid_request = 4000
    validation_failed = 4100
    malformed_xml = 4110
    malformed_file = 4200
    report_not_found = 5001
    file_not_found = 5002
    already_retracted = 5101
    already_finished = 5102


class ProtocolError(Exception):
    """A refusal answered with a protocol document: `code`, a `description` for people, and the HTTP status (200
    unless the request was not read through, see docs/ispws.md)."""

    def __init__(self, code: Code, description: str, *, status: int = 200, report_id: int | None = None) -> None:
        super().__init__(f"{int(code)}: {description}")
        self.code = code
        self.description = description
        self.status = status
        self.report_id = report_id


class NotAuthenticated(Exception):
    """No credential, an unknown user or a wrong password: HTTP 401 with an empty body, as the protocol says."""


class Throttled(Exception):
    """Too many failed logins for this user or address: HTTP 429 with an empty body and `Retry-After`."""

    def __init__(self, retry_after: str) -> None:
        super().__init__("too many failed logins")
        self.retry_after = retry_after


def report_not_found(report_id: int | None) -> ProtocolError:
    return ProtocolError(
        Code.report_not_found, "Report does not exist (or has expired unfinished).", report_id=report_id
    )
