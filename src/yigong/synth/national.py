"""Canonical file tables rewritten in the national export layouts, as a county's systems
export them: the front page in the 卫统4-1 / WS 445 layout with one column per diagnosis and
procedure, the settlement list in the NHSA 4101 layout with its sub-lists, the HIS visit list.

The layouts are the layout profiles' own (`yigong.ingest.profiles`): headers are the profile's
Chinese headers, codes are written as the profile's value maps write them (the first value
listed for a code), cost classes are split into the items the front page lists. Reading these
files back through the profiles must give the canonical tables exactly (tested), so everything
here is an exact inverse: money is split in whole fen, nothing is rounded.

Assumptions of the generator, not of the standards: the shares a cost class is split into, the
収费项目 categories a settlement total is split into, and the names written beside codes (the
code lists' own names).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yigong.ingest.profiles import Profile, get_profile
from yigong.ingest.profiles.model import FieldSpec, ValueMap
from yigong.schema.codes import national_codes
from yigong.synth._arrow import money

#: canonical table → (layout profile, file name stem as a county would name the export).
NATIONAL: dict[str, tuple[str, str]] = {
    "discharges": ("ws445-frontpage", "住院病案首页"),
    "settlements": ("nhsa-settlement-list", "医疗保障基金结算清单"),
    "outpatient_visits": ("his-outpatient-visits", "门急诊就诊记录"),
}
#: the fewest repeated columns written per group (HQMS exports carry 15 other diagnoses and 7
#: procedures; more are written when a record has more).
MIN_SLOTS = {"diagnoses": 15, "procedures": 7}
#: name fields written beside their code (profile field → national code list).
NAMES = {"ZYZD": "icd10", "QTZD{n}": "icd10", "SSJCZMC{n}": "icd9cm3"}
#: how a cost class is split into the items the layout lists (shares in field order; the last
#: item takes the remainder, so the items add up to the class to the fen).
SPLITS: dict[str, tuple[float, ...]] = {
    "cost_general_service": (0.55, 0.25, 0.2, 0.0),
    "cost_diagnosis": (0.05, 0.55, 0.35, 0.05),
    "cost_treatment": (0.6, 0.4),
    "cost_blood": (1.0, 0.0, 0.0, 0.0, 0.0),
    "cost_consumables": (0.3, 0.5, 0.2),
    "personal_paid": (0.3, 0.7),
    "cost_drugs": (0.7, 0.2, 0.1),
}
#: 医疗收费项目 categories a settlement's total is split into (code, share); assumption.
ITEMS = (
    ("01", 0.08),  # 床位费
    ("02", 0.03),  # 诊察费
    ("03", 0.12),  # 检查费
    ("04", 0.12),  # 化验费
    ("05", 0.15),  # 治疗费
    ("06", 0.05),  # 手术费
    ("07", 0.05),  # 护理费
    ("08", 0.10),  # 卫生材料费
    ("09", 0.22),  # 西药费
    ("11", 0.05),  # 中成药费
    ("14", 0.03),  # 其他费
)
#: 基金支付类型 by scheme (the basic fund of the scheme); assumption of the generator.
FUND_TYPES = {"employee": "310100", "resident": "390100", "none": "999999"}


def text(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A canonical file column as the text a file holds (booleans 1/0)."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if pa.types.is_boolean(col.type):
        col = col.cast(pa.int8())
    return col.cast(pa.string())


def fen(col: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(amounts in fen, is-present) of a money column."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    valid = col.is_valid().to_numpy(zero_copy_only=False)
    values = pc.fill_null(col.cast(pa.float64()), 0.0).to_numpy(zero_copy_only=False)
    return np.rint(values * 100).astype(np.int64), valid


def yuan(amounts: np.ndarray, valid: np.ndarray) -> pa.Array:
    """Text amounts with two decimals from fen (exact)."""

    return money(amounts, valid).cast(pa.string())


def split(amounts: np.ndarray, shares: tuple[float, ...]) -> list[np.ndarray]:
    """Whole-fen parts of each amount in the given shares; the last part takes the rest."""
    parts = [np.floor(amounts * s).astype(np.int64) for s in shares[:-1]]
    parts.append(amounts - sum(parts, np.zeros_like(amounts)))
    return parts


def reverse(col: pa.Array, vm: ValueMap, what: str) -> pa.Array:
    """Canonical codes → the value the profile writes for each."""
    codes = pa.array(list(vm.written), pa.string())
    values = pa.array(list(vm.written.values()), pa.string())
    idx = pc.index_in(col, value_set=codes)
    missing = pc.and_(col.is_valid(), idx.is_null())
    if pc.any(missing).as_py():
        bad = pc.unique(col.filter(missing)).to_pylist()[:5]
        raise ValueError(f"{what}: value map {vm.id} has no written form for {bad}")
    return values.take(idx)


@cache
def _names(system: str) -> tuple[pa.Array, pa.Array]:
    names = national_codes(system)
    return pa.array(list(names), pa.string()), pa.array(list(names.values()), pa.string())


def code_names(codes: pa.Array, system: str) -> pa.Array:
    keys, names = _names(system)
    return names.take(pc.index_in(codes, value_set=keys))


def _slot_values(lists: pa.Array, position: int) -> pa.Array:
    """Element `position` of each `|`-joined list (null where the list is shorter)."""
    split_lists = pc.split_pattern(lists, "|")
    lengths = pc.fill_null(pc.list_value_length(split_lists), 0).to_numpy(zero_copy_only=False)
    offsets = split_lists.offsets.to_numpy()[:-1]
    flat = pc.list_flatten(split_lists)
    has = lengths > position
    idx = np.where(has, offsets + position, 0)
    out = flat.take(pa.array(idx)) if len(flat) else pa.nulls(len(lists), pa.string())
    out = pc.if_else(pa.array(has), out, pa.nulls(len(lists), pa.string()))
    return pc.if_else(pc.equal(out, ""), pa.nulls(len(out), pa.string()), out)


def _group_slots(p: Profile, group: str, lists: pa.Array) -> list[int]:
    fixed = sorted({f.slot for f in p.main_fields() if f.group == group and f.slot is not None})
    longest = int(pc.max(pc.list_value_length(pc.split_pattern(lists, "|"))).as_py() or 0)
    repeated = max(MIN_SLOTS.get(group, 1), longest - len(fixed))
    return [*fixed, *range(1, repeated + 1)]


def _group_columns(p: Profile, data: pa.Table, group: str) -> dict[str, pa.Array]:
    anchor = p.groups[group]
    lists = text(data.column(anchor))
    slots = _group_slots(p, group, lists)
    members = [f for f in p.main_fields() if f.group == group]
    fixed = {f.slot for f in members if f.slot is not None}
    out: dict[str, pa.Array] = {}
    for position, slot in enumerate(slots):
        for f in members:
            if (slot in fixed) != (f.slot is not None) or (f.slot is not None and f.slot != slot):
                continue
            header = f.header_for(None if f.slot is not None else slot)
            if f.column and f.column in data.column_names:
                values = _slot_values(text(data.column(f.column)), position)
                if f.codes:
                    values = reverse(values, p.value_maps[f.codes], f"{p.table}.{f.column}")
                out[header] = values
            elif f.name in NAMES:
                codes = _slot_values(lists, position)
                out[header] = code_names(codes, NAMES[f.name])
    return out


def _sum_parts(p: Profile, data: pa.Table) -> dict[str, pa.Array]:
    """Item columns (by field name) of every summed column the data carries."""
    out = {}
    for d in p.derived:
        if d.kind != "sum" or d.column not in data.column_names:
            continue
        amounts, valid = fen(data.column(d.column))
        shares = SPLITS.get(d.column, (1.0,) + (0.0,) * (len(d.fields) - 1))
        for name, part in zip(d.fields, split(amounts, shares), strict=True):
            out[name] = yuan(part, valid)
    return out


def to_national(name: str, data: pa.Table) -> dict[str, pa.Table]:
    """The export of canonical table `name` in its national layout: ``""`` → the main file,
    sub-list id → the sub-list (Chinese headers, values as text)."""
    p = get_profile(NATIONAL[name][0])
    parts = _sum_parts(p, data)
    written: set[str] = set()
    main: dict[str, pa.Array] = {}
    groups_done: set[str] = set()
    for f in p.main_fields():
        if f.group:
            if f.group not in groups_done and p.groups[f.group] in data.column_names:
                main |= _group_columns(p, data, f.group)
                written |= {x.column for x in p.main_fields() if x.group == f.group and x.column}
            groups_done.add(f.group)
            continue
        if f.column and f.column in data.column_names and f.column not in written:
            values = text(data.column(f.column))
            if f.codes:
                values = reverse(values, p.value_maps[f.codes], f"{name}.{f.column}")
            main[f.header] = values
            written.add(f.column)
        elif f.name in parts:
            main[f.header] = parts[f.name]
    written |= {d.column for d in p.derived}
    out = {"": pa.table(main)}
    if name == "settlements":
        out |= settlement_sublists(p, data)
        written |= {t.column for t in p.taken}
    lost = [c for c in data.column_names if c not in written]
    if lost:
        raise ValueError(f"{name}: the {p.id} layout cannot carry {lost}")
    return out


def _sheet(p: Profile, sheet: str, columns: dict[str, pa.Array]) -> pa.Table:
    heads: dict[str, FieldSpec] = {f.name: f for f in p.sheet_fields(sheet)}
    return pa.table({heads[k].header: v for k, v in columns.items()})


def settlement_sublists(p: Profile, data: pa.Table) -> dict[str, pa.Table]:
    """diseinfo, oprninfo, iteminfo and payinfo rows of each settlement."""
    sid = text(data.column("settlement_id"))
    dx = text(data.column("principal_diagnosis"))
    has_dx = dx.is_valid()
    px = text(data.column("principal_procedure"))
    has_px = px.is_valid()
    n_dx, n_px = int(pc.sum(has_dx).as_py() or 0), int(pc.sum(has_px).as_py() or 0)
    adm = text(data.column("admission_date"))
    out = {
        "diseinfo": _sheet(
            p,
            "diseinfo",
            {
                "setl_id": sid.filter(has_dx),
                "diag_type": pa.array(["1"] * n_dx, pa.string()),
                "diag_code": dx.filter(has_dx),
                "diag_name": code_names(dx.filter(has_dx), "icd10"),
                "maindiag_flag": pa.array(["1"] * n_dx, pa.string()),
            },
        ),
        "oprninfo": _sheet(
            p,
            "oprninfo",
            {
                "setl_id": sid.filter(has_px),
                "oprn_oprt_type": pa.array(["1"] * n_px, pa.string()),
                "oprn_oprt_name": code_names(px.filter(has_px), "icd9cm3"),
                "oprn_oprt_code": px.filter(has_px),
                "oprn_oprt_date": adm.filter(has_px),
            },
        ),
    }
    total, total_ok = fen(data.column("total_cost"))
    pieces = split(total, tuple(s for _, s in ITEMS))
    n = len(sid)
    order = np.repeat(np.arange(n), len(ITEMS))
    amounts = np.stack(pieces, axis=1).reshape(-1)
    keep = np.repeat(total_ok, len(ITEMS)) & (
        (amounts != 0) | (np.tile(np.arange(len(ITEMS)), n) == 0)
    )
    claa, clab, own = split(amounts, (0.6, 0.3, 0.1))
    out["iteminfo"] = _sheet(
        p,
        "iteminfo",
        {
            "setl_id": sid.take(pa.array(order[keep])),
            "med_chrgitm": pa.array(np.tile([c for c, _ in ITEMS], n)[keep], pa.string()),
            "amt": yuan(amounts[keep], np.ones(int(keep.sum()), bool)),
            "claa_sumfee": yuan(claa[keep], np.ones(int(keep.sum()), bool)),
            "clab_amt": yuan(clab[keep], np.ones(int(keep.sum()), bool)),
            "fulamt_ownpay_amt": yuan(own[keep], np.ones(int(keep.sum()), bool)),
            "oth_amt": yuan(np.zeros(int(keep.sum()), np.int64), np.ones(int(keep.sum()), bool)),
        },
    )
    fund, fund_ok = fen(data.column("fund_paid"))
    schemes = text(data.column("scheme")).to_numpy(zero_copy_only=False)
    out["payinfo"] = _sheet(
        p,
        "payinfo",
        {
            "setl_id": sid.filter(pa.array(fund_ok)),
            "fund_pay_type": pa.array(
                [FUND_TYPES.get(s, "999999") for s in schemes[fund_ok]], pa.string()
            ),
            "fund_payamt": yuan(fund[fund_ok], np.ones(int(fund_ok.sum()), bool)),
        },
    )
    return out
