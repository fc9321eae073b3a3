"""Rule-pack use cases for every engine at once: list, check, seal, and the rules document.

Each engine keeps its pack kind (folder of built-in packs, validator, policy quotes); this module
only lists them and calls them: ``yigong packs list|check|seal|docs`` and the test suite use it.
A user pack folder is checked by the kind its manifest names.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from yigong.casemix import packs as drg
from yigong.casemix.validate import validate_pack
from yigong.charges import policy as prices
from yigong.drugs import policy as procurement
from yigong.graded_care.catalogs import loader as diseases
from yigong.graded_care.centres import catalog as centres
from yigong.indicators import loader as indicators
from yigong.indicators.benchmarks import benchmark_issues
from yigong.indicators.checks import validate as validate_catalog
from yigong.ingest import plausibility
from yigong.ingest.profiles import packs as profiles
from yigong.operations import loader as operations
from yigong.oversight import loader as screening
from yigong.payment import loader as payment
from yigong.public_health import loader as public_health
from yigong.reform import loader as tasks
from yigong.rulepacks import (
    Issue,
    Level,
    PackNotFound,
    Quote,
    builtin_folders,
    is_pack_folder,
    rules_markdown,
    seal,
)

__all__ = [
    "KINDS",
    "PackKind",
    "PackRow",
    "check_kind",
    "check_packs",
    "kind_of",
    "list_packs",
    "policy_quotes",
    "rules_document",
    "seal_pack",
]

Checker = Callable[[list[Path]], list[Issue]]


@dataclass(frozen=True)
class PackKind:
    """One kind of rule pack: the engine that reads it, its built-in packs and its validator."""

    kind: str
    engine: str
    title: str
    folder: Path  # the built-in packs
    check: Checker  # every finding for the given pack folders
    quotes: Callable[[], list[Quote]]


def _indicators(folders: list[Path]) -> list[Issue]:
    ids = {f.name for f in folders}
    given = [f for f in folders if f.resolve().parent != indicators.PACKS_DIR.resolve()]
    # a user copy replaces the built-in pack of the same id; the others stay (measures …)
    keep = [f for f in builtin_folders(indicators.PACKS_DIR) if not given or f.name not in ids]
    chosen = keep + given if given else folders
    catalog = indicators.load_catalog(chosen)
    found = validate_catalog(catalog) + indicators.edition_issues(chosen)
    tables = [
        f / "national-benchmarks.csv" for f in chosen if (f / "national-benchmarks.csv").is_file()
    ]
    return found + [i for t in tables for i in benchmark_issues(t, set(catalog.indicators))]


def _payment(folders: list[Path]) -> list[Issue]:
    return [i for f in folders for i in payment.check_policy_pack(f)]


def _diseases(folders: list[Path]) -> list[Issue]:
    return [i for f in folders for i in diseases.validate_catalog_file(f)]


def _centres(folders: list[Path]) -> list[Issue]:
    return [i for f in folders for i in centres.check_centre_pack(f)]


def _screening(folders: list[Path]) -> list[Issue]:
    return screening.load_rules(folders).issues


def _tasks(folders: list[Path]) -> list[Issue]:
    return tasks.validate(tasks.load_tasks(folders), indicators.load_catalog())


def _public_health(folders: list[Path]) -> list[Issue]:
    return [i for f in folders for i in public_health.check_rules_pack(f)]


def _operations(folders: list[Path]) -> list[Issue]:
    return [i for f in folders for i in operations.check_policy_pack(f)]


def _drg(folders: list[Path]) -> list[Issue]:
    return [i for f in folders for i in validate_pack(f)]


def _procurement(folders: list[Path]) -> list[Issue]:
    return [i for f in folders for i in procurement.check_pack(f)]


def _prices(folders: list[Path]) -> list[Issue]:
    return [i for f in folders for i in prices.check_pack(f)]


def _profiles(folders: list[Path]) -> list[Issue]:
    out = []
    for folder in folders:
        try:
            profiles.load_profile(folder)
        except profiles.ProfileError as exc:
            out.append(Issue(Level.ERROR, "profile", str(exc), f"{folder.name}/profile.toml"))
    return out


def _plausibility(folders: list[Path]) -> list[Issue]:
    return [i for f in folders for i in plausibility.check_pack(f)]


def _kinds() -> tuple[PackKind, ...]:
    return (
        PackKind("drg-grouper", "casemix", "DRG grouper packs", drg.PACKS_DIR, _drg,
                 drg.policy_quotes),
        PackKind(indicators.PACK_KIND, "indicators", "indicator catalog", indicators.PACKS_DIR,
                 _indicators, indicators.policy_quotes),
        PackKind(payment.PACK_KIND, "payment", "settlement policies", payment.PACKS_DIR,
                 _payment, payment.policy_quotes),
        PackKind(diseases.PACK_KIND, "graded_care", "three-level disease catalogs",
                 diseases.PACKS_DIR, _diseases, diseases.policy_quotes),
        PackKind(centres.PACK_KIND, "graded_care", "shared centres and services",
                 centres.PACKS_DIR, _centres, centres.policy_quotes),
        PackKind(screening.PACK_KIND, "oversight", "fund-supervision screening rules",
                 screening.PACKS_DIR, _screening, screening.policy_quotes),
        PackKind(tasks.PACK_KIND, "reform", "reform tasks", tasks.PACKS_DIR, _tasks,
                 tasks.policy_quotes),
        PackKind(procurement.PACK_KIND, "drugs", "procurement policies", procurement.PACKS_DIR,
                 _procurement, procurement.policy_quotes),
        PackKind(prices.PACK_KIND, "charges", "price policies", prices.PACKS_DIR, _prices,
                 prices.policy_quotes),
        PackKind(profiles.KIND, "ingest", "layout profiles of national exports",
                 profiles.SHIPPED, _profiles, list),
        PackKind(plausibility.PACK_KIND, "ingest", "plausibility rules of ingest (dates, "
                 "length of stay, parts ≤ total)", plausibility.PACKS_DIR, _plausibility,
                 plausibility.policy_quotes),
        PackKind(public_health.PACK_KIND, "public_health", "public-health rules",
                 public_health.PACKS_DIR, _public_health, public_health.policy_quotes),
        PackKind(operations.PACK_KIND, "operations", "hospital operations: cost accounting, "
                 "budget monitoring, performance pay", operations.PACKS_DIR, _operations,
                 operations.policy_quotes),
    )  # fmt: skip


KINDS: tuple[str, ...] = (
    "drg-grouper",
    "indicator-catalog",
    "payment-policy",
    "disease-catalog",
    "centre-services",
    "screening-rules",
    "reform-tasks",
    "procurement-policy",
    "price-policy",
    "layout-profile",
    "plausibility-rules",
    "public-health-rules",
    "operations-policy",
)


def _kind(name: str) -> PackKind:
    return next(k for k in _kinds() if k.kind == name)


def kind_of(folder: Path) -> str:
    """The kind a pack folder's manifest names (grouper packs: ``drg-grouper``)."""
    with (folder / "manifest.toml").open("rb") as fh:
        data = tomllib.load(fh)
    if "tables" in data:  # the grouper pack format (casemix/manifest.py)
        return "drg-grouper"
    return str(data.get("pack", {}).get("kind", ""))


