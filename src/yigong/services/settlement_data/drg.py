"""DRG cases of a county-year from ``drg_results`` and ``discharges``."""

from __future__ import annotations

from pathlib import Path

from ibis.common.exceptions import TableNotFound

from yigong.casemix.metrics.weights import read_weight_table, weights_from_data
from yigong.payment.bundle_casemix import DrgInputs
from yigong.payment.drg import DrgCaseColumns
from yigong.payment.policy_inputs import InstitutionLevels
from yigong.schema.money import Money
from yigong.services.casemix import RESULTS_TABLE, grouped_discharges
from yigong.services.settlement_data._common import Provenance, error, fetch
from yigong.services.settlement_data.arrow_columns import codes, ints, level_codes
from yigong.warehouse.hierarchy import division_prefix
from yigong.warehouse.protocol import Tables

__all__ = ["drg_inputs_from_warehouse"]


def drg_inputs_from_warehouse(
    tables: Tables,
    county: str,
    year: int,
    scheme: str,
    *,
    levels: InstitutionLevels,
    weights_csv: Path | None = None,
    budget: Money | None = None,
) -> tuple[DrgInputs, Provenance]:
    """DRG cases of the county's institutions in ``year`` from ``drg_results`` and ``discharges``.

    A case is a discharge (``discharge_date`` in the year) at an institution located in the
    county whose settlement was paid by DRG (``payment_method = 'drg'``, insured in the county),
    grouped under ``scheme`` by ``yigong drg group --warehouse``. Cost is the front page's
    ``total_cost``, LOS its ``length_of_stay``. Weights come from ``weights_csv`` (drg,weight)
    or from the data (:func:`yigong.casemix.metrics.weights.weights_from_data`: the DRG's
    trimmed mean cost ÷ the overall mean, over every grouped discharge in the warehouse).
    Stays not grouped or without a weight are not DRG cases; the provenance counts them. Level
    keys come from the policy's ``institution_levels`` (``levels``).
    """

    try:
        results = tables.table(RESULTS_TABLE)
    except TableNotFound as exc:
        raise error(
            "warehouse.drg",
            f"no {RESULTS_TABLE} table: run `yigong drg group --warehouse DB --scheme {scheme}` "
            "first",
            "drg",
        ) from exc
    prefix = division_prefix(county, "county")
    inst = tables.table("institutions")
    inst = inst.filter(inst.division_code.startswith(prefix)).select(
        "institution_id", "institution_type"
    )
    s = tables.table("settlements")
    paid = s.filter(
        (s.payment_method == "drg")
        & s.insured_area.startswith(prefix)
        & s.service_area.startswith(prefix)
        & s.discharge_id.notnull()
    )
    d = tables.table("discharges")
    d = d.filter(d.discharge_date.year() == year).join(inst, "institution_id")
    d = d.semi_join(paid.select("discharge_id").distinct(), "discharge_id")
    r = results.filter(results.scheme == scheme).select("discharge_id", "status", "drg")
    weights = (
        read_weight_table(weights_csv)
        if weights_csv is not None
        else weights_from_data(grouped_discharges(tables, scheme, "year"))
    )  # type: ignore[arg-type]
    w = weights.select(w_drg="drg", weight="weight")
    j = d.left_join(r, "discharge_id").drop("discharge_id_right")
    j = j.left_join(w, j.drg == w.w_drg).drop("w_drg")
    counts = fetch(
        j.group_by(
            status=j.status.fill_null("not_grouped"), has_weight=j.weight.notnull()
        ).aggregate(n=j.count())
    )
    ok = j.filter((j.status == "grouped") & j.weight.notnull())
    table = (
        ok.mutate(
            cost_fen=(ok.total_cost * 100).cast("int64"),
            weight_units=(ok.weight * 10_000).cast("int64"),
        )
        .select("discharge_id", "institution_id", "institution_type", "drg", "weight_units",
                "cost_fen", "length_of_stay")
        .order_by("discharge_id")
        .to_pyarrow()
    )  # fmt: skip
    cases = DrgCaseColumns(
        table.column("discharge_id").to_pylist(),
        codes(table, "institution_id"),
        level_codes(codes(table, "institution_type"), levels),
        codes(table, "drg"),
        ints(table, "weight_units"),
        4,  # weights are decimal(12,4): published tables and weights from the data alike
        ints(table, "cost_fen"),
        ints(table, "length_of_stay"),
        "warehouse: discharges + drg_results",
        None,
    )
    figures = {
        f"stays:{c['status']}:{'weighted' if c['has_weight'] else 'no_weight'}": str(c["n"])
        for c in counts
    }
    figures["cases"] = str(len(cases))
    figures["weights"] = str(weights_csv) if weights_csv else "from the data (IQR×3 trimmed)"
    if not len(cases):
        raise error(
            "warehouse.drg",
            f"no DRG-paid stays of county {county} grouped under {scheme} in {year} ({figures})",
            "drg",
        )
    return DrgInputs(county, year, budget, cases), Provenance(
        "drg_cases",
        "discharges of the year at the county's institutions with a DRG-paid "
        "settlement of the county's insured, grouped, with a weight",
        figures,
    )
