"""Architecture check (AST scan): the money code never touches floats.

In ``yigong/payment/`` and the money modules: no float literal, no use of the name ``float``,
no ``/`` or ``//`` operator (every division goes through ``yigong.schema.rounding.divide``,
the Decimal context or the exact integer kernel ``payment/fen_arrays.py``), and no import of
float-producing or engine modules (math, statistics, random, pandas, ibis, duckdb,
yigong.warehouse). numpy is allowed for int64 columns of fen (the vectorised DRG and DIP), so
no float dtype may be named: no ``np.float64``-like attribute, no ``"float64"``/``"f8"`` dtype
string, no ``np.divide``/``np.true_divide``.
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
    "pandas",
    "ibis",
    "duckdb",
    "yigong.warehouse",
    "fractions",
}
FLOAT_FUNCTIONS = {"divide", "true_divide", "longdouble", "half", "single", "double"}
FLOAT_DTYPES = {"float16", "float32", "float64", "f2", "f4", "f8"}


def _float_dtype_argument(node: ast.AST) -> bool:
    """``x.astype(float)`` or ``dtype=float``."""
    if not isinstance(node, ast.Call):
        return False
    is_float = lambda a: isinstance(a, ast.Name) and a.id == "float"  # noqa: E731
    if (
        isinstance(node.func, ast.Attribute)
        and node.func.attr == "astype"
        and node.args
        and is_float(node.args[0])
    ):
        return True
    return any(k.arg == "dtype" and is_float(k.value) for k in node.keywords)


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
        elif _float_dtype_argument(node):
            found.append(f"{where}: float dtype argument")
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("np", "numpy")
            and ("float" in node.attr.lower() or node.attr in FLOAT_FUNCTIONS)
        ):
            found.append(f"{where}: float attribute np.{node.attr}")
        elif isinstance(node, ast.Constant) and node.value in FLOAT_DTYPES:
            found.append(f"{where}: float dtype {node.value!r}")
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
    bad = (
        "import math\nfrom pandas import sum\nx = 0.5\ny = float('1')\nz = a / b\nz //= 2\n"
        "from yigong.warehouse.store import s\nc.astype(np.float64)\nc.astype('f8')\n"
        "np.divide(a, b)\nnp.zeros(3, dtype=float)\n"
    )
    assert len(violations(ast.parse(bad))) == 11


def test_scan_covers_the_package() -> None:
    assert len(FILES) > 10
