"""Reports placed where a test wants them, submitted to an exercise on the id-polri template with its default
ruleset; helpers to read a case's routing."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.models import ExerciseRole, GlobalRole
from app.exercises.models import Exercise
from app.units import service as units_service
from tests.conftest import Actor, Factory
from tests.reports.test_intake_api import MINIMAL
from tests.reports.test_section_b import ip_in

CSAM = "Child Pornography (possession, manufacture, and distribution)"
MOLESTATION = "Child Sexual Molestation"
ENTICEMENT = "Online Enticement of Children for Sexual Acts"
DOMAIN = "Misleading Domain Name"


def report(
    *,
    incident: str = CSAM,
    city: str | None = None,
    district: str | None = None,
    estimate: dict[str, Any] | None = None,
    urgent: bool = False,
    identifying: bool = True,
    esp_user_id: str | None = None,
    annotations: dict[str, bool] | None = None,
) -> dict[str, Any]:
    """A report of ``incident`` whose reported user is placed by an IP of ``city`` (and ``district``) from the
    default address registry, or by the ESP's ``estimate``; ``identifying=False`` leaves no identifying detail (an
    informational report)."""
    doc = copy.deepcopy(MINIMAL)
    doc["incidentSummary"]["incidentType"] = incident
    if urgent:
        doc["incidentSummary"]["escalateToHighPriority"] = "Account activity indicates a child may be at risk."
    if annotations:
        doc["incidentSummary"]["reportAnnotations"] = annotations
    person: dict[str, Any] = {}
    if identifying:
        person["espIdentifier"] = esp_user_id or f"acct-{uuid.uuid4().hex[:12]}"
    else:
        person["personOrUserReportedPerson"] = {"firstName": "Budi"}
    if city is not None:
        person["ipCaptureEvent"] = [{"ipAddress": ip_in(city, district=district)}]
    if estimate is not None:
        person["estimatedLocation"] = estimate
    doc["personOrUserReported"] = [person]
    return doc


@dataclass
class Desk:
    client: TestClient
    session: Session
    factory: Factory
    exercise: Exercise
    owner: Actor
    reporter: Actor

    @property
    def base(self) -> str:
        return f"/api/v1/exercises/{self.exercise.id}"

    def submit(self, doc: dict[str, Any], reporter: Actor | None = None) -> dict[str, Any]:
        r = self.client.post(f"{self.base}/reports", headers=(reporter or self.reporter).headers, json=doc)
        assert r.status_code == 201, r.text
        return r.json()

    def bulk(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Submit reports in one bulk request (one intake batch); the result of each line."""
        lines = "".join(json.dumps({"report": doc}) + "\n" for doc in docs)
        headers = {**self.reporter.headers, "content-type": "application/x-ndjson"}
        r = self.client.post(f"{self.base}/reports/bulk", headers=headers, content=lines.encode())
        assert r.status_code == 200, r.text
        results = [json.loads(line) for line in r.content.splitlines() if line.strip()]
        assert all(x["status"] == 201 for x in results), results
        return results

    def routing(self, case_id: str, actor: Actor | None = None) -> dict[str, Any]:
        r = self.client.get(f"{self.base}/cases/{case_id}/routing", headers=(actor or self.owner).headers)
        assert r.status_code == 200, r.text
        return r.json()

    def current(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Submit a report and return its case's current routing decision."""
        body = self.submit(doc)
        current = self.routing(body["case_id"])["current"]
        assert current is not None
        return current

    def unit_id(self, code: str) -> uuid.UUID:
        unit = units_service.get_by_code(self.session, exercise_id=self.exercise.id, code=code)
        assert unit is not None, code
        return unit.id

    def member(self, role: ExerciseRole, unit: str | None) -> Actor:
        actor = self.factory.user()
        auth_service.add_member(
            self.session,
            exercise=self.exercise,
            user=actor.user,
            role=role,
            unit_id=self.unit_id(unit) if unit else None,
            actor="system",
            at=self.exercise.created_at,
        )
        self.session.commit()
        return actor


def desk(client: TestClient, session: Session, factory: Factory) -> Desk:
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner)
    return Desk(client, session, factory, exercise, owner, factory.member(exercise, ExerciseRole.reporter))
