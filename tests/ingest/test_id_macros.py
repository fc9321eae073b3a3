"""The SQL macros that find a resident ID number in a text (`rules.MACROS`) agree with a plain
Python reading of the same rule, and bind their expensive arguments once."""

from __future__ import annotations

import random
import re

import duckdb
import pytest

from yigong.ingest.privacy import FULL_WIDTH, HALF_WIDTH, SEPARATORS
from yigong.ingest.rules import _WEIGHTS, ID15_PATTERN, ID_PATTERN, MACROS

_NORM = str.maketrans(FULL_WIDTH, HALF_WIDTH)


def _check_ok(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return number[17].upper() == "10X98765432"[total % 11]


def has_id(text: str | None) -> bool:
    """Python's reading: full-width digits made half-width, separators removed, the first
    18-character ID-shaped number not inside a longer run of digits, with a valid check digit;
    or an older 15-digit number not glued to a Latin letter (a record number's tail)."""
    if text is None or len(text) < 15:
        return False
    norm = text.translate(_NORM)
    # a record number (letters, then digit groups): its first separator is kept
    norm = re.sub(f"([A-Za-z][{SEPARATORS}]*[0-9]+)[{SEPARATORS}]", r"\1/", norm)
    norm = re.sub(f"[{SEPARATORS}]", "", norm)
    m = re.search(f"(^|[^0-9])({ID_PATTERN})([^0-9]|$)", norm)
    old = re.search(f"(^|[^0-9A-Za-z])({ID15_PATTERN})([^0-9Xx]|$)", norm)
    return (bool(m) and _check_ok(m.group(2))) or bool(old)


GOOD = "130423202007240105"  # valid check digit
X_GOOD = "11010519491231002X"

FIXED = [
    GOOD,
    X_GOOD,
    X_GOOD.lower(),
    "130423202007240106",  # wrong check digit
    f"患者{GOOD}住院",
    "x 130423 2020 0724 0105 y",
    "130423-20200724-0105",
    "１３０４２３２０２００７２４０１０５",
    "MZ130423-2021-00000001",  # a visit number: 18 digits, not an ID (month 00)
    "MZ130423-2021-01010007",  # a visit number whose digits joined would pass the check
    "MZ-130423-2021-01010007",
    "CF130423-2021-01010007-3",
    f"编号MZ130423-2021-01010007，患者 {GOOD[:6]}-{GOOD[6:14]}-{GOOD[14:]}",  # both: an ID
    f"9{GOOD}",  # inside a longer number
    f"{GOOD}7",
    "",
    None,
    "abc",
    "ZY130423-2024-000123",
    f"{GOOD[:9]}\u3000{GOOD[9:]}",
    "130423800724010",  # the older 15-digit form
    "编号 130423 800724 010 止",
    "1304238007240101",  # 16 digits: neither form
    "JS130423000122881",  # a settlement number: 15 digits of the old form's shape, no ID
    "患者130423800724010",  # the older form after Chinese text: an ID
    f"JS{GOOD}",  # the 18-character form with its check digit: an ID even glued to letters
]


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for macro in MACROS:
        con.execute(macro)
    return con


def _fuzz(n: int) -> list[str]:
    rng = random.Random(11643)
    alphabet = "0123456789" * 4 + "Xx- \u3000０１９abMZ患"
    out = []
    for _ in range(n):
        if rng.random() < 0.3:  # a valid number, maybe spaced, inside some text
            base = list(GOOD if rng.random() < 0.5 else X_GOOD)
            for _ in range(rng.randint(0, 3)):
                base.insert(rng.randint(1, 17), rng.choice(" -\u3000"))
            out.append(rng.choice(["", "号", "a1"]) + "".join(base) + rng.choice(["", "x", "12"]))
        else:
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(10, 30))))
    return out


@pytest.mark.parametrize("text", FIXED)
def test_yg_has_id_agrees_with_python_on_the_known_forms(text):
    assert _con().execute("SELECT yg_has_id(?)", [text]).fetchone()[0] is has_id(text)


def test_yg_has_id_agrees_with_python_on_random_texts():
    texts = _fuzz(3000)
    con = _con()
    got = con.execute("SELECT list_transform(?, lambda t: yg_has_id(t))", [texts]).fetchone()[0]
    wrong = [t for t, g in zip(texts, got, strict=True) if g is not has_id(t)]
    assert wrong == []
    assert sum(got) > 300  # the fuzz does reach the positive branch


def test_yg_is_id_takes_whole_valid_numbers_only():
    con = _con()
    for text, expected in [(GOOD, True), (X_GOOD, True), ("130423202007240106", False)]:
        assert con.execute("SELECT yg_is_id(?)", [text]).fetchone()[0] is expected
    assert con.execute("SELECT yg_is_id(?)", [f" {GOOD}"]).fetchone()[0] is False


def test_yg_is_id_agrees_with_python_on_random_numbers():
    """The check character computed from the 17 digits as one number agrees with the digit by
    digit reading, for every check character and the lower-case x."""
    rng = random.Random(17)
    numbers = []
    for _ in range(3000):
        body = f"{rng.randint(1, 9)}{rng.randint(0, 99999):05d}{rng.choice(['19', '20'])}"
        body += f"{rng.randint(0, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        body += f"{rng.randint(0, 999):03d}"
        numbers.append(body + rng.choice("0123456789Xx"))
    got = _con().execute("SELECT list_transform(?, lambda t: yg_is_id(t))", [numbers]).fetchone()
    expected = [bool(re.fullmatch(ID_PATTERN, n)) and _check_ok(n) for n in numbers]
    assert got[0] == expected
    assert 100 < sum(expected) < 2900  # both answers are reached


def test_the_check_digit_macro_names_its_argument_once():
    """A macro's argument is evaluated wherever the body names it: the check-digit macro,
    given the extraction of a number, ran that extraction 18 times per row when its body named
    `x` for each digit (ingest of a 300,000-row visit list: 14 s in this one statement)."""
    (body,) = [m for m in MACROS if "yg_id18_ok(x)" in m]
    assert len(re.findall(r"\bx\b", body.split(" AS ", 1)[1])) == 1
    (has,) = [m for m in MACROS if "yg_has_id(s)" in m]
    assert has.count("yg_id_norm(") == 1
