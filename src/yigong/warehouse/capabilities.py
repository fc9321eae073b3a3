"""What a backend can do, by name: the features every backend is measured against, and the
gaps each backend declares (a feature it does not run, with the reason and what to do instead).

A backend's capabilities are all features minus its gaps. Code that needs a feature asks for
it by name (`require`), so an unsupported action fails with one line naming the feature and
the reason, never silently. The compliance suite (`tests/warehouse/compliance/`) turns the
declared gaps into strict expected failures, so a gap is listed, tested and documented in one
place (`docs/scale.md` shows the same table).
"""

from __future__ import annotations

from importlib import import_module
from types import MappingProxyType
from typing import Final

#: every feature a backend may or may not have: name -> what it is.
FEATURES: Final = MappingProxyType(
    {
        "ingest:parquet": "ingest Parquet files",
        "ingest:csv": "ingest CSV files",
        "ingest:xlsx": "ingest Excel (.xlsx) files",
        "ingest:malformed": "report malformed CSV lines as the `malformed` rule",
        "atomic_commit": "a transaction's writes become visible all at once, even on a crash",
        "settlement": "settlements (yigong settle …)",
        "workflow": "the workflow store's feed, reform tasks, the API and the cockpit",
        "screening": "fund-supervision screening (yigong screen …)",
        "status": "yigong status (rows per table and year, quarantine, recent runs)",
        "demo": "make demo / yigong demo",
    }
)

BACKENDS: Final = ("duckdb", "spark")


class BackendError(ValueError):
    """An unknown backend, or an action the chosen backend does not support."""


def gaps(kind: str) -> dict[str, str]:
    """The features backend `kind` declares unsupported: feature -> reason and what to do."""
    if kind not in BACKENDS:
        raise BackendError(f"unknown backend {kind!r}: choose one of {', '.join(BACKENDS)}")
    declared: dict[str, str] = import_module(f"yigong.warehouse.backends.{kind}.gaps").GAPS
    unknown = set(declared) - set(FEATURES)
    if unknown:  # a gap must name a feature of the list above
        raise AssertionError(f"{kind}: gaps name unknown features {sorted(unknown)}")
    return dict(declared)


def capabilities(kind: str) -> frozenset[str]:
    """The features backend `kind` runs."""
    return frozenset(FEATURES) - set(gaps(kind))


def unsupported(feature: str, kind: str) -> BackendError:
    """The error for `feature` on backend `kind`, naming the feature and the declared reason."""
    reason = gaps(kind).get(feature)
    if reason is None:
        raise AssertionError(f"{feature!r} is not a declared gap of the {kind} backend")
    return BackendError(f"not supported on the {kind} backend: {feature}: {reason}")


def require(kind: str, *features: str) -> None:
    """Raise `BackendError` for the first of `features` that backend `kind` does not run."""
    for feature in features:
        if feature not in FEATURES:
            raise AssertionError(f"unknown feature {feature!r}")
        if feature in gaps(kind):
            raise unsupported(feature, kind)
