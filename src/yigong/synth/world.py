"""Assemble the file-shaped tables of a synthetic world, one county at a time."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yigong.synth import anomalies, bureau, inpatient, outpatient
from yigong.synth._arrow import dates, money, take
from yigong.synth.conditions import load_conditions
from yigong.synth.context import CountyContext
from yigong.synth.contracts import contracts_table
from yigong.synth.exams import exams_table
from yigong.synth.finance import finance_table
from yigong.synth.frontpage import departments, discharges_table, payer_codes, self_paid_fen
from yigong.synth.geography import (
    DIVISIONS_VALID_FROM,
    Division,
    county_geography,
    shared_divisions,
)
from yigong.synth.institutions import build_institutions
from yigong.synth.operations import Encounters, operations_tables
from yigong.synth.outpatient import COUNTY, OP_COST_COLUMNS, VISIT_TYPES
from yigong.synth.params import CountySpec, Preset
from yigong.synth.ph_services import public_health_services, remap_chronic_visits
from yigong.synth.population import SCHEMES, build_population
from yigong.synth.public_health import public_health_table
from yigong.synth.referrals import referrals_table
from yigong.synth.settlements import out_referred, settlements_table
from yigong.synth.workforce import bed_counts, bed_stats_table, staff_table


def divisions_table(rows: list[Division]) -> pa.Table:
    n = len(rows)
    return pa.table(
        {
            "division_code": pa.array([d.code for d in rows], pa.string()),
            "name_zh": pa.array([d.name_zh for d in rows], pa.string()),
            "name_en": pa.nulls(n, pa.string()),
            "level": pa.array([d.level for d in rows], pa.string()),
            "parent_code": pa.array([d.parent_code for d in rows], pa.string()),
            "valid_from": dates(np.full(n, np.datetime64(DIVISIONS_VALID_FROM))),
            "valid_to": pa.nulls(n, pa.date32()),
        }
    )


def shared_tables(
    preset: Preset, counties: tuple[CountySpec, ...] | None = None
) -> dict[str, pa.Table]:
    """Tables written once per world (divisions above `counties`, default: all the preset's)."""
    chosen = preset.counties if counties is None else counties
    return {"admin_divisions": divisions_table(shared_divisions([c.code for c in chosen]))}


def _rows(records: tuple[dict[str, str | None], ...], date_cols: tuple[str, ...]) -> pa.Table:
    cols = {k: [r[k] for r in records] for k in records[0]}
    out = {}
    for k, v in cols.items():
        if k in date_cols:
            valid = np.array([x is not None for x in v])
            out[k] = dates(np.array([x or "1970-01-01" for x in v], dtype="datetime64[D]"), valid)
        else:
            out[k] = pa.array(v, pa.string())
    return pa.table(out)


def county_tables(
    preset: Preset, index: int, seed: int, years: tuple[int, ...]
) -> Iterator[tuple[str, pa.Table]]:
    """The tables of one county, table by table (so a writer can stream them)."""
    spec = preset.counties[index]
    geo = county_geography(spec)
    inst = build_institutions(spec, geo)
    ctx = CountyContext(seed, index, spec, years, geo, inst, None, load_conditions())  # type: ignore[arg-type]
    ctx.pop = build_population(spec, years, ctx.rng("population"))
    yield (
        "admin_divisions",
        divisions_table([geo.county, *geo.townships, *(v for vs in geo.villages for v in vs)]),
    )
    # encounters first: they decide deaths, beds, staff and money
    stays_all = [inpatient.simulate_year(ctx, y) for y in years]
    visits = [outpatient.simulate_year(ctx, y) for y in years]
    remap_chronic_visits(ctx, visits)  # chronic visits go to the year's patients
    split = [inpatient.split_in_out(s) for s in stays_all]
    inside = [a for a, _ in split]
    outside = [b for _, b in split]
    rng = ctx.rng("self-paid")
    self_fen = [self_paid_fen(ctx, s, rng) for s in inside]
    # planted fund-supervision anomalies (known rates, truth kept out of the canonical tables)
    inside, self_fen, plan = anomalies.plant_inside(ctx, inside, self_fen, _concat_stays(inside))
    beds = bed_counts(ctx, inside)
    last = max(years)
    yield "institutions", _institutions(ctx, beds[last])
    yield "communities", _rows(inst.communities, ("valid_from", "valid_to"))
    yield "community_memberships", _rows(inst.memberships, ("valid_from", "valid_to"))
    yield "population", _population(ctx)
    insured = _insured(ctx)
    yield "insured_population", insured
    yield "persons", _persons(ctx)
    staff = staff_table(ctx, beds)
    yield "staff", staff
    bed_stats = bed_stats_table(ctx, inside, beds)
    yield "bed_stats", bed_stats
    seen = Encounters()  # what the operations tables need, aggregated as tables are made
    merged = _concat_stays(inside)
    merged_fen = np.concatenate(self_fen)
    discharges = discharges_table(ctx, merged, merged_fen, ctx.rng("frontpage"))
    discharges = anomalies.plant_discharges(ctx, plan, discharges)
    seen.discharges(discharges)
    yield "discharges", discharges
    out_all = _concat_stays(outside)
    referred = out_referred(ctx, out_all)
    visits_table = anomalies.plant_visits(ctx, plan, _visits_table(ctx, visits), discharges)
    seen.visits(visits_table)
    yield "outpatient_visits", visits_table
    del visits_table
    settlements = anomalies.plant_settlements(
        ctx,
        plan,
        settlements_table(
            ctx,
            merged,
            merged_fen,
            discharges.column("discharge_id").combine_chunks(),
            out_all,
            referred,
            visits,
        ),
    )
    yield "settlements", settlements
    yield "referrals", referrals_table(ctx, merged, out_all, referred, visits)
    contracts = contracts_table(ctx, stays_all, visits)
    seen.contracts(contracts)
    yield "family_doctor_contracts", contracts
    exams = anomalies.plant_exams(ctx, plan, exams_table(ctx, inside, visits))
    seen.examinations(exams)
    yield "examinations", exams
    services, managed = public_health_services(ctx, stays_all, visits, staff)
    ph = public_health_table(ctx, managed)
    yield "public_health_tasks", ph
    yield "public_health_services", services
    finance = finance_table(ctx, inside, self_fen, visits, _ph_funds(ctx, ph))
    yield "finance", finance
    yield from _bureau_tables(ctx, insured, settlements)
    yield from operations_tables(ctx, seen, staff, bed_stats, finance)
    yield anomalies.TRUTH_TABLE, plan.truth(discharges)


def _bureau_tables(
    ctx: CountyContext, insured: pa.Table, settlements: pa.Table
) -> Iterator[tuple[str, pa.Table]]:
    """The insurance bureau's tables (synth/bureau.py), from the county's settlements."""
    standards = bureau.contribution_standards_table(ctx, insured, settlements)
    yield "contribution_standards", standards
    yield "fund_accounts", bureau.fund_accounts_table(ctx, insured, standards, settlements)
    providers = bureau.designated_providers_table(ctx)
    yield "designated_providers", providers
    agreements = bureau.provider_agreements_table(ctx, providers, settlements)
    yield "provider_agreements", agreements
    yield "claim_submissions", bureau.claim_submissions_table(ctx, settlements)
    yield "agreement_inspections", bureau.agreement_inspections_table(ctx, agreements)


def _concat_stays(parts: list[inpatient.Stays]) -> inpatient.Stays:
    offsets = np.r_[0, np.cumsum([len(p) for p in parts])]
    fields = inpatient.Stays.__dataclass_fields__
    data = {}
    for f in fields:
        if f == "proc_enc":
            data[f] = np.concatenate([p.proc_enc + o for p, o in zip(parts, offsets, strict=False)])
        else:
            data[f] = np.concatenate([getattr(p, f) for p in parts])
    return inpatient.Stays(**data)


def _ph_funds(ctx: CountyContext, ph: pa.Table) -> dict[int, np.ndarray]:
    index = {k: i for i, k in enumerate(ctx.institution_ids())}
    inst = np.array([index[x] for x in ph.column("institution_id").to_pylist()])
    year = ph.column("year").to_numpy()
    fen = np.round(ph.column("funds").to_numpy(zero_copy_only=False).astype(float) * 100).astype(
        np.int64
    )
    return {
        y: np.bincount(inst[year == y], weights=fen[year == y], minlength=len(index)).astype(
            np.int64
        )
        for y in ctx.years
    }


def _institutions(ctx: CountyContext, beds: np.ndarray) -> pa.Table:
    all_ = ctx.inst.all
    n = len(all_)
    open_beds = np.full(n, -1)
    open_beds[: len(beds)] = beds
    has = open_beds >= 0
    return pa.table(
        {
            "institution_id": pa.array([i.institution_id for i in all_], pa.string()),
            "name_zh": pa.array([i.name_zh for i in all_], pa.string()),
            "name_en": pa.nulls(n, pa.string()),
            "institution_type": pa.array([i.institution_type for i in all_], pa.string()),
            "level": pa.array([i.level for i in all_], pa.string()),
            "grade": pa.array([i.grade for i in all_], pa.string()),
            "ownership": pa.array(["public"] * n, pa.string()),
            "division_code": pa.array([i.division_code for i in all_], pa.string()),
            "approved_beds": pa.array(np.round(open_beds * 0.95).astype(np.int64), mask=~has),
            "open_beds": pa.array(open_beds, mask=~has),
            "emr_level": pa.array([i.emr_level for i in all_], pa.int64()),
            "opened_on": dates(np.array([i.opened_on for i in all_], dtype="datetime64[D]")),
            "closed_on": pa.nulls(n, pa.date32()),
        }
    )


def _village_codes(ctx: CountyContext) -> np.ndarray:
    return np.array([v.code for vs in ctx.geo.villages for v in vs], dtype=object)


def _population(ctx: CountyContext) -> pa.Table:
    pop = ctx.pop
    codes = [ctx.geo.county.code] + [t.code for t in ctx.geo.townships] + list(_village_codes(ctx))
    nt, nv = len(ctx.geo.townships), len(_village_codes(ctx))
    parts = []
    for y in ctx.years:
        alive = pop.alive_on(np.datetime64(f"{y}-12-31"))
        by_village = np.bincount(pop.village[alive], minlength=nv)
        by_town = np.bincount(pop.township[alive], minlength=nt)
        resident = np.r_[alive.sum(), by_town, by_village]
        registered = np.round(resident * 1.06).astype(np.int64)
        parts.append(
            pa.table(
                {
                    "division_code": pa.array(codes, pa.string()),
                    "year": pa.array(np.full(len(codes), y)),
                    "resident_population": pa.array(resident.astype(np.int64)),
                    "registered_population": pa.array(registered),
                }
            )
        )
    return pa.concat_tables(parts)


def _insured(ctx: CountyContext) -> pa.Table:
    pop = ctx.pop
    parts = []
    for y in ctx.years:
        alive = pop.alive_on(np.datetime64(f"{y}-12-31"))
        counts = np.bincount(pop.scheme[alive], minlength=3)
        parts.append(
            pa.table(
                {
                    "division_code": pa.array([ctx.spec.code] * 2, pa.string()),
                    "year": pa.array([y, y]),
                    "scheme": pa.array(list(SCHEMES[:2]), pa.string()),
                    "insured_count": pa.array(counts[:2].astype(np.int64)),
                }
            )
        )
    return pa.concat_tables(parts)


def _persons(ctx: CountyContext) -> pa.Table:
    pop = ctx.pop
    insured = pop.scheme != 2
    return pa.table(
        {
            "id_number": pop.id_number,
            "sex": take(["", "1", "2"], pop.sex.astype(np.int64)),
            "birth_date": dates(pop.birth),
            "division_code": pa.array(_village_codes(ctx)[pop.village], pa.string()),
            "scheme": take(SCHEMES, pop.scheme.astype(np.int64)),
            "insured_area": pa.array(np.where(insured, ctx.spec.code, None), pa.string()),
            "name": pop.name,
        }
    )


def _visits_table(ctx: CountyContext, visits: list[outpatient.Visits]) -> pa.Table:
    ids = ctx.institution_ids()
    parts = []
    for y, v in zip(ctx.years, visits, strict=True):
        m = np.flatnonzero(v.inst >= 0)
        w = v.take(m)
        n = len(m)
        age = ctx.pop.age_on(np.datetime64(f"{y}-07-01"))[w.person]
        dept = departments(ctx, w.cond, np.where(w.level == COUNTY, 1, 0), age)
        dept = np.where(w.level == 0, "全科", dept)
        dept = np.where(w.visit_type == 1, "急诊科", dept)
        cols = {
            "visit_id": pc.binary_join_element_wise(
                f"MZ{ctx.spec.code}-{y}-",
                pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), 8, "0"),
                "",
            ),
            "institution_id": pa.array(ids[w.inst], pa.string()),
            "patient_id_number": ctx.pop.id_number.take(pa.array(w.person, pa.int64())),
            "visit_date": dates(w.day),
            "visit_type": take(VISIT_TYPES, w.visit_type),
            "department": pa.array(dept, pa.string()),
            "diagnosis_code": pa.array(w.code, pa.string()),
            "is_appointment": pa.array(w.appointment),
            "appointment_slot_start": pa.array(w.slot, pa.timestamp("s"), mask=~w.appointment),
            "has_prescription": pa.array(w.prescription),
            "is_special_needs": pa.array(w.special),
            "payer": pa.array(payer_codes(ctx, w.person), pa.string()),
            "total_cost": money(w.total_fen),
        }
        for k, name in enumerate(OP_COST_COLUMNS):
            cols[name] = money(w.parts[:, k])
        parts.append(pa.table(cols))
    return pa.concat_tables(parts)
