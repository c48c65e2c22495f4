"""Whatever arrives at /ispws/, the answer is a protocol document (or an empty 401/429), never a fault.

The routes speak XML and forms, so the OpenAPI fuzz run leaves them out; these properties fuzz them instead: random
bytes, mutated valid documents, random forms and content types, against an authenticated reporter.
"""

from __future__ import annotations

from xml.etree import ElementTree

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ispws.conftest import Desk, report_xml

FUZZ = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
VALID = report_xml(9)
CONTENT_TYPES = st.sampled_from(
    [
        "text/xml; charset=utf-8",
        "application/xml",
        "application/json",
        "multipart/form-data; boundary=B",
        "multipart/form-data",
        "application/x-www-form-urlencoded",
        "text/plain; charset=latin-1",
        "",
        "multipart/form-data; boundary=",
    ]
)


def _protocol_answer(r: httpx.Response) -> None:
    assert r.status_code in (200, 413), (r.status_code, r.text)
    assert r.headers["content-type"] == "text/xml; charset=utf-8"
    root = ElementTree.fromstring(r.content)
    assert root.tag in ("reportResponse", "reportDoneResponse")
    code = root.findtext("responseCode")
    assert code is not None and int(code) >= 0
    assert r.headers["request-id"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    start = draw(st.integers(0, len(VALID)))
    end = draw(st.integers(start, min(len(VALID), start + 40)))
    return VALID[:start] + draw(st.binary(max_size=40)) + VALID[end:]


@FUZZ
@given(body=st.one_of(st.binary(max_size=300), mutated()), content_type=CONTENT_TYPES)
def test_xml_calls_always_answer_a_document(desk: Desk, body: bytes, content_type: str) -> None:
    for path in ("/ispws/submit", "/ispws/fileinfo"):
        _protocol_answer(desk.client.post(path, content=body, headers={**desk.auth, "Content-Type": content_type}))


FORM_PARTS = st.lists(
    st.tuples(
        st.sampled_from(["id", "file", "x", "", "id\u00e9"]),
        st.one_of(st.text(max_size=30), st.integers().map(str)),
    ),
    max_size=4,
)


@FUZZ
@given(fields=FORM_PARTS, raw=st.binary(max_size=200), content_type=CONTENT_TYPES, use_raw=st.booleans())
def test_form_calls_always_answer_a_document(
    desk: Desk, fields: list[tuple[str, str]], raw: bytes, content_type: str, use_raw: bool
) -> None:
    for path in ("/ispws/finish", "/ispws/retract", "/ispws/upload"):
        if use_raw:
            r = desk.client.post(path, content=raw, headers={**desk.auth, "Content-Type": content_type})
        else:
            r = desk.client.post(path, data=dict(fields), headers=desk.auth)
        _protocol_answer(r)


@FUZZ
@given(
    name=st.text(max_size=40),
    data=st.binary(max_size=300),
    report_id=st.one_of(st.integers(), st.text(max_size=25)),
    headers=st.dictionaries(st.sampled_from(["Content-Type", "Content-Disposition"]), st.text(max_size=40)),
)
def test_uploads_always_answer_a_document(
    desk: Desk, name: str, data: bytes, report_id: object, headers: dict[str, str]
) -> None:
    safe = {k: v for k, v in headers.items() if v.isascii() and "\n" not in v and "\r" not in v}
    files = {"file": (name, data, safe.get("Content-Type", "application/octet-stream"))}
    r = desk.client.post("/ispws/upload", data={"id": str(report_id)}, files=files, headers=desk.auth)
    _protocol_answer(r)


@FUZZ
@given(value=st.text(max_size=80).filter(lambda v: v.isascii() and "\n" not in v and "\r" not in v))
def test_any_authorization_header_is_401_or_an_answer(desk: Desk, value: str) -> None:
    r = desk.client.get("/ispws/status", headers={"Authorization": value})
    assert r.status_code in (200, 401, 429), r.text
    if r.status_code != 200:
        assert r.content == b""
