"""The curated condition table: what residents are treated for, where, how long and at what cost.

Definitions are data (`synth/data/*.csv`); this module loads and validates them and turns
them into arrays the generators sample from. A bad file raises `ConditionDataError` listing
every problem with file, line, field and reason.
"""

from __future__ import annotations

import bisect
import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

from yigong.rulepacks import Issue, IssuesError, error
from yigong.schema.codes import national_codes, procedure_categories
from yigong.schema.tables import DISCHARGE_COST_COLUMNS

LEVELS = ("township", "county", "out")
SEX_CODES = {"A": 0, "M": 1, "F": 2}


def _issue(file: str, line: int, field: str, reason: str) -> Issue:
    """One problem in a definition file (line 0: the file as a whole)."""
    return error("synth.data", reason, file, line or None, field)


class ConditionDataError(IssuesError, ValueError):
    """The curated condition files are invalid; carries every issue."""


@dataclass(frozen=True)
class Conditions:
    """Column arrays over the curated conditions (index = condition number)."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    icd_codes: tuple[np.ndarray, ...]  # candidate ICD-10 codes per condition
    icd_weights: tuple[np.ndarray, ...]
    sex: np.ndarray  # 0 any, 1 male only, 2 female only
    age_min: np.ndarray
    age_max: np.ndarray
    age_weights: np.ndarray  # (C, bands)
    male_share: np.ndarray
    ip_rate: np.ndarray  # admissions per 1,000 residents per year
    op_rate: np.ndarray  # outpatient visits per resident per year
    ip_levels: np.ndarray  # (C, 3): township, county, out of county
    op_levels: np.ndarray  # (C, 4): village, township, county, out of county
    site: np.ndarray  # (C, 3): county general, TCM, MCH hospital
    los: np.ndarray  # median length of stay at a county hospital (days)
    cost: np.ndarray  # median cost per stay at a county hospital in 2021 (yuan)
    op_cost: np.ndarray  # median cost per outpatient visit at a county hospital in 2021 (yuan)
    mortality: np.ndarray  # in-hospital death probability at a county hospital, adult
    profile: np.ndarray  # index into profiles
    profiles: np.ndarray  # (P, 11) cost shares in DISCHARGE_COST_COLUMNS order
    profile_names: tuple[str, ...]
    department: tuple[str, ...]
    chronic: np.ndarray  # bool: outpatient chronic and special disease (门诊慢特病)
    seasonal: np.ndarray  # winter peak amplitude (negative = summer peak)
    refer_up: np.ndarray  # share of county admissions referred up from a township centre
    newborn: np.ndarray  # bool: drawn from the births of the year
    procedures: Procedures
    comorbid_codes: tuple[str, ...]
    comorbid_prefix: tuple[str, ...]
    comorbid_young: np.ndarray
    comorbid_old: np.ndarray

    @property
    def count(self) -> int:
        return len(self.ids)

    def index(self, condition_id: str) -> int:
        return self.ids.index(condition_id)


@dataclass(frozen=True)
class Procedures:
    """Procedure options; rows of one (condition, group) are alternatives (choose one)."""

    condition: np.ndarray
    group: np.ndarray  # global group number
    code: tuple[str, ...]
    share: np.ndarray
    grade: np.ndarray
    minimally_invasive: np.ndarray
    day_surgery: np.ndarray
    min_level: np.ndarray  # index into LEVELS


DATA = resources.files("yigong.synth") / "data"


def _read(name: str, base: Traversable | Path = DATA) -> list[tuple[int, dict[str, str]]]:
    with (base / name).open("r", encoding="utf-8", newline="") as fh:
        return [(i + 2, row) for i, row in enumerate(csv.DictReader(fh))]


class _Checker:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def num(
        self,
        file: str,
        line: int,
        row: dict[str, str],
        field: str,
        lo: float = 0.0,
        hi: float = float("inf"),
    ) -> float:
        raw = row.get(field)
        try:
            value = float(raw) if raw is not None else float("nan")
        except ValueError:
            self.issues.append(_issue(file, line, field, f"not a number: {raw!r}"))
            return 0.0
        if not lo <= value <= hi:
            self.issues.append(_issue(file, line, field, f"{value} outside [{lo}, {hi}]"))
        return value

    def shares(self, file: str, line: int, row: dict[str, str], fields: list[str]) -> list[float]:
        values = [self.num(file, line, row, f, 0, 1) for f in fields]
        if abs(sum(values) - 1) > 1e-6:
            self.issues.append(
                _issue(file, line, "+".join(fields), f"shares sum to {sum(values):.4f}, not 1")
            )
        return values


@cache
def drg_principal_codes() -> frozenset[str]:
    """Diagnosis codes some MDC of the national CHS-DRG 1.1 pack accepts as principal.

    Coders in DRG-paid hospitals code the principal diagnosis to the codes the grouper lists
    (often the 医保版 extension, e.g. I10.x00x002 rather than I10.x00); the generator does too.
    """
    ref = resources.files("yigong.casemix") / "packs" / "chs-drg-1.1" / "mdc_diagnoses.csv"
    with ref.open("r", encoding="utf-8", newline="") as fh:
        return frozenset(row["code"] for row in csv.DictReader(fh))


def _icd_candidates(prefix_list: str, sorted_codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Codes starting with any of the prefixes (dagger/asterisk combinations left out), kept to
    those the DRG scheme accepts as principal diagnosis where any of them is."""
    codes: list[str] = []
    for p in prefix_list.split():
        lo = bisect.bisect_left(sorted_codes, p)
        hi = bisect.bisect_left(sorted_codes, p + "\uffff")
        codes += [c for c in sorted_codes[lo:hi] if "+" not in c and "*" not in c]
    codes = sorted(set(codes))
    accepted = [c for c in codes if c in drg_principal_codes()]
    codes = accepted or codes
    weights = np.array([1.0 if "x" in c[4:] else 3.0 for c in codes])
    return np.array(codes, dtype=object), weights / weights.sum() if len(codes) else weights


