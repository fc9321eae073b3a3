"""What a page shows a reader, and what of it is not in the page's language.

`visible_text` keeps the text a person reads (and the ``title``, ``placeholder``,
``aria-label`` and ``alt`` attributes a screen reader or a hover shows), leaving out scripts,
styles, ``<code>``, elements marked ``translate="no"`` (identifiers, codes, text users typed)
and elements that declare another language (``lang="zh-CN"`` names on an English page, an
engine's English message on a Chinese page). `problems` lists what the language test refuses:
a message key without a message (``⟦…⟧``), ``None``/``True``/``False``/``nan``, a raw
``snake_case`` code, English words on a Chinese page and Chinese on an English page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["ALLOWED_ON_ZH", "problems", "visible_text"]

#: Latin words a Chinese page may carry: names of standards, formats and products
ALLOWED_ON_ZH = frozenset(
    {
        "DRG", "DIP", "CMI", "CHS", "CSV", "PDF", "Excel", "ICD", "SHA", "English", "ECharts",
        "P50", "P90", "p50", "p90", "TCM", "API", "OpenAPI", "DHIS2", "MIT", "MCC",
        "echarts", "china", "cities", "js",
    }
)  # fmt: skip
_VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col", "area", "base"}
_ATTRS = ("title", "placeholder", "aria-label", "alt")


class _Text(HTMLParser):
    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[bool] = []  # per open element: is it skipped
        self.out: list[str] = []

    def _skipping(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        other = a.get("lang") is not None and not str(a["lang"]).startswith(self.lang)
        skip = (
            tag in ("script", "style", "code", "template")
            or a.get("translate") == "no"
            or a.get("hidden") is not None
            or (other and tag != "html")
        )
        if not (skip or self._skipping()):
            for name in _ATTRS:
                if a.get(name):
                    self.out.append(str(a[name]))
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.out.append(str(a["value"]))
        if tag not in _VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.out.append(data.strip())


def visible_text(html: str, lang: str) -> str:
    """The page's readable text in its own language (see the module docstring)."""
    parser = _Text("zh" if lang == "zh" else "en")
    parser.feed(html)
    return "\n".join(parser.out)


_BAD_WORDS = re.compile(r"\b(None|True|False|nan|NaN|null|undefined)\b")
_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
_LATIN = re.compile(r"[A-Za-z][A-Za-z]{2,}")
_CJK = re.compile(r"[\u3400-\u9fff]")
#: units and money words that never belong on an English page
_ZH_UNITS = re.compile(r"张/千人|人/千人|人/万人|人/百床|万元|[\d.,]+\s*元|人次|床日")
#: a line is in the other language when that language's letters make up more than this share
#: of its letters (a Chinese sentence may cite "CHS-DRG"; an English one a Chinese term)
FOREIGN_SHARE = 0.3


def _share(foreign: int, own: int) -> float:
    return foreign / (foreign + own) if foreign + own else 0.0


def problems(html: str, lang: str) -> list[str]:
    """Every untranslated piece of a page, each with a little context."""
    text = visible_text(html, lang)
    found = []
    for line in text.splitlines():
        if "⟦" in line:
            found.append(f"no message: {line[:120]}")
        if _BAD_WORDS.search(line):
            found.append(f"raw value: {line[:120]}")
        if _SNAKE.search(line):
            found.append(f"raw code: {line[:120]}")
        cjk = len(_CJK.findall(line))
        if lang == "zh":
            words = [w for w in _LATIN.findall(line) if w not in ALLOWED_ON_ZH]
            if words and _share(sum(len(w) for w in words), cjk) > FOREIGN_SHARE:
                found.append(f"English on a Chinese page ({', '.join(words[:5])}): {line[:120]}")
        else:
            latin = sum(len(w) for w in _LATIN.findall(line))
            if _ZH_UNITS.search(line) or (cjk and _share(cjk, latin) > FOREIGN_SHARE):
                found.append(f"Chinese on an English page: {line[:120]}")
    return found
