"""Case-mix use cases shared by the CLI and (later) the REST API: packs, grouping, explain.

Each public function is one action. The engine lives in ``yigong.casemix``; this module
only wires it to files and to the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import ibis
import pyarrow as pa

from yigong.casemix import (
    Case,
    Issue,
    Trace,
    available_packs,
    explain_case,
    group_cases,
    read_cases_csv,
    read_pack,
    table_to_cases,
    validate_pack,
)
from yigong.casemix.metrics import (
    LEVELS,
    Scale,
    Trim,
    case_facts,
    casemix_summary,
    low_risk_groups,
    read_weight_table,
    weights_from_data,
)
from yigong.casemix.metrics.periods import period_id
from yigong.casemix.metrics.reference import reference_case_facts
from yigong.services.casemix_reference import choose_reference

# the file contract lives in drg_files (no warehouse imports); re-exported here
from yigong.services.drg_files import GroupRunSummary, group_file  # noqa: F401
from yigong.warehouse import Tables, Warehouse

RESULTS_TABLE = "drg_results"
FACTS_TABLE = "drg_case_facts"


@dataclass(frozen=True)
class PackSummary:
    """One shipped grouper pack, as listed by ``yigong drg packs``."""

    id: str
    title: str
    title_zh: str
    scheme_version: str
    region: str
    kind: str
    base: str
    counts: dict[str, int]
    licence: str
    credit: str


def list_packs() -> list[PackSummary]:
    out = []
    for pid in available_packs():
        m = read_pack(pid).manifest
        out.append(
            PackSummary(
                pid,
                m.pack.title,
                m.pack.title_zh,
                m.pack.scheme_version,
                m.pack.region,
                m.pack.kind,
                m.pack.base,
                dict(m.counts),
                m.source.licence,
                m.source.credit,
            )
        )
    return out


def check_packs(packs: list[str] | None = None) -> dict[str, list[Issue]]:
    """Validate the named packs (ids or folders), or every shipped pack."""
    return {p: validate_pack(p) for p in (packs or list(available_packs()))}


def explain(case: Case, scheme: str, translate_codes: bool = False) -> Trace:
    """The rule trace of one case given field by field."""
    return explain_case(case, scheme, translate_codes)


def explain_from_file(
    input_csv: Path | str, case_id: str, scheme: str, translate_codes: bool = False
) -> Trace:
    """The rule trace of the row of ``input_csv`` whose case_id is ``case_id``."""
    table = read_cases_csv(input_csv)
    ids = table.column("case_id").to_pylist()
    if case_id not in ids:
        raise KeyError(f"{input_csv}: no row with case_id {case_id!r}")
    row = table.slice(ids.index(case_id), 1)
    return explain_case(table_to_cases(row)[0], scheme, translate_codes)


# -- warehouse -------------------------------------------------------------------------------


def discharges_as_cases(discharges: ibis.Table) -> ibis.Table:
    """The warehouse ``discharges`` table in the grouper's batch input shape (an Ibis expression).

    Sex is stored as the national code text; ``'1'``/``'2'`` become 1/2 and anything else
    null, so the grouper reports it as ``invalid_input`` rather than guessing.
    """
    d = discharges
    sex = ibis.cases((d.sex == "1", 1), (d.sex == "2", 2), else_=ibis.null()).cast("int8")
    return d.select(
        case_id=d.discharge_id,
        sex=sex,
        age_years=d.age_years.cast("int32"),
        age_days=d.age_days.cast("int32"),
        birth_weight_g=d.birth_weight_g.cast("int32"),
        length_of_stay=d.length_of_stay.cast("int32"),
        discharge_mode=d.discharge_mode,
        diagnoses=d.diagnosis_codes,
        procedures=d.procedure_codes,
    )


RESULTS_SCHEMA = pa.schema(
    [
        ("discharge_id", pa.string()),
        ("scheme", pa.string()),
        ("pack_version", pa.string()),
        ("status", pa.string()),
        ("mdc", pa.string()),
        ("adrg", pa.string()),
        ("drg", pa.string()),
        ("rule_id", pa.string()),
        ("has_mcc", pa.bool_()),
        ("has_cc", pa.bool_()),
        ("grouped_at", pa.timestamp("us")),
    ]
)


def _stored_results(cases: pa.Table, scheme: str, stamp: datetime) -> pa.Table:
    """Group a batch of cases; the rows as ``drg_results`` stores them (``RESULTS_SCHEMA``)."""
    result = group_cases(cases, scheme)
    meta = result.schema.metadata or {}
    n = result.num_rows
    return pa.table(
        {
            "discharge_id": result.column("case_id"),
            "scheme": pa.array([scheme] * n, pa.string()),
            "pack_version": pa.array([meta.get(b"pack_version", b"").decode()] * n, pa.string()),
            "status": result.column("status"),
            "mdc": result.column("mdc"),
            "adrg": result.column("adrg"),
            "drg": result.column("drg"),
            "rule_id": result.column("rule_id"),
            "has_mcc": result.column("has_mcc"),
            "has_cc": result.column("has_cc"),
            "grouped_at": pa.array([stamp] * n, pa.timestamp("us")),
        },
        schema=RESULTS_SCHEMA,
    ).replace_schema_metadata(meta)


@dataclass(frozen=True)
class _GroupBatch:
    """Group one batch of cases under `scheme`: what `Warehouse.batch_map` runs per batch."""

    scheme: str
    stamp: datetime

    def __call__(self, cases: pa.Table) -> pa.Table:
        return _stored_results(cases, self.scheme, self.stamp).replace_schema_metadata(None)


def group_discharges(wh: Warehouse, scheme: str) -> GroupRunSummary:
    """Group every discharge in the warehouse and store the results in ``drg_results``.

    Rows of earlier runs under the same scheme are replaced; results of other schemes
    are kept, so two schemes can be compared side by side. Every row carries the scheme
    id, the pack version and the run time. The batch engine runs where the warehouse runs
    batches: streamed here on DuckDB, on every partition of the discharges on Spark.
    """
    pack = read_pack(scheme)
    stamp = datetime.now(UTC).replace(tzinfo=None)
    cases = discharges_as_cases(wh.table("discharges"))
    new = wh.batch_map(cases, _GroupBatch(scheme, stamp), RESULTS_SCHEMA, name="_yg_drg_results")
    try:
        rows = wh.replace_rows(RESULTS_TABLE, new, lambda t: t.scheme == scheme)
    finally:
        wh.drop_table("_yg_drg_results")
    r = wh.table(RESULTS_TABLE)
    mine = r.filter(r.scheme == scheme)
    counted = mine.group_by("status").aggregate(n=mine.count())
    statuses = {x["status"]: int(x["n"]) for x in wh.to_arrow(counted).to_pylist()}
    drgs = int(mine.drg.nunique().to_pyarrow().as_py())
    summary = GroupRunSummary(pack.id, pack.version, sum(statuses.values()), statuses, "", drgs)
    summary.extra["rows_stored"] = rows
    return summary


def grouped_discharges(tables: Tables, scheme: str, period: str = "quarter") -> ibis.Table:
    """Discharges joined to their stored group under ``scheme``: the input of the case-mix metrics.

    ``period`` (month / quarter / year) sets the period id derived from the discharge date.
    """
    d = tables.table("discharges")
    r = tables.table(RESULTS_TABLE)
    r = r.filter(r.scheme == scheme)
    j = d.join(r, d.discharge_id == r.discharge_id)
    return j.select(
        discharge_id=d.discharge_id,
        institution_id=d.institution_id,
        department=d.department,
        doctor_key=d.attending_doctor_key,
        discharge_date=d.discharge_date,
        period=period_id(d.discharge_date, period),
        drg=r.drg,
        adrg=r.adrg,
        mdc=r.mdc,
        status=r.status,
        total_cost=d.total_cost,
        length_of_stay=d.length_of_stay,
        died=d.discharge_mode == "5",
    )


def casemix_metrics(
    wh: Warehouse,
    scheme: str,
    level: str = "institution",
    period: str = "quarter",
    weights_csv: Path | str | None = None,
    trim: Trim = Trim.IQR3,
    min_cases: int = 1,
    low_risk_scale: Scale = Scale.LOG,
    reference: str | Path | None = None,
) -> pa.Table:
    """CMI, DRGs covered, cost/time consumption indices and low-risk mortality per unit and period.

    With ``reference`` (a shipped name, a CSV or ``warehouse:PATH``) weights, reference means
    and low-risk DRGs come from that wider population, as for the indicator catalog.
    Otherwise this is an analysis of the warehouse itself: weights from ``weights_csv`` when
    given, else from the data (``weights_from_data`` with ``trim``); reference means and
    low-risk DRGs (national log method by default) from all grouped discharges in the
    warehouse under ``scheme`` (per period for the indices).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {sorted(LEVELS)}, got {level!r}")
    if not wh.has_table(RESULTS_TABLE):
        raise ValueError(
            f"no {RESULTS_TABLE} table: run `yigong drg group --warehouse … --scheme {scheme}` first"
        )
    g = grouped_discharges(wh, scheme, period)
    if reference is not None:
        ref = choose_reference(scheme, reference)
        facts = reference_case_facts(g, ref.table)
        return wh.to_arrow(casemix_summary(facts, LEVELS[level]))
    weights = (
        read_weight_table(weights_csv) if weights_csv else weights_from_data(g, trim, min_cases)
    )
    facts = case_facts(g, weights, low_risk_groups(g, min_cases, low_risk_scale), by_period=True)
    return wh.to_arrow(casemix_summary(facts, LEVELS[level]))


