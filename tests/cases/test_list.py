"""The case list: each filter, sorts, keyset pages and the total."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from app.cases.models import CaseStatus as S
from tests.cases.conftest import World

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _numbers(client: TestClient, world: World, query: str) -> list[int]:
    r = client.get(f"{world.base}/cases?{query}", headers=world.owner.headers)
    assert r.status_code == 200, r.text
    return [c["number"] for c in r.json()["items"]]


def test_filters_sort_and_pages(client: TestClient, world: World) -> None:
    specs = [  # status, priority, unit, tags, province
        (S.new, "E", None, ["a_b"], "ID-JK"),
        (S.triaged, "1", "POLDA-A", ["axb"], "ID-JB"),
        (S.triaged, "3", "POLRES-A1", ["a_b", "viral"], "ID-JB"),
        (S.assigned, None, "POLDA-B", [], None),
        (S.closed, "1", "POLRES-A1", ["viral"], "ID-JK"),
    ]
    cases = [
        world.case(
            status, unit=unit, priority=priority, tags=tags, province=province, created_at=T0 + timedelta(hours=i)
        )
        for i, (status, priority, unit, tags, province) in enumerate(specs)
    ]
    n = [c.number for c in cases]
    unit = {code: u.id for code, u in world.units.items()}
    assert _numbers(client, world, "") == n
    assert _numbers(client, world, "status=triaged&status=closed") == [n[1], n[2], n[4]]
    assert _numbers(client, world, "priority=1") == [n[1], n[4]]
    assert _numbers(client, world, f"unit_id={unit['POLDA-A']}") == [n[1]]
    assert _numbers(client, world, f"unit_id={unit['POLDA-A']}&include_descendants=true") == [n[1], n[2], n[4]]
    assert _numbers(client, world, f"unit_id={unit['NAT']}&include_descendants=true") == n[1:]
    assert _numbers(client, world, "tag=a_b") == [n[0], n[2]]  # `_` is not a wildcard
    assert _numbers(client, world, "tag=a_b&tag=viral") == [n[2]]
    assert _numbers(client, world, "province=ID-JB") == [n[1], n[2]]
    assert _numbers(client, world, "incident_type=Child%20Sex%20Trafficking") == n
    assert _numbers(client, world, "incident_type=Child%20Sex%20Tourism") == []
    window = "received_from=2026-03-01T01:00:00Z&received_to=2026-03-01T03:00:00Z"
    assert _numbers(client, world, window) == [n[1], n[2]]
    assert _numbers(client, world, "sort=priority") == [n[0], n[1], n[4], n[2], n[3]]
    assert _numbers(client, world, "sort=-number") == n[::-1]
    assert _numbers(client, world, "sort=-received_at") == n[::-1]
    assert _numbers(client, world, f"assignee_id={world.owner.user.id}") == []
    assert _numbers(client, world, "status=triaged&priority=1&province=ID-JB") == [n[1]]

    url = f"{world.base}/cases?sort=priority&limit=2&total=true"
    first = client.get(url, headers=world.owner.headers).json()
    assert first["total"] == 5 and [c["number"] for c in first["items"]] == [n[0], n[1]]
    second = client.get(f"{url}&cursor={first['next_cursor']}", headers=world.owner.headers).json()
    assert [c["number"] for c in second["items"]] == [n[4], n[2]]
    third = client.get(f"{url}&cursor={second['next_cursor']}", headers=world.owner.headers).json()
    assert [c["number"] for c in third["items"]] == [n[3]] and third["next_cursor"] is None


def test_bad_list_parameters(client: TestClient, world: World) -> None:
    for query in ("status=lost", "priority=0", "sla=late", "province=JB", "tag=has%20space", "sort=colour"):
        r = client.get(f"{world.base}/cases?{query}", headers=world.owner.headers)
        assert r.status_code == 422, query
    assert client.get(f"{world.base}/cases?cursor=abc", headers=world.owner.headers).status_code == 400
