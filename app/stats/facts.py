"""Facts about a case that statistics read, kept on the case row where they change instead of derived per query:

- ``report_count`` and ``esp_key`` (the distinct ESP names of the case's reports, sorted, joined by ``"\\n"``):
  set when intake opens a case or a report joins one (``app.cases.service``), and recounted when a merge moves
  reports (``app.cases.links``);
- ``link_count``: the case links (``case_link``) naming the case, either direction (``app.cases.links``);
- ``deconflicted``: the case has deconfliction records (``case_deconfliction``: an indicator shared with a case
  another unit holds), set by intake when it writes them (:func:`deconflicted`); they are never removed;
- ``held_us``: the time held so far, the sum of the ``held_seconds`` the resumptions from hold record, in
  microseconds; and the durations ``triage_us``, ``assign_us``, ``first_action_us``, ``close_us``: from the opening
  to the milestone, less the time held before it (none before triage), set when the milestone is set and cleared
  with it (``app.cases.lifecycle.dispatch``).

:func:`recompute` derives every fact from the reports, the links and the event log (what the migration's backfill
does, and what the tests compare the kept facts with).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.cases.models import Case, CaseLink, CaseStatus
from app.events.models import Event
from app.reports.models import Report
from app.routing.models import Deconfliction

ESP_SEPARATOR = "\n"
FACTS = (
    "report_count",
    "esp_key",
    "link_count",
    "deconflicted",
    "held_us",
    "triage_us",
    "assign_us",
    "first_action_us",
    "close_us",
)
# duration column -> its milestone; whether time held before it counts off
DURATIONS = {
    "triage_us": ("triaged_at", False),
    "assign_us": ("assigned_at", True),
    "first_action_us": ("first_action_at", True),
    "close_us": ("closed_at", True),
}


def esp_key(names: Iterable[str | None]) -> str | None:
    found = sorted({n for n in names if n})
    return ESP_SEPARATOR.join(found) if found else None


def esp_names(key: str | None) -> list[str]:
    return key.split(ESP_SEPARATOR) if key else []


def micros(start: datetime, end: datetime) -> int:
    delta = end - start
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# --- kept on write ---------------------------------------------------------------------------------------------


def opened(esp_name: str | None) -> dict[str, Any]:
    """The facts of a case opened by one report (for its row before insert)."""
    return {"report_count": 1, "esp_key": esp_key([esp_name]), "link_count": 0, "deconflicted": False, "held_us": 0}


def report_joined(case: dict[str, Any], esp_name: str | None) -> None:
    """A report joins the case given as its row's values (changed in place)."""
    case["report_count"] = (case.get("report_count") or 0) + 1
    names: list[str | None] = [*esp_names(case.get("esp_key")), esp_name]
    case["esp_key"] = esp_key(names)


def reports_moved(session: Session, cases: Iterable[Case]) -> None:
    """Recount the reports of cases whose reports moved (a merge)."""
    for case in cases:
        count, key = _report_facts(session, [case.id]).get(case.id, (0, None))
        case.report_count, case.esp_key = count, key


def linked(cases: Iterable[Case], delta: int) -> None:
    """A link naming these cases was added (``delta`` 1) or removed (-1)."""
    for case in cases:
        case.link_count = (case.link_count or 0) + delta


def deconflicted(session: Session, case_rows: Iterable[dict[str, Any]], records: Iterable[dict[str, Any]]) -> None:
    """Intake writes deconfliction ``records`` (rows of ``case_deconfliction``): the cases they name are flagged,
    those about to be inserted in their ``case_rows``, stored ones by one UPDATE."""
    flagged = {r["case_id"] for r in records}
    if not flagged:
        return
    for row in case_rows:
        if row["id"] in flagged:
            row["deconflicted"] = True
            flagged.discard(row["id"])
    if flagged:
        session.execute(
            update(Case).where(Case.id.in_(flagged)).values(deconflicted=True),
            execution_options={"synchronize_session": False},
        )
        for case in session.identity_map.values():  # loaded copies follow the stored value
            if isinstance(case, Case) and case.id in flagged:
                set_committed_value(case, "deconflicted", True)


def transitioned(case: Case, *, held_seconds: float | None) -> None:
    """After a transition: a resumption from hold adds its ``held_seconds`` (as the event records it); each
    milestone just set gets its duration, each cleared loses it."""
    if held_seconds:
        case.held_us = (case.held_us or 0) + round(held_seconds * 1_000_000)
    for column, (milestone, less_held) in DURATIONS.items():
        at = getattr(case, milestone)
        if at is None:
            setattr(case, column, None)
        elif getattr(case, column) is None:
            setattr(case, column, micros(case.created_at, at) - ((case.held_us or 0) if less_held else 0))


# --- derived from the record -----------------------------------------------------------------------------------


def _report_facts(session: Session, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, str | None]]:
    names: dict[uuid.UUID, list[str | None]] = defaultdict(list)
    for case_id, name in session.execute(select(Report.case_id, Report.esp_name).where(Report.case_id.in_(case_ids))):
        if case_id is not None:
            names[case_id].append(name)
    return {k: (len(v), esp_key(v)) for k, v in names.items()}


def recompute(session: Session, exercise_id: uuid.UUID) -> dict[uuid.UUID, dict[str, Any]]:
    """Every fact of every case of an exercise, from its reports, links and event log (plain Python)."""
    cases = list(session.scalars(select(Case).where(Case.exercise_id == exercise_id)))
    reports = _report_facts(session, [c.id for c in cases])
    links: dict[uuid.UUID, int] = defaultdict(int)
    for a, b in session.execute(select(CaseLink.case_id, CaseLink.other_id).where(CaseLink.exercise_id == exercise_id)):
        links[a] += 1
        links[b] += 1
    flagged = set(session.scalars(select(Deconfliction.case_id).where(Deconfliction.exercise_id == exercise_id)))
    resumed: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for subject, at, data in session.execute(
        select(Event.subject_id, Event.at, Event.data).where(
            Event.exercise_id == exercise_id, Event.type == "case.transitioned"
        )
    ):
        if data.get("from") == CaseStatus.on_hold and data.get("held_seconds"):
            resumed[subject or ""].append((at, float(data["held_seconds"])))
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for c in cases:
        holds = resumed.get(str(c.id), [])
        count, key = reports.get(c.id, (0, None))
        facts: dict[str, Any] = {
            "report_count": count,
            "esp_key": key,
            "link_count": links.get(c.id, 0),
            "deconflicted": c.id in flagged,
            "held_us": round(sum(s for _, s in holds) * 1_000_000),
        }
        for column, (milestone, less_held) in DURATIONS.items():
            at = getattr(c, milestone)
            held = round(sum(s for t, s in holds if t <= at) * 1_000_000) if at is not None and less_held else 0
            facts[column] = None if at is None else micros(c.created_at, at) - held
        out[c.id] = facts
    return out


def refresh(session: Session, exercise_id: uuid.UUID) -> None:
    """Set every case's facts from the record (for cases written around the application, as fixtures do)."""
    for case_id, facts in recompute(session, exercise_id).items():
        case = session.get(Case, case_id)
        assert case is not None
        for name, value in facts.items():
            setattr(case, name, value)
    session.flush()


def kept(session: Session, exercise_id: uuid.UUID) -> dict[uuid.UUID, dict[str, Any]]:
    """The facts as stored."""
    columns = [getattr(Case, f) for f in FACTS]
    return {
        row[0]: dict(zip(FACTS, row[1:], strict=True))
        for row in session.execute(select(Case.id, *columns).where(Case.exercise_id == exercise_id))
    }
