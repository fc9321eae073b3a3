"""Case-mix references as user actions: choose one, build one from a wider warehouse.

A reference (`yigong.casemix.metrics.reference`) gives each DRG its weight, reference means
and low-risk flag from a population wider than the nodes assessed. It is chosen by

* a shipped name (``handan-city-synthetic-2023-2024``; `references/references.toml`),
* a CSV file (``drg,weight[,mean_cost,mean_los,low_risk]``), or
* ``warehouse:PATH``: another warehouse (a city's or province's) whose grouped discharges
  under the scheme give the weights and low-risk DRGs,

and by default the scheme's shipped default. The node's own warehouse is never used unless
named explicitly as ``warehouse:<its path>`` (meaningful when it holds the wider population).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis
import pyarrow as pa

from yigong.casemix.metrics.reference import (
    as_reference,
    read_reference,
    reference_from_grouped,
    write_reference,
)
from yigong.casemix.references import default_reference, shipped_references
from yigong.services.warehouse import opened
from yigong.warehouse import Tables, Warehouse

__all__ = ["ChosenReference", "build_reference", "choose_reference"]


@dataclass(frozen=True)
class ChosenReference:
    """A reference ready to apply: its id (stored with the case facts), table and provenance."""

    id: str
    table: ibis.Table
    provenance: list[str]


def choose_reference(scheme: str, choice: str | Path | None = None) -> ChosenReference:
    """The reference named by ``choice`` (or the scheme's default); raises ``ValueError``
    naming what to pass when there is none."""
    if choice is None:
        shipped = default_reference(scheme)
        if shipped is None:
            raise ValueError(
                f"no case-mix reference for scheme {scheme!r}: pass --reference NAME, a CSV "
                "(drg,weight,…) or warehouse:PATH of a wider population; CMI is never fitted "
                "on the node's own cases"
            )
        choice = shipped.name
    text = str(choice)
    if text.startswith("warehouse:"):
        path = Path(text.removeprefix("warehouse:"))
        if not path.exists():
            raise ValueError(f"no reference warehouse at {path}")
        table, rows = _from_warehouse(path, scheme)
        return ChosenReference(
            f"warehouse:{path.name}",
            table,
            [f"computed on {rows:,} grouped discharges of {path} under {scheme}"],
        )
    shipped = shipped_references().get(text)
    if shipped is not None:
        if shipped.scheme != scheme:
            raise ValueError(f"reference {text!r} is for scheme {shipped.scheme!r}, not {scheme!r}")
        table, header = read_reference(shipped.path)
        return ChosenReference(shipped.name, table, [shipped.title, *header])
    path = Path(text)
    if not path.is_file():
        known = ", ".join(sorted(shipped_references()))
        raise ValueError(f"reference {text!r}: not a shipped name ({known}) nor a CSV file")
    table, header = read_reference(path)
    return ChosenReference(path.name, table, header)


def _grouped(tables: Tables, scheme: str) -> ibis.Table:
    from yigong.services.casemix import (  # lazy: cycle (services.casemix imports this)
        RESULTS_TABLE,
        grouped_discharges,
    )

    if not tables.has_table(RESULTS_TABLE):
        raise ValueError(
            f"no {RESULTS_TABLE} table: run `yigong drg group --warehouse … --scheme {scheme}` "
            "on the reference warehouse first"
        )
    return grouped_discharges(tables, scheme, "year")


def _from_warehouse(path: Path, scheme: str) -> tuple[ibis.Table, int]:
    with opened(path, read_only=True) as wh:
        g = _grouped(wh, scheme)
        rows = int(g.filter(g.status == "grouped").count().to_pyarrow().as_py())
        ref = wh.to_arrow(as_reference(reference_from_grouped(g)))
    return ibis.memtable(ref), rows


def build_reference(
    wh: Warehouse, scheme: str, out: Path, description: str = ""
) -> tuple[Path, pa.Table]:
    """Compute a reference on this warehouse's grouped discharges and write it as CSV (a
    province's or city's bureau distributes it to its counties)."""
    g = _grouped(wh, scheme)
    table = wh.to_arrow(reference_from_grouped(g))
    cases = sum(r["cases"] for r in table.to_pylist())
    header = [
        description or f"reference computed by yigong drg reference under {scheme}",
        f"scheme {scheme}; {table.num_rows} DRGs; {cases:,} grouped discharges",
        "weight: mean cost of the DRG / mean cost of all cases, IQR x3 trimming within each DRG",
        "low_risk: national method, over DRGs with deaths ln(mortality) < mean - 1 sd",
    ]
    return write_reference(table, out, header), table
