"""The debrief as one self-contained HTML page: inline CSS, inline SVG charts, no script, no external asset.
Every piece of text from the database goes through :func:`html.escape`."""

from __future__ import annotations

from datetime import datetime
from html import escape

from app.scoring.metrics import METRICS
from app.scoring.schemas import DebriefRead, HourRead, MetricScore

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
header{background:#1d2b44;color:#fff;padding:16px 28px}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c9d3e6;font-size:13px}
main{padding:18px 28px;max-width:1200px}
section{background:#fff;border:1px solid #dde2ea;border-radius:6px;padding:14px 18px;margin-bottom:16px}
h2{font-size:16px;margin:0 0 10px}
.tiles{display:flex;gap:12px;flex-wrap:wrap}
.tile{background:#eef2f8;border-radius:6px;padding:8px 14px;min-width:110px}
.tile b{display:block;font-size:22px}
.tile span{font-size:12px;color:#4c5870}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e6e9ef;padding:5px 6px;text-align:left;vertical-align:top}
th{background:#f0f3f8;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.good{background:#e3f4e6}.fair{background:#fdf3d8}.poor{background:#fbe1df}.na{color:#8a93a5}
.kind-breach{color:#a32020}.kind-exigent{color:#8a4b00}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
small{color:#5a6478}
"""


def _fmt(at: datetime | None) -> str:
    return escape(at.strftime("%Y-%m-%d %H:%M UTC")) if at else "-"


def _cls(score: float | None) -> str:
    if score is None:
        return "na"
    return "good" if score >= 90 else "fair" if score >= 70 else "poor"


def _pct(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.1f}%"


def chart(hours: list[HourRead]) -> str:
    """Arrivals (bars) and cases triaged (bars beside them) per bucket, with breaches marked, as inline SVG."""
    if not hours:
        return "<p><small>No cases yet.</small></p>"
    width, height, left, bottom, top = 1000, 260, 40, 40, 14
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(1, *(max(h.arrivals, h.triaged) for h in hours))
    slot = plot_w / len(hours)
    bar = max(1.0, slot * 0.4)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="Arrivals and triage per hour">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#8a93a5"/>',
    ]
    for frac in (0.5, 1.0):
        y = top + plot_h - plot_h * frac
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#e6e9ef"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{round(peak * frac)}</text>'
        )
    label_every = max(1, len(hours) // 12)
    for i, h in enumerate(hours):
        x = left + i * slot + slot * 0.1
        for value, colour, dx, name in (
            (h.arrivals, "#4a78c2", 0.0, "arrivals"),
            (h.triaged, "#39a06b", bar, "triaged"),
        ):
            bh = plot_h * value / peak
            parts.append(
                f'<rect x="{x + dx:.1f}" y="{top + plot_h - bh:.1f}" width="{bar:.1f}" height="{bh:.1f}" '
                f'fill="{colour}"><title>{escape(h.start.strftime("%H:%M"))} {name}: {value}</title></rect>'
            )
        if h.breaches:
            parts.append(
                f'<circle cx="{x + bar:.1f}" cy="{top + 6}" r="4" fill="#c0392b">'
                f"<title>{h.breaches} SLA breach(es)</title></circle>"
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar:.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle">'
                f"{escape(h.start.strftime('%d %H:%M'))}</text>"
            )
    parts.append("</svg>")
    legend = (
        '<p class="legend"><span><i class="sw" style="background:#4a78c2"></i>arrivals (cases opened)</span>'
        '<span><i class="sw" style="background:#39a06b"></i>cases triaged</span>'
        '<span><i class="sw" style="background:#c0392b;border-radius:5px"></i>SLA breaches</span>'
        f"<span>bucket: {hours[0].hours} h</span></p>"
    )
    return "".join(parts) + legend


def _metric_cells(metrics: list[MetricScore]) -> str:
    cells = []
    for m in metrics:
        detail = f"{m.points:g}/{m.possible:g}" if m.opportunities else "no opportunity"
        cells.append(
            f'<td class="num {_cls(m.score)}" title="{escape(detail)}">{_pct(m.score)}<br>'
            f"<small>{escape(detail)}</small></td>"
        )
    return "".join(cells)


def render(data: DebriefRead) -> str:
    head = "".join(f"<th>{escape(title)}</th>" for title in METRICS.values())
    cards = [
        f"<tr><td><b>{escape(s.display_name)}</b><br><small>{escape(s.username)} · {escape(s.role)}"
        f"{' · ' + escape(s.unit_code) if s.unit_code else ''}</small></td>"
        f'<td class="num {_cls(s.overall)}">{_pct(s.overall)}</td>{_metric_cells(s.metrics)}</tr>'
        for s in data.scorecards
    ]
    cards.append(
        f'<tr><td><b>Cohort</b></td><td class="num {_cls(data.cohort.overall)}">{_pct(data.cohort.overall)}</td>'
        f"{_metric_cells(data.cohort.metrics)}</tr>"
    )
    hard = [
        f"<tr><td>{c.case_number}</td><td>{escape(', '.join(str(r) for r in c.reports))}</td>"
        f'<td class="num">{c.trainees_wrong} of {c.trainees_acted}</td><td><ul>'
        + "".join(
            f"<li>{escape(m.metric)}: expected <b>{escape(m.expected)}</b>, got <b>{escape(m.actual)}</b> "
            f"<small>({escape(', '.join(m.trainees))})</small></li>"
            for m in c.mistakes
        )
        + f"</ul></td><td>{escape(c.why)}</td></tr>"
        for c in data.hardest_cases
    ]
    pats = [
        f"<tr><td>{escape(p.metric)}</td><td>{escape(p.expected)}</td><td>{escape(p.actual)}</td>"
        f'<td class="num">{p.cases}</td></tr>'
        for p in data.patterns
    ]
    breaches = [
        f"<tr><td>{b.case_number}</td><td>{escape(b.clock)}</td><td>{escape(b.priority or 'none')}</td>"
        f"<td>{escape(b.expected_priority or '-')}</td><td>{_fmt(b.due_at)}</td><td>{_fmt(b.recorded_at)}</td>"
        f'<td class="num">{b.overdue_minutes:.0f}</td></tr>'
        for b in data.sla_breaches
    ]
    moments = [
        f'<tr><td>{_fmt(m.at)}</td><td class="kind-{escape(m.kind)}">{escape(m.kind)}</td>'
        f"<td>{m.case_number if m.case_number is not None else ''}</td><td>{escape(m.text)}</td></tr>"
        for m in data.timeline
    ]

    def table(header: str, rows: list[str], empty: str) -> str:
        if not rows:
            return f"<p><small>{escape(empty)}</small></p>"
        return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"

    tiles = "".join(
        f'<div class="tile"><b>{escape(str(v))}</b><span>{escape(k)}</span></div>'
        for k, v in (
            ("cases", data.cases),
            ("keyed by the answer key", data.keyed_cases),
            ("triaged", data.triaged),
            ("left untouched", data.untouched),
            ("SLA breaches", len(data.sla_breaches)),
            ("cohort score", _pct(data.cohort.overall)),
        )
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Debrief: {escape(data.exercise_name)}</title><style>{CSS}</style></head>
<body><header><h1>Debrief: {escape(data.exercise_name)}</h1>
<p>From {_fmt(data.start)} to {_fmt(data.at)} (exercise time). Fabricated training data.</p></header>
<main>
<section><div class="tiles">{tiles}</div></section>
<section><h2>Arrivals vs triage per hour</h2>{chart(data.hours)}</section>
<section><h2>Scorecards</h2>{table("<th>Trainee</th><th>Overall</th>" + head, cards, "No trainees.")}
<p><small>Each cell: score and points over possible. Definitions: docs/scoring.md.</small></p></section>
<section><h2>Where most trainees went wrong</h2>{
        table(
            "<th>Case</th><th>Reports</th><th>Trainees wrong</th><th>Mistakes</th><th>Why (answer key)</th>",
            hard,
            "No case was decided against the key.",
        )
    }</section>
<section><h2>Most frequent mistakes</h2>{
        table("<th>Metric</th><th>Expected</th><th>Actual</th><th>Cases</th>", pats, "None.")
    }</section>
<section><h2>SLA breaches</h2>{
        table(
            "<th>Case</th><th>Clock</th><th>Priority</th><th>Key priority</th><th>Due</th><th>Recorded</th>"
            "<th>Minutes over</th>",
            breaches,
            "No SLA breach.",
        )
    }</section>
<section><h2>Timeline</h2>{table("<th>When</th><th>What</th><th>Case</th><th></th>", moments, "Nothing yet.")}</section>
</main></body></html>
"""
