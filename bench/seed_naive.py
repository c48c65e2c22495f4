"""The baseline of bench/seed.py: seeding as a first version would do it, with the same kind of reports.

Per report: every field drawn by calling Faker (through its proxy, the safe providers only); the document and its
files validated and prepared exactly as a POST is (``intake.prepare``: validation, guard, indicators,
classification); Section B looked up in the database; counters reserved, ORM objects built and ``add_all``-ed;
each event appended on its own; one flush at the end. Same rules, none of the seeder's shortcuts.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker
from sqlalchemy.orm import Session

from app.addresses import service as addresses_service
from app.auth.models import Membership, User
from app.auth.principal import ExerciseContext, Principal
from app.cases import service as cases_service
from app.cases import sla
from app.cases.models import Case
from app.core.clock import wall
from app.events import service as events_service
from app.exercises import counters
from app.exercises.models import Exercise
from app.reports import enrichment, intake
from app.reports.document import FileDetails
from app.reports.document import Report as ReportDocument
from app.reports.models import Indicator, Report, ReportFile, ReportSource
from seed.places import geography
from seed.providers import make_faker
from seed.scenarios import load

TYPES = (
    "Child Pornography (possession, manufacture, and distribution)",
    "Online Enticement of Children for Sexual Acts",
)


def _when(fake: Faker, base: datetime) -> str:
    return (base - timedelta(seconds=fake.pyint(60, 400_000))).strftime("%Y-%m-%dT%H:%M:%SZ")


def _document(fake: Faker, base: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    places = geography().regencies
    province = fake.random_element(list(places))
    place = fake.random_element(places[province])
    ips = [fake.ipv4_in_block(place.v4_first, place.v4_size) for _ in range(fake.pyint(1, 3))]
    screen = f"{fake.first_name().lower()}_{fake.pyint(10, 9999)}"
    reported: dict[str, Any] = {
        "personOrUserReportedPerson": {"email": [{"value": fake.reserved_email(screen), "type": "Home"}]},
        "espIdentifier": str(fake.pyint(10**11, 10**15)),
        "espService": "Serambi",
        "screenName": screen,
        "displayName": [fake.first_name()],
        "profileUrl": [fake.profile_url("serambi.example", screen)],
        "ipCaptureEvent": [{"ipAddress": ip, "eventName": "Login", "dateTime": _when(fake, base)} for ip in ips],
        "additionalInfo": f"Account created on {fake.date()}.",
    }
    if fake.pybool():
        reported["personOrUserReportedPerson"]["phone"] = [{"value": fake.indonesian_mobile(), "type": "Mobile"}]
    document = {
        "incidentSummary": {
            "incidentType": fake.random_element(TYPES),
            "platform": "Serambi",
            "incidentDateTime": _when(fake, base),
        },
        "internetDetails": [{"webPageIncident": {"url": [fake.content_url("serambi.example")]}}],
        "reporter": {
            "reportingPerson": {
                "firstName": fake.first_name(),
                "lastName": fake.last_name(),
                "email": [{"value": "trust.safety@serambi.example"}],
            },
            "legalURL": "https://serambi.example/legal",
        },
        "personOrUserReported": [reported],
        "additionalInfo": f"Reviewed by the trust and safety team on {fake.date()}.",
    }
    files = []
    for _ in range(fake.random_element((1, 1, 1, 2, 2, 3, 5, 8))):
        md5 = fake.hex_hash(128)
        files.append(
            {
                "reportId": 0,
                "fileId": fake.hex_hash(128),
                "fileName": fake.camera_file_name("photo", "jpg", fake.date(pattern="%Y%m%d")),
                "uploadedToEspTimestamp": _when(fake, base),
                "fileRelevance": "Reported",
                "originalFileHash": [{"value": md5, "hashType": "MD5"}],
                "ipCaptureEvent": {"ipAddress": fake.random_element(ips), "eventName": "Upload"},
            }
        )
    return document, files


def _context(session: Session, exercise: Exercise) -> ExerciseContext:
    user = User(
        username=f"naive-{uuid.uuid4().hex[:8]}",
        display_name="Serambi Social",
        password_hash="!",
        created_at=wall.now(),
    )
    session.add(user)
    session.flush()
    membership = Membership(exercise_id=exercise.id, user_id=user.id, role="reporter", created_at=wall.now())
    session.add(membership)
    session.flush()
    return ExerciseContext(exercise, Principal(user, None), membership)


def seed_naively(session: Session, *, exercise: Exercise, reports: int) -> None:
    fake = make_faker("id_ID", 1)
    ctx = _context(session, exercise)
    policy = sla.policy_for(session, exercise_id=exercise.id)
    base = exercise.clock_origin or datetime.now(UTC)
    load("load")  # the same scenario tables are loaded in both runs
    for _ in range(reports):
        raw, raw_files = _document(fake, base)
        files = []
        for details in raw_files:
            model = FileDetails.model_validate(details)
            files.append(
                intake.FileRecord(
                    model.fileId,
                    model.fileName,
                    fake.pyint(10**4, 10**7),
                    fake.hex_hash(128),
                    None,
                    fake.hex_hash(256),
                    model,
                )
            )
        prepared = intake.prepare(ctx, ReportDocument.model_validate(raw), idempotency_key=None, files=files)
        assert prepared.document is not None
        section_b = enrichment.enrich(
            prepared.captures,
            locate=lambda addresses: addresses_service.geolocate(  # one query per report, as a plain loader would
                session, exercise_id=exercise.id, addresses=addresses
            ),
            estimates=lambda p=prepared: enrichment.estimates_of(p.document),
        )
        number = counters.next_value(session, exercise_id=exercise.id, name="report")
        case_number = counters.next_value(session, exercise_id=exercise.id, name="case")
        at = ctx.now()
        row, opened = cases_service.build_case(
            ctx,
            number=case_number,
            classification=prepared.kind,
            urgent=prepared.urgent,
            at=at,
            report_number=number,
            policy=policy,
            incident_type=prepared.document.incidentSummary.incidentType,
            province=section_b.location.province,
        )
        case = Case(**row)
        report = Report(
            exercise_id=exercise.id,
            number=number,
            case_id=case.id,
            source=ReportSource.seed,
            reporter_id=ctx.principal.user.id,
            request_hash=prepared.digest,
            received_at=at,
            recorded_at=wall.now(),
            document=prepared.body,
            incident_type=prepared.document.incidentSummary.incidentType,
            annotations=[],
            esp_name=ctx.principal.user.display_name,
            classification=prepared.kind,
            urgent=prepared.urgent,
            flags=[],
            notes=[],
            batched=False,
            file_count=len(files),
            section_b=section_b.as_json(),
            location_source=section_b.location.source,
            location_province=section_b.location.province,
        )
        session.add(case)
        session.flush()
        session.add(report)
        session.flush()
        objects: list[Any] = [
            ReportFile(
                exercise_id=exercise.id,
                report_id=report.id,
                file_id=f.file_id,
                file_name=f.file_name,
                size=f.size,
                md5=f.md5,
                sha256=f.sha256,
                details=f.details_json(),
                received_at=at,
            )
            for f in files
        ]
        objects += [
            Indicator(
                exercise_id=exercise.id,
                report_id=report.id,
                kind=i.kind,
                scope=i.scope,
                value=i.value,
                value_hash=__import__("hashlib").sha256(i.value.encode()).hexdigest(),
                pointer=i.pointer,
            )
            for i in prepared.found
        ]
        session.add_all(objects)
        events_service.append(
            session,
            exercise_id=exercise.id,
            at=opened.at,
            actor=opened.actor,
            type=opened.type,
            subject_type=opened.subject_type,
            subject_id=opened.subject_id,
            data=opened.data,
        )
        events_service.append(
            session,
            exercise_id=exercise.id,
            at=at,
            actor=ctx.actor,
            type="report.received",
            subject_type="report",
            subject_id=report.id,
            data={"number": number},
        )
    session.flush()
