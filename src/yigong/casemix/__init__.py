"""DRG grouping (CHS-DRG 1.1 and regional variants) and case-mix metrics.

One engine driven only by versioned data packs (``packs/<pack-id>/``): a set-based batch
grouper (``group_cases``) and a per-case interpreter with a full rule trace
(``explain_case``). See ``docs/casemix.md``.
"""

from __future__ import annotations

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
