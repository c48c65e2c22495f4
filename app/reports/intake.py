"""Storing reports. Each report is prepared in Python (screened, classified, its indicators extracted), then any
number of them are written together: one query for replayed keys, one counter reservation per kind, one multi-row
insert per table and one event-chain extension. A report, its case, files, indicators and events always commit
together; a batch either stores every report it was given to store or (on a database error) none.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, Uuid, and_, bindparam, func, select, true
from sqlalchemy.dialects import postgresql as postgresql_types
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.principal import ExerciseContext
from app.cases import service as cases_service
from app.cases.models import Case, CaseStatus, Classification
from app.cases.visibility import arrived
from app.core.clock import wall
from app.core.errors import AppError, Conflict, ProblemDetailItem
from app.core.ids import new_id
from app.db.bulk import Writes
from app.db.direct import Direct, text_array
from app.events import scheduled as scheduled_events
from app.events import service as events_service
from app.exercises import counters
from app.exercises.models import ExerciseStatus, IntakeMode
from app.reports import classification, enrichment, errors, guard, indicators
from app.reports import setup as exercise_setup
from app.reports.document import FileDetails, unknown_fields, without_unknown
from app.reports.document import Report as ReportDocument
from app.reports.models import Indicator, Report, ReportFile, ReportSource
from app.routing import service as routing_service
from app.routing.explanations import Explanations
from app.routing.models import Deconfliction, RoutingDecision, RoutingExplanation
from app.stats import facts

CLOSED = (ExerciseStatus.closed, ExerciseStatus.archived)
NOT_JOINABLE = (CaseStatus.closed, CaseStatus.referred)


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file as intake keeps it: name, size, hashes and the reporter's <fileDetails> (never the bytes)."""

    file_id: str
    file_name: str | None = None
    size: int | None = None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    details: FileDetails | None = None
    details_body: dict[str, Any] | None = None  # the details' JSON form, when the caller already has it (seeding)

    def details_json(self) -> dict[str, Any] | None:
        if self.details_body is not None:
            return self.details_body
        return self.details.model_dump(mode="json", exclude_none=True) if self.details is not None else None


@dataclass(slots=True)
class Prepared:
    """One report ready to store, or the refusal that applies unless its idempotency key replays.

    What storing reads is plain data: ``body`` (Section A as stored: the document's JSON form), the ``captures``
    and ``estimates`` Section B geolocates, the indicators ``found``, ``kind`` and ``urgent``. ``prepare`` derives
    them from the document; the seeder, which builds reports whose facts it knows, supplies them directly (a test
    keeps both ways equal). ``received_at`` (exercise time) defaults to the time of storing. ``arrives_at``
    schedules the report: it is received then (``received_at`` is its arrival, SLA clocks start there) and, while
    that is in the exercise's future, the report and the case it opens stay out of sight and their events are held
    back (``app.events.scheduled``; docs/stream.md). ``context`` is the submitting context when one batch mixes
    submitters (seeding: each report comes from its ESP's account); such items carry no idempotency key."""

    digest: str
    idempotency_key: str | None
    refusal: AppError | None = None
    document: ReportDocument | None = None
    files: Sequence[FileRecord] = ()
    flags: list[dict[str, Any]] = field(default_factory=list)
    found: list[indicators.Indicator] = field(default_factory=list)
    kind: Classification = Classification.referral
    urgent: bool = False
    body: dict[str, Any] = field(default_factory=dict)
    captures: list[enrichment.Capture] = field(default_factory=list)
    estimates: list[enrichment.Estimate] | None = None  # None: read from `document` when needed
    received_at: datetime | None = None
    context: ExerciseContext | None = None
    arrives_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Stored:
    report_id: uuid.UUID
    number: int
    case_id: uuid.UUID | None
    replayed: bool
    row: dict[str, Any] | None = field(default=None, compare=False, repr=False)  # as written (not for a replay)


def request_hash(document: ReportDocument) -> str:
    """SHA-256 of the canonical JSON of the document as received (unknown fields included)."""
    return _hash_of(document.model_dump(mode="json", exclude_none=True))


