"""Schemathesis over every operation of the OpenAPI document, in-process and authenticated as an admin.

How it works
- The document is built at import by ``create_app()``, the factory the API runs on (a test below checks it equals
  what the live app serves at ``/openapi.json``), so ``@schema.parametrize()`` yields one pytest item per operation
  and every operation a later issue adds is fuzzed without touching this file.
- The application under test is bound late (``APP``) by the module-scoped ``fuzz_env`` fixture: a database of its own
  (SQLite or PostgreSQL, as ``TIPDESK_TEST_DB`` says, migrated to head), the production ``get_db`` dependency (real
  commits; the fuzzer's users, exercises and tokens stay in that database, which is dropped afterwards), an admin,
  three exercises (real clock, simulated clock, one the admin is no member of), members, plain users and revocable
  API tokens. Only module-scoped fixtures reach the Hypothesis-driven test, so its ``function_scoped_fixture``
  health check has nothing to flag and is not suppressed.
- Credentials: the ``AdminAuth`` provider marks every case Schemathesis does not deliberately strip or corrupt the
  credential of (its negative "missing/invalid Authorization" cases, which must get the declared 401), and the test
  swaps the mark for a fresh admin session token per call: logout or token revocation must not cut off the rest of
  the run.
- ``_point_at_real_rows`` sends most schema-valid path parameters that name rows (``exercise_id``, the
  ``membership_id`` or a ``case_id`` of that exercise, ``token_id``, and whatever a ``Location`` header of a 2xx
  answer names, such as a report the fuzzer created) and ``username`` / ``password`` body fields to rows that exist,
  so handlers are fuzzed past their lookups; the rest keep the generated value, so the 404s and new names stay fuzzed
  too. A resource a later issue adds is reached as soon as its creation (with a ``Location``) is fuzzed, without a
  change here; ``test_fuzzing_reached_the_exercise_scoped_handlers`` holds every operation under
  ``/exercises/{exercise_id}`` to getting past the exercise lookup at least once.
- Bounded and reproducible: a fixed seed, ``deterministic`` generation (Hypothesis ``derandomize``), no example
  database, no deadline; ``MAX_EXAMPLES`` fuzzed cases per operation plus Schemathesis' finite examples and coverage
  phases (boundary values, missing parameters, unexpected methods), except the coverage phase of the report intake
  (see the config: ~110 s for its ~150-field document); the stateful phase does not apply here. Two runs
  send the same cases and get the same answers, on either database. ``TIPDESK_FUZZ_MAX_EXAMPLES`` and
  ``TIPDESK_FUZZ_SEED`` allow a deeper or different local run.

Checks: every Schemathesis built-in check at its default (no 5xx; status code, content type, header and response
schema conformance; negative data rejection; missing required header; unsupported method and ``Allow``; ignored
auth; ...), with one deliberate relaxation: ``positive_data_acceptance`` also accepts 400 and 422, because this API
answers schema-valid requests with 400 for a cursor it did not issue (opaque, not describable in a schema) and with
422 for the semantic errors the issue prescribes (unknown username, unit or template, cross-field rules). On top,
``problem_details_conformance`` requires every error to be an ``application/problem+json`` document that validates
against the document's ``Problem`` schema and repeats the HTTP status.
"""

from __future__ import annotations

import json
import os
import re
import uuid
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs  # a dependency of schemathesis 4, which validates responses with it too
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.dependencies import EXERCISE_NOT_FOUND
from app.auth.models import ExerciseRole, GlobalRole, User
from app.auth.principal import ExerciseContext, Principal
from app.auth.schemas import ApiTokenCreate
from app.core.config import Settings
from app.core.errors import problem_type
from app.db import ops
from app.db.session import Database
from app.main import create_app
from tests import dbs
from tests.cases.conftest import open_case
from tests.conftest import TEST_SECRET, Factory

pytestmark = pytest.mark.fuzz

# per operation, on top of the finite examples and coverage phases: about 2 s per operation on two cores, on either
# database (the report intake ~12 s). For a deeper local run: TIPDESK_FUZZ_MAX_EXAMPLES=300 TIPDESK_FUZZ_SEED=7.
MAX_EXAMPLES = int(os.environ.get("TIPDESK_FUZZ_MAX_EXAMPLES", "25"))
SEED = int(os.environ.get("TIPDESK_FUZZ_SEED", "20260302"))
PASSWORD = "pw-12345678"  # tests.conftest.Factory's default password
PROBLEM_MEDIA_TYPE = "application/problem+json"