def store_case_facts(
    wh: Warehouse,
    scheme: str,
    period: str = "quarter",
    reference: str | Path | None = None,
) -> GroupRunSummary:
    """Materialise ``drg_case_facts`` for one scheme: the table the indicator catalog's DRG
    measures sum over (one row per grouped discharge: the reference weight, cost/LOS ratios
    to the reference means, the reference's low-risk flag, and the reference's id).

    ``reference`` is a shipped name, a CSV (``drg,weight[,mean_cost,mean_los,low_risk]``) or
    ``warehouse:PATH`` of a wider population; by default the scheme's shipped reference. The
    weights are never fitted on this warehouse's cases unless it is named as the reference.
    Replaces the previous content.
    """
    if not wh.has_table(RESULTS_TABLE):
        raise ValueError(
            f"no {RESULTS_TABLE} table: run `yigong drg group --warehouse … --scheme {scheme}` first"
        )
    ref = choose_reference(scheme, reference)
    g = grouped_discharges(wh, scheme, period)
    facts = reference_case_facts(g, ref.table)
    r = wh.table(RESULTS_TABLE)
    version = r.filter(r.scheme == scheme).pack_version.max()
    facts = facts.mutate(
        scheme=ibis.literal(scheme),
        pack_version=version.as_scalar(),
        reference=ibis.literal(ref.id),
    )
    out = facts.select(
        "discharge_id",
        "scheme",
        "pack_version",
        "reference",
        "institution_id",
        "department",
        "doctor_key",
        "period",
        "mdc",
        "adrg",
        "drg",
        "weight",
        "weighted",
        "cost_ratio",
        "los_ratio",
        "in_low_risk",
        "low_risk_death",
        "died",
    )
    table = wh.to_arrow(out)
    wh.create_table(FACTS_TABLE, table)
    meta = GroupRunSummary(
        scheme,
        table.column("pack_version")[0].as_py() if table.num_rows else "",
        table.num_rows,
        {"grouped": table.num_rows},
    )
    meta.extra["reference"] = ref.id
    meta.extra["reference_provenance"] = ref.provenance
    meta.extra["weighted"] = sum(table.column("weighted").to_pylist())
    meta.extra["low_risk_cases"] = sum(table.column("in_low_risk").to_pylist())
    return meta
