"""The debrief: the same data as JSON and as one self-contained, well-formed HTML page."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

from app.auth.models import ExerciseRole
from tests.scoring.conftest import Shift, jump, plan_from_key, play, triage

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SVG_VOID = {"line", "rect", "circle", "path", "polyline", "polygon"}  # written self-closed or closed explicitly


class Checker(HTMLParser):
    """Tags balanced and properly nested; every URL-bearing attribute collected."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "poster", "data") and value:
                self.urls.append(value)
            if name == "style" and value and "url(" in value:
                self.urls.append(value)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href") and value:
                self.urls.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()


def _mistaken_shift(shift: Shift) -> tuple[str, str]:
    first, second = shift.trainee(), shift.trainee(ExerciseRole.analyst)
    plan = plan_from_key(shift, first)
    ordinary = [
        c["id"] for c in plan.cases if plan.expected_priority[c["id"]] == "2" and c["id"] not in plan.duplicate_of
    ]
    disputed, late = ordinary[0], ordinary[1]
    plan.priority[disputed] = "3"
    play(shift, first, plan, skip_triage=frozenset({late}))
    r = shift.client.patch(f"{shift.base}/cases/{disputed}", headers=second.headers, json={"priority": "1"})
    assert r.status_code == 200, r.text
    jump(shift, 25 * 3600)  # past the 24 h triage target of priority 2
    triage(shift, first, late)
    return disputed, late


def test_debrief_json_has_the_timeline_breaches_hard_cases_and_scorecards(shift: Shift) -> None:
    disputed, late = _mistaken_shift(shift)
    data = shift.get(shift.instructor, "/debrief")
    assert data["keyed_cases"] == data["cases"] and data["untouched"] == 0
    assert sum(h["arrivals"] for h in data["hours"]) == data["cases"]
    assert sum(h["triaged"] for h in data["hours"]) == data["triaged"] == data["cases"]
    assert data["hours"][0]["start"] <= data["start"]
    top = data["hardest_cases"][0]
    assert top["case_id"] == disputed and top["trainees_wrong"] == 2 and top["trainees_acted"] == 2
    assert {(m["expected"], m["actual"]) for m in top["mistakes"]} == {("2", "3"), ("2", "1")}
    assert top["why"]
    assert any(p["metric"] == "priority" and (p["expected"], p["actual"]) == ("2", "1") for p in data["patterns"])
    breached = [b for b in data["sla_breaches"] if b["case_id"] == late]
    assert [b["clock"] for b in breached] == ["triage"] and breached[0]["recorded_at"] is not None
    assert any(m["kind"] == "breach" for m in data["timeline"])
    assert len(data["scorecards"]) == 2 and data["cohort"]["overall"] < 100


def test_debrief_html_is_well_formed_self_contained_and_escaped(shift: Shift) -> None:
    shift.exercise.name = 'Shift <script>alert("x")</script> & co'
    shift.session.commit()
    _mistaken_shift(shift)
    for kwargs in ({"params": {"format": "html"}}, {"headers": {"Accept": "text/html"}}):
        headers = {**shift.instructor.headers, **kwargs.get("headers", {})}
        r = shift.client.get(f"{shift.base}/debrief", headers=headers, params=kwargs.get("params"))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert page.startswith("<!DOCTYPE html>")
    checker = Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    assert {"html", "head", "style", "body", "svg", "rect", "table"} <= checker.tags
    assert "script" not in checker.tags and "link" not in checker.tags and "img" not in checker.tags
    external = [u for u in checker.urls if urlparse(u).scheme or u.startswith("//")]
    assert external == []
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    assert "Arrivals vs triage per hour" in page and "Where most trainees went wrong" in page
    for accept in ("*/*", "application/json", "application/json, text/html;q=0.5"):
        r = shift.client.get(f"{shift.base}/debrief", headers={**shift.instructor.headers, "Accept": accept})
        assert r.headers["content-type"].startswith("application/json"), accept


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_debrief_html_renders_in_headless_chromium(shift: Shift, tmp_path: Path) -> None:
    _mistaken_shift(shift)
    r = shift.client.get(f"{shift.base}/debrief", params={"format": "html"}, headers=shift.instructor.headers)
    page = tmp_path / "debrief.html"
    page.write_text(r.text, encoding="utf-8")
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1600"]
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert "Where most trainees went wrong" in dom and "<svg" in dom and "<script" not in dom
    shot = tmp_path / "debrief.png"
    subprocess.run(
        [CHROMIUM, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
