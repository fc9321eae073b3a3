"""Shared centres (共享中心): centre types, their services, recognition windows as data.

A member institution sends a request (an examination to read, a sample to analyse, a case to
discuss) to a county centre; the centre reports back; the turnaround is the time between. When
the same service is ordered again for the same patient while an earlier report is younger than
the service's recognition window, the repeat is flagged for mutual recognition (互认): see
``recognition.py``. Service definitions are package data (``centres/packs/<county>-<version>/``,
rule packs holding one YAML file, read by `yigong.rulepacks.load_one_file_pack`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from yigong.graded_care.errors import DefinitionError, InvalidRequest
from yigong.rulepacks import (
    FieldPath,
    Issue,
    Level,
    Quote,
    SourceFile,
    builtin_folders,
    errors_in,
    load_one_file_pack,
    one_file_quotes,
    open_packs,
    parse_one_file,
)
from yigong.schema.codes import EXAM_TYPE
from yigong.schema.rounding import FEN


class CentreType(StrEnum):
    REMOTE_CONSULTATION = "remote_consultation"
    REMOTE_ECG = "remote_ecg"
    REMOTE_IMAGING = "remote_imaging"
    LABORATORY = "laboratory"
    PATHOLOGY = "pathology"


class CentreRequestStatus(StrEnum):
    """A centre request: requested → reported, or cancelled, or avoided by recognition."""

    REQUESTED = "requested"
    REPORTED = "reported"
    CANCELLED = "cancelled"
    AVOIDED = "avoided"

    @property
    def name_zh(self) -> str:
        return {
            "requested": "已申请",
            "reported": "已出报告",
            "cancelled": "已撤销",
            "avoided": "结果互认免检",
        }[self.value]


@dataclass(frozen=True)
class CentreService:
    """One service of a centre, its price and recognition window."""

    code: str
    name_zh: str
    centre: CentreType
    price: Decimal
    recognition_window_days: int | None
    turnaround_target_hours: int
    line: int
    exam_type: str | None = None  # canonical ``examinations.exam_type``; None: not an exam


@dataclass(frozen=True)
class CentreCatalog:
    county: str
    version: str
    source: str
    centres: dict[CentreType, str]
    services: dict[str, CentreService]
    file: str

    def service(self, code: str) -> CentreService:
        try:
            return self.services[code]
        except KeyError:
            raise InvalidRequest(
                f"unknown centre service {code!r} in {Path(self.file).name}; known: "
                f"{', '.join(sorted(self.services))}"
            ) from None


TOP_KEYS = ("county", "version", "source", "centres", "services")
SERVICE_KEYS = {
    "code",
    "name_zh",
    "centre",
    "exam_type",
    "price",
    "recognition_window_days",
    "turnaround_target_hours",
}


def parse_centre_catalog(text: str, file: str) -> tuple[CentreCatalog | None, list[Issue]]:
    """Parse and validate a centre services file; None when any error was found."""
    return parse_one_file(text, file, _catalog, decimals=False)


def _catalog(src: SourceFile) -> tuple[CentreCatalog | None, list[Issue]]:
    """The centre catalog of a read services file, validated field by field."""
    issues: list[Issue] = []
    file = src.name

    def err(code: str, message: str, line: int | None = None, field: str = "") -> None:
        issues.append(Issue(Level.ERROR, code, message, file, line, field))

    top = src.data
    if not isinstance(top, dict):
        err("not_a_mapping", "expected a mapping with county, version, source, centres, services")
        return None, issues
    for key in TOP_KEYS:
        if key not in top:
            err("missing_field", f"required field {key!r} is missing", None, key)
    for key in top:
        if key not in TOP_KEYS:
            err("unknown_field", f"unknown top-level field {key!r}", src.line((key,)), key)
    if not isinstance(top.get("centres"), dict):
        err("bad_value", "centres is a mapping of centre type to name", src.line(("centres",)))
    if not isinstance(top.get("services"), list):
        err("bad_value", "services is a list of services", src.line(("services",)))
    if issues:
        return None, issues
    centres: dict[CentreType, str] = {}
    for key, name in top["centres"].items():
        if key not in {c.value for c in CentreType}:
            err("bad_centre", f"unknown centre type {key!r}", src.line(("centres", key)), "centres")
        else:
            centres[CentreType(key)] = str(name)
    services: dict[str, CentreService] = {}
    for i, body in enumerate(top["services"]):
        svc = _service(src, ("services", i), body, centres, err)
        if svc is None:
            continue
        if svc.code in services:
            err(
                "duplicate_code",
                f"service {svc.code} already defined at line {services[svc.code].line}",
                svc.line,
                "code",
            )
        services[svc.code] = svc
    if issues:
        return None, issues
    head = {k: str(top[k]) for k in ("county", "version", "source")}
    return CentreCatalog(
        head["county"], head["version"], head["source"], centres, services, file
    ), issues


def _service(  # noqa: C901 - one check per field, in file order
    src: SourceFile,
    path: FieldPath,
    raw: Any,
    centres: dict[CentreType, str],
    err: Callable[..., None],
) -> CentreService | None:
    line = src.line(path) or 0
    if not isinstance(raw, dict):
        err("bad_service", "each service is a mapping", line)
        return None
    ok = True
    for key in sorted(set(raw) - SERVICE_KEYS):
        err("unknown_field", f"unknown service field {key!r}", line, key)
        ok = False
    for key in sorted(SERVICE_KEYS - set(raw)):
        err("missing_field", f"service is missing {key!r}", line, key)
        ok = False
    if not ok:
        return None
    try:
        centre = CentreType(str(raw["centre"]))
    except ValueError:
        err("bad_centre", f"unknown centre {raw['centre']!r}", line, "centre")
        return None
    if centre not in centres:
        err("bad_centre", f"centre {centre.value} is not declared under centres", line, "centre")
    try:
        price = Decimal(str(raw["price"]))
        if price < 0 or price != price.quantize(FEN):
            raise InvalidOperation
    except InvalidOperation:
        err(
            "bad_price",
            f"price {raw['price']!r} must be a non-negative amount in yuan with at "
            "most 2 decimals (quote it)",
            line,
            "price",
        )
        return None
    window = raw["recognition_window_days"]
    if window is not None and (
        not isinstance(window, int) or isinstance(window, bool) or window <= 0
    ):
        err(
            "bad_window",
            f"recognition_window_days {window!r} must be a positive integer or null",
            line,
            "recognition_window_days",
        )
        return None
    target = raw["turnaround_target_hours"]
    if not isinstance(target, int) or target <= 0:
        err(
            "bad_target",
            f"turnaround_target_hours {target!r} must be a positive integer",
            line,
            "turnaround_target_hours",
        )
        return None
    exam_type = raw["exam_type"]
    if exam_type is not None and exam_type not in EXAM_TYPE:
        err(
            "bad_exam_type",
            f"exam_type {exam_type!r} must be null or one of {', '.join(EXAM_TYPE)}",
            line,
            "exam_type",
        )
        return None
    return CentreService(
        str(raw["code"]), str(raw["name_zh"]), centre, price, window, target, line, exam_type
    )


PACKS_DIR = Path(__file__).parent / "packs"
PACK_KIND = "centre-services"


def centres_dir() -> Path:
    """The folder of the shipped centre-services packs."""
    return PACKS_DIR


def centre_files(directory: Path | None = None) -> list[Path]:
    """The services file of every pack folder ``<county>-<version>/`` in ``directory`` (the
    shipped packs by default), by folder name."""
    return [f for d in builtin_folders(directory or PACKS_DIR) for f in sorted(d.glob("*.yaml"))]


def pack_issues(refs: list[str | Path] | None = None) -> list[Issue]:
    """Findings about the built-in (or named) pack folders: manifest, README, licence, checksums."""
    return open_packs(PACKS_DIR, refs, PACK_KIND)[1]


def load_centre_catalog(county: str | None = None, path: str | Path | None = None) -> CentreCatalog:
    """The centre services for a county (falls back to ``default``), or from an explicit file or
    pack folder."""
    if path is None:
        files = centre_files()
        pick = [f for f in files if county and f.stem.startswith(f"{county}-")] or [
            f for f in files if f.stem.startswith("default-")
        ]
        if not pick:
            raise FileNotFoundError(f"no centre services pack in {centres_dir()}")
        path = pick[-1]
    catalog, issues = load_one_file_pack(PACKS_DIR, path, PACK_KIND, _catalog, decimals=False)
    if catalog is None:
        raise DefinitionError(errors_in(issues))
    return catalog


def check_centre_pack(ref: str | Path) -> list[Issue]:
    """Every finding about a centre-services pack: its folder and its services file."""
    return load_one_file_pack(PACKS_DIR, ref, PACK_KIND, _catalog, decimals=False)[1]


def policy_quotes() -> list[Quote]:
    """The source of every built-in centre-services file, at its file and line."""
    return one_file_quotes(
        PACKS_DIR,
        PACK_KIND,
        lambda data: [
            (
                ("source",),
                f"centre services {data.get('county')} {data.get('version')}",
                "catalog source",
            )
        ],
    )