@dataclass(frozen=True)
class PackRow:
    """One built-in pack: kind, engine, id, version, title and folder."""

    kind: str
    engine: str
    id: str
    version: str
    title: str
    folder: Path


def list_packs() -> list[PackRow]:
    """Every built-in pack of every kind."""
    rows: list[PackRow] = []
    for k in _kinds():
        for folder in builtin_folders(k.folder):
            with (folder / "manifest.toml").open("rb") as fh:
                head = tomllib.load(fh)["pack"]
            version = str(head.get("version") or head.get("scheme_version", ""))
            title = str(head.get("title_en") or head.get("title", ""))
            rows.append(PackRow(k.kind, k.engine, folder.name, version, title, folder))
    return rows


def check_kind(kind: str, refs: Sequence[str | Path] | None = None) -> list[Issue]:
    """Every finding about the built-in packs of one kind (or the given folders / ids)."""
    k = _kind(kind)
    if not refs:
        return k.check(builtin_folders(k.folder))
    return [i for found in check_packs(refs).values() for i in found]


def check_packs(refs: Sequence[str | Path] | None = None) -> dict[str, list[Issue]]:
    """Findings per kind: every built-in pack (no ``refs``), or the given pack folders (each
    checked by the kind its manifest names)."""
    if not refs:
        return {k.kind: k.check(builtin_folders(k.folder)) for k in _kinds()}
    by_kind: dict[str, list[Path]] = {}
    missing: list[Issue] = []
    for ref in refs:
        folder = Path(ref)
        if not is_pack_folder(folder):
            known = [r for r in list_packs() if r.id == str(ref)]
            if not known:
                missing.append(
                    Issue(
                        Level.ERROR,
                        "pack.unknown",
                        f"no pack {str(ref)!r}: a built-in pack id or a folder with manifest.toml",
                        str(ref),
                    )
                )
                continue
            folder = known[0].folder
        kind = kind_of(folder)
        if kind not in KINDS:
            missing.append(
                Issue(Level.ERROR, "pack.kind", f"unknown pack kind {kind!r}", str(folder))
            )
            continue
        by_kind.setdefault(kind, []).append(folder)
    out = {kind: _kind(kind).check(folders) for kind, folders in by_kind.items()}
    if missing:
        out["unknown"] = missing
    return out


def seal_pack(folder: Path) -> dict[str, str]:
    """Record the SHA-256 of every file of a (user) pack folder in its manifest."""
    if not is_pack_folder(folder):
        raise PackNotFound(
            [Issue(Level.ERROR, "pack.unknown", "no manifest.toml in the folder", str(folder))]
        )
    if kind_of(folder) == "drg-grouper":
        raise PackNotFound(
            [
                Issue(
                    Level.ERROR,
                    "pack.kind",
                    "grouper packs are built (and their manifests written) by "
                    "yigong.casemix.packbuild",
                    str(folder),
                )
            ]
        )
    return seal(folder)


def policy_quotes() -> list[Quote]:
    """Every policy sentence the built-in packs carry, with pack, file and line."""
    return [q for k in _kinds() for q in k.quotes()]


def rules_document() -> str:
    """The text of ``docs/rules.md``: policy sentence → pack → file:line."""
    return rules_markdown(policy_quotes())