@cache
def load_conditions() -> Conditions:
    """Load and validate the curated condition, procedure and comorbidity tables (package data)."""
    return read_conditions(DATA)


def read_conditions(base: Traversable | Path) -> Conditions:
    """Load and validate the condition files in directory `base`; raises `ConditionDataError`."""
    check = _Checker()
    icd10, icd9 = national_codes("icd10"), national_codes("icd9cm3")
    sorted_icd10 = sorted(icd10)
    patterns = {}
    for line, row in _read("age_patterns.csv", base):
        keys = [k for k in row if k.startswith("a")]
        patterns[row["pattern"]] = [check.num("age_patterns.csv", line, row, k) for k in keys]
    profile_names, profile_rows = [], []
    for line, row in _read("cost_profiles.csv", base):
        profile_names.append(row["profile"])
        profile_rows.append(
            check.shares("cost_profiles.csv", line, row, list(DISCHARGE_COST_COLUMNS))
        )
    f = "conditions.csv"
    cols: dict[str, list] = {
        k: []
        for k in (
            "ids",
            "names",
            "codes",
            "weights",
            "sex",
            "age_min",
            "age_max",
            "age_w",
            "male",
            "ip",
            "op",
            "ipl",
            "opl",
            "site",
            "los",
            "cost",
            "op_cost",
            "mort",
            "profile",
            "dept",
            "chronic",
            "seasonal",
            "up",
            "newborn",
        )
    }
    for line, row in _read(f, base):
        cid = row["id"]
        cols["ids"].append(cid)
        cols["names"].append(row["name_zh"])
        codes, weights = _icd_candidates(row["icd10"], sorted_icd10)
        if not len(codes):
            check.issues.append(
                _issue(f, line, "icd10", f"no ICD-10 code starts with {row['icd10']!r}")
            )
        cols["codes"].append(codes)
        cols["weights"].append(weights)
        if row["sex"] not in SEX_CODES:
            check.issues.append(_issue(f, line, "sex", f"{row['sex']!r} is not A, M or F"))
        cols["sex"].append(SEX_CODES.get(row["sex"], 0))
        cols["age_min"].append(check.num(f, line, row, "age_min", 0, 120))
        cols["age_max"].append(check.num(f, line, row, "age_max", 0, 120))
        if row["age_pattern"] not in patterns:
            check.issues.append(
                _issue(f, line, "age_pattern", f"unknown pattern {row['age_pattern']!r}")
            )
        cols["age_w"].append(patterns.get(row["age_pattern"], patterns.get("all")))
        cols["newborn"].append(row["age_pattern"] == "newborn")
        cols["male"].append(check.num(f, line, row, "male_share", 0, 1))
        ip = check.num(f, line, row, "ip_rate", 0, 100)
        op = check.num(f, line, row, "op_rate", 0, 5)
        cols["ip"].append(ip)
        cols["op"].append(op)
        ipl = ["ip_township", "ip_county", "ip_out"]
        opl = ["op_village", "op_township", "op_county", "op_out"]
        cols["ipl"].append(check.shares(f, line, row, ipl) if ip else [0.0] * 3)
        cols["opl"].append(check.shares(f, line, row, opl) if op else [0.0] * 4)
        cols["site"].append(check.shares(f, line, row, ["w_general", "w_tcm", "w_mch"]))
        cols["los"].append(check.num(f, line, row, "los", 1 if ip else 0, 120))
        cols["cost"].append(check.num(f, line, row, "cost", 100 if ip else 0, 1e6))
        cols["op_cost"].append(check.num(f, line, row, "op_cost", 10 if op else 0, 1e5))
        cols["mort"].append(check.num(f, line, row, "mortality", 0, 0.5))
        if row["profile"] not in profile_names:
            check.issues.append(
                _issue(f, line, "profile", f"unknown cost profile {row['profile']!r}")
            )
        cols["profile"].append(
            profile_names.index(row["profile"]) if row["profile"] in profile_names else 0
        )
        cols["dept"].append(row["department"])
        cols["chronic"].append(row["chronic"] == "1")
        cols["seasonal"].append(check.num(f, line, row, "seasonal", -0.9, 0.9))
        cols["up"].append(check.num(f, line, row, "refer_up", 0, 1))
    ids = tuple(cols["ids"])
    procedures = _load_procedures(check, ids, icd9, base)
    comorb = [(line, row) for line, row in _read("comorbidities.csv", base)]
    for line, row in comorb:
        if row["code"] not in icd10:
            check.issues.append(
                _issue("comorbidities.csv", line, "code", f"{row['code']!r} not in ICD-10 医保版")
            )
    if check.issues:
        raise ConditionDataError(check.issues)
    arr = np.asarray
    return Conditions(
        ids=ids,
        names=tuple(cols["names"]),
        icd_codes=tuple(cols["codes"]),
        icd_weights=tuple(cols["weights"]),
        sex=arr(cols["sex"]),
        age_min=arr(cols["age_min"]),
        age_max=arr(cols["age_max"]),
        age_weights=arr(cols["age_w"]),
        male_share=arr(cols["male"]),
        ip_rate=arr(cols["ip"]),
        op_rate=arr(cols["op"]),
        ip_levels=arr(cols["ipl"]),
        op_levels=arr(cols["opl"]),
        site=arr(cols["site"]),
        los=arr(cols["los"]),
        cost=arr(cols["cost"]),
        op_cost=arr(cols["op_cost"]),
        mortality=arr(cols["mort"]),
        profile=arr(cols["profile"]),
        profiles=arr(profile_rows),
        profile_names=tuple(profile_names),
        department=tuple(cols["dept"]),
        chronic=arr(cols["chronic"]),
        seasonal=arr(cols["seasonal"]),
        refer_up=arr(cols["up"]),
        newborn=arr(cols["newborn"]),
        procedures=procedures,
        comorbid_codes=tuple(r["code"] for _, r in comorb),
        comorbid_prefix=tuple(r["prefix"] for _, r in comorb),
        comorbid_young=arr([float(r["weight_young"]) for _, r in comorb]),
        comorbid_old=arr([float(r["weight_old"]) for _, r in comorb]),
    )