def _settings(url: str) -> Settings:
    # seeding runs in the request's background task here: small seedings keep each fuzzed call quick
    return Settings(
        database_url=url,
        environment="test",
        secret_key=TEST_SECRET,
        cors_origins=[],
        seed_max_reports=30,
        stream_max_seconds=0.2,  # the event stream is endless otherwise, and the in-process client waits for its end
    )


class _LateBoundApp:
    """The ASGI app Schemathesis calls; ``fuzz_env`` plugs in the application bound to the fuzz database."""

    app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "only the fuzz_env fixture provides the application"
        await self.app(scope, receive, send)


def _document() -> dict[str, Any]:
    app = create_app(_settings("sqlite://"))  # opens no connection: only the OpenAPI document is wanted
    try:
        return app.openapi()
    finally:
        app.state.db.dispose()


def _template(path: str) -> re.Pattern[str]:
    parts = [f"(?P<{seg[1:-1]}>[^/]+)" if seg.startswith("{") else re.escape(seg) for seg in path.split("/")]
    return re.compile("/".join(parts))


# NDJSON bodies (bulk intake) are text: send the generated strings as they are
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

APP = _LateBoundApp()
DOCUMENT = _document()
# (path parameter names, pattern) of every path with parameters, to read the ids in a Location header
_TEMPLATES = [(tuple(re.findall(r"\{(\w+)\}", path)), _template(path)) for path in DOCUMENT["paths"] if "{" in path]

schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            # The report intake takes the whole CyberTipline <report> document (~150 fields): the coverage phase
            # enumerates boundary and negative values for each of them, ~110 s on its own. It is kept off for that
            # one operation; the fuzzing phase still runs on it like on every other, and the document itself is
            # covered by tests/reports (XSD round trips, exact JSON types, pointers of every refusal).
            # (One filter, `include-name`: separate `include-*` keys are alternatives, so method + path would switch
            # the phase off for every POST.)
            "operations": [
                {
                    "include-name": "POST /api/v1/exercises/{exercise_id}/reports",
                    "phases": {"coverage": {"enabled": False}},
                },
                # The CyberTipline protocol (/ispws/) speaks XML and forms with HTTP Basic and answers protocol
                # documents, not problem documents: tests/ispws/test_robustness.py fuzzes it instead.
                {"include-path-regex": "^/ispws/", "enabled": False},
            ],
            "checks": {
                "positive_data_acceptance": {
                    # 412: a generated If-Match (an opaque string) that is not the case's current ETag
                    "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "422", "429", "5xx"]
                }
            },
        }
    ),
)
schema.app = APP


