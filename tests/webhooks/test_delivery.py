"""Deliveries from the event log to loopback receivers started here: signed envelopes, retries with backoff until a
receiver recovers, giving up and moving on, manual redelivery, per-endpoint order, filters, and nothing lost when
the receiver is down and the dispatcher is replaced by a new process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.auth.models import ExerciseRole
from app.core.clock import wall
from app.webhooks import service, signing
from app.webhooks.dispatcher import Dispatcher
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.webhooks.conftest import Committed, Receiver, async_wait_for, fast, wait_for

ROOT = Path(__file__).resolve().parents[2]


def register(world: Committed, receiver: Receiver, **body: Any) -> dict[str, Any]:
    with world.client() as client:
        r = client.post(f"{world.base}/webhooks", headers=world.owner.headers, json={"url": receiver.url, **body})
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def deliveries(world: Committed, webhook_id: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    with world.client() as client:
        while True:
            query = {"limit": 500, **params, **({"cursor": cursor} if cursor else {})}
            r = client.get(f"{world.base}/webhooks/{webhook_id}/deliveries", headers=world.owner.headers, params=query)
            assert r.status_code == 200, r.text
            items += r.json()["items"]
            cursor = r.json()["next_cursor"]
            if not cursor:
                return items


def count(world: Committed, webhook_id: str, status: DeliveryStatus) -> int:
    with world.database.read_session_factory() as s:
        return (
            s.scalar(
                select(func.count()).where(
                    WebhookDelivery.endpoint_id == uuid.UUID(webhook_id), WebhookDelivery.status == status
                )
            )
            or 0
        )


def verified(secret: str, got: Any) -> int:
    return signing.verify(secret, got.body, got.headers.get(signing.SIGNATURE_HEADER))


async def run_until(dispatcher: Dispatcher, condition: Any, *, timeout: float = 60.0) -> None:
    task = asyncio.create_task(dispatcher.run())
    try:
        await async_wait_for(condition, timeout=timeout, what="deliveries")
    finally:
        dispatcher.stop()
        await asyncio.wait_for(task, timeout=30)


def test_a_receiver_failing_three_times_gets_the_fourth_attempt_signed(committed: Committed) -> None:
    receiver = Receiver(lambda n: 500 if n <= 3 else 200).start()
    try:
        hook = register(committed, receiver, event_types=["case.updated"])
        [seq] = committed.append(1)
        dispatcher = Dispatcher(committed.database, committed.settings)
        asyncio.run(run_until(dispatcher, lambda: count(committed, hook["id"], DeliveryStatus.succeeded) == 1))
    finally:
        receiver.stop()
    assert len(receiver.requests) == 4
    assert [r.headers["Tipdesk-Attempt"] for r in receiver.requests] == ["1", "2", "3", "4"]
    assert len({r.body for r in receiver.requests}) == 1  # every attempt carries the same envelope
    fourth = receiver.accepted[0]
    assert verified(hook["secret"], fourth) > 0
    with pytest.raises(signing.SignatureError):
        signing.verify("not-the-secret-at-all", fourth.body, fourth.headers[signing.SIGNATURE_HEADER])
    envelope = fourth.doc
    assert envelope["version"] == 1 and envelope["seq"] == seq and envelope["type"] == "case.updated"
    assert envelope["exercise_id"] == str(committed.exercise.id) and envelope["data"]["new"] == ["t0"]
    assert envelope["at"].endswith("Z") and envelope["redelivery_of"] is None
    assert fourth.headers["Tipdesk-Delivery"] == envelope["id"] and fourth.headers["Tipdesk-Seq"] == str(seq)
    [logged] = deliveries(committed, hook["id"])
    assert logged["id"] == envelope["id"] and logged["event_seq"] == seq and logged["status"] == "succeeded"
    assert logged["attempts"] == 4 and logged["last_status_code"] == 200 and logged["last_error"] is None
    assert [a["status_code"] for a in logged["attempt_log"]] == [500, 500, 500, 200]
    assert all(a["error"] == "HTTP 500: receiver says no" for a in logged["attempt_log"][:3])
    assert all(a["duration_ms"] >= 0 for a in logged["attempt_log"])
    times = [a["at"] for a in logged["attempt_log"]]
    assert times == sorted(times)


def test_receiver_down_for_500_events_and_a_new_dispatcher_process_delivers_all_in_order(
    committed: Committed,
) -> None:
    receiver = Receiver()  # not started: connections are refused
    hook = register(committed, receiver)
    seqs = committed.append(500)
    first = Dispatcher(committed.database, fast(committed.settings, webhook_max_attempts=1000))

    def retried() -> bool:
        with committed.database.read_session_factory() as s:
            d = s.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == uuid.UUID(hook["id"]))).all()
            return len(d) == 1 and d[0].attempts >= 3

    asyncio.run(run_until(first, retried))  # the first dispatcher keeps failing on the first event, then stops
    [stuck] = deliveries(committed, hook["id"])
    assert stuck["status"] == "pending" and stuck["event_seq"] == seqs[0] and stuck["last_status_code"] is None
    assert "ConnectError" in stuck["last_error"]

    receiver.start()
    try:
        env = {
            **os.environ,
            "TIPDESK_DATABASE_URL": committed.database.settings.database_url,
            "TIPDESK_ENVIRONMENT": "test",
            "TIPDESK_SECRET_KEY": committed.settings.secret_key,
            "TIPDESK_WEBHOOK_BACKOFF_BASE_SECONDS": "0.01",
            "TIPDESK_WEBHOOK_BACKOFF_CAP_SECONDS": "0.05",
        }
        done = subprocess.run(
            [sys.executable, "-c", "from app.cli import main; main()", "webhooks", "run", "--until-idle"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert done.returncode == 0, done.stderr
    finally:
        receiver.stop()
    got = [r.doc["seq"] for r in receiver.accepted]
    assert got == seqs  # all 500, in order, none twice
    assert all(verified(hook["secret"], r) for r in receiver.accepted)
    assert receiver.accepted[0].headers["Tipdesk-Attempt"] == str(stuck["attempts"] + 1)
    assert count(committed, hook["id"], DeliveryStatus.succeeded) == 500
    with committed.database.read_session_factory() as s:
        endpoint = s.get_one(WebhookEndpoint, uuid.UUID(hook["id"]))
        assert endpoint.last_seq == seqs[-1] and endpoint.leased_by is None and endpoint.retry_at is None


def test_after_the_last_attempt_the_delivery_fails_and_the_endpoint_moves_on_then_redelivery(
    committed: Committed,
) -> None:
    answers = {1: 503, 2: 503, 3: 503}  # the first event is refused at each of its three attempts
    receiver = Receiver(lambda n: answers.get(n, 200)).start()
    settings = fast(committed.settings, webhook_max_attempts=3)
    try:
        hook = register(committed, receiver)
        seqs = committed.append(3)
        dispatcher = Dispatcher(committed.database, settings)
        asyncio.run(run_until(dispatcher, lambda: count(committed, hook["id"], DeliveryStatus.succeeded) == 2))
        log = deliveries(committed, hook["id"])
        assert [(d["event_seq"], d["status"], d["attempts"]) for d in reversed(log)] == [
            (seqs[0], "failed", 3),
            (seqs[1], "succeeded", 1),
            (seqs[2], "succeeded", 1),
        ]
        failed = log[-1]
        assert failed["completed_at"] is not None and failed["last_status_code"] == 503
        assert [d["event_seq"] for d in deliveries(committed, hook["id"], status="failed")] == [seqs[0]]

        with committed.client() as client:
            base = f"{committed.base}/webhooks/{hook['id']}/deliveries"
            r = client.post(f"{base}/{failed['id']}/redeliver", headers=committed.owner.headers)
            assert r.status_code == 202, r.text
            again = r.json()
            assert again["status"] == "pending" and again["redelivery_of"] == failed["id"]
            assert again["event_seq"] == seqs[0] and again["attempts"] == 0
            conflict = client.post(f"{base}/{again['id']}/redeliver", headers=committed.owner.headers)
            assert conflict.status_code == 409 and conflict.json()["type"].endswith("delivery-pending")
        dispatcher = Dispatcher(committed.database, settings)
        asyncio.run(run_until(dispatcher, lambda: count(committed, hook["id"], DeliveryStatus.succeeded) == 3))
    finally:
        receiver.stop()
    assert [r.doc["seq"] for r in receiver.accepted] == [seqs[1], seqs[2], seqs[0]]
    replay = receiver.accepted[-1].doc
    assert replay["redelivery_of"] == failed["id"] and replay["id"] == again["id"]
    assert verified(hook["secret"], receiver.accepted[-1])


def test_each_endpoint_waits_for_its_own_retries_only(committed: Committed) -> None:
    """A failing endpoint holds back its own later events (order), not another endpoint's."""
    healthy = Receiver().start()
    flaky = Receiver(lambda n: 500 if n <= 2 else 200).start()
    try:
        good = register(committed, healthy, event_types=["case.*"])
        bad = register(committed, flaky, event_types=["case.*"])
        seqs = committed.append(20)
        dispatcher = Dispatcher(committed.database, fast(committed.settings, webhook_backoff_base_seconds=0.3))
        asyncio.run(
            run_until(
                dispatcher,
                lambda: (
                    count(committed, good["id"], DeliveryStatus.succeeded) == 20
                    and count(committed, bad["id"], DeliveryStatus.succeeded) == 20
                ),
            )
        )
    finally:
        healthy.stop()
        flaky.stop()
    assert [r.doc["seq"] for r in healthy.accepted] == seqs
    assert [r.doc["seq"] for r in flaky.accepted] == seqs
    assert [r.doc["seq"] for r in flaky.requests[:3]] == [seqs[0]] * 3


