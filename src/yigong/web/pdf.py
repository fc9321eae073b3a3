"""A cockpit page as a PDF (``?format=pdf`` on the overview and the scorecard): its title, the
node, the period and the time of generation, then every table of the page with its caption —
read back from the rendered page (`yigong.web.tables.extract_all`), so the PDF shows exactly
what the user sees, in their language and scope. Chinese is set in reportlab's built-in CID
font STSong-Light (no font file needed)."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["FONT", "page_pdf"]

FONT = "STSong-Light"
_MAX_ROWS = 400  # a PDF is a briefing, not an export: longer tables are cut with a note


def page_pdf(
    title: str,
    meta: list[str],
    tables: list[tuple[str, str, list[str], list[list[Any]]]],
    cut_note: str,
) -> bytes:
    """The PDF bytes: ``title``, the ``meta`` lines (node, period, generated at), then each
    (id, caption, header, rows) table."""
    from reportlab.lib import colors  # lazy: heavy (reportlab ~0.2 s), PDF only
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5)
    h1 = ParagraphStyle("h1", parent=body, fontSize=15, leading=19, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=body, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4)

    def para(text: Any, style: ParagraphStyle = small) -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    page = landscape(A4)
    usable = page[0] - 24 * mm
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=page,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author="yigong",
    )
    story: list[Any] = [para(title, h1)] + [para(m, body) for m in meta] + [Spacer(1, 3 * mm)]
    for _, caption, head, rows in tables:
        if not head and not rows:
            continue
        if caption:
            story.append(para(caption, h2))
        shown = rows[:_MAX_ROWS]
        data = [[para(h) for h in head]] + [[para(c) for c in r] for r in shown]
        width = usable / max(1, len(head))
        t = LongTable(data, colWidths=[width] * len(head), repeatRows=1)
        t.setStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
        story.append(t)
        if len(rows) > len(shown):
            story.append(para(cut_note % (len(shown), len(rows)), small))
    doc.build(story)
    return buf.getvalue()
