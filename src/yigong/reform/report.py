"""The reform-task report: its data (progress at a node, per-county columns for a roll-up) and
its writers — Markdown, XLSX (openpyxl) and PDF (reportlab, built-in CID font STSong-Light so
Chinese renders without font files). Every status comes with the rule that produced it, every
indicator with value, target, gap and trend, every manual entry with who, when and evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from yigong.reform.progress import IndicatorProgress, ManualEntry, TaskProgress, TaskStatus
from yigong.reform.spec import TaskSet

__all__ = ["NodeProgress", "TaskReport", "markdown", "write_pdf", "write_xlsx"]

#: a roll-up's county cell for a task that binds only the higher level
NOT_COUNTY = "(not a county task)"
STATUS_RULE = "docs/oversight.md, section 'Reform tasks' (status rule)"


@dataclass(frozen=True)
class NodeProgress:
    """Progress of a list of tasks at one node in one year."""

    node: str
    node_name: str
    level: str
    year: int
    tasks: list[TaskProgress]


@dataclass(frozen=True)
class TaskReport:
    """Progress at the report node and, for a roll-up over counties, at each county."""

    at: NodeProgress
    counties: list[NodeProgress] = field(default_factory=list)
    sets: dict[str, TaskSet] = field(default_factory=dict)
    manual_source: str = ""
    generated_at: datetime = field(
        default_factory=lambda: datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    )

    @property
    def is_rollup(self) -> bool:
        return bool(self.counties)

    def county_cell(self, county: NodeProgress, task_id: str) -> TaskProgress | None:
        return next((p for p in county.tasks if p.task.id == task_id), None)

    def summary(self) -> dict[str, Any]:
        counts = {s.value: 0 for s in TaskStatus}
        for p in self.at.tasks:
            counts[p.status.value] += 1
        per_county = {
            c.node: {s.value: sum(p.status is s for p in c.tasks) for s in TaskStatus}
            for c in self.counties
        }
        return {
            "node": self.at.node,
            "node_name": self.at.node_name,
            "level": self.at.level,
            "year": self.at.year,
            "tasks": len(self.at.tasks),
            "status": counts,
            "counties": per_county,
            "manual_entries": len(
                {e.entry_id for n in [self.at, *self.counties] for p in n.tasks for e in p.history}
            ),
        }


def status_label(s: TaskStatus | None) -> str:
    return "" if s is None else f"{s.label_zh} {s.label_en}"


def _pct(v: float | int | None) -> str:
    return "" if v is None else f"{v:.0f} %" if isinstance(v, int) else f"{v * 100:.0f} %"


def _num(v: float | None, places: int = 2) -> str:
    return "" if v is None else f"{v:.{places}f}"


def _source(p: TaskProgress, sets: dict[str, TaskSet]) -> str:
    s = sets.get(p.task.set_id)
    letter = s.source.letter if s else p.task.set_id
    extra = "".join(f", ¶{a.para}" for a in p.task.also)
    return f"{letter} ¶{p.task.source.para}{extra}"


def _lead(p: TaskProgress) -> str:
    return "、".join(p.task.lead_departments) or f"— ({p.task.lead_note})"


def _indicator_row(i: IndicatorProgress) -> list[str]:
    trend = (
        "" if i.projected is None else f"{i.projected:.2f} ({'meets' if i.will_meet else 'misses'})"
    )
    return [
        i.indicator,
        i.name_zh,
        i.formatted,
        i.target,
        _num(i.gap),
        trend,
        i.verdict.value,
        i.reason,
    ]


def _entry_row(e: ManualEntry) -> list[str]:
    return [
        f"{e.recorded_at:%Y-%m-%d %H:%M}",
        e.recorded_by,
        str(e.year),
        e.status.value,
        "" if e.percent is None else f"{e.percent} %",
        e.note,
        e.evidence,
    ]


INDICATOR_HEAD = [
    "indicator",
    "指标",
    "value",
    "target",
    "gap",
    "trend at deadline",
    "verdict",
    "why",
]
ENTRY_HEAD = ["recorded (UTC)", "by", "year", "status", "%", "note", "evidence"]


def _title(rep: TaskReport) -> str:
    kind = "province/roll-up" if rep.is_rollup else rep.at.level
    return (
        f"改革任务进展报告 Reform task report — {rep.at.node_name} ({rep.at.node}, {kind}), "
        f"{rep.at.year}"
    )


# ---- Markdown ----------------------------------------------------------------------------------


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |"


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    return [_md_row(head), _md_row(["---"] * len(head)), *(_md_row(r) for r in rows)]


def _overview(rep: TaskReport) -> tuple[list[str], list[list[str]]]:
    head = ["id", "任务 task", "deadline", "status", "indicator share", "manual %"]
    head += [c.node_name for c in rep.counties]
    rows = []
    for p in rep.at.tasks:
        row = [
            p.task.id,
            p.task.title_zh,
            f"{p.task.deadline:%Y-%m-%d}",
            status_label(p.status),
            _pct(p.share),
            "" if p.manual is None or p.manual.percent is None else f"{p.manual.percent} %",
        ]
        for c in rep.counties:
            cell = rep.county_cell(c, p.task.id)
            row.append(NOT_COUNTY if cell is None else status_label(cell.status))
        rows.append(row)
    return head, rows


def markdown(rep: TaskReport) -> str:
    s = rep.summary()
    lines = [
        f"# {_title(rep)}",
        "",
        f"Generated {rep.generated_at:%Y-%m-%d %H:%M} UTC. Manual entries read from: "
        f"{rep.manual_source}. Status rule: {STATUS_RULE}.",
        "",
        "## Summary",
        "",
        *_md_table(
            ["status", "tasks"],
            [[status_label(TaskStatus(k)), str(v)] for k, v in s["status"].items()],
        ),
        "",
    ]
    head, rows = _overview(rep)
    lines += ["## Tasks", "", *_md_table(head, rows), "", "## Details", ""]
    for p in rep.at.tasks:
        t = p.task
        lines += [
            f"### {t.id} {t.title_zh}",
            "",
            f"*{t.title_en}*",
            "",
            f"- source: {_source(p, rep.sets)} — “{t.source.quote}”",
            f"- lead departments: {_lead(p)}; owner: {t.owner.value}; binds: "
            f"{', '.join(b.value for b in t.binds)}",
            f"- deadline: {t.deadline:%Y-%m-%d}"
            + (f" ({t.deadline_note})" if t.deadline_note else ""),
            f"- status: **{status_label(p.status)}** — {p.rule}",
            f"- evidence expected: {'; '.join(t.evidence) or '—'}",
            "",
        ]
        if p.indicators:
            lines += _md_table(INDICATOR_HEAD, [_indicator_row(i) for i in p.indicators]) + [""]
        if p.history:
            lines += [
                "Manual entries (append-only history):",
                "",
                *_md_table(ENTRY_HEAD, [_entry_row(e) for e in p.history]),
                "",
            ]
    if rep.counties:
        lines += ["## Counties", ""]
        for c in rep.counties:
            lines += [f"### {c.node_name} ({c.node})", ""]
            lines += _md_table(
                ["id", "status", "rule"],
                [[p.task.id, status_label(p.status), p.rule] for p in c.tasks],
            )
            lines.append("")
    lines += ["## Sources", ""]
    for ts in rep.sets.values():
        lines.append(
            f"- [{ts.source.letter}] {ts.title_zh} — {ts.title_en}. {ts.source.credit}."
            f" Chinese titles: {ts.title_zh_origin or 'as in the source'}."
        )
    return "\n".join(lines) + "\n"


# ---- XLSX --------------------------------------------------------------------------------------


def write_xlsx(rep: TaskReport, path: Path) -> Path:
    from openpyxl import Workbook  # lazy: heavy (openpyxl ~0.5 s), .xlsx only
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "tasks"
    ws.append([_title(rep)])
    ws["A1"].font = Font(bold=True)
    ws.append(
        [
            f"generated {rep.generated_at:%Y-%m-%d %H:%M} UTC; manual entries: "
            f"{rep.manual_source}; status rule: {STATUS_RULE}"
        ]
    )
    head = [
        "id",
        "set",
        "title_zh",
        "title_en",
        "source",
        "lead departments",
        "owner",
        "deadline",
        "status",
        "status_zh",
        "indicator share",
        "manual percent",
        "rule",
    ]
    head += [f"{c.node_name} ({c.node})" for c in rep.counties]
    ws.append(head)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for p in rep.at.tasks:
        row: list[Any] = [
            p.task.id,
            p.task.set_id,
            p.task.title_zh,
            p.task.title_en,
            _source(p, rep.sets),
            _lead(p),
            p.task.owner.value,
            p.task.deadline,
            p.status.value,
            p.status.label_zh,
            None if p.share is None else round(p.share, 4),
            None if p.manual is None else p.manual.percent,
            p.rule,
        ]
        for c in rep.counties:
            cell = rep.county_cell(c, p.task.id)
            row.append(NOT_COUNTY if cell is None else cell.status.value)
        ws.append(row)
    for col, width in zip(
        "ABCDEFGHIJKLM", (9, 20, 40, 40, 10, 24, 9, 11, 10, 9, 9, 9, 60), strict=True
    ):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    wi = wb.create_sheet("indicators")
    wi.append(
        [
            "task",
            "node",
            "indicator",
            "name_zh",
            "name_en",
            "value",
            "formatted",
            "numerator",
            "denominator",
            "target",
            "target_value",
            "deadline",
            "gap",
            "met",
            "projected_at_deadline",
            "will_meet",
            "trajectory",
            "verdict",
            "why",
        ]
    )
    for n in [rep.at, *rep.counties]:
        for p in n.tasks:
            for i in p.indicators:
                wi.append(
                    [
                        p.task.id,
                        n.node,
                        i.indicator,
                        i.name_zh,
                        i.name_en,
                        i.value,
                        i.formatted,
                        _cell(i.numerator),
                        _cell(i.denominator),
                        i.target,
                        i.target_value,
                        i.deadline,
                        i.gap,
                        i.met,
                        i.projected,
                        i.will_meet,
                        i.trajectory,
                        i.verdict.value,
                        i.reason,
                    ]
                )
    we = wb.create_sheet("entries")
    we.append(
        [
            "entry_id",
            "task",
            "node",
            "year",
            "status",
            "percent",
            "note",
            "evidence",
            "recorded_by",
            "recorded_at",
        ]
    )
    seen: set[int | None] = set()
    for n in [rep.at, *rep.counties]:
        for p in n.tasks:
            for e in p.history:
                if e.entry_id in seen:
                    continue
                seen.add(e.entry_id)
                we.append(
                    [
                        e.entry_id,
                        e.task_id,
                        e.node,
                        e.year,
                        e.status.value,
                        e.percent,
                        e.note,
                        e.evidence,
                        e.recorded_by,
                        e.recorded_at,
                    ]
                )
    wsrc = wb.create_sheet("sources")
    wsrc.append(
        ["set", "letter", "title_zh", "title_en", "issuer", "file", "credit", "Chinese titles"]
    )
    for ts in rep.sets.values():
        wsrc.append(
            [
                ts.set,
                ts.source.letter,
                ts.title_zh,
                ts.title_en,
                ts.issuer,
                ts.source.file,
                ts.source.credit,
                ts.title_zh_origin,
            ]
        )
    wb.save(path)
    return path


def _cell(v: object) -> object:
    return v if v is None or isinstance(v, int | float) else str(v)


# ---- PDF ---------------------------------------------------------------------------------------

FONT = "STSong-Light"


def write_pdf(rep: TaskReport, path: Path) -> Path:
    from reportlab.lib import colors  # lazy: heavy (reportlab ~0.2 s), PDF only
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import (
        LongTable,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
    )

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11)
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=8.6)
    h1 = ParagraphStyle("h1", parent=body, fontSize=14, leading=18, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4)

    def para(text: str, style: ParagraphStyle = small) -> Paragraph:
        # STSong-Light has no pilcrow: a paragraph reference prints as "para 8"
        return Paragraph(escape(text.replace("¶", "para ")), style)

    def table(head: list[str], rows: list[list[str]], widths: list[float] | None = None) -> Any:
        data = [[para(h) for h in head]] + [[para(c) for c in r] for r in rows]
        t = LongTable(data, colWidths=widths, repeatRows=1)
        t.setStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
        return t

    page = landscape(A4)
    usable = page[0] - 30 * mm
    doc = SimpleDocTemplate(
        str(path),
        pagesize=page,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_title(rep),
        author="yigong",
        subject="reform task progress",
    )
    story: list[Any] = [
        para(_title(rep), h1),
        para(
            f"Generated {rep.generated_at:%Y-%m-%d %H:%M} UTC. Manual entries "
            f"read from: {rep.manual_source}. Status rule: {STATUS_RULE}.",
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    s = rep.summary()
    story.append(
        table(
            ["status", "tasks"],
            [[status_label(TaskStatus(k)), str(v)] for k, v in s["status"].items()],
            [60 * mm, 20 * mm],
        )
    )
    story.append(para("Tasks", h2))
    head, rows = _overview(rep)
    n = 6  # task columns before the county columns
    widths = [16 * mm, 0, 20 * mm, 26 * mm, 18 * mm, 16 * mm]
    widths[1] = usable - sum(widths)
    story.append(table(head[:n], [r[:n] for r in rows], widths))
    per_table = 8  # county columns per table, so that a big province stays readable
    for start in range(0, len(rep.counties), per_table):
        chunk = list(range(n + start, n + min(start + per_table, len(rep.counties))))
        cw = (usable - 16 * mm) / len(chunk)
        story += [
            para(
                "Status per county"
                + (f" ({start // per_table + 1})" if len(rep.counties) > per_table else ""),
                h2,
            ),
            table(
                [head[0]] + [head[i] for i in chunk],
                [[r[0]] + [r[i] for i in chunk] for r in rows],
                [16 * mm] + [cw] * len(chunk),
            ),
        ]
    story.append(PageBreak())
    story.append(para("Details", h2))
    iw = [16 * mm, 48 * mm, 22 * mm, 34 * mm, 16 * mm, 28 * mm, 18 * mm]
    iw.append(usable - sum(iw))
    ew = [26 * mm, 24 * mm, 12 * mm, 18 * mm, 12 * mm]
    ew += [(usable - sum(ew)) / 2] * 2
    for p in rep.at.tasks:
        t = p.task
        story += [
            para(f"{t.id} {t.title_zh} — {t.title_en}", h2),
            para(f"Source: {_source(p, rep.sets)} — “{t.source.quote}”", body),
            para(
                f"Lead departments: {_lead(p)}; owner: {t.owner.value}; deadline "
                f"{t.deadline:%Y-%m-%d}" + (f" ({t.deadline_note})" if t.deadline_note else ""),
                body,
            ),
            para(f"Status: {status_label(p.status)} — {p.rule}", body),
            para(f"Evidence expected: {'; '.join(t.evidence) or '—'}", body),
        ]
        if p.indicators:
            story += [
                Spacer(1, 2 * mm),
                table(INDICATOR_HEAD, [_indicator_row(i) for i in p.indicators], iw),
            ]
        if p.history:
            story += [
                Spacer(1, 2 * mm),
                para("Manual entries (append-only history)", body),
                table(ENTRY_HEAD, [_entry_row(e) for e in p.history], ew),
            ]
    if rep.counties:
        story += [PageBreak(), para("Counties", h2)]
        for c in rep.counties:
            story += [
                para(f"{c.node_name} ({c.node})", h2),
                table(
                    ["id", "status", "rule"],
                    [[p.task.id, status_label(p.status), p.rule] for p in c.tasks],
                    [18 * mm, 32 * mm, usable - 50 * mm],
                ),
            ]
    story.append(para("Sources", h2))
    for ts in rep.sets.values():
        story.append(
            para(
                f"[{ts.source.letter}] {ts.title_zh} — {ts.title_en}. "
                f"{ts.source.credit}. Chinese titles: "
                f"{ts.title_zh_origin or 'as in the source'}.",
                body,
            )
        )
    doc.build(story)
    return path