def test_two_dispatchers_never_deliver_one_event_twice(committed: Committed) -> None:
    receivers = [Receiver().start() for _ in range(3)]
    try:
        hooks = [register(committed, r, event_types=["case.updated"]) for r in receivers]
        seqs = committed.append(60)

        async def both() -> None:
            a = Dispatcher(committed.database, committed.settings, worker="dispatcher-a")
            b = Dispatcher(committed.database, committed.settings, worker="dispatcher-b")
            tasks = [asyncio.create_task(a.run()), asyncio.create_task(b.run())]
            try:
                await async_wait_for(
                    lambda: all(count(committed, h["id"], DeliveryStatus.succeeded) == 60 for h in hooks),
                    what="both dispatchers",
                )
            finally:
                a.stop()
                b.stop()
                await asyncio.gather(*tasks)

        asyncio.run(both())
    finally:
        for r in receivers:
            r.stop()
    for r in receivers:
        assert [x.doc["seq"] for x in r.requests] == seqs


def test_filters_select_by_the_case_the_event_is_about(committed: Committed) -> None:
    reporter = committed.member(ExerciseRole.reporter)
    receiver = Receiver().start()
    try:
        urgent_and_young = [
            {"field": "urgent", "op": "eq", "value": True},
            {"field": "victim_age", "op": "lt", "value": 13},
        ]
        register(committed, receiver, event_types=["case.opened"], filter={"all": urgent_and_young})
        everything = register(committed, Receiver(), event_types=["report.*"], active=False)
        numbers = {}
        with committed.client() as client:
            for name, urgent, age in (("a", True, 9), ("b", False, 9), ("c", True, 15), ("d", True, 11)):
                doc = intake_document(urgent=urgent, age=age)
                r = client.post(f"{committed.base}/reports", headers=reporter.headers, json=doc)
                assert r.status_code == 201, r.text
                numbers[name] = r.json()["number"]
        dispatcher = Dispatcher(committed.database, committed.settings)
        asyncio.run(dispatcher.run_until_idle())
    finally:
        receiver.stop()
    opened = [r.doc for r in receiver.accepted]
    assert [e["type"] for e in opened] == ["case.opened", "case.opened"]
    assert [e["data"]["report_number"] for e in opened] == [numbers["a"], numbers["d"]]
    assert count(committed, everything["id"], DeliveryStatus.pending) == 0  # paused: nothing was taken
    with committed.database.read_session_factory() as s:
        paused = s.get_one(WebhookEndpoint, uuid.UUID(everything["id"]))
        assert paused.last_seq == everything["last_seq"]