@dataclass
class FuzzEnv:
    database: Database
    settings: Settings
    admin_id: uuid.UUID
    # path parameters that are substituted together (a membership only exists in its exercise), most specific first
    path_pools: list[tuple[tuple[str, ...], list[tuple[str, ...]]]]
    body_pools: dict[str, list[str]]
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    reached: set[str] = field(default_factory=set)  # operations that answered past the exercise lookup
    failed: set[str] = field(default_factory=set)

    def learn(self, location: str) -> None:
        """Adds the ids in a ``Location`` header (a resource the fuzzer just created) to the pools, so resources
        of operations later issues add are reached once their creation is fuzzed, without a change here."""
        path = urlsplit(location).path
        for names, pattern in _TEMPLATES:
            found = pattern.fullmatch(path)
            if found is None:
                continue
            ids = tuple(found.group(name) for name in names)
            for pool_names, rows in self.path_pools:
                if pool_names == names:
                    if ids not in rows:
                        rows.append(ids)
                    break
            else:
                self.path_pools.append((names, [ids]))
                self.path_pools.sort(key=lambda pool: -len(pool[0]))  # most specific first

    def fresh_token(self) -> str:
        with Session(self.database.engine, expire_on_commit=False) as s:
            admin = s.get(User, self.admin_id)
            assert admin is not None
            _cred, secret = auth_service.issue_session_token(s, user=admin, settings=self.settings)
            s.commit()
        return secret


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzEnv]:
    with dbs.fresh_database(tmp_path_factory.mktemp("fuzz"), "fuzz") as url:
        ops.upgrade(url, "head")
        settings = _settings(url)
        database = Database(settings)
        try:
            with Session(database.engine, expire_on_commit=False) as s:
                f = Factory(s, settings)
                admin = f.user(GlobalRole.admin)
                instructor = f.user(GlobalRole.instructor)
                real = f.exercise(admin)
                simulated = f.exercise(admin, clock={"mode": "simulated", "speed": 60})
                foreign = f.exercise(instructor)  # the admin is no member: admins pass every exercise check
                exercises = (real, simulated, foreign)
                members = [
                    (exercise, f.member(exercise, role))
                    for exercise in exercises
                    for role in (ExerciseRole.analyst, ExerciseRole.supervisor, ExerciseRole.instructor)
                ]
                memberships = [
                    (str(exercise.id), str(membership.id))
                    for exercise, actor in [*members, (real, admin), (simulated, admin), (foreign, instructor)]
                    if (membership := auth_service.get_membership(s, exercise_id=exercise.id, user_id=actor.user.id))
                ]
                cases = [
                    (str(exercise.id), str(_open_case(s, exercise, admin).id))
                    for exercise in (real, simulated)
                    for _ in range(3)
                ]
                plain = [f.user() for _ in range(3)]
                token_ids = []
                for i in range(4):
                    cred, _secret = auth_service.create_api_token(
                        s,
                        principal=Principal(admin.user, None),
                        data=ApiTokenCreate(name=f"fuzz-{i}", exercise_id=real.id if i == 0 else None),
                        settings=settings,
                    )
                    token_ids.append(str(cred.id))
                s.commit()
                env = FuzzEnv(
                    database=database,
                    settings=settings,
                    admin_id=admin.user.id,
                    path_pools=[
                        (("exercise_id", "membership_id"), memberships),
                        (("exercise_id", "case_id"), cases),
                        (("exercise_id",), [(str(exercise.id),) for exercise in exercises]),
                        (("token_id",), [(token_id,) for token_id in token_ids]),
                    ],
                    body_pools={
                        "username": [a.user.username for a in (*(m for _e, m in members), *plain, instructor)],
                        "password": [PASSWORD],
                    },
                )
            APP.app = create_app(settings, database=database)
            yield env
        finally:
            APP.app = None
            database.dispose()


def _open_case(session: Session, exercise: Any, admin: Any) -> Any:
    """A case as intake opens it (the fuzzer reaches cases through these: intake's Location names the report)."""
    return open_case(session, ExerciseContext(exercise, Principal(admin.user, None), None), urgent=True)


def _point_at_real_rows(case: Any, env: FuzzEnv) -> None:
    """Send most schema-valid cases to rows that exist, so handlers past the lookups get fuzzed too.

    The choice is a hash of the generated values: deterministic and spread over the pool. One path parameter set in
    ``len(pool) + 1`` and half the body fields keep the generated value, so not-found answers and new names stay
    fuzzed as well. Runs in the test, not in a generation hook, so that the coverage phase (whose cases are built at
    collection) is redirected too.
    """
    meta = case.meta
    generated = [case.path_parameters, case.query, case.body]
    try:  # not repr(): an unset body is an object whose repr holds its memory address
        stable = json.dumps(generated, sort_keys=True, default=lambda o: type(o).__name__)
    except (TypeError, ValueError):
        stable = type(case.body).__name__
    digest = zlib.crc32(stable.encode())
    if not (meta is not None and meta.is_negative_at(ParameterLocation.PATH)) and case.path_parameters:
        done: set[str] = set()
        for i, (names, rows) in enumerate(env.path_pools):
            slot = (digest >> i) % (len(rows) + 1)
            if rows and slot < len(rows) and set(names) <= case.path_parameters.keys() and not done & set(names):
                case.path_parameters = {**case.path_parameters, **dict(zip(names, rows[slot], strict=True))}
                done |= set(names)
    if not (meta is not None and meta.is_negative_at(ParameterLocation.BODY)) and isinstance(case.body, dict):
        for name, pool in env.body_pools.items():
            slot = (digest >> 8) % (2 * len(pool))  # half: a new username must stay possible for POST /users
            if name in case.body and slot < len(pool):
                case.body = {**case.body, name: pool[slot]}


_PROBLEM = jsonschema_rs.validator_for(
    {"$ref": "#/components/schemas/Problem", "components": DOCUMENT["components"]}, validate_formats=True
)


