"""Architecture check (AST scan): the money code never touches floats.

In ``yigong/payment/`` and the money modules: no float literal, no ``float()`` call, no ``/``
or ``//`` operator (every division goes through ``yigong.schema.rounding.divide`` or the
Decimal context, which refuse floats at run time), and no import of float-producing or
engine modules (math, statistics, random, numpy, pandas, ibis, duckdb, yigong.warehouse).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "yigong"
FILES = sorted((SRC / "payment").rglob("*.py")) + [
    SRC / "schema" / "money.py",
    SRC / "schema" / "rounding.py",
]
BANNED_MODULES = {
    "math",
    "cmath",
    "statistics",
    "random",
    "numpy",
    "pandas",
    "ibis",
    "duckdb",
    "yigong.warehouse",
    "fractions",
}


def violations(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            found.append(f"{where}: float literal {node.value!r}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "float"
        ):
            found.append(f"{where}: float() call")
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(
            node.op, (ast.Div, ast.FloorDiv)
        ):
            found.append(f"{where}: '/' operator (use rounding.divide)")
        elif isinstance(node, ast.Import):
            found += [
                f"{where}: import {a.name}"
                for a in node.names
                if a.name.split(".")[0] in BANNED_MODULES or a.name in BANNED_MODULES
            ]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and (
                node.module in BANNED_MODULES
                or node.module.split(".")[0] in BANNED_MODULES
                or node.module.startswith("yigong.warehouse")
            )
        ):
            found.append(f"{where}: from {node.module} import")
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_float_in_money_code(path: Path) -> None:
    assert violations(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_scanner_catches_each_kind() -> None:
    bad = "import math\nfrom numpy import sum\nx = 0.5\ny = float('1')\nz = a / b\nz //= 2\nfrom yigong.warehouse.store import s\n"
    assert len(violations(ast.parse(bad))) == 7


def test_scan_covers_the_package() -> None:
    assert len(FILES) > 10