def test_the_api_process_runs_a_dispatcher_in_its_lifespan(committed: Committed) -> None:
    receiver = Receiver().start()
    settings = committed.settings.model_copy(update={"webhook_dispatcher": True})
    try:
        with committed.client(settings) as client:
            assert client.app.state.webhook_dispatcher is not None  # type: ignore[attr-defined]
            r = client.post(
                f"{committed.base}/webhooks",
                headers=committed.owner.headers,
                json={"url": receiver.url, "event_types": ["webhook.updated"]},
            )
            hook = r.json()
            for i in range(3):
                r = client.patch(
                    f"{committed.base}/webhooks/{hook['id']}",
                    headers=committed.owner.headers,
                    json={"description": f"note {i}"},
                )
                assert r.status_code == 200
            wait_for(lambda: len(receiver.accepted) >= 3, what="deliveries from the lifespan dispatcher")
    finally:
        receiver.stop()
    assert [r.doc["data"]["changes"]["description"]["new"] for r in receiver.accepted] == ["note 0", "note 1", "note 2"]


def test_envelope_bytes_are_what_the_signature_covers(committed: Committed) -> None:
    receiver = Receiver().start()
    try:
        hook = register(committed, receiver)
        committed.append(1, type="case.transitioned")
        asyncio.run(Dispatcher(committed.database, committed.settings).run_until_idle())
    finally:
        receiver.stop()
    [got] = receiver.accepted
    header = got.headers[signing.SIGNATURE_HEADER]
    t = int(header.split(",")[0].removeprefix("t="))
    assert header == signing.header(hook["secret"], t, got.body)
    tampered = got.body.replace(b"case.transitioned", b"case.closed_xxxxx")
    with pytest.raises(signing.SignatureError):
        signing.verify(hook["secret"], tampered, header)
    assert json.loads(got.body)["type"] == "case.transitioned"


