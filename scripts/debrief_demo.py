"""A seeded shift played by three scripted trainees, for the debrief page (used by scripts/debrief_screenshot.sh).

    python scripts/debrief_demo.py setup STATE.json    # migrate TIPDESK_DATABASE_URL, users, exercise, seed
    python scripts/debrief_demo.py play STATE.json URL # the trainees work the queue over the running API
    python scripts/debrief_demo.py sweep               # record the SLA breaches at the exercise's time

The exercise: the `classroom` scenario (150 reports arriving over eight hours before the clock's origin, then the
clock paused). Three supervisors of the national intake share the queue in arrival order; the instructor moves the
clock one hour after each round. Trainee 1 follows the answer key; trainee 2 sets every sixth priority one step
too low and routes every eleventh case to the wrong unit; trainee 3 never escalates (exigent cases get priority 1)
and leaves every tenth case of its share untouched. Fabricated data only; run it against a scratch database.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.auth import service as auth_service
from app.auth.models import ExerciseRole, GlobalRole
from app.auth.principal import Principal
from app.auth.schemas import ApiTokenCreate, UserCreate
from app.core.config import get_settings
from app.db import ops
from app.db.session import Database
from app.exercises import service as exercises_service
from app.exercises.schemas import ExerciseCreate
from seed import scenarios
from seed.loader import seed_exercise

ORIGIN = "2026-03-02T16:00:00Z"
TRAINEES = ("trainee.1", "trainee.2", "trainee.3")
RANK = {"E": 0, "1": 1, "2": 2, "3": 3}
ROUNDS = 6


def setup(state_path: Path) -> None:
    settings = get_settings()
    ops.upgrade(settings.database_url, "head")
    db = Database(settings)
    state: dict[str, Any] = {}
    with db.session_factory() as session:
        users = {}
        for name, role in (("instructor.demo", GlobalRole.instructor), *((t, GlobalRole.user) for t in TRAINEES)):
            data = UserCreate(username=name, password=f"{name}-password-1", display_name=name.title(), role=role)
            users[name] = auth_service.create_user(session, principal=None, data=data)
        instructor = Principal(users["instructor.demo"], None)
        exercise = exercises_service.create_exercise(
            session,
            data=ExerciseCreate.model_validate(
                {"name": "Classroom shift (debrief demo)", "clock": {"mode": "simulated", "origin": ORIGIN}}
            ),
            principal=instructor,
        )
        for name in TRAINEES:
            auth_service.add_member(
                session,
                exercise=exercise,
                user=users[name],
                role=ExerciseRole.supervisor,
                unit_id=None,
                actor="system",
                at=exercises_service.clock_read(exercise).now,
            )
        seed_exercise(
            session, exercise=exercise, scenario=scenarios.load("classroom"), reports=150, seed=3, actor="system"
        )
        for name, user in users.items():
            _cred, token = auth_service.create_api_token(
                session, principal=Principal(user, None), data=ApiTokenCreate(name="debrief demo"), settings=settings
            )
            state[name] = token
        state["exercise_id"] = str(exercise.id)
        session.commit()
    db.dispose()
    state_path.write_text(json.dumps(state))


class Api:
    def __init__(self, url: str, state: dict[str, Any]) -> None:
        self.http = httpx.Client(base_url=f"{url}/api/v1/exercises/{state['exercise_id']}", timeout=60)
        self.state = state

    def call(self, who: str, method: str, path: str, **kw: Any) -> Any:
        r = self.http.request(method, path, headers={"Authorization": f"Bearer {self.state[who]}"}, **kw)
        if r.status_code >= 400:
            raise SystemExit(f"{method} {path} as {who}: {r.status_code} {r.text}")
        return r.json() if r.content else None

    def all(self, who: str, path: str) -> list[dict[str, Any]]:
        items, cursor = [], None
        while True:
            page = self.call(who, "GET", path, params={"limit": 200, **({"cursor": cursor} if cursor else {})})
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items


def play(state_path: Path, url: str) -> None:
    api = Api(url, json.loads(state_path.read_text()))
    api.call("instructor.demo", "POST", "/clock", json={"action": "pause"})
    keys = {k["report_number"]: k for k in api.all("instructor.demo", "/answer-keys")}
    units = [u["id"] for u in api.all("instructor.demo", "/units")]
    cases = sorted(
        (api.call("trainee.1", "GET", f"/cases/{c['id']}") for c in api.all("trainee.1", "/cases")),
        key=lambda c: c["number"],
    )
    case_of_report = {r["number"]: c["id"] for c in cases for r in c["reports"]}
    per_round = -(-len(cases) // ROUNDS)
    for start in range(0, len(cases), per_round):
        api.call("instructor.demo", "POST", "/clock", json={"action": "jump", "seconds": 3600})
        for i, case in enumerate(cases[start : start + per_round], start):
            who = TRAINEES[i % 3]
            if who == "trainee.3" and (i // 3) % 10 == 9:
                continue  # left untouched
            numbers = sorted(r["number"] for r in case["reports"])
            mine = [keys[n] for n in numbers]
            priority = min((k["expected_priority"] for k in mine), key=RANK.__getitem__)
            unit = mine[0]["expected_unit"]["id"]
            if who == "trainee.2" and (i // 3) % 6 == 0 and priority != "3":
                priority = str(RANK[priority] + 1)
            if who == "trainee.2" and i % 11 == 0 and unit:
                unit = next(u for u in units if u != unit)
            if who == "trainee.3" and priority == "E":
                priority = "1"
            cid = case["id"]
            api.call(who, "PATCH", f"/cases/{cid}", json={"priority": priority})
            api.call(who, "POST", f"/cases/{cid}/transitions", json={"to": "triaged"})
            if unit:
                api.call(who, "POST", f"/cases/{cid}/assignment", json={"action": "assign", "unit_id": unit})
            repeated = mine[0]["duplicate_of"]
            if repeated is not None and case_of_report.get(repeated, cid) != cid:
                api.call(
                    who,
                    "POST",
                    f"/cases/{cid}/links",
                    json={"kind": "duplicate_of", "other_id": case_of_report[repeated]},
                )
    api.call(
        "instructor.demo", "POST", "/clock", json={"action": "jump", "seconds": int(timedelta(hours=1).total_seconds())}
    )


def sweep() -> None:
    from app.cases.sweeper import sweep_all

    db = Database(get_settings())
    sys.stdout.write(f"SLA breaches recorded: {sum(sweep_all(db).values())}\n")
    db.dispose()


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "setup" and len(sys.argv) == 3:
        setup(Path(sys.argv[2]))
    elif command == "play" and len(sys.argv) == 4:
        play(Path(sys.argv[2]), sys.argv[3])
    elif command == "sweep":
        sweep()
    else:
        raise SystemExit(__doc__)
