"""Scores against the answer key: a trainee who follows the key scores 100% on every metric that has an
opportunity; a trainee making known mistakes loses exactly what the definitions say (docs/scoring.md)."""

from __future__ import annotations

from app.auth.models import ExerciseRole
from app.scoring.metrics import EXIGENT_WEIGHT, METRICS
from tests.scoring.conftest import Shift, jump, plan_from_key, play, triage

ALWAYS = ("priority", "routing", "duplicates", "escalations", "triage_time", "untouched")


def test_perfect_trainee_scores_100_on_every_metric(shift: Shift) -> None:
    trainee = shift.trainee()
    plan = plan_from_key(shift, trainee)
    assert len(plan.cases) >= 40 and plan.duplicate_of and "E" in plan.expected_priority.values()
    play(shift, trainee, plan)

    card = shift.card(trainee)
    assert set(card) == set(METRICS)
    for name in ALWAYS:
        assert card[name]["opportunities"] > 0, name
    for name, m in card.items():
        if m["opportunities"]:
            assert m["score"] == 100.0, (name, m)
            assert m["points"] == m["possible"]
        else:
            assert m["score"] is None
    # No deconfliction flag exists yet (routing raises them): no opportunity, no verdict.
    assert card["deconfliction"]["opportunities"] == 0
    n = len(plan.cases)
    exigent = sum(1 for p in plan.expected_priority.values() if p == "E")
    assert card["priority"]["opportunities"] == n
    assert card["priority"]["possible"] == n - exigent + EXIGENT_WEIGHT * exigent
    assert card["escalations"]["opportunities"] == exigent
    assert card["duplicates"]["opportunities"] == len(plan.duplicate_of)
    assert card["untouched"]["opportunities"] == n

    me = shift.get(trainee, "/scores/me")
    assert me["overall"] == 100.0
    assert {m["metric"]: m["score"] for m in me["metrics"]} == {k: v["score"] for k, v in card.items()}


def test_known_mistakes_cost_exactly_the_expected_deductions(shift: Shift) -> None:
    trainee = shift.trainee()
    plan = plan_from_key(shift, trainee)
    ordinary = [
        c["id"] for c in plan.cases if plan.expected_priority[c["id"]] != "E" and c["id"] not in plan.duplicate_of
    ]
    exigent = [c["id"] for c in plan.cases if plan.expected_priority[c["id"]] == "E"]
    routed = [cid for cid in ordinary if plan.expected_unit[cid] is not None]
    wrong_priority, misrouted = ordinary[:3], routed[3:5]
    missed = exigent[0]
    late = next(cid for cid in ordinary[5:] if cid not in misrouted and plan.expected_priority[cid] != "E")
    for cid in wrong_priority:
        plan.priority[cid] = {"1": "2", "2": "3", "3": "2"}[plan.expected_priority[cid]]
    plan.priority[missed] = "1"
    units = [u["id"] for u in shift.get(shift.instructor, "/units", limit=500)["items"]]
    for cid in misrouted:
        plan.unit[cid] = next(u for u in units if u != plan.expected_unit[cid])
    play(shift, trainee, plan, skip_triage=frozenset({late}))
    # The late case: triaged only after its priority's triage target (72 h at most) has passed.
    jump(shift, 73 * 3600)
    triage(shift, trainee, late)

    card = shift.card(trainee, explain="true")
    n = len(plan.cases)
    n_exigent = len(exigent)
    possible = n - n_exigent + EXIGENT_WEIGHT * n_exigent
    assert card["priority"]["possible"] == possible
    assert card["priority"]["points"] == possible - 3 - EXIGENT_WEIGHT
    assert card["priority"]["correct"] == n - 4
    wrong = {i["case_id"]: i for i in card["priority"]["items"] if not i["ok"]}
    assert set(wrong) == {*wrong_priority, missed}
    assert wrong[missed]["expected"] == "E" and wrong[missed]["actual"] == "1" and wrong[missed]["weight"] == 3

    assert card["escalations"]["opportunities"] == n_exigent
    assert card["escalations"]["correct"] == n_exigent - 1
    assert [i["case_id"] for i in card["escalations"]["items"] if not i["ok"]] == [missed]

    with_unit = sum(1 for u in plan.expected_unit.values() if u is not None)
    assert card["routing"]["opportunities"] == with_unit
    assert card["routing"]["correct"] == with_unit - 2
    assert {i["case_id"] for i in card["routing"]["items"] if not i["ok"]} == set(misrouted)

    assert card["triage_time"]["opportunities"] == n
    assert [i["case_id"] for i in card["triage_time"]["items"] if not i["ok"]] == [late]
    for name in ("duplicates", "untouched"):
        assert card[name]["score"] == 100.0, name
    assert card["priority"]["score"] == round(100 * (possible - 6) / possible, 2)

    explained = shift.get(shift.instructor, f"/scores/{trainee.user.id}/explain", metric="routing")
    assert [m["metric"] for m in explained["metrics"]] == ["routing"]
    bad = [i for i in explained["metrics"][0]["items"] if not i["ok"]]
    assert {i["case_id"] for i in bad} == set(misrouted) and all(i["expected"] != i["actual"] for i in bad)


