"""DRG grouping (CHS-DRG 1.1 and regional variants) and case-mix metrics.

One engine driven only by versioned data packs (``packs/<pack-id>/``): a set-based batch
grouper (``group_cases``) and a per-case interpreter with a full rule trace
(``explain_case``). See ``docs/casemix.md``.

The names below are loaded on first use (PEP 562, as in `yigong.ingest`): ``yigong drg group
IN.csv`` imports only the batch grouper and the file contract, and its start-up time is part
of the job; the pack loader and validator (Pydantic, the rule-pack machinery) and the
per-case interpreter load when a caller asks for them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yigong.casemix.batch import group_cases
    from yigong.casemix.case import STATUSES, Case, GroupStatus
    from yigong.casemix.contract import (
        INPUT_SCHEMA,
        OUTPUT_COLUMNS,
        InputError,
        cases_to_table,
        input_problems,
        read_cases_csv,
        table_to_cases,
        write_results_csv,
    )
    from yigong.casemix.explain import explain_case
    from yigong.casemix.packs import Pack, PackError, available_packs, load_pack, read_pack
    from yigong.casemix.trace import Trace
    from yigong.casemix.validate import validate_pack
    from yigong.rulepacks import Issue, Level

#: public name -> the module that defines it
_HOME = {
    "INPUT_SCHEMA": "yigong.casemix.contract",
    "OUTPUT_COLUMNS": "yigong.casemix.contract",
    "STATUSES": "yigong.casemix.case",
    "Case": "yigong.casemix.case",
    "GroupStatus": "yigong.casemix.case",
    "InputError": "yigong.casemix.contract",
    "Issue": "yigong.rulepacks",
    "Level": "yigong.rulepacks",
    "Pack": "yigong.casemix.packs",
    "PackError": "yigong.casemix.packs",
    "Trace": "yigong.casemix.trace",
    "available_packs": "yigong.casemix.packs",
    "cases_to_table": "yigong.casemix.contract",
    "explain_case": "yigong.casemix.explain",
    "input_problems": "yigong.casemix.contract",
    "group_cases": "yigong.casemix.batch",
    "load_pack": "yigong.casemix.packs",
    "read_cases_csv": "yigong.casemix.contract",
    "read_pack": "yigong.casemix.packs",
    "table_to_cases": "yigong.casemix.contract",
    "validate_pack": "yigong.casemix.validate",
    "write_results_csv": "yigong.casemix.contract",
}

__all__ = [
    "INPUT_SCHEMA",
    "OUTPUT_COLUMNS",
    "STATUSES",
    "Case",
    "GroupStatus",
    "InputError",
    "Issue",
    "Level",
    "Pack",
    "PackError",
    "Trace",
    "available_packs",
    "cases_to_table",
    "explain_case",
    "input_problems",
    "group_cases",
    "load_pack",
    "read_cases_csv",
    "read_pack",
    "table_to_cases",
    "validate_pack",
    "write_results_csv",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
