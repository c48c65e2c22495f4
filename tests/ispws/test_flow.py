"""The protocol's lifecycle over HTTP: submit → upload → fileinfo → finish, retract, and each refusal's code."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import pytest
import xmlschema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import ExerciseRole, GlobalRole
from app.ispws.models import IspwsFile, IspwsReport
from app.reports.models import Report
from app.reports.xml import XSD_PATH
from tests.conftest import Factory
from tests.ispws.conftest import Desk, answer, basic, file_details_xml, report_xml

HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def xsd() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD_PATH))


def _events(desk: Desk, prefix: str = "") -> list[dict[str, Any]]:
    r = desk.client.get(f"/api/v1/exercises/{desk.exercise.id}/events?limit=500", headers=desk.owner.headers)
    assert r.status_code == 200, r.text
    return [e for e in r.json()["items"] if e["type"].startswith(prefix)]


def _reports(desk: Desk) -> list[dict[str, Any]]:
    r = desk.client.get(f"/api/v1/exercises/{desk.exercise.id}/reports", headers=desk.owner.headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_submit_upload_fileinfo_finish_files_the_report(desk: Desk, xsd: xmlschema.XMLSchema) -> None:
    first, second = b"fabricated capture one" * 100, b"fabricated capture two"
    opened = desk.submit(report_xml(3))
    assert (opened.status, opened.root, opened.code, opened.description) == (200, "reportResponse", 0, "Success")
    xsd.validate(opened.response.text)
    rid = opened.report_id
    assert isinstance(rid, int) and rid > 0
    uploads = [desk.upload(rid, first, "one.jpg"), desk.upload(rid, second, "two.png")]
    for up, data in zip(uploads, (first, second), strict=True):
        xsd.validate(up.response.text)
        assert (up.code, up.report_id) == (0, rid)
        assert HEX32.fullmatch(up.fields["fileId"])
        assert up.fields["hash"] == hashlib.md5(data).hexdigest()
    one, two = (u.fields["fileId"] for u in uploads)
    assert one != two
    described = desk.fileinfo(file_details_xml(rid, one, fileName="one.jpg"))
    xsd.validate(described.response.text)
    assert (described.code, described.report_id, described.fields["fileId"]) == (0, rid, one)
    assert _reports(desk) == []  # nothing enters the exercise before finish

    done = desk.finish(rid)
    xsd.validate(done.response.text)
    assert (done.status, done.root, done.code, done.report_id) == (200, "reportDoneResponse", 0, rid)
    assert done.fields["files"] == [one, two]

    [summary] = _reports(desk)
    assert summary["source"] == "ispws" and summary["file_count"] == 2
    read = desk.client.get(
        f"/api/v1/exercises/{desk.exercise.id}/reports/{summary['id']}", headers=desk.owner.headers
    ).json()
    files = {f["file_id"]: f for f in read["files"]}
    assert set(files) == {one, two}
    for file_id, data, name in ((one, first, "one.jpg"), (two, second, "two.png")):
        assert files[file_id]["file_name"] == name and files[file_id]["size"] == len(data)
        assert files[file_id]["md5"] == hashlib.md5(data).hexdigest()
        assert files[file_id]["sha1"] == hashlib.sha1(data).hexdigest()
        assert files[file_id]["sha256"] == hashlib.sha256(data).hexdigest()
    assert files[one]["details"]["fileId"] == one and files[one]["details"]["fileName"] == "one.jpg"
    assert files[two]["details"] is None
    types = [e["type"] for e in _events(desk) if e["type"].startswith(("ispws.", "report.", "case."))]
    assert types == [
        "ispws.opened",
        "ispws.file_uploaded",
        "ispws.file_uploaded",
        "ispws.file_described",
        "case.opened",
        "case.routed",
        "report.received",
        "ispws.finished",
    ]
    finished = _events(desk, "ispws.finished")[0]
    assert finished["subject_id"] == str(rid) and finished["data"]["report_id"] == summary["id"]


def test_ids_are_unique_across_exercises(desk: Desk, factory: Factory) -> None:
    other = factory.exercise(desk.owner)
    elsewhere = Desk(desk.client, other, desk.owner, factory.member(other, ExerciseRole.reporter))
    ids = [desk.open(1), elsewhere.open(2), desk.open(3)]
    assert len(set(ids)) == 3 and ids == sorted(ids)


def test_retract_cancels_and_drops_the_files(desk: Desk, session: Session) -> None:
    rid = desk.open()
    assert desk.upload(rid, b"bytes").code == 0
    retracted = desk.retract(rid)
    assert (retracted.code, retracted.report_id, retracted.description) == (0, rid, "Success")
    assert session.scalar(select(func.count()).where(IspwsFile.ispws_report_id == rid)) == 0
    row = session.get(IspwsReport, rid)
    assert row is not None and row.document is None and row.status == "retracted"
    assert desk.retract(rid).code == 5101
    assert desk.upload(rid, b"more").code == 5101
    assert desk.finish(rid).code == 5101
    assert _reports(desk) == []
    assert [e["type"] for e in _events(desk, "ispws.")] == ["ispws.opened", "ispws.file_uploaded", "ispws.retracted"]


def test_a_finished_report_takes_nothing_more(desk: Desk) -> None:
    rid = desk.open()
    up = desk.upload(rid, b"bytes")
    assert desk.finish(rid).code == 0
    again = desk.finish(rid)
    assert (again.root, again.code, again.report_id, again.fields["files"]) == ("reportDoneResponse", 5102, rid, [])
    assert "already finished" in again.response.text  # the description, as a comment
    assert desk.upload(rid, b"late").code == 5102
    assert desk.fileinfo(file_details_xml(rid, up.fields["fileId"])).code == 5102
    assert desk.retract(rid).code == 5102
    assert len(_reports(desk)) == 1


def test_unknown_and_other_callers_reports_do_not_exist(desk: Desk, factory: Factory) -> None:
    rid = desk.open()
    other = factory.member(desk.exercise, ExerciseRole.reporter)
    foreign = basic(other.user.username)
    r = desk.client.post("/ispws/finish", data={"id": str(rid)}, headers=foreign)
    assert (answer(r).code, answer(r).report_id) == (5001, rid)
    r = desk.client.post("/ispws/upload", data={"id": str(rid)}, files={"file": ("a", b"x")}, headers=foreign)
    assert answer(r).code == 5001
    assert desk.retract(rid + 1000).code == 5001
    assert desk.finish(-3).code == 5001
    assert desk.finish(0).code == 5001
    assert desk.upload(2**63 - 1, b"x").code == 5001
    for bad in ("abc", "1.5", "9" * 21, str(2**63), " "):
        refused = desk.finish(bad)
        assert (refused.root, refused.code, refused.report_id) == ("reportDoneResponse", 4000, 0), bad
        assert desk.retract(bad).code == 4000
        assert desk.upload(bad, b"x").code == 4000
    missing = answer(desk.client.post("/ispws/retract", headers=desk.auth))
    assert missing.code == 4000 and "id" in (missing.description or "")
    assert desk.finish(rid).code == 0  # the owner still can


def test_fileinfo_refusals(desk: Desk) -> None:
    rid, other = desk.open(1), desk.open(2)
    file_id = desk.upload(rid, b"bytes").fields["fileId"]
    foreign_file = desk.upload(other, b"other bytes").fields["fileId"]
    assert desk.fileinfo(file_details_xml(rid, uuid.uuid4().hex)).code == 5002
    assert desk.fileinfo(file_details_xml(rid, foreign_file)).code == 5002
    assert desk.fileinfo(file_details_xml(rid, "not-a-file-id")).code == 5002
    assert desk.fileinfo(file_details_xml(rid + 1000, file_id)).code == 5001
    assert desk.fileinfo(file_details_xml(rid, file_id)).code == 0
    twice = desk.fileinfo(file_details_xml(rid, file_id))
    assert (twice.code, twice.report_id) == (1300, rid)


def test_upload_refusals(desk: Desk, session: Session) -> None:
    rid = desk.open()
    assert desk.upload(rid, b"").code == 4200
    post = desk.client.post
    no_file = answer(post("/ispws/upload", data={"id": str(rid)}, headers=desk.auth))
    assert no_file.code == 4000
    two = [("file", ("a", b"1")), ("file", ("b", b"2"))]
    assert answer(post("/ispws/upload", data={"id": str(rid)}, files=two, headers=desk.auth)).code == 4000
    assert answer(post("/ispws/upload", files={"file": ("a", b"1")}, headers=desk.auth)).code == 4000
    text = {**desk.auth, "Content-Type": "text/plain"}
    assert answer(post("/ispws/upload", content=b"id=1", headers=text)).code == 4000
    multipart = {**desk.auth, "Content-Type": "multipart/form-data; boundary=XyZ"}
    assert answer(post("/ispws/upload", content=b"garbage without any boundary", headers=multipart)).code == 4000
    cut = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nsome bytes and then nothing'
    assert answer(post("/ispws/upload", content=cut, headers=multipart)).code == 1111
    no_boundary = {**desk.auth, "Content-Type": "multipart/form-data"}
    assert answer(post("/ispws/upload", content=b"--x--", headers=no_boundary)).code == 4000
    assert session.scalar(select(func.count()).where(IspwsFile.ispws_report_id == rid)) == 0


def test_the_file_limits(desk: Desk, session: Session) -> None:
    app = desk.client.app
    app.state.settings = app.state.settings.model_copy(update={"ispws_max_upload_bytes": 1000, "ispws_max_files": 2})
    rid = desk.open()
    exact = desk.upload(rid, b"x" * 1000)
    assert exact.code == 0
    over = desk.upload(rid, b"x" * 1001)
    assert (over.status, over.code) == (413, 1111)
    declared = desk.upload(rid, b"x" * 200_000)  # refused by its Content-Length, before reading
    assert (declared.status, declared.code) == (413, 1111)

    def chunks() -> Any:
        yield b'--B\r\nContent-Disposition: form-data; name="id"\r\n\r\n' + str(rid).encode() + b"\r\n"
        yield b'--B\r\nContent-Disposition: form-data; name="file"; filename="s"\r\n\r\n'
        for _ in range(10):
            yield b"y" * 500
        yield b"\r\n--B--\r\n"

    headers = {**desk.auth, "Content-Type": "multipart/form-data; boundary=B"}
    streamed = answer(desk.client.post("/ispws/upload", content=chunks(), headers=headers))
    assert (streamed.status, streamed.code) == (413, 1111)
    assert desk.upload(rid, b"z" * 10).code == 0
    full = desk.upload(rid, b"w" * 10)
    assert (full.status, full.code) == (200, 1110)
    assert session.scalar(select(func.count()).where(IspwsFile.ispws_report_id == rid)) == 2


def test_a_large_upload_is_hashed_in_batches_and_never_stored(
    desk: Desk, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    import starlette.formparsers

    def refuse(*args: object, **kw: object) -> None:
        raise AssertionError("an upload must not touch a temporary file")

    for name in ("SpooledTemporaryFile", "TemporaryFile", "NamedTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", refuse)
    marker = f"MARKER-{uuid.uuid4().hex}".encode()
    data = (marker + bytes(range(256))) * 12_000  # ~3.5 MiB: several read batches
    rid = desk.open()
    up = desk.upload(rid, data, "large.bin")
    assert up.code == 0 and up.fields["hash"] == hashlib.md5(data).hexdigest()
    stored = session.get(IspwsFile, up.fields["fileId"])
    assert stored is not None and stored.size == len(data)
    assert (stored.sha1, stored.sha256) == (hashlib.sha1(data).hexdigest(), hashlib.sha256(data).hexdigest())
    assert desk.finish(rid).code == 0
    from app.db.registry import Base

    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).all():
            assert marker.decode() not in repr(row), table.name


def _lenient_report_with_a_real_address() -> bytes:
    return report_xml(2, reporter={"reportingPerson": {"firstName": "Agus", "email": [{"value": "agus@gmail.com"}]}})


def test_strict_intake_refuses_at_submit_and_again_at_finish(desk: Desk, session: Session) -> None:
    refused = desk.submit(_lenient_report_with_a_real_address())
    assert refused.code == 4100
    assert "/reporter/reportingPerson/email/0/value" in (refused.description or "")
    url = f"/api/v1/exercises/{desk.exercise.id}"
    assert desk.client.patch(url, headers=desk.owner.headers, json={"intake_mode": "lenient"}).status_code == 200
    rid = desk.submit(_lenient_report_with_a_real_address()).report_id
    assert rid is not None
    assert desk.upload(rid, b"bytes").code == 0
    assert desk.client.patch(url, headers=desk.owner.headers, json={"intake_mode": "strict"}).status_code == 200
    at_finish = desk.finish(rid)
    assert (at_finish.code, at_finish.report_id) == (4100, rid)
    assert "/reporter/reportingPerson/email/0/value" in at_finish.response.text
    assert _reports(desk) == []  # the intake rolled back whole
    assert session.scalar(select(func.count()).where(Report.exercise_id == desk.exercise.id)) == 0
    assert desk.client.patch(url, headers=desk.owner.headers, json={"intake_mode": "lenient"}).status_code == 200
    assert desk.finish(rid).code == 0
    [summary] = _reports(desk)
    assert [f["pointer"] for f in summary["flags"]] == ["/reporter/reportingPerson/email/0/value"]


def test_strict_intake_screens_file_details(desk: Desk) -> None:
    rid = desk.open()
    file_id = desk.upload(rid, b"bytes").fields["fileId"]
    refused = desk.fileinfo(file_details_xml(rid, file_id, ipCaptureEvent={"ipAddress": "8.8.8.8"}))
    assert refused.code == 4100 and "/ipCaptureEvent/ipAddress" in (refused.description or "")
    assert desk.fileinfo(file_details_xml(rid, file_id, ipCaptureEvent={"ipAddress": "192.0.2.7"})).code == 0


def test_answers_carry_the_request_id(desk: Desk) -> None:
    r = desk.client.post("/ispws/finish", data={"id": "1"}, headers={**desk.auth, "X-Request-ID": "trace-42"})
    assert r.headers["request-id"] == "trace-42"
    assert desk.client.get("/ispws/nowhere", headers={"X-Request-ID": "trace-43"}).headers["request-id"] == "trace-43"
    assert "request-id" not in desk.client.get("/healthz").headers


def test_global_admin_without_membership_cannot_submit(desk: Desk, factory: Factory) -> None:
    admin = factory.user(GlobalRole.admin)
    assert desk.submit(report_xml(1), auth=basic(admin.user.username)).code == 3100