def intake_document(*, urgent: bool = False, age: int = 12) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "incidentSummary": {
            "incidentType": "Online Enticement of Children for Sexual Acts",
            "incidentDateTime": "2026-03-02T07:30:00+07:00",
        },
        "reporter": {"reportingPerson": {"firstName": "Agus", "lastName": "Santoso"}},
        "victim": [{"victimPerson": {"age": age}}],
    }
    if urgent:
        doc["incidentSummary"]["escalateToHighPriority"] = "Account activity indicates ongoing contact."
    return doc


def test_a_slow_receiver_does_not_slow_intake_or_triage(committed: Committed) -> None:
    """The receiver takes 3 s per request; intake and triage through an API process whose own dispatcher is
    delivering to it answer at their usual speed, and finish long before the deliveries do."""
    reporter = committed.member(ExerciseRole.reporter)
    receiver = Receiver(delay=3.0).start()
    settings = fast(committed.settings, webhook_dispatcher=True)
    timings: list[float] = []
    try:
        with committed.client(settings) as client:
            r = client.post(
                f"{committed.base}/webhooks",
                headers=committed.owner.headers,
                json={"url": receiver.url, "event_types": ["case.*", "report.*"]},
            )
            assert r.status_code == 201
            for _ in range(6):
                started = time.perf_counter()
                r = client.post(f"{committed.base}/reports", headers=reporter.headers, json=intake_document())
                assert r.status_code == 201, r.text
                case_id = r.json()["case_id"]
                triage = client.patch(
                    f"{committed.base}/cases/{case_id}", headers=committed.owner.headers, json={"add_tags": ["seen"]}
                )
                assert triage.status_code == 200, triage.text
                timings.append(time.perf_counter() - started)
            answered_meanwhile = len(receiver.requests)
    finally:
        receiver.stop()
    assert max(timings) < 2.0, timings  # one receiver request alone takes 3 s
    assert sum(timings) < 3.0 * 6
    assert answered_meanwhile <= 6, answered_meanwhile  # deliveries lag behind: nobody waited for them


