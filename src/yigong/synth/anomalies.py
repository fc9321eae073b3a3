"""Planted fund-supervision anomalies (for measuring the screening rules' recall and precision).

The generator plants a few known anomalies of each kind the screening rules look for, at the
documented rates below, drawn from their own random stream (``anomalies``) so the rest of the
world is unchanged in kind. The ground truth never enters a canonical table: it is the extra
table ``_planted_anomalies`` (rule id, the warehouse row key ``table:id`` that a correct flag
lists among its rows, and what was done), written as ``_planted_anomalies.csv`` next to the
files (ingest ignores it) and returned by `generate_tables` under that name.

Rates (per county; docs/oversight.md):

- split_admission: 0.2 % of in-county stays discharged alive get a second stay of the same
  patient at the same institution with the same principal diagnosis, admitted 1–10 days after
  discharge (costs 0.6 × the first, no procedures).
- low_threshold_admission: 0.2 % of stays admitted from the clinic, discharged on advice and
  without procedures become 1–2 day stays costing 300–700 yuan.
- overlong_stay: 0.1 % of stays last 7 × as long (discharge date moved).
- high_cost_outlier: 0.1 % of stays cost 10 × as much.
- upcoding: in the last generated year, 50 % of the stays of one county hospital (the second
  one, when the county has two or more) get one extra comorbidity code that groups as CC
  (the truth lists that hospital for both `upcoding` and `cmi_jump`).
- service_after_death: 20 % of in-hospital deaths are followed 3–30 days later by an outpatient
  visit of the same person at a township centre.
- service_after_discharge: 0.2 % of stays with procedures get their last procedure dated 1–5
  days after discharge.
- duplicate_billing: 0.05 % of settlements are settled twice (a second settlement id).
- exam_repeat: 0.2 % of examinations are repeated (same item, same performing institution,
  not recognised) 1–5 days later.
- minor_illness_above_level: 3 % of the township-centre stays whose principal diagnosis the
  default three-level catalog places at village or township level (no comorbidity, ≤ 7 days,
  admitted from the clinic, discharged on advice) are moved to the county general hospital at
  county prices (cost ÷ 0.55).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yigong.graded_care.catalogs.catalog import Setting
from yigong.graded_care.catalogs.loader import load_catalog
from yigong.graded_care.levels import CareLevel
from yigong.synth.context import CountyContext
from yigong.synth.inpatient import COUNTY, LEVEL_COST, TOWNSHIP, Stays, _take

__all__ = ["RATES", "TRUTH_TABLE", "Plan", "plant_stays"]

TRUTH_TABLE = "_planted_anomalies"
RATES = {
    "split_admission": 0.002,
    "low_threshold_admission": 0.002,
    "overlong_stay": 0.001,
    "high_cost_outlier": 0.001,
    "upcoding_share": 0.50,
    "service_after_death": 0.20,
    "service_after_discharge": 0.002,
    "duplicate_billing": 0.0005,
    "exam_repeat": 0.002,
    "minor_illness_above_level": 0.03,
}
#: a comorbidity that groups as CC for most principal diagnoses (E87.6 for respiratory ones).
CC_CODE, CC_CODE_RESPIRATORY = "J44.900", "E87.600"


@dataclass
class Plan:
    """What was planted in one county: (rule id, stay index or row key, note)."""

    stay_marks: list[tuple[str, int, str]] = field(default_factory=list)
    row_marks: list[tuple[str, str, str]] = field(default_factory=list)
    upcoded_institution: str | None = None
    upcoded_year: int | None = None

    def truth(self, discharges: pa.Table) -> pa.Table:
        ids = discharges.column("discharge_id").to_pylist()
        rows = [(r, f"discharges:{ids[i]}", note) for r, i, note in self.stay_marks]
        rows += self.row_marks
        if self.upcoded_institution:
            note = f"CC code added to {RATES['upcoding_share']:.0%} of stays in {self.upcoded_year}"
            rows.append(("upcoding", f"institutions:{self.upcoded_institution}", note))
            rows.append(("cmi_jump", f"institutions:{self.upcoded_institution}", note))
        return pa.table(
            {
                "rule_id": pa.array([r[0] for r in rows], pa.string()),
                "row_key": pa.array([r[1] for r in rows], pa.string()),
                "note": pa.array([r[2] for r in rows], pa.string()),
            }
        )


def _pick(rng: np.random.Generator, candidates: np.ndarray, rate: float) -> np.ndarray:
    n = int(round(len(candidates) * rate))
    if n == 0 and len(candidates) and rate * len(candidates) >= 0.5:
        n = 1
    return (
        np.sort(rng.choice(candidates, size=min(n, len(candidates)), replace=False))
        if n
        else np.array([], dtype=np.int64)
    )


def _catalogued_low(codes: np.ndarray) -> np.ndarray:
    """Principal diagnoses the default disease catalog places at village or township level."""

    catalog = load_catalog()
    low: dict[str, bool] = {}
    for code in set(codes.tolist()):
        match = catalog.lookup(code, Setting.INPATIENT) if code else None
        low[code] = match is not None and match.level <= CareLevel.TOWNSHIP
    return np.array([low[c] for c in codes.tolist()], dtype=bool)


def _scale_cost(s: Stays, fen: np.ndarray, idx: np.ndarray, factor: np.ndarray) -> None:
    old = s.total_fen[idx].astype(float)
    s.parts[idx] = np.round(s.parts[idx] * factor[:, None]).astype(np.int64)
    s.total_fen[idx] = s.parts[idx].sum(axis=1)
    fen[idx] = np.minimum(
        np.round(fen[idx] * s.total_fen[idx] / np.maximum(old, 1)), s.total_fen[idx]
    )


def plant_stays(
    ctx: CountyContext, s: Stays, fen: np.ndarray, origin: np.ndarray | None = None
) -> tuple[Stays, np.ndarray, Plan, np.ndarray]:
    """Plant the stay-level anomalies into the merged in-county stays (returns new arrays and
    each stay's origin: the index of the generated year it belongs to). Moved discharge dates
    stay inside their calendar year, so per-year aggregates still add up."""
    rng = ctx.rng("anomalies")
    plan = Plan()
    s = replace(s, **{k: getattr(s, k).copy() for k in s.__dataclass_fields__})
    fen = fen.copy()
    origin = np.zeros(len(s), np.int64) if origin is None else origin.copy()
    year_end = (s.discharge.astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1
    n = len(s)
    has_proc = np.bincount(s.proc_enc, minlength=n) > 0
    used = np.zeros(n, bool)

    def take(mask: np.ndarray, rate: float) -> np.ndarray:
        idx = _pick(rng, np.flatnonzero(mask & ~used), rate)
        used[idx] = True
        return idx

    # overlong stays
    idx = take((s.mode == 1) & (s.los >= 2), RATES["overlong_stay"])
    new_los = s.los[idx] * 7
    ok = s.admission[idx] + new_los.astype("timedelta64[D]") <= year_end[idx]
    idx, new_los = idx[ok], new_los[ok]
    s.los[idx] = new_los
    s.discharge[idx] = s.admission[idx] + new_los.astype("timedelta64[D]")
    plan.stay_marks += [("overlong_stay", int(i), "length of stay × 7") for i in idx]
    # high cost
    idx = take(s.mode == 1, RATES["high_cost_outlier"])
    _scale_cost(s, fen, idx, np.full(len(idx), 10.0))
    plan.stay_marks += [("high_cost_outlier", int(i), "total cost × 10") for i in idx]
    # low-threshold admissions
    idx = take(
        (s.route == 2) & (s.mode == 1) & ~has_proc & ~s.day_surgery,
        RATES["low_threshold_admission"],
    )
    s.los[idx] = rng.integers(1, 3, len(idx))
    s.discharge[idx] = s.admission[idx] + s.los[idx].astype("timedelta64[D]")
    target = rng.uniform(30_000, 70_000, len(idx))
    _scale_cost(s, fen, idx, target / np.maximum(s.total_fen[idx], 1))
    plan.stay_marks += [("low_threshold_admission", int(i), "1–2 days, 300–700 yuan") for i in idx]
    # minor illness moved up to the county general hospital (小病大治)
    cand = (
        (s.level == TOWNSHIP) & (s.route == 2) & (s.mode == 1) & (s.sec_count == 0) & (s.los <= 7)
    )
    cand &= _catalogued_low(s.principal)
    idx = take(cand, RATES["minor_illness_above_level"])
    general = ctx.inst.hospital_kinds.index("general")
    s.inst[idx], s.level[idx] = general, COUNTY
    s.referred_from[idx] = -1
    _scale_cost(s, fen, idx, np.full(len(idx), 1 / LEVEL_COST[TOWNSHIP]))
    plan.stay_marks += [
        ("minor_illness_above_level", int(i), "township-level illness moved to the county")
        for i in idx
    ]
    # procedure dated after discharge: handled on the front page (see plant_discharges)
    idx = take(has_proc & (s.mode == 1), RATES["service_after_discharge"])
    plan.stay_marks += [
        ("service_after_discharge", int(i), "last procedure 1–5 days after discharge") for i in idx
    ]
    # upcoding: one county hospital in the last year
    if len(ctx.years) >= 2 and ctx.n_hospitals >= 2:
        inst = 1
        year = max(ctx.years)
        in_year = (s.inst == inst) & (s.discharge >= np.datetime64(f"{year}-01-01"))
        idx = _pick(rng, np.flatnonzero(in_year), RATES["upcoding_share"])
        if len(idx):
            ends = np.cumsum(s.sec_count)  # insert after each chosen stay's last comorbidity
            codes = np.where(
                np.char.startswith(s.principal[idx].astype(str), "J"), CC_CODE_RESPIRATORY, CC_CODE
            ).astype(object)
            s.sec_codes = np.insert(s.sec_codes, ends[idx], codes)
            s.sec_count[idx] += 1
            plan.upcoded_institution = str(ctx.institution_ids()[inst])
            plan.upcoded_year = year
    # split admissions: a second stay appended after the first
    idx = take((s.mode == 1) & (s.los >= 2), RATES["split_admission"])
    gap = rng.integers(1, 11, len(idx)).astype("timedelta64[D]")
    los2 = np.maximum(1, s.los[idx] // 2)
    adm2 = s.discharge[idx] + gap
    ok = adm2 + los2.astype("timedelta64[D]") <= year_end[idx]
    idx, gap, los2, adm2 = idx[ok], gap[ok], los2[ok], adm2[ok]
    if len(idx):
        extra = {
            k: getattr(s, k)[idx].copy()
            for k in s.__dataclass_fields__
            if k not in ("sec_codes", "proc_enc", "proc_rows")
        }
        extra.update(
            admission=adm2,
            discharge=adm2 + los2.astype("timedelta64[D]"),
            los=los2,
            mode=np.full(len(idx), 1),
            route=np.full(len(idx), 2),
            receiving=np.full(len(idx), None, dtype=object),
            day_surgery=np.zeros(len(idx), bool),
            sec_count=np.zeros(len(idx), np.int64),
            referred_from=np.full(len(idx), -1, dtype=s.referred_from.dtype),
        )
        extra["parts"] = np.round(s.parts[idx] * 0.6).astype(np.int64)
        extra["total_fen"] = extra["parts"].sum(axis=1)
        fields = {k: np.concatenate([getattr(s, k), extra[k]]) for k in extra}
        s = Stays(**fields, sec_codes=s.sec_codes, proc_enc=s.proc_enc, proc_rows=s.proc_rows)
        # the patient's share of the second stay, never above its total (the parts are
        # rounded one by one, so their sum can fall a fen below 0.6 × the first total)
        share2 = np.minimum(np.round(fen[idx] * 0.6), extra["total_fen"]).astype(fen.dtype)
        fen = np.concatenate([fen, share2])
        origin = np.concatenate([origin, origin[idx]])
        plan.stay_marks += [
            (
                "split_admission",
                n + k,
                f"readmitted {int(g / np.timedelta64(1, 'D'))} d after the first stay",
            )
            for k, g in enumerate(gap)
        ]
    return s, fen, plan, origin


def plant_discharges(ctx: CountyContext, plan: Plan, d: pa.Table) -> pa.Table:
    """Date the last procedure of the chosen stays 1–5 days after discharge."""
    rng = ctx.rng("anomalies-frontpage")
    rows = [i for r, i, _ in plan.stay_marks if r == "service_after_discharge"]
    if not rows:
        return d
    dates = d.column("procedure_dates").to_pylist()
    out = d.column("discharge_date").to_pylist()
    for i in rows:
        parts = str(dates[i]).split("|")
        parts[-1] = str(out[i] + np.timedelta64(int(rng.integers(1, 6)), "D").astype(object))
        dates[i] = "|".join(parts)
    col = d.schema.get_field_index("procedure_dates")
    return d.set_column(col, "procedure_dates", pa.array(dates, d.schema.field(col).type))


def _next_ids(existing: pa.ChunkedArray | pa.Array, n: int) -> list[str]:
    top = str(pc.max(existing).as_py())
    digits = len(top) - len(top.rstrip("0123456789"))
    head, num = top[: len(top) - digits], int(top[len(top) - digits :])
    return [f"{head}{num + k + 1:0{digits}d}" for k in range(n)]


def _append(t: pa.Table, rows: list[dict[str, object]]) -> pa.Table:
    if not rows:
        return t
    return pa.concat_tables([t, pa.Table.from_pylist(rows, schema=t.schema)])


def plant_visits(
    ctx: CountyContext, plan: Plan, visits: pa.Table, discharges: pa.Table
) -> pa.Table:
    """Outpatient visits of persons after they died in hospital."""
    rng = ctx.rng("anomalies-visits")
    died = pc.equal(discharges.column("discharge_mode"), "5")
    dead = discharges.filter(died).select(["patient_id_number", "discharge_date"]).to_pylist()
    chosen = _pick(rng, np.arange(len(dead)), RATES["service_after_death"])
    last = np.datetime64(f"{max(ctx.years)}-12-31").astype(object)
    centres = [i.institution_id for i in ctx.inst.centres]
    template = visits.slice(0, 1).to_pylist()[0] if visits.num_rows else None
    rows = []
    for k in chosen:
        when = dead[k]["discharge_date"] + np.timedelta64(int(rng.integers(3, 31)), "D").astype(
            object
        )
        if template is None or when > last or not centres:
            continue
        row = dict(template)
        row.update(
            patient_id_number=dead[k]["patient_id_number"],
            visit_date=when,
            institution_id=centres[int(rng.integers(len(centres)))],
            visit_type="outpatient",
            department="全科",
            is_appointment=False,
            appointment_slot_start=None,
        )
        rows.append(row)
    ids = _next_ids(visits.column("visit_id"), len(rows))
    for row, vid in zip(rows, ids, strict=True):
        row["visit_id"] = vid
        plan.row_marks.append(
            ("service_after_death", f"outpatient_visits:{vid}", "visit after an in-hospital death")
        )
    return _append(visits, rows)


def plant_settlements(ctx: CountyContext, plan: Plan, st: pa.Table) -> pa.Table:
    """A second settlement of the same bill."""
    rng = ctx.rng("anomalies-settlements")
    idx = _pick(rng, np.arange(st.num_rows), RATES["duplicate_billing"])
    rows = st.take(pa.array(idx, pa.int64())).to_pylist()
    for row, sid in zip(rows, _next_ids(st.column("settlement_id"), len(rows)), strict=True):
        plan.row_marks.append(
            (
                "duplicate_billing",
                f"settlements:{sid}",
                f"second settlement of {row['settlement_id']}",
            )
        )
        row["settlement_id"] = sid
    return _append(st, rows)


def plant_exams(ctx: CountyContext, plan: Plan, ex: pa.Table) -> pa.Table:
    """The same examination repeated a few days later at the same institution."""
    rng = ctx.rng("anomalies-exams")
    last = np.datetime64(f"{max(ctx.years)}-12-31").astype(object)
    idx = _pick(rng, np.arange(ex.num_rows), RATES["exam_repeat"])
    rows = []
    for row in ex.take(pa.array(idx, pa.int64())).to_pylist():
        shift = np.timedelta64(int(rng.integers(1, 6)), "D").astype(object)
        if row["exam_date"] + shift > last:
            continue
        row.update(
            exam_date=row["exam_date"] + shift,
            recognised_exam_id=None,
            ordering_institution_id=row["performing_institution_id"],
            report_date=row["report_date"] + shift if row["report_date"] else None,
        )
        rows.append(row)
    for row, eid in zip(rows, _next_ids(ex.column("exam_id"), len(rows)), strict=True):
        row["exam_id"] = eid
        plan.row_marks.append(
            ("exam_repeat", f"examinations:{eid}", "same item repeated 1–5 days later")
        )
    return _append(ex, rows)


def plant_inside(
    ctx: CountyContext, inside: list[Stays], self_fen: list[np.ndarray], merged: Stays
) -> tuple[list[Stays], list[np.ndarray], Plan]:
    """Plant into the in-county stays and split them again into the generated years (so beds,
    staff and finance are built from the planted stays); stay marks follow the new order."""

    origin = np.repeat(np.arange(len(inside)), [len(x) for x in inside])
    s, fen, plan, origin = plant_stays(ctx, merged, np.concatenate(self_fen), origin)
    masks = [origin == k for k in range(len(inside))]
    order = np.concatenate([np.flatnonzero(m) for m in masks])
    new_pos = np.empty(len(order), np.int64)
    new_pos[order] = np.arange(len(order))
    plan.stay_marks = [(r, int(new_pos[i]), note) for r, i, note in plan.stay_marks]
    return [_take(s, m) for m in masks], [fen[m] for m in masks], plan
