"""Annual financial reports (卫生健康财务年报) per institution, built up from the encounters.

Medical revenue is the sum of the institution's stays and visits, split into the revenue items
the indicators need (drugs, consumables, examinations, laboratory tests, special needs).
Fund settlement revenue is the fund's share of insured stays plus an estimate for ordinary
outpatient visits. Fiscal subsidies, expenditure, personnel share, energy, assets and
liabilities follow the institution type with the ratios below (assumptions, chosen so that
some institutions are above and some below the national medians used as targets).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from yigong.synth._arrow import money
from yigong.synth.context import CountyContext
from yigong.synth.inpatient import Stays
from yigong.synth.outpatient import Visits

KINDS = ("general", "tcm", "mch", "township", "village")
#: fiscal subsidy as a share of medical revenue (public-health funds come on top).
SUBSIDY = {"general": 0.06, "tcm": 0.08, "mch": 0.15, "township": 0.35, "village": 0.10}
VILLAGE_DOCTOR_SUBSIDY_FEN = 1_200_000  # 12,000 yuan per clinic and year (assumption)
#: 单位管理费用 as a share of all expenditure (业务活动费用 + 单位管理费用) (assumption).
ADMIN_SHARE = {"general": 0.11, "tcm": 0.12, "mch": 0.13, "township": 0.09, "village": 0.03}
#: personnel expenditure / (business + administrative expenditure) in 2021, rising a point a
#: year.
PERSONNEL_SHARE = {"general": 0.34, "tcm": 0.40, "mch": 0.42, "township": 0.50, "village": 0.60}
#: energy cost per 10,000 yuan of total revenue in 2021 (yuan); hospitals save 2 yuan a year.
ENERGY_PER_10K = {"general": 95, "tcm": 118, "mch": 125, "township": 140, "village": 60}
ASSETS_PER_REVENUE = {"general": 1.6, "tcm": 1.3, "mch": 1.2, "township": 1.1, "village": 0.6}
LIABILITY_RATIO = {"general": 0.58, "tcm": 0.42, "mch": 0.35, "township": 0.18, "village": 0.05}
#: the fund's estimated share of ordinary outpatient revenue (not itemised in settlements).
OUTPATIENT_FUND_SHARE = 0.4

DRUG_CATS, CONSUMABLE_CAT, DIAGNOSIS_CAT = (5, 6, 7), 9, 1


def finance_table(
    ctx: CountyContext,
    stays: list[Stays],
    self_fen: list[np.ndarray],
    visits: list[Visits],
    ph_funds: dict[int, np.ndarray],
) -> pa.Table:
    n = len(ctx.inst.all)
    kind = np.array(
        list(ctx.inst.hospital_kinds)
        + ["township"] * len(ctx.inst.centres)
        + ["village"] * len(ctx.inst.clinics),
        dtype=object,
    )
    par = {
        name: np.array([table[k] for k in kind], dtype=float)
        for name, table in (
            ("subsidy", SUBSIDY),
            ("personnel", PERSONNEL_SHARE),
            ("admin", ADMIN_SHARE),
            ("energy", ENERGY_PER_10K),
            ("assets", ASSETS_PER_REVENUE),
            ("liab", LIABILITY_RATIO),
        )
    }
    rows: dict[str, list[np.ndarray]] = {}
    for year, s, fen, v in zip(ctx.years, stays, self_fen, visits, strict=True):
        rng = ctx.rng("finance", year)
        dy = year - 2021

        def by_inst(inst: np.ndarray, values: np.ndarray) -> np.ndarray:
            keep = inst >= 0
            return (
                np.bincount(inst[keep], weights=values[keep], minlength=n).round().astype(np.int64)
            )

        ip = by_inst(s.inst, s.total_fen)
        op = by_inst(v.inst, v.total_fen)
        medical = ip + op
        drugs = by_inst(s.inst, s.parts[:, DRUG_CATS].sum(axis=1)) + by_inst(v.inst, v.parts[:, 0])
        consumables = by_inst(s.inst, s.parts[:, CONSUMABLE_CAT]) + by_inst(v.inst, v.parts[:, 1])
        ip_diag = by_inst(s.inst, s.parts[:, DIAGNOSIS_CAT])
        exams = by_inst(v.inst, v.parts[:, 2]) + ip_diag // 2
        lab = by_inst(v.inst, v.parts[:, 3]) + (ip_diag - ip_diag // 2)
        special = by_inst(v.inst, v.total_fen * v.special)
        insured_ip = ctx.pop.scheme[s.person] != 2
        fund = by_inst(s.inst, (s.total_fen - fen) * insured_ip) + np.round(
            op * OUTPATIENT_FUND_SHARE
        ).astype(np.int64)
        ph = ph_funds.get(year, np.zeros(n, np.int64))
        # 财政基本支出补助: the part of the subsidy for running costs; public-health funds and
        # the village-doctor subsidy are project subsidies on top of it
        basic_subsidy = np.round(medical * par["subsidy"]).astype(np.int64)
        subsidy = basic_subsidy + ph
        subsidy += np.where(kind == "village", VILLAGE_DOCTOR_SUBSIDY_FEN, 0)
        other = np.round(medical * 0.02).astype(np.int64)
        total = medical + subsidy + other
        spent = np.round(total * rng.uniform(0.86, 0.97, n)).astype(np.int64)
        admin = np.round(spent * par["admin"] * rng.uniform(0.9, 1.1, n)).astype(np.int64)
        business = spent - admin
        personnel = np.round(
            spent * np.clip(par["personnel"] + 0.01 * dy + rng.normal(0, 0.02, n), 0.2, 0.8)
        ).astype(np.int64)
        energy_rate = np.maximum(
            par["energy"] - np.where(kind != "village", 2 * dy, 0), 20
        ) * rng.uniform(0.97, 1.03, n)
        energy = np.round(total * energy_rate / 10000).astype(np.int64)
        assets = np.round(total * par["assets"] * rng.uniform(0.9, 1.1, n)).astype(np.int64)
        liab_ratio = np.clip(
            par["liab"] + np.where(kind == "general", 0.01 * dy, 0) + rng.normal(0, 0.03, n),
            0,
            0.95,
        )
        for name, arr in (
            ("inst", np.arange(n)),
            ("year", np.full(n, year)),
            ("medical_revenue", medical),
            ("outpatient_revenue", op),
            ("inpatient_revenue", ip),
            ("service_revenue", medical - drugs - consumables - exams - lab),
            ("drug_revenue", drugs),
            ("consumable_revenue", consumables),
            ("examination_revenue", exams),
            ("laboratory_revenue", lab),
            ("special_needs_revenue", special),
            ("fund_settlement_revenue", fund),
            ("fiscal_subsidy", subsidy),
            ("basic_fiscal_subsidy", basic_subsidy),
            ("total_revenue", total),
            ("business_expenditure", business),
            ("admin_expenditure", admin),
            ("personnel_expenditure", personnel),
            ("energy_cost", energy),
            ("total_expenditure", spent + np.round(spent * 0.03).astype(np.int64)),
            ("total_assets", assets),
            ("total_liabilities", np.round(assets * liab_ratio).astype(np.int64)),
        ):
            rows.setdefault(name, []).append(arr)
    cat = {k: np.concatenate(v) for k, v in rows.items()}
    cols: dict[str, pa.Array] = {
        "institution_id": pa.array(ctx.institution_ids()[cat.pop("inst")], pa.string()),
        "year": pa.array(cat.pop("year")),
    }
    cols.update({k: money(v) for k, v in cat.items()})
    return pa.table(cols)