def test_untouched_cases_count_against_the_queue_and_are_credited_to_nobody(shift: Shift) -> None:
    busy, idle = shift.trainee(), shift.trainee(ExerciseRole.analyst)
    plan = plan_from_key(shift, busy)
    plan.cases = plan.cases[:10]
    plan.duplicate_of, plan.bundle_of = {}, {}  # a link is an action on both cases
    play(shift, busy, plan)
    scores = shift.scores()
    n = len(plan_from_key(shift, busy).cases)
    by_user = {t["user_id"]: {m["metric"]: m for m in t["metrics"]} for t in scores["trainees"]}
    idle_card = by_user[str(idle.user.id)]
    assert idle_card["untouched"]["opportunities"] == n and idle_card["untouched"]["correct"] == 10
    assert idle_card["priority"]["opportunities"] == 0 and idle_card["priority"]["score"] is None
    cohort = {m["metric"]: m for m in scores["cohort"]["metrics"]}
    assert cohort["untouched"]["opportunities"] == n and cohort["untouched"]["correct"] == 10
    assert cohort["priority"]["opportunities"] == 10
    units = scores["units"]
    assert len(units) == 1 and units[0]["unit_id"] is None
    assert {m["metric"]: m["opportunities"] for m in units[0]["metrics"]}["untouched"] == n


def test_a_trainee_reads_only_their_own_scores(shift: Shift) -> None:
    me, other = shift.trainee(), shift.trainee(ExerciseRole.analyst)
    r = shift.client.get(f"{shift.base}/scores", headers=me.headers)
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    r = shift.client.get(f"{shift.base}/scores/{other.user.id}/explain", headers=me.headers)
    assert r.status_code == 403
    r = shift.client.get(f"{shift.base}/scores/{me.user.id}/explain", headers=me.headers)
    assert r.status_code == 200 and r.json()["user_id"] == str(me.user.id)
    r = shift.client.get(f"{shift.base}/debrief", headers=me.headers)
    assert r.status_code == 403
    r = shift.client.get(f"{shift.base}/scores/me", headers=shift.instructor.headers)
    assert r.status_code == 403  # instructors are not scored


def test_non_members_and_bad_input_get_problems(shift: Shift) -> None:
    outsider = shift.factory.user()
    for path in ("/scores", "/scores/me", f"/scores/{outsider.user.id}/explain", "/debrief"):
        r = shift.client.get(shift.base + path, headers=outsider.headers)
        assert r.status_code == 404, path
    r = shift.client.get(f"{shift.base}/scores/{outsider.user.id}/explain", headers=shift.instructor.headers)
    assert r.status_code == 404  # not a trainee here
    trainee = shift.trainee()
    r = shift.client.get(
        f"{shift.base}/scores/{trainee.user.id}/explain", params={"metric": "luck"}, headers=shift.instructor.headers
    )
    assert r.status_code == 422
    r = shift.client.get(f"{shift.base}/debrief", params={"format": "pdf"}, headers=shift.instructor.headers)
    assert r.status_code == 422


def test_merging_duplicates_finds_them_and_leaves_priority_and_routing_to_the_surviving_case(shift: Shift) -> None:
    trainee = shift.trainee()
    plan = plan_from_key(shift, trainee)
    merged = {cid: target for cid, target in plan.duplicate_of.items() if target not in plan.duplicate_of}
    assert merged
    plan.duplicate_of = {cid: t for cid, t in plan.duplicate_of.items() if cid not in merged}
    plan.cases = [c for c in plan.cases if c["id"] not in merged]
    play(shift, trainee, plan)
    for cid, target in merged.items():
        r = shift.client.post(f"{shift.base}/cases/{target}/merge", headers=trainee.headers, json={"case_ids": [cid]})
        assert r.status_code == 200, r.text

    card = shift.card(trainee, explain="true")
    for name, m in card.items():
        assert m["score"] in (100.0, None), (name, m)
    n = len(plan.cases) + len(merged)
    assert card["duplicates"]["opportunities"] == len(merged) + len(plan.duplicate_of)
    assert card["priority"]["opportunities"] == n - len(merged)  # closed as duplicates: judged on the survivor
    assert not {i["case_id"] for i in card["routing"]["items"]} & set(merged)
    assert {i["case_id"] for i in card["triage_time"]["items"]} >= set(merged)  # merging is their triage
