"""Fixtures of the /ispws/ tests: a reporter with an HTTP Basic credential, documents, and answer parsing."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from fastapi.testclient import TestClient

from app.auth.models import ExerciseRole, GlobalRole
from app.exercises.models import Exercise
from app.reports.document import FileDetails, Report
from app.reports.xml import file_details_to_xml, report_to_xml
from tests.conftest import Actor, Factory
from tests.reports.samples import build_file_details, build_report

PASSWORD = "pw-12345678"  # tests.conftest.Factory's default
XML_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}


def basic(username: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@dataclass
class Answer:
    """A protocol answer, parsed: the root's tag and each child's text (`files` as a list of file ids)."""

    status: int
    root: str
    code: int
    description: str | None
    report_id: int | None
    fields: dict[str, Any]
    response: httpx.Response


def answer(response: httpx.Response) -> Answer:
    assert response.headers["content-type"] == "text/xml; charset=utf-8", response.text
    assert response.headers["request-id"] == response.headers["x-request-id"]
    root = ElementTree.fromstring(response.content)
    fields: dict[str, Any] = {}
    for child in root:
        fields[child.tag] = [f.text for f in child] if child.tag == "files" else child.text
    report_id = fields.get("reportId")
    return Answer(
        status=response.status_code,
        root=root.tag,
        code=int(fields["responseCode"]),
        description=fields.get("responseDescription"),
        report_id=int(report_id) if report_id is not None else None,
        fields=fields,
        response=response,
    )


@dataclass
class Desk:
    """An exercise with its instructor and a reporter who files through /ispws/."""

    client: TestClient
    exercise: Exercise
    owner: Actor
    reporter: Actor

    @property
    def auth(self) -> dict[str, str]:
        return basic(self.reporter.user.username)

    def submit(self, body: bytes, auth: dict[str, str] | None = None) -> Answer:
        return answer(self.client.post("/ispws/submit", content=body, headers={**XML_HEADERS, **(auth or self.auth)}))

    def open(self, i: int = 1) -> int:
        opened = self.submit(report_xml(i))
        assert opened.code == 0, opened.description
        assert opened.report_id is not None
        return opened.report_id

    def upload(self, report_id: object, data: bytes, name: str = "capture.png", **kw: Any) -> Answer:
        files = {"file": (name, data, "application/octet-stream")}
        r = self.client.post("/ispws/upload", data={"id": str(report_id)}, files=files, headers=self.auth, **kw)
        return answer(r)

    def fileinfo(self, body: bytes) -> Answer:
        return answer(self.client.post("/ispws/fileinfo", content=body, headers={**XML_HEADERS, **self.auth}))

    def finish(self, report_id: object) -> Answer:
        return answer(self.client.post("/ispws/finish", data={"id": str(report_id)}, headers=self.auth))

    def retract(self, report_id: object) -> Answer:
        return answer(self.client.post("/ispws/retract", data={"id": str(report_id)}, headers=self.auth))

    def jump(self, seconds: float) -> None:
        r = self.client.post(
            f"/api/v1/exercises/{self.exercise.id}/clock",
            headers=self.owner.headers,
            json={"action": "jump", "seconds": seconds},
        )
        assert r.status_code == 200, r.text


def report_xml(i: int = 1, **changes: Any) -> bytes:
    data = build_report(i)
    data.update(changes)
    return report_to_xml(Report.model_validate(data))


def file_details_xml(report_id: int, file_id: str, i: int = 1, **changes: Any) -> bytes:
    data = {**build_file_details(i), "reportId": report_id, "fileId": file_id, **changes}
    return file_details_to_xml(FileDetails.model_validate(data))


@pytest.fixture
def desk(client: TestClient, factory: Factory) -> Desk:
    owner = factory.user(GlobalRole.instructor)
    exercise = factory.exercise(owner, clock={"mode": "simulated", "origin": "2026-03-02T08:00:00Z", "paused": True})
    return Desk(client, exercise, owner, factory.member(exercise, ExerciseRole.reporter))
