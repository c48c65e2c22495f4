"""Links, merges and bulk actions; a merge or an atomic bulk request with one failing item changes nothing."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.auth.models import ExerciseRole as R
from app.cases.models import Case, CaseStatus
from app.events.models import Event
from tests.cases.conftest import World
from tests.reports.test_intake_api import MINIMAL


def _events(world: World) -> int:
    return world.session.scalar(select(func.count()).where(Event.exercise_id == world.exercise.id)) or 0


def _intake(client: TestClient, world: World, n: int) -> list[str]:
    reporter = world.member(R.reporter)
    return [
        client.post(f"{world.base}/reports", headers=reporter.headers, json=MINIMAL).json()["case_id"] for _ in range(n)
    ]


def test_links(client: TestClient, world: World) -> None:
    a, b = world.case(), world.case()
    h = world.owner.headers
    r = client.post(
        world.url(a, "/links"), headers=h, json={"kind": "related", "other_id": str(b.id), "note": "same ESP"}
    )
    assert r.status_code == 201 and r.json()["other_number"] == b.number
    assert r.headers["location"].endswith(f"/cases/{a.id}/links/{r.json()['id']}")
    link_id = r.json()["id"]
    again = client.post(world.url(b, "/links"), headers=h, json={"kind": "related", "other_id": str(a.id)})
    assert again.status_code == 409 and again.json()["type"] == "urn:tipdesk:problem:link-exists"
    assert (
        client.post(world.url(a, "/links"), headers=h, json={"kind": "related", "other_id": str(a.id)}).status_code
        == 422
    )
    dup = client.post(world.url(b, "/links"), headers=h, json={"kind": "duplicate_of", "other_id": str(a.id)})
    assert dup.status_code == 201
    read_b = client.get(world.url(b), headers=h).json()
    assert {(x["kind"], x["case_id"], x["other_id"]) for x in read_b["links"]} == {
        ("related", str(a.id), str(b.id)),
        ("duplicate_of", str(b.id), str(a.id)),
    }
    assert read_b["version"] == 3  # each link touches both cases
    assert client.delete(world.url(b, f"/links/{link_id}"), headers=h).status_code == 204
    assert client.delete(world.url(b, f"/links/{link_id}"), headers=h).status_code == 404
    history_a = client.get(world.url(a, "/history"), headers=h).json()["items"]
    assert [x["type"] for x in history_a][-3:] == ["case.linked", "case.linked", "case.unlinked"]


def test_merge_moves_reports_closes_duplicates_and_records_every_case(client: TestClient, world: World) -> None:
    target, first, second = _intake(client, world, 3)
    h = world.owner.headers
    r = client.post(world.url(uuid.UUID(target), "/merge"), headers=h, json={"case_ids": [second, first]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["number"] for x in body["reports"]] == [1, 2, 3]
    assert {x["case_id"] for x in body["links"]} == {first, second}
    for other in (first, second):
        read = client.get(world.url(uuid.UUID(other)), headers=h).json()
        assert read["status"] == "closed" and read["disposition"] == "duplicate" and read["reports"] == []
        types = [x["type"] for x in client.get(world.url(uuid.UUID(other), "/history"), headers=h).json()["items"]]
        assert types[-3:] == ["case.transitioned", "case.merged_into", "case.linked"]
    types = [x["type"] for x in client.get(world.url(uuid.UUID(target), "/history"), headers=h).json()["items"]]
    assert types.count("case.linked") == 2 and types[-1] == "case.merged"
    assert client.get(f"{world.base}/events/verify", headers=h).json()["ok"] is True


def test_merge_rolls_back_completely_when_one_case_cannot_be_closed(client: TestClient, world: World) -> None:
    target, movable = (uuid.UUID(i) for i in _intake(client, world, 2))
    held = world.case(CaseStatus.on_hold, unit="NAT")
    before = _events(world)
    r = client.post(
        world.url(target, "/merge"), headers=world.owner.headers, json={"case_ids": [str(movable), str(held.id)]}
    )
    assert r.status_code == 409 and r.json()["from"] == "on_hold" and r.json()["allowed"] == ["triaged"]
    assert _events(world) == before
    kept = world.session.get(Case, movable)
    assert kept is not None and kept.status == CaseStatus.new and kept.version == 1
    assert len(client.get(world.url(movable), headers=world.owner.headers).json()["reports"]) == 1
    assert client.get(world.url(target), headers=world.owner.headers).json()["links"] == []
    analyst = world.member(R.analyst)
    assert (
        client.post(world.url(target, "/merge"), headers=analyst.headers, json={"case_ids": [str(movable)]}).status_code
        == 403
    )
    assert (
        client.post(
            world.url(target, "/merge"), headers=world.owner.headers, json={"case_ids": [str(target)]}
        ).status_code
        == 422
    )


def _bulk(client: TestClient, world: World, ids: list[object], **body: object) -> dict[str, object]:
    r = client.post(
        f"{world.base}/cases/bulk", headers=world.owner.headers, json={"ids": [str(i) for i in ids], **body}
    )
    assert r.status_code == 200, r.text
    result: dict[str, object] = r.json()
    return result


def test_bulk_reports_each_item(client: TestClient, world: World) -> None:
    new, triaged, missing = world.case(), world.case(CaseStatus.triaged), uuid.uuid4()
    out = _bulk(client, world, [new.id, triaged.id, missing, new.id], action="transition", params={"to": "triaged"})
    assert [(x["id"], x["status"]) for x in out["results"]] == [  # type: ignore[attr-defined]
        (str(new.id), 200),
        (str(triaged.id), 409),
        (str(missing), 404),
    ]
    assert out["applied"] == 1 and out["failed"] == 2
    assert out["results"][1]["problem"]["allowed"] == ["assigned", "on_hold", "referred", "closed"]  # type: ignore[index]
    out = _bulk(client, world, [new.id, triaged.id], action="set_priority", params={"priority": "E"})
    assert out["applied"] == 2
    out = _bulk(
        client, world, [new.id, triaged.id], action="assign", params={"unit_id": str(world.units["POLDA-B"].id)}
    )
    assert [x["status"] for x in out["results"]] == [200, 200]  # type: ignore[attr-defined]
    assert world.session.get(Case, triaged.id).status == CaseStatus.assigned  # type: ignore[union-attr]
    out = _bulk(client, world, [new.id], action="tag", params={"add": ["bundle", "viral"], "remove": ["viral"]})
    assert client.get(world.url(new), headers=world.owner.headers).json()["tags"] == ["bundle"]


def test_atomic_bulk_rolls_back_completely(client: TestClient, world: World) -> None:
    a, b, closed = world.case(), world.case(), world.case(CaseStatus.closed)
    before = _events(world)
    out = _bulk(client, world, [a.id, closed.id, b.id], action="tag", params={"add": ["x"]}, atomic=True)
    assert [x["status"] for x in out["results"]] == [424, 409, 424]  # type: ignore[attr-defined]
    assert out["applied"] == 0 and out["failed"] == 1
    assert _events(world) == before
    for case in (a, b):
        stored = world.session.get(Case, case.id)
        assert stored is not None and stored.tags == [] and stored.version == 1
    out = _bulk(client, world, [a.id, b.id], action="tag", params={"add": ["x"]}, atomic=True)
    assert out["applied"] == 2 and _events(world) == before + 2


def test_bulk_is_bounded(client: TestClient, world: World) -> None:
    ids = [str(uuid.uuid4()) for _ in range(201)]
    body = {"ids": ids, "action": "tag", "params": {"add": ["x"]}}
    assert client.post(f"{world.base}/cases/bulk", headers=world.owner.headers, json=body).status_code == 422
    body = {"ids": ids[:3], "action": "delete", "params": {}}
    assert client.post(f"{world.base}/cases/bulk", headers=world.owner.headers, json=body).status_code == 422
