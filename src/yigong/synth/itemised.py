"""The itemised year: charge lines and medication orders of one county's last generated year.

Every in-county stay and visit of the county's last year gets its charge lines (费用明细,
`synth/charges.py`) and its drug lines become prescriptions or medication orders (处方/医嘱).
Only the last year is itemised: a HIS extract of itemised charges is large, and one year is
what the daily list, drug-use monitoring, the item-level screening rules and the price
simulation need (docs/synthetic-data.md).

Antimicrobial chances (assumptions): stays with a respiratory or infectious principal
diagnosis (ICD-10 A, B, J) or in an infection or respiratory ward 0.8, operated stays 0.65,
others 0.3, township centres × 0.8, times an institution's habit (lognormal, σ 0.35); visits with drugs: respiratory diagnoses 0.3, others
0.07, village clinics × 1.4.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yigong.synth import charge_anomalies
from yigong.synth._arrow import concat, dates, money, padded
from yigong.synth.catalogue import CATEGORIES, Catalogue, load_catalogue
from yigong.synth.charges import Encounters, Lines, generate_lines
from yigong.synth.context import CountyContext
from yigong.synth.inpatient import MODE_DEATH, Stays
from yigong.synth.procurement import formulary_table, procurement_tables

#: visit cost columns → front-page categories (drugs go to western or, for a quarter of the
#: visits, Chinese patent medicines; examination and laboratory to diagnosis; other to
#: general services, where the consultation fee is billed first).
VISIT_MAP = {
    "cost_drugs": "western_drugs",
    "cost_consumables": "consumables",
    "cost_examination": "diagnosis",
    "cost_laboratory": "diagnosis",
    "cost_treatment": "treatment",
    "cost_other": "general_service",
}


@dataclass
class ItemisedYear:
    """The itemised last year of one county, between planting and writing."""

    ctx: CountyContext
    cat: Catalogue
    year: int
    offset: int  # index of the year's first stay among all in-county stays (merged order)
    stays: Stays
    lines: Lines  # enc = index into the year's stays

    @classmethod
    def start(
        cls, ctx: CountyContext, inside: list[Stays], self_fen: list[np.ndarray]
    ) -> ItemisedYear:
        """Itemise the last year's stays and plant the item anomalies; the planted amounts are
        added to the stays' categories, totals and (in proportion) patients' shares in place."""
        cat = load_catalogue()
        year = max(ctx.years)
        last = inside[-1]
        lines = stay_lines(ctx, last, cat, year)
        tier = tiers(ctx, last.inst)
        lines, delta = charge_anomalies.plant(ctx.rng("anomalies-charges"), cat, last, tier, lines)
        old = last.total_fen.copy()
        last.parts = last.parts + delta
        last.total_fen = last.parts.sum(axis=1)
        fen = self_fen[-1]
        self_fen[-1] = np.minimum(
            np.round(fen * last.total_fen / np.maximum(old, 1)).astype(np.int64), last.total_fen
        )
        offset = sum(len(x) for x in inside[:-1])
        return cls(ctx, cat, year, offset, last, lines)

    def finish(
        self, discharges: pa.Table, visits: pa.Table, plan: Any
    ) -> Iterator[tuple[str, pa.Table]]:
        """The year's charge items, prescriptions and procurement tables, and the truth rows of
        the planted item anomalies (added to `plan`)."""
        ctx, cat = self.ctx, self.cat
        d = discharges.slice(self.offset, len(self.stays))
        lines = date_operating_room(self.lines, d).sorted()
        stays_table = charge_items_table(
            ctx,
            cat,
            lines,
            "inpatient",
            d.column("discharge_id").combine_chunks(),
            d.column("institution_id").combine_chunks(),
            d.column("patient_id_number").combine_chunks(),
            d.column("department").combine_chunks(),
            d.column("attending_doctor_key").combine_chunks(),
            1,
        )
        vlines, v = visit_lines(ctx, visits, cat, self.year)
        vlines = vlines.sorted()
        inst_id = v.column("institution_id").combine_chunks()
        doctor = concat(
            "E",
            pc.utf8_slice_codeunits(inst_id, 7),
            padded(ctx.rng("visit-doctors", self.year).integers(1, 40, v.num_rows), 3),
        )
        visits_table = charge_items_table(
            ctx,
            cat,
            vlines,
            "outpatient",
            v.column("visit_id").combine_chunks(),
            inst_id,
            v.column("patient_id_number").combine_chunks(),
            v.column("department").combine_chunks(),
            doctor,
            len(lines) + 1,
        )
        charges = pa.concat_tables([stays_table, visits_table])
        ids = stays_table.column("charge_id").to_pylist()
        for k in np.flatnonzero(lines.tag >= 0):
            rule = charge_anomalies.RULES[lines.tag[k]]
            plan.row_marks.append((rule, f"charge_items:{ids[k]}", "planted item anomaly"))
        after_death = {
            key.split(":", 1)[1] for r, key, _ in plan.row_marks if r == "service_after_death"
        }
        enc = visits_table.column("encounter_id").to_pylist()
        vids = visits_table.column("charge_id").to_pylist()
        for k, e in enumerate(enc):
            if e in after_death:
                plan.row_marks.append(
                    ("charge_after_discharge", f"charge_items:{vids[k]}", "visit after a death")
                )
        index = {k: i for i, k in enumerate(ctx.institution_ids())}
        v_inst = np.array([index[x] for x in inst_id.to_pylist()], np.int64)
        tier = tiers(ctx, np.arange(len(ctx.inst.all)))
        yield "formulary", formulary_table(ctx, cat, tier)
        yield from procurement_tables(
            ctx, cat, tier, self.year, [(lines, self.stays.inst), (vlines, v_inst)]
        ).items()
        yield "prescriptions", prescriptions_table(ctx, cat, charges, 1)
        yield "charge_items", charges


def tiers(ctx: CountyContext, inst: np.ndarray) -> np.ndarray:
    """0 village clinic, 1 township centre, 2 county hospital, per institution index."""
    n_h, n_c = ctx.n_hospitals, len(ctx.inst.centres)
    return np.select([inst < n_h, inst < n_h + n_c], [2, 1], 0)


def _principal_grade(ctx: CountyContext, s: Stays) -> np.ndarray:
    grade = np.zeros(len(s), np.int64)
    if len(s.proc_enc):
        first = np.r_[True, s.proc_enc[1:] != s.proc_enc[:-1]]
        grade[s.proc_enc[first]] = ctx.cond.procedures.grade[s.proc_rows[first]]
    return grade


def stay_lines(ctx: CountyContext, s: Stays, cat: Catalogue, year: int) -> Lines:
    """Charge lines of the stays (their `parts` are the budgets)."""
    rng = ctx.rng("charges-inpatient", year)
    tier = tiers(ctx, s.inst)
    grade = _principal_grade(ctx, s)
    dept = np.asarray(ctx.cond.department, dtype=object)[s.cond]
    first = np.array([str(c)[:1] for c in s.principal], dtype=object)
    infection = np.isin(first, ["A", "B", "J"]) | np.isin(dept, ["感染科", "呼吸内科"])
    # institutions differ in prescribing habits (assumption: lognormal, σ 0.35)
    habit = ctx.rng("prescribing-habits").lognormal(0, 0.35, len(ctx.inst.all))[s.inst]
    abx_p = np.select([infection, grade >= 2], [0.8, 0.65], 0.3) * np.where(tier == 1, 0.8, 1.0)
    abx_p = np.minimum(abx_p * habit, 0.95)
    e = Encounters(
        budget=s.parts,
        tier=tier,
        start=s.admission,
        days=np.maximum(s.los, 1),
        abx_p=abx_p,
        grade=grade,
        inpatient=True,
        monitor_p=np.where(s.mode == MODE_DEATH, 0.6, 0.15),
    )
    return generate_lines(cat, e, rng)


def visit_lines(
    ctx: CountyContext, visits: pa.Table, cat: Catalogue, year: int
) -> tuple[Lines, pa.Table]:
    """Charge lines of the year's in-county visits (and those visits' rows)."""
    rng = ctx.rng("charges-outpatient", year)
    index = {k: i for i, k in enumerate(ctx.institution_ids())}
    inst = np.array([index[x] for x in visits.column("institution_id").to_pylist()], np.int64)
    year_of = pc.year(visits.column("visit_date")).to_numpy()
    keep = (year_of == year) & (tiers(ctx, inst) >= 1)  # village clinics are not itemised
    v = visits.filter(pa.array(keep))
    inst = inst[keep]
    tier = tiers(ctx, inst)
    n = v.num_rows
    budget = np.zeros((n, len(CATEGORIES)), np.int64)
    for col, target in VISIT_MAP.items():
        fen = _fen(v.column(col))
        budget[:, CATEGORIES.index(target)] += fen
    patent = rng.random(n) < 0.25
    western, pat = CATEGORIES.index("western_drugs"), CATEGORIES.index("patent_drugs")
    budget[patent, pat], budget[patent, western] = budget[patent, western], 0
    code = np.array(v.column("diagnosis_code").fill_null("").to_pylist(), dtype=object)
    resp = np.array([str(c)[:1] == "J" for c in code])
    abx_p = np.where(resp, 0.3, 0.07) * np.where(tier == 0, 1.4, 1.0)
    e = Encounters(
        budget=budget,
        tier=tier,
        start=v.column("visit_date").to_numpy().astype("datetime64[D]"),
        days=np.ones(n, np.int64),
        abx_p=abx_p,
        grade=np.zeros(n, np.int64),
        inpatient=False,
    )
    return generate_lines(cat, e, rng), v


def _fen(col: pa.ChunkedArray) -> np.ndarray:
    cents = pc.multiply(col.fill_null(0), pa.scalar(100, col.type))
    return np.asarray(pc.cast(cents, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def date_operating_room(lines: Lines, discharges: pa.Table) -> Lines:
    """Date each stay's operating-room lines on its first procedure's day (never after its
    discharge); `lines.enc` indexes the rows of `discharges`."""
    pending = np.flatnonzero(np.isnat(lines.day))
    if not len(pending):
        return lines
    proc = discharges.column("procedure_dates").to_pylist()
    adm = discharges.column("admission_date").to_numpy().astype("datetime64[D]")
    out = discharges.column("discharge_date").to_numpy().astype("datetime64[D]")
    first = np.array(
        [np.datetime64(p.split("|")[0]) if p else np.datetime64("NaT") for p in proc],
        dtype="datetime64[D]",
    )
    enc = lines.enc[pending]
    when = np.where(np.isnat(first[enc]), adm[enc], np.minimum(first[enc], out[enc]))
    day = lines.day.copy()
    day[pending] = np.maximum(when, adm[enc])
    lines.day = day
    return lines


def charge_items_table(
    ctx: CountyContext,
    cat: Catalogue,
    lines: Lines,
    setting: str,
    encounter_id: pa.Array,
    institution_id: pa.Array,
    patient_id: pa.Array,
    department: pa.Array,
    doctor: pa.Array,
    first_no: int,
) -> pa.Table:
    """`charge_items` rows of `lines` (sorted by encounter, day and item by the caller)."""
    enc = pa.array(lines.enc, pa.int64())
    n = len(lines)
    return pa.table(
        {
            "charge_id": concat(
                f"FY{ctx.spec.code}", padded(np.arange(first_no, first_no + n), 10)
            ),
            "setting": pa.array([setting] * n, pa.string()),
            "encounter_id": encounter_id.take(enc),
            "institution_id": institution_id.take(enc),
            "patient_id_number": patient_id.take(enc),
            "charge_date": dates(lines.day),
            "item_code": pa.array(cat.code[lines.item], pa.string()),
            "item_name": pa.array(cat.name[lines.item], pa.string()),
            "charge_kind": pa.array(cat.charge_kind[lines.item], pa.string()),
            "cost_category": pa.array(np.asarray(CATEGORIES, dtype=object)[lines.cat], pa.string()),
            "quantity": pa.array(lines.qty, pa.float64()),
            "unit_price": money(lines.price),
            "amount": money(lines.amount),
            "department": department.take(enc),
            "in_operating_room": pa.array(lines.in_or),
            "ordered_by": doctor.take(enc),
        }
    )


def prescriptions_table(
    ctx: CountyContext, cat: Catalogue, charges: pa.Table, first_no: int
) -> pa.Table:
    """One prescription line per drug charge line: outpatient prescriptions per visit,
    inpatient medication orders per stay and day; DDDs where the WHO gives one."""
    drug = charges.filter(pc.equal(charges.column("charge_kind"), "drug"))
    n = drug.num_rows
    code_index = {c: i for i, c in enumerate(cat.code)}
    item = np.array([code_index[c] for c in drug.column("item_code").to_pylist()], np.int64)
    qty = drug.column("quantity").to_numpy()
    ddd = qty * cat.strength[item] / cat.ddd[item]
    has_ddd = ~np.isnan(ddd)
    inpatient = pc.equal(drug.column("setting"), "inpatient")
    day_text = pc.strftime(drug.column("charge_date"), "%Y%m%d")
    prescription = pc.if_else(
        inpatient,
        concat("YZ", drug.column("encounter_id").combine_chunks(), "-", day_text.combine_chunks()),
        concat("CF", drug.column("encounter_id").combine_chunks()),
    )
    abx = cat.antimicrobial[item]
    return pa.table(
        {
            "line_id": concat(f"RX{ctx.spec.code}", padded(np.arange(first_no, first_no + n), 10)),
            "prescription_id": prescription,
            "setting": drug.column("setting"),
            "encounter_id": drug.column("encounter_id"),
            "institution_id": drug.column("institution_id"),
            "patient_id_number": drug.column("patient_id_number"),
            "prescriber_key": drug.column("ordered_by"),
            "department": drug.column("department"),
            "order_date": drug.column("charge_date"),
            "item_code": drug.column("item_code"),
            "quantity": drug.column("quantity"),
            "amount": drug.column("amount"),
            "ddd_count": pa.array(np.round(np.where(has_ddd, ddd, 0.0), 4), mask=~has_ddd),
            "is_antimicrobial": pa.array(abx),
        }
    )