def problem_details_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error is an RFC 9457 problem document (the declared ``Problem`` schema) repeating the HTTP status."""
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip().lower()
    status = response.status_code
    if content_type != PROBLEM_MEDIA_TYPE:
        if status < 400:
            return None
        declared = case.operation.definition.raw.get("responses", {}).get(str(status), {}).get("content", {})
        if declared and PROBLEM_MEDIA_TYPE not in declared:
            return None  # an error the document declares in another form, e.g. /readyz's 503 Readiness
        raise AssertionError(f"{status} answered with {content_type or 'no content type'}, not {PROBLEM_MEDIA_TYPE}")
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"The {PROBLEM_MEDIA_TYPE} body is not JSON: {exc}") from None
    problems = [f"{'/'.join(map(str, e.instance_path)) or '(root)'}: {e.message}" for e in _PROBLEM.iter_errors(body)]
    if problems:
        raise AssertionError("The problem document does not match the Problem schema:\n" + "\n".join(problems))
    if body.get("status") != status:
        raise AssertionError(f"The problem document says status {body.get('status')!r}; the response is {status}")
    return None


ADMIN = "fuzz-admin"  # stands for the admin's credential in generated cases; each call swaps in a fresh token


@schema.auth(refresh_interval=None, retry_on=[])
class AdminAuth:
    """Authenticates every case Schemathesis does not deliberately strip or corrupt the credential of.

    Cases are partly built at collection (the coverage phase), before any database exists, so the provider only
    marks them; the test swaps in a fresh admin session token per call. ``retry_on=[]``: a 401 is an answer to
    judge, never a reason to log in again and replay.
    """

    def get(self, case: Any, context: Any) -> str:
        return ADMIN

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # generation speed follows the machine's load
def test_openapi_operation_conforms(case: Any, fuzz_env: FuzzEnv) -> None:
    _point_at_real_rows(case, fuzz_env)
    if case.headers and case.headers.get("Authorization") == f"Bearer {ADMIN}":
        case.headers["Authorization"] = f"Bearer {fuzz_env.fresh_token()}"
    try:
        response = case.call_and_validate(additional_checks=[problem_details_conformance])
    except BaseException:
        fuzz_env.failed.add(case.operation.label)
        raise
    fuzz_env.statuses[case.operation.label][response.status_code] += 1
    if 200 <= response.status_code < 300 and response.headers.get("location"):
        fuzz_env.learn(response.headers["location"][0])
    if _past_the_exercise_lookup(response):
        fuzz_env.reached.add(case.operation.label)


def _past_the_exercise_lookup(response: Any) -> bool:
    """Whether the answer comes from past the exercise lookup: a success, a 403 or 409 from a handler, a 422 of the
    domain's own (not a request-shape `validation-error`), or a 404 for something other than the exercise (401,
    405, request-shape errors and the exercise's own 404 do not count)."""
    status = response.status_code
    if status < 400 or status in (403, 409):
        return True
    if status not in (404, 422):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    if status == 422:
        return body.get("type") not in (None, problem_type("validation-error"))
    return bool(body.get("detail") != EXERCISE_NOT_FOUND)


def test_fuzzed_document_is_the_one_the_app_serves(fuzz_env: FuzzEnv) -> None:
    with TestClient(APP.app) as client:
        served = client.get("/openapi.json")
    assert served.status_code == 200
    assert served.json() == DOCUMENT


def test_fuzzing_reached_the_exercise_scoped_handlers(fuzz_env: FuzzEnv) -> None:
    """Guards ``_point_at_real_rows``: without real ids, every exercise-scoped operation would only ever get the
    exercise's 404 (or a 422 for the path), and its handler would never be fuzzed. Generic on purpose: an operation a
    later issue adds under ``/exercises/{exercise_id}`` is held to it without a change here."""
    if not fuzz_env.statuses:
        pytest.skip("the fuzz run was not selected")
    scoped = [
        f"{method.upper()} {path}"
        for path, item in DOCUMENT["paths"].items()
        if "{exercise_id}" in path
        for method in item
    ]
    unreached = {
        label: dict(sorted(fuzz_env.statuses[label].items()))
        for label in scoped
        # a failing operation stops early, and its failure is reported above already
        if label not in fuzz_env.failed and label not in fuzz_env.reached
    }
    assert not unreached, f"operations that never got past the exercise lookup (statuses seen): {unreached}"
