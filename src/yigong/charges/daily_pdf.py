"""The daily charge list as a printable PDF, in Chinese or English (reportlab; the built-in CID
font STSong-Light prints Chinese without a font file)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from yigong.charges.daily_list import DailyList
from yigong.schema.codes_drugs import COST_CATEGORY

__all__ = ["LABELS", "daily_list_pdf"]

FONT = "STSong-Light"

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "住院费用一日清单",
        "stay": "住院记录",
        "institution": "医疗机构",
        "patient": "患者（假名）",
        "department": "科室",
        "admitted": "入院日期",
        "discharged": "出院日期",
        "los": "住院天数",
        "day": "日期",
        "item": "项目",
        "category": "费用类别",
        "quantity": "数量",
        "unit_price": "单价（元）",
        "amount": "金额（元）",
        "day_total": "当日合计",
        "running": "累计",
        "by_category": "按费用类别汇总",
        "total": "费用总额",
        "front_page": "病案首页总费用",
        "settlement": "医保结算总额",
        "fund": "基金支付",
        "personal": "个人负担",
        "agree": "一致",
        "differ": "不一致",
        "self_pay": "无医保结算（自费）",
        "or": "（手术室）",
        "outside": "（住院期外）",
        "page": "第 {n} 页",
    },
    "en": {
        "title": "Daily list of inpatient charges",
        "stay": "Stay",
        "institution": "Institution",
        "patient": "Patient (pseudonym)",
        "department": "Department",
        "admitted": "Admitted",
        "discharged": "Discharged",
        "los": "Length of stay (days)",
        "day": "Date",
        "item": "Item",
        "category": "Category",
        "quantity": "Qty",
        "unit_price": "Unit price (yuan)",
        "amount": "Amount (yuan)",
        "day_total": "Day total",
        "running": "Running total",
        "by_category": "Totals by category",
        "total": "Total charges",
        "front_page": "Front-page total",
        "settlement": "Settlement total",
        "fund": "Paid by the fund",
        "personal": "Paid by the patient",
        "agree": "agrees",
        "differ": "differs",
        "self_pay": "no insurance settlement (self-pay)",
        "or": " (operating room)",
        "outside": " (outside the stay)",
        "page": "page {n}",
    },
}


def _yuan(m: Any) -> str:
    return f"{m.amount:,.2f}"


def _qty(q: Any) -> str:
    text = f"{q:f}".rstrip("0").rstrip(".") if "." in f"{q:f}" else f"{q:f}"
    return text or "0"


def daily_list_pdf(dl: DailyList, lang: str = "zh", path: Path | None = None) -> bytes:
    """The PDF (A4 portrait) of one stay's daily list; written to `path` when given."""
    from reportlab.lib import colors  # lazy: heavy (reportlab ~0.2 s), PDF only
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer

    t = LABELS["zh" if lang == "zh" else "en"]
    zh = lang == "zh"
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5)
    h1 = ParagraphStyle("h1", parent=body, fontSize=14, leading=18, spaceAfter=6)

    def p(text: str, style: ParagraphStyle = small) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    def table(rows: list[list[str]], widths: list[float], head: bool = True) -> Any:
        data = [[p(c) for c in r] for r in rows]
        tbl = LongTable(data, colWidths=widths, repeatRows=1 if head else 0)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if head:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")))
        tbl.setStyle(style)
        return tbl

    h = dl.header
    buf = BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{t['title']} {h.discharge_id}",
        author="yigong",
    )
    usable = A4[0] - 24 * mm
    story: list[Any] = [
        p(t["title"], h1),
        table(
            [
                [t["stay"], h.discharge_id, t["institution"], h.institution_name],
                [t["patient"], h.patient_key, t["department"], h.department],
                [
                    t["admitted"],
                    h.admission_date.isoformat(),
                    t["discharged"],
                    h.discharge_date.isoformat(),
                ],
                [t["los"], str(h.length_of_stay), "", ""],
            ],  # fmt: skip
            [30 * mm, usable / 2 - 30 * mm, 30 * mm, usable / 2 - 30 * mm],
            head=False,
        ),
        Spacer(1, 4 * mm),
    ]
    widths = [20 * mm, 0, 30 * mm, 14 * mm, 22 * mm, 24 * mm]
    widths[1] = usable - sum(widths)
    rows = [[t["day"], t["item"], t["category"], t["quantity"], t["unit_price"], t["amount"]]]
    for page in dl.days:
        day = page.day.isoformat() + (t["outside"] if page.outside_stay else "")
        for ln in page.lines:
            cat = COST_CATEGORY.get(ln.category, (ln.category, ln.category))[0 if zh else 1]
            name = ln.item_name if zh else f"{ln.item_code} {ln.item_name}"
            rows.append(
                [day, name + (t["or"] if ln.in_operating_room else ""), cat, _qty(ln.quantity),
                 _yuan(ln.unit_price), _yuan(ln.amount)]
            )  # fmt: skip
            day = ""
        rows.append(
            ["", f"{t['day_total']} {_yuan(page.total)}", f"{t['running']}", "", "",
             _yuan(page.running_total)]
        )  # fmt: skip
    story.append(table(rows, widths))
    story += [Spacer(1, 4 * mm), p(t["by_category"], body)]
    cats = [[COST_CATEGORY[c][0 if zh else 1], _yuan(v)] for c, v in dl.by_category.items()]
    story.append(table([[t["category"], t["amount"]], *cats], [60 * mm, 30 * mm]))
    s = dl.settlement
    summary = [
        [t["total"], _yuan(dl.total), ""],
        [t["front_page"], _yuan(h.front_page_total), t["agree"] if dl.matches_front_page
         else t["differ"]],
    ]  # fmt: skip
    if s is None:
        summary.append([t["settlement"], t["self_pay"], ""])
    else:
        summary += [
            [t["settlement"], _yuan(s.total_cost), t["agree"] if dl.matches_settlement
             else t["differ"]],
            [t["fund"], _yuan(s.fund_paid), ""],
            [t["personal"], _yuan(s.personal_paid), ""],
        ]  # fmt: skip
    story += [Spacer(1, 4 * mm), table(summary, [60 * mm, 40 * mm, 30 * mm], head=False)]

    def footer(canvas: Any, d: Any) -> None:
        canvas.setFont(FONT, 7)
        canvas.drawRightString(A4[0] - 12 * mm, 7 * mm, t["page"].format(n=d.page))

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data