def _load_procedures(
    check: _Checker, ids: tuple[str, ...], icd9: dict[str, str], base: Traversable | Path
) -> Procedures:
    f = "procedures.csv"
    rows = _read(f, base)
    groups: dict[tuple[str, str], int] = {}
    out: dict[str, list] = {
        k: [] for k in ("cond", "group", "code", "share", "grade", "mi", "day", "lvl")
    }
    for line, row in rows:
        if row["condition"] not in ids:
            check.issues.append(
                _issue(f, line, "condition", f"unknown condition {row['condition']!r}")
            )
            continue
        if row["icd9"] not in icd9:
            check.issues.append(
                _issue(f, line, "icd9", f"{row['icd9']!r} not in ICD-9-CM-3 医保版")
            )
        surgery = procedure_categories().get(row["icd9"]) in ("operation", "interventional")
        if (row["grade"] or row["day_surgery"] == "1") and not surgery:
            check.issues.append(
                _issue(
                    f, line, "grade", f"{row['icd9']} is not an operation: no grade, no day surgery"
                )
            )
        if row["min_level"] not in LEVELS:
            check.issues.append(
                _issue(f, line, "min_level", f"{row['min_level']!r} not in {LEVELS}")
            )
        key = (row["condition"], row["group"])
        out["cond"].append(ids.index(row["condition"]))
        out["group"].append(groups.setdefault(key, len(groups)))
        out["code"].append(row["icd9"])
        out["share"].append(check.num(f, line, row, "share", 0, 1))
        # 手术级别 is recorded for operations and interventional treatment only
        out["grade"].append(int(check.num(f, line, row, "grade", 1, 4)) if row["grade"] else 0)
        out["mi"].append(row["minimally_invasive"] == "1")
        out["day"].append(row["day_surgery"] == "1")
        out["lvl"].append(LEVELS.index(row["min_level"]) if row["min_level"] in LEVELS else 0)
    share = np.asarray(out["share"], dtype=float)
    group = np.asarray(out["group"], dtype=np.int64)
    for g, total in enumerate(np.bincount(group, weights=share, minlength=len(groups))):
        if total > 1 + 1e-9:
            key = next(k for k, v in groups.items() if v == g)
            check.issues.append(_issue(f, 0, "share", f"group {key} shares sum to {total:.3f} > 1"))
    return Procedures(
        condition=np.asarray(out["cond"], dtype=np.int64),
        group=group,
        code=tuple(out["code"]),
        share=share,
        grade=np.asarray(out["grade"], dtype=np.int64),
        minimally_invasive=np.asarray(out["mi"]),
        day_surgery=np.asarray(out["day"]),
        min_level=np.asarray(out["lvl"], dtype=np.int64),
    )
