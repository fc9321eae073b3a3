"""Any table of any cockpit page as a file: ``?format=csv&table=<id>`` or ``format=xlsx``.

The page is rendered exactly as the user sees it (same view, same scope, same redaction,
same language) and the table with that ``id`` is read back from the HTML: the header cells of
its ``<thead>``, then every row of its ``<tbody>``. A cell's ``data-value`` (the exact figure
behind a formatted one: yuan to the fen, a rate unrounded) is written instead of its text;
cells marked ``class="no-export"`` (buttons, forms) are left out. So a download can never
show more than the page, and every table has one without code of its own.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

__all__ = ["TableNotFound", "extract_all", "extract_table"]

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class TableNotFound(LookupError):
    """The page has no table with the id asked for."""


class _Reader(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.want = table_id
        self.depth = 0  # nesting of <table> inside the wanted one
        self.found = False
        self.section = ""
        self.head: list[str] = []
        self.rows: list[list[Any]] = []
        self.cell: list[str] | None = None
        self.value: str | None = None
        self.row: list[Any] | None = None
        self.skip = 0  # depth inside a no-export cell or hidden element
        self.caption: list[str] | None = None
        self.caption_text = ""
        self.every = table_id == "*"
        self.tables: list[tuple[str, str, list[str], list[list[Any]]]] = []
        self.current = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif a.get("id") == self.want or (self.every and a.get("id")):
                self.found, self.depth = True, 1
                self.current, self.head, self.rows, self.caption_text = (
                    a.get("id") or "",
                    [],
                    [],
                    "",
                )
            return
        if self.depth != 1:
            return
        if tag == "caption":
            self.caption = []
            return
        if tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            classes = (a.get("class") or "").split()
            if "no-export" in classes:
                self.skip = 1
                return
            self.cell, self.value = [], a.get("data-value")
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
            if not self.depth:
                self.tables.append((self.current, self.caption_text, self.head, self.rows))
            return
        if self.depth != 1:
            return
        if tag == "caption" and self.caption is not None:
            self.caption_text = " ".join("".join(self.caption).split())
            self.caption = None
            return
        if tag in ("td", "th"):
            if self.skip:
                self.skip = 0
                return
            if self.cell is not None and self.row is not None:
                text = re.sub(r"[ \t\r\f\v]+", " ", "".join(self.cell)).strip()
                text = re.sub(r"\s*\n\s*", "\n", text)
                self.row.append(_typed(self.value) if self.value is not None else text)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.section == "thead" and not self.head:
                self.head = [str(c) for c in self.row]
            elif self.row:
                self.rows.append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.depth == 1 and self.caption is not None:
            self.caption.append(data)
        elif self.depth == 1 and self.cell is not None and not self.skip:
            self.cell.append(data)


def _typed(value: str) -> Any:
    """An exact figure as a number (a Decimal keeps the fen), anything else as text."""
    if _NUMBER.match(value):
        try:
            d = Decimal(value)
        except InvalidOperation:
            return value
        return int(d) if d == d.to_integral_value() and "." not in value else d
    return value


def _square(head: list[str], rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    width = max([len(head), *(len(r) for r in rows)], default=0)
    return head + [""] * (width - len(head)), [r + [""] * (width - len(r)) for r in rows]


def extract_table(html: str, table_id: str) -> tuple[list[str], list[list[Any]]]:
    """The header and body rows of the table ``table_id`` in a rendered page."""
    if table_id == "*":
        raise TableNotFound(table_id)
    reader = _Reader(table_id)
    reader.feed(html)
    if not reader.tables:
        raise TableNotFound(table_id)
    _, _, head, rows = reader.tables[0]
    return _square(head, rows)


def extract_all(html: str) -> list[tuple[str, str, list[str], list[list[Any]]]]:
    """Every table with an id, in page order: (id, caption, header, rows)."""
    reader = _Reader("*")
    reader.feed(html)
    return [(i, c, *_square(h, r)) for i, c, h, r in reader.tables]