def _hash_of(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _screen(ctx: ExerciseContext, document: ReportDocument) -> tuple[ReportDocument, list[dict[str, Any]]]:
    """Strict intake refuses unknown fields and real-looking identifiers; lenient intake keeps them as flags."""
    flags: list[dict[str, Any]] = [
        {"pointer": p, "kind": "unknown_field", "value": None, "reason": "not defined by the report schema"}
        for p in unknown_fields(document)
    ]
    clean = without_unknown(document) if flags else document  # flags so far are the unknown fields
    flags += [f.model_dump(mode="json") for f in guard.scan_report(clean)]
    if flags and ctx.exercise.intake_mode == IntakeMode.strict:
        raise errors.UnsafeReport(
            f"Strict intake refuses this report: {len(flags)} value(s) outside the reserved ranges or unknown.",
            errors=[ProblemDetailItem(pointer=f["pointer"], message=f["reason"]) for f in flags],
        )
    return clean, flags


def prepare(
    ctx: ExerciseContext,
    document: ReportDocument,
    *,
    idempotency_key: str | None,
    files: Sequence[FileRecord] = (),
    received_at: datetime | None = None,
) -> Prepared:
    received = document.model_dump(mode="json", exclude_none=True)
    digest = _hash_of(received)  # request_hash(document)
    try:
        clean, flags = _screen(ctx, document)
    except AppError as exc:
        return Prepared(digest, idempotency_key, refusal=exc)
    found = indicators.extract_indicators(clean, files, esp=ctx.principal.user.display_name)
    return Prepared(
        digest,
        idempotency_key,
        document=clean,
        files=files,
        flags=flags,
        found=found,
        kind=Classification(classification.ncmec_classification(clean, file_count=len(files), found=found)),
        urgent=classification.is_urgent(clean),
        body=received if clean is document else clean.model_dump(mode="json", exclude_none=True),
        captures=enrichment.capture_events(clean, files),
        received_at=received_at,
    )


def _earlier(session: Session, ctx: ExerciseContext, keys: set[str]) -> dict[str, tuple[Stored, str]]:
    found: dict[str, tuple[Stored, str]] = {}
    ordered = sorted(keys)
    exercise_id, reporter_id = ctx.exercise.id, ctx.principal.user.id
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        if on_postgresql:  # one statement for any number of keys, straight through the driver
            rows: Any = _EARLIER.rows(
                session, {"exercise_id": exercise_id, "reporter_id": reporter_id, "keys": text_array(chunk)}
            )
        else:
            rows = session.execute(
                _EARLIER_COLUMNS.where(
                    Report.exercise_id == exercise_id,
                    Report.reporter_id == reporter_id,
                    Report.idempotency_key.in_(chunk),
                )
            )
        for key, rid, number, case_id, digest in rows:
            found[str(key)] = (Stored(rid, number, case_id, replayed=True), digest)
    return found


_EARLIER_COLUMNS = select(Report.idempotency_key, Report.id, Report.number, Report.case_id, Report.request_hash)


def _earlier_by_key() -> Any:
    """PostgreSQL: the reporter's reports stored with any of the keys (given as an array), one probe of
    ``ix_report_idempotency_key`` per key. The exercise and reporter are compared in a form no index can serve
    (``IS TRUE``), so that index is the only one the plan can use, whatever the statistics say: written as plain
    conditions, a planner that misjudged the reporter's share of the table (statistics not gathered since a bulk
    load) read every report of the reporter and filtered the keys, a cost that grew with every report stored."""
    keys = (
        func.unnest(bindparam("keys", type_=postgresql_types.ARRAY(String)))
        .table_valued("key")
        .render_derived(name="k", with_types=False)
    )
    mine = and_(
        Report.exercise_id == bindparam("exercise_id", type_=Uuid()),
        Report.reporter_id == bindparam("reporter_id", type_=Uuid()),
    )
    found = (
        _EARLIER_COLUMNS.where(Report.idempotency_key == keys.c.key, mine.is_(true()))
        .offset(0)  # kept a subquery run per key: one index probe each
        .lateral("found")
    )
    return select(*found.c).select_from(keys).join(found, true())


_EARLIER = Direct(_earlier_by_key())


def _mismatch(report_id: uuid.UUID) -> errors.IdempotencyMismatch:
    return errors.IdempotencyMismatch(
        "This Idempotency-Key was used for a different report; use a new key for a new report.",
        extra={"report_id": str(report_id)},
    )


def _md5_hashes(p: Prepared) -> list[str]:
    return [hashlib.sha256(i.value.encode()).hexdigest() for i in p.found if i.kind == "md5"]


def _stored_bundle_case(session: Session, ctx: ExerciseContext, hashes: list[str], at: datetime) -> Case | None:
    """The open case of an earlier batched report from the same reporter that shares a file MD5, if any, among the
    cases that have arrived by ``at`` (the joining report's own arrival)."""
    return session.scalar(
        select(Case)
        .join(Report, Report.case_id == Case.id)
        .join(Indicator, Indicator.report_id == Report.id)
        .where(
            Report.exercise_id == ctx.exercise.id,
            Report.reporter_id == ctx.principal.user.id,
            Report.batched.is_(True),
            Indicator.exercise_id == ctx.exercise.id,
            Indicator.kind == "md5",
            Indicator.value_hash.in_(hashes),
            Case.status.not_in(NOT_JOINABLE),
            arrived(at),
        )
        .order_by(Case.number)
        .limit(1)
    )


def store(
    session: Session,
    *,
    ctx: ExerciseContext,
    items: Sequence[Prepared],
    source: ReportSource,
    setup_version: int | None = None,
) -> list[Stored | AppError]:
    """Store the prepared reports; one result per item, in order (a replay, a refusal, or what was stored).
    ``setup_version``: the exercise's set-up version as this transaction read it, if nothing in the transaction
    has changed the set-up since (it spares reading it again when a copy of that version is held)."""
    if ctx.exercise.status in CLOSED:
        refusal = errors.ExerciseNotTakingReports(f"The exercise is {ctx.exercise.status}; it takes no more reports.")
        return [refusal for _ in items]
    if any(p.context is not None and p.idempotency_key is not None for p in items):
        raise ValueError("items with their own submitting context carry no idempotency key")
    earlier = _earlier(session, ctx, {k for p in items if (k := p.idempotency_key) is not None})
    results: list[Stored | AppError | None] = [None] * len(items)
    first_with_key: dict[str, int] = {}
    later: list[tuple[int, int]] = []  # (item, the earlier item of this batch with its key)
    todo: list[int] = []
    for index, p in enumerate(items):
        key = p.idempotency_key
        if key is not None and key in earlier:
            stored, digest = earlier[key]
            results[index] = stored if digest == p.digest else _mismatch(stored.report_id)
        elif key is not None and key in first_with_key:
            later.append((index, first_with_key[key]))
        elif p.refusal is not None:
            results[index] = p.refusal
        else:
            todo.append(index)
            if key is not None:
                first_with_key[key] = index
    if todo:
        _write(session, ctx, [items[i] for i in todo], source, setup_version, into=results, at_indexes=todo)
    for index, first in later:
        done = results[first]
        assert isinstance(done, Stored)
        same = items[index].digest == items[first].digest
        results[index] = (
            Stored(done.report_id, done.number, done.case_id, replayed=True) if same else _mismatch(done.report_id)
        )
    return [r for r in results if r is not None]


def store_isolating(
    session: Session,
    *,
    ctx: ExerciseContext,
    items: Sequence[Prepared],
    source: ReportSource,
    setup_version: int | None = None,
) -> list[Stored | AppError]:
    """:func:`store`, for a session whose transaction holds nothing else (a bulk batch's, or a request's that has
    only read): if the database refuses the items together (a concurrent writer used one of their idempotency keys),
    the transaction is rolled back and each item stored again in its own savepoint, so the conflict refuses only the
    item it concerns. (No savepoint around the first attempt: it would cost two more statements every time.)"""
    try:
        return store(session, ctx=ctx, items=items, source=source, setup_version=setup_version)
    except IntegrityError:
        session.rollback()
    outcomes: list[Stored | AppError] = []
    for item in items:
        savepoint = session.begin_nested()
        try:
            [outcome] = store(session, ctx=ctx, items=[item], source=source, setup_version=setup_version)
            savepoint.commit()
        except IntegrityError:
            savepoint.rollback()
            outcome = Conflict("Stored concurrently by another request.")
        outcomes.append(outcome)
    return outcomes


def _cases_for(session: Session, ctx: ExerciseContext, items: Sequence[Prepared]) -> list[int | Case | None]:
    """Which case each report goes to: None opens a new one, an int joins the case the batch's item of that index
    opens, a Case joins that stored case (batched reports sharing a file MD5 with an open bundle)."""
    decisions: list[int | Case | None] = []
    bundles: dict[str, int | Case] = {}  # md5 indicator hash -> the item that opened its case, or the stored case
    for index, p in enumerate(items):
        hashes = _md5_hashes(p) if p.body.get("batchedReport") is not None else []
        decision: int | Case | None = next((bundles[h] for h in hashes if h in bundles), None)
        if decision is None and hashes:
            decision = _stored_bundle_case(session, p.context or ctx, hashes, p.arrives_at or ctx.now())
        decisions.append(decision)
        bundles.update(dict.fromkeys(hashes, index if decision is None else decision))
    return decisions


def _write(
    session: Session,
    ctx: ExerciseContext,
    items: Sequence[Prepared],
    source: ReportSource,
    setup_version: int | None,
    *,
    into: list[Stored | AppError | None],
    at_indexes: Sequence[int],
) -> None:
    now, recorded, exercise_id = ctx.now(), wall.now(), ctx.exercise.id
    # what needs a query but no number is read before the counters' rows are locked (held until commit)
    setup = exercise_setup.current(session, exercise_id=exercise_id, seen=setup_version)
    decisions = _cases_for(session, ctx, items)
    policy = setup.policy
    opening = sum(d is None for d in decisions)
    locate = setup.registry.geolocate
    sections = [enrichment.enrich(p.captures, locate=locate, estimates=_estimates(p)) for p in items]
    router = setup.router if opening else None
    firsts = counters.reserve_many(session, exercise_id=ctx.exercise.id, counts={"report": len(items), "case": opening})
    first_number, next_case = firsts["report"], firsts["case"]
    case_rows: list[dict[str, Any]] = []
    report_rows: list[dict[str, Any]] = []
    file_rows: list[dict[str, Any]] = []
    indicator_rows: list[dict[str, Any]] = []
    drafts: list[events_service.Draft] = []
    held: list[events_service.Draft] = []  # events of reports that arrive later
    opened: dict[int, dict[str, Any]] = {}
    decision_rows: list[dict[str, Any]] = []
    explanations = Explanations(exercise_id)
    holdings: list[routing_service.Holding] = []
    for index, (p, decision, section_b) in enumerate(zip(items, decisions, sections, strict=True)):
        number = first_number + index
        at, by = p.arrives_at or p.received_at or now, p.context or ctx
        scheduled = p.arrives_at is not None and p.arrives_at > now
        location, summary = section_b.location, p.body["incidentSummary"]
        report_id = new_id()
        batched = p.body.get("batchedReport") is not None
        report_row = {
            "id": report_id,
            "exercise_id": exercise_id,
            "number": number,
            "case_id": None,
            "source": source,
            "reporter_id": by.principal.user.id,
            "idempotency_key": p.idempotency_key,
            "request_hash": p.digest,
            "received_at": at,
            "recorded_at": recorded,
            "document": p.body,
            "incident_type": summary["incidentType"],
            "annotations": _annotations(summary),
            "esp_name": cases_service.esp_name(by),
            "classification": p.kind,
            "urgent": p.urgent,
            "escalation": summary.get("escalateToHighPriority"),
            "flags": p.flags,
            "notes": [],
            "batched": batched,
            "file_count": len(p.files),
            "section_b": section_b.as_json(),
            "location_source": location.source,
            "location_country": location.country,
            "location_province": location.province,
            "location_regency_code": location.regency_code,
            "location_city": location.city,
            "location_district": location.district,
        }
        routed: list[events_service.Draft] = []
        if decision is None:
            case_id = new_id()
            route = None
            if router is not None:  # routed by the active ruleset, in this transaction
                state = routing_service.new_case_state(urgent=p.urgent)
                route = router.route(routing_service.subject(report_row, state))
                decision_rows.append(
                    routing_service.decision_row(
                        route,
                        router=router,
                        explanations=explanations,
                        exercise_id=exercise_id,
                        case_id=case_id,
                        report_id=report_id,
                        seq=1,
                        reason="intake",
                        actor=by.actor,
                        at=at,
                    )
                )
                routed.append(routing_service.routed_event(decision_rows[-1], actor=by.actor))
            row, event = cases_service.build_case(
                by,
                number=next_case,
                classification=p.kind,
                urgent=p.urgent,
                at=at,
                report_number=number,
                policy=policy,
                incident_type=summary["incidentType"],
                province=location.province,
                case_id=case_id,
                unit_id=route.unit.id if route is not None and route.unit is not None else None,
                priority=route.priority if route is not None else None,
                tags=route.tags if route is not None else (),
            )
            next_case += 1
            row["arrives_at"] = p.arrives_at
            case_rows.append(row)
            opened[index] = row
            holdings.append(
                routing_service.Holding(
                    case_id, row["number"], row["unit_id"], True, p.found, p.arrives_at if scheduled else None
                )
            )
        elif isinstance(decision, int):
            row = opened[decision]
            event = cases_service.add_to_new_row(
                by, case=row, classification=p.kind, urgent=p.urgent, at=at, report_number=number, policy=policy
            )
            case_id = row["id"]
            holdings.append(
                routing_service.Holding(
                    case_id, row["number"], row["unit_id"], True, p.found, p.arrives_at if scheduled else None
                )
            )
        else:
            event = cases_service.join_stored_case(
                session, ctx=by, case=decision, classification=p.kind, urgent=p.urgent, at=at, report_number=number
            )
            case_id = decision.id
            holdings.append(routing_service.Holding(case_id, decision.number, decision.unit_id, False, p.found))
        (held if scheduled else drafts).append(event)
        (held if scheduled else drafts).extend(routed)
        report_row["case_id"] = case_id
        report_row["arrives_at"] = p.arrives_at
        report_rows.append(report_row)
        file_rows += [_file_row(exercise_id, report_id, f, at) for f in p.files]
        indicator_rows += [_indicator_row(exercise_id, report_id, i) for i in p.found]
        if scheduled:
            drafts.append(
                events_service.Draft(
                    now,
                    by.actor,
                    "report.scheduled",
                    "report",
                    report_id,
                    {"number": number, "case_id": case_id, "arrives_at": at, "source": source},
                )
            )
        (held if scheduled else drafts).append(
            events_service.Draft(
                at,
                by.actor,
                "report.received",
                "report",
                report_id,
                {
                    "number": number,
                    "case_id": case_id,
                    "source": source,
                    "incident_type": summary["incidentType"],
                    "classification": p.kind,
                    "urgent": p.urgent,
                    "flags": len(p.flags),
                    "files": len(p.files),
                    "batched": batched,
                    "province": location.province,
                },
            )
        )
        into[at_indexes[index]] = Stored(report_id, number, case_id, replayed=False, row=report_row)
    links, linked, linked_later = routing_service.deconflict(
        session, exercise_id=exercise_id, holdings=holdings, at=now, actor=ctx.actor
    )
    drafts += linked
    held += linked_later
    facts.deconflicted(session, case_rows, links)
    writes = Writes(session)
    writes.insert_new(RoutingExplanation, explanations.to_store(session))
    for model, rows in (
        (Case, case_rows),
        (Report, report_rows),
        (ReportFile, file_rows),
        (Indicator, indicator_rows),
        (RoutingDecision, decision_rows),
        (Deconfliction, links),
    ):
        writes.insert(model, rows)
    events_service.append_many(session, exercise_id=ctx.exercise.id, drafts=drafts, writes=writes)
    writes.send()
    scheduled_events.schedule(session, exercise_id=ctx.exercise.id, drafts=held)


def _indicator_row(exercise_id: uuid.UUID, report_id: uuid.UUID, i: indicators.Indicator) -> dict[str, Any]:
    return {
        "id": new_id(),
        "exercise_id": exercise_id,
        "report_id": report_id,
        "kind": i.kind,
        "scope": i.scope,
        "value": i.value,
        "value_hash": hashlib.sha256(i.value.encode()).hexdigest(),
        "pointer": i.pointer,
    }


def _estimates(p: Prepared) -> Callable[[], Sequence[enrichment.Estimate]]:
    known = p.estimates
    return (lambda: known) if known is not None else (lambda: enrichment.estimates_of(p.document))


def _annotations(summary: dict[str, Any]) -> list[str]:
    return sorted(name for name, value in (summary.get("reportAnnotations") or {}).items() if value)


def _file_row(exercise_id: uuid.UUID, report_id: uuid.UUID, f: FileRecord, at: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "exercise_id": exercise_id,
        "report_id": report_id,
        "file_id": f.file_id,
        "file_name": f.file_name,
        "size": f.size,
        "md5": f.md5,
        "sha1": f.sha1,
        "sha256": f.sha256,
        "details": f.details_json(),
        "received_at": at,
    }