def test_a_dispatcher_that_died_holding_a_lease_is_taken_over_after_it_expires(committed: Committed) -> None:
    receiver = Receiver().start()
    try:
        hook = register(committed, receiver, event_types=["case.updated"])
        seqs = committed.append(5)
        with committed.database.session_factory.begin() as s:  # a process takes the endpoint, then vanishes
            taken = service.claim(s, worker="crashed", now=wall.now(), lease_seconds=1.5, limit=10)
        assert taken == [uuid.UUID(hook["id"])]
        survivor = Dispatcher(committed.database, committed.settings)
        assert asyncio.run(survivor.run_until_idle()) == 0  # leased elsewhere: not touched
        assert receiver.requests == []
        asyncio.run(run_until(survivor, lambda: count(committed, hook["id"], DeliveryStatus.succeeded) == 5))
    finally:
        receiver.stop()
    assert [r.doc["seq"] for r in receiver.accepted] == seqs


def test_long_runs_of_unwanted_events_are_skipped_in_steps(committed: Committed) -> None:
    receiver = Receiver().start()
    try:
        hook = register(committed, receiver, event_types=["case.transitioned"])
        committed.append(service.SCAN_LIMIT + 500)  # more than one step skips
        [wanted] = committed.append(1, type="case.transitioned")
        committed.append(3)
        asyncio.run(Dispatcher(committed.database, committed.settings).run_until_idle())
    finally:
        receiver.stop()
    assert [r.doc["seq"] for r in receiver.accepted] == [wanted]
    with committed.database.read_session_factory() as s:
        assert s.get_one(WebhookEndpoint, uuid.UUID(hook["id"])).last_seq == wanted + 3
    assert [d["event_seq"] for d in deliveries(committed, hook["id"])] == [wanted]


def test_receiver_down_for_500_events_then_the_api_restarted_delivers_all_in_order(committed: Committed) -> None:
    """The same, with the dispatcher of the API process: the API runs while the receiver is down and 500 events are
    recorded, stops, and a new API process (a new app with its own lifespan) delivers everything once it is up."""
    receiver = Receiver()  # down
    settings = fast(committed.settings, webhook_dispatcher=True, webhook_max_attempts=1000)
    hook = register(committed, receiver, event_types=["case.updated"])
    with committed.client(settings):  # the first API process: its dispatcher keeps failing on the first event
        seqs = committed.append(500)
        wait_for(
            lambda: (deliveries(committed, hook["id"]) or [{"attempts": 0}])[0]["attempts"] >= 2,
            what="failed attempts while the receiver is down",
        )
    [stuck] = deliveries(committed, hook["id"])
    assert stuck["status"] == "pending" and stuck["event_seq"] == seqs[0]
    receiver.start()
    try:
        with committed.client(settings):  # the API restarted
            wait_for(lambda: len(receiver.accepted) >= 500, timeout=120, what="all 500 deliveries")
            time.sleep(0.2)
    finally:
        receiver.stop()
    assert [r.doc["seq"] for r in receiver.accepted] == seqs
    assert all(verified(hook["secret"], r) for r in receiver.accepted)
