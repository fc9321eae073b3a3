"""Compile a pack model into integer-coded bit tables for the set-based batch engine.

Every rule row (plus, where enabled, each MDC's QY test) becomes one *slot*, numbered
in evaluation order: MDC ``order``, then rule ``seq``. A case's candidate slots are the
AND of three table look-ups, each a row of bits over all slots:

* ``dx_bits[PDX]``: the principal-diagnosis part (MDC entry list ∩ the rule's ``dx``
  list when the rule tests the principal diagnosis);
* ``px_bits[PPX]``: the principal-procedure part (MDCA entry, ``proc`` list, OR flag);
* ``class_bits[k]``: the per-case flags (age 0, sex, newborn, no OR procedure,
  multi-trauma), ``k`` being those flags packed into a small integer.

Rules that look at *all* diagnoses or procedures (``any_*``, ``secondary_dx``,
``tagged_procedures``, weight bands) get their remaining test from per-code feature
bits OR-reduced over each case's codes (``dx_feat``/``px_feat``). The first set slot
bit is the deciding rule, so MDC order and fall-through come for free.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from yigong.casemix.compiled import (
    CC_BIT,
    MCC_BIT,
    OR_BIT,
    AnyCheck,
    CompiledPack,
    compiled_pack,
)
from yigong.casemix.model import Mdc, PackModel, Rule

__all__ = [
    "CC_BIT",
    "MCC_BIT",
    "OR_BIT",
    "AnyCheck",
    "CompiledPack",
    "compile_model",
    "compiled_pack",
]

PDX_KINDS = {
    "principal_dx",
    "principal_dx_and_principal_proc",
    "principal_dx_and_any_proc_in_both_lists",
    "principal_dx_and_any_proc_in_three_lists",
    "principal_dx_newborn",
    "tagged_procedures",
}
PPX_LIST_KINDS = {"principal_proc", "principal_dx_and_principal_proc", "principal_proc_newborn"}
PPX_OR_KINDS = {"principal_proc_is_or", "any_dx_and_principal_proc_is_or"}
ANY_DX_KINDS = {"any_dx_newborn_weight", "any_dx_and_principal_proc_is_or", "any_dx"}
ANY_PX_LISTS = {
    "any_proc_in_both_lists": ("proc", "proc2"),
    "principal_dx_and_any_proc_in_both_lists": ("proc", "proc2"),
    "principal_dx_and_any_proc_in_three_lists": ("proc", "proc2", "proc3"),
}
NEWBORN_KINDS = {"principal_proc_newborn", "principal_dx_newborn", "any_dx_newborn_weight"}
MDCA_ENTRIES = {"principal_or_procedure", "principal_or_procedure_or_listed"}


@dataclass
class Slot:
    index: int
    mdc: Mdc
    rule: Rule | None  # None = the MDC's QY test

    @property
    def kind(self) -> str:
        return self.rule.kind if self.rule else "qy"


def _slots(model: PackModel) -> list[Slot]:
    out: list[Slot] = []
    for m in model.mdcs:
        rules = model.rules.get(m.mdc, [])
        qy_at = (
            min(m.qy_after_seq, len(rules)) if m.qy_enabled and m.qy_after_seq is not None else None
        )
        for i, r in enumerate(rules):
            if qy_at == i:
                out.append(Slot(len(out), m, None))
            out.append(Slot(len(out), m, r))
        if qy_at == len(rules):
            out.append(Slot(len(out), m, None))
    return out


def _pack_bits(mat: np.ndarray, n_words: int) -> np.ndarray:
    """(rows, S) bool -> (rows, W) uint64 with slot s at word s // 64, bit s % 64."""
    rows, s = mat.shape
    padded = np.zeros((rows, n_words * 64), dtype=bool)
    padded[:, :s] = mat
    return np.packbits(padded, axis=1, bitorder="little").view("<u8").reshape(rows, n_words).copy()


class _Bits:
    """Allocates named bits in a 64-bit feature word."""

    def __init__(self, start: int, limit: int, what: str) -> None:
        self.next, self.limit, self.what = start, limit, what

    def take(self) -> int:
        if self.next >= self.limit:
            raise ValueError(f"pack needs more than {self.limit} {self.what} feature bits")
        self.next += 1
        return self.next - 1


class _Codes:
    """Code vocabularies: only codes that some pack list mentions can ever matter."""

    def __init__(self, model: PackModel, rules: list[Rule]) -> None:
        dx: set[str] = set(model.complications) | set(model.principal_exclusions)
        px: set[str] = set(model.or_codes)
        for codes in model.mdc_dx.values():
            dx |= codes
        for codes in model.mdc_px.values():
            px |= codes
        for r in rules:
            for name, codes in r.lists.items():
                (dx if name.startswith("dx") else px).update(codes)
        self.dx_list, self.px_list = sorted(dx), sorted(px)
        self.dx_id = {c: i for i, c in enumerate(self.dx_list)}
        self.px_id = {c: i for i, c in enumerate(self.px_list)}
        self.n_dx, self.n_px = len(self.dx_list), len(self.px_list)

    def dx_mask(self, codes: frozenset[str] | set[str] | None) -> np.ndarray:
        """Boolean over diagnosis ids + the unknown id (``None`` = every code)."""
        m = np.full(self.n_dx + 1, codes is None, dtype=bool)
        if codes is not None:
            m[[self.dx_id[c] for c in codes]] = True
        return m

    def px_mask(self, codes: frozenset[str] | set[str] | None) -> np.ndarray:
        m = np.full(self.n_px + 1, codes is None, dtype=bool)
        if codes is not None:
            m[[self.px_id[c] for c in codes]] = True
        return m


def _class_features(model: PackModel, rules: list[Rule]) -> list[tuple[str, object]]:
    limits = sorted(
        {
            r.newborn_max_age_days
            for r in rules
            if r.kind in NEWBORN_KINDS and r.newborn_max_age_days is not None
        }
    )
    features: list[tuple[str, object]] = [
        ("age0", None),
        ("male", None),
        ("female", None),
        ("no_or", None),
    ]
    features += [("newborn", lim) for lim in limits]
    features += [
        ("multi_trauma", m.mdc) for m in model.mdcs if m.entry_rule == "principal_dx_multi_trauma"
    ]
    if len(features) > 12:
        raise ValueError("too many per-case class features")
    return features


@dataclass
class _Features:
    """Per-code feature words and the bit allocators that fill them."""

    dx_feat: np.ndarray
    px_feat: np.ndarray
    dxb: _Bits
    pxb: _Bits
    trauma_masks: dict[str, np.uint64] = field(default_factory=dict)
    dx2_mask: int = 0


def _features(model: PackModel, codes: _Codes, features: list[tuple[str, object]]) -> _Features:
    f = _Features(
        np.zeros(codes.n_dx + 1, dtype=np.uint64),
        np.zeros(codes.n_px + 1, dtype=np.uint64),
        _Bits(0, CC_BIT, "diagnosis"),
        _Bits(OR_BIT + 1, 64, "procedure"),
    )
    f.px_feat[codes.px_mask(model.or_codes)] |= np.uint64(1 << OR_BIT)
    for name, arg in features:
        if name != "multi_trauma":
            continue
        regions = model.trauma.get(str(arg), {})
        bit_of = {reg: f.dxb.take() for reg in sorted(set(regions.values()))}
        for code, reg in regions.items():
            f.dx_feat[codes.dx_id[code]] |= np.uint64(1 << bit_of[reg])
        f.trauma_masks[str(arg)] = np.uint64(sum(1 << b for b in bit_of.values()))
    return f


def _any_check(s: Slot, r: Rule, codes: _Codes, f: _Features) -> AnyCheck | None:
    """Allocate feature bits for the all-codes part of rule ``r`` (None if it has none)."""
    k = r.kind
    chk = AnyCheck(s.index)
    if k in ANY_DX_KINDS or k == "secondary_dx":
        b = f.dxb.take()
        chk.dx_bits.append(b)
        name = "dx2" if k == "secondary_dx" else "dx"
        if k == "secondary_dx":
            f.dx2_mask |= 1 << b  # a principal diagnosis never sets this bit
        f.dx_feat[codes.dx_mask(r.lists.get(name, frozenset()))] |= np.uint64(1 << b)
    for name in ANY_PX_LISTS.get(k, ()):
        b = f.pxb.take()
        chk.px_bits.append(b)
        f.px_feat[codes.px_mask(r.lists.get(name, frozenset()))] |= np.uint64(1 << b)
    if k == "any_dx_newborn_weight":
        chk.weight = (r.weight_min_g, r.weight_max_g)
    if k == "tagged_procedures" and r.tag_expr is not None:
        chk.tag_expr = r.tag_expr
        for tag in sorted(r.tag_expr.tags()):
            b = f.pxb.take()
            chk.tag_bits[tag] = b
            f.px_feat[codes.px_mask({c for c, t in r.tags.items() if t == tag})] |= np.uint64(
                1 << b
            )
    f.dx_feat[codes.n_dx] = 0
    f.px_feat[codes.n_px] = 0
    has = chk.dx_bits or chk.px_bits or chk.tag_expr is not None or chk.weight is not None
    return chk if has else None


def _slot_parts(
    s: Slot,
    model: PackModel,
    codes: _Codes,
    fidx: dict[tuple[str, object], int],
    or_mask: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """(principal-dx mask, principal-px mask, class requirements) of one slot."""
    m, r = s.mdc, s.rule
    reqs: list[tuple[int, int]] = []
    if m.entry_rule in MDCA_ENTRIES:  # entry on the principal procedure
        dxm = codes.dx_mask(None)
        pxm = or_mask.copy()
        if m.entry_rule == "principal_or_procedure_or_listed":
            pxm |= codes.px_mask(model.mdc_px.get(m.mdc, frozenset()))
        pxm[codes.n_px] = False
    else:
        dxm = codes.dx_mask(model.mdc_dx.get(m.mdc, frozenset()))
        pxm = codes.px_mask(None)
        extra = {
            "principal_dx_age0": "age0",
            "principal_dx_male": "male",
            "principal_dx_female": "female",
        }
        if m.entry_rule in extra:
            reqs.append((fidx[(extra[m.entry_rule], None)], 1))
        if m.entry_rule == "principal_dx_multi_trauma":
            reqs.append((fidx[("multi_trauma", m.mdc)], 1))
    if r is None:  # QY: some PX is an OR procedure
        return dxm, pxm, [*reqs, (fidx[("no_or", None)], 0)]
    k = r.kind
    if k in PDX_KINDS:
        dxm &= codes.dx_mask(r.lists.get("dx", frozenset()))
    if k in PPX_LIST_KINDS:
        pxm &= codes.px_mask(r.lists.get("proc", frozenset()))
    if k in PPX_OR_KINDS:
        pxm &= or_mask
    if k in NEWBORN_KINDS:
        if r.newborn_max_age_days is None:
            dxm[:] = False  # a newborn rule without a limit never holds (the validator flags it)
        else:
            reqs.append((fidx[("newborn", r.newborn_max_age_days)], 1))
    if k == "no_or_procedure":
        reqs.append((fidx[("no_or", None)], 1))
    return dxm, pxm, reqs


def _drg_lookup(model: PackModel, slots: list[Slot]) -> tuple[list[str], np.ndarray]:
    """DRG names and, per slot, the DRG index for severity level 0 (none), 1 (CC), 2 (MCC)."""
    names = sorted({d.drg for ds in model.drgs.values() for d in ds}) + [
        m.mdc[-1] + "QY" for m in model.mdcs
    ]
    ix = {d: i for i, d in enumerate(names)}
    out = np.zeros((len(slots), 3), dtype=np.int16)
    for s in slots:
        if s.rule is None:
            out[s.index, :] = ix[s.mdc.mdc[-1] + "QY"]
            continue
        for lev, (mcc, any_cc) in enumerate(((False, False), (False, True), (True, True))):
            for d in model.drgs[s.rule.adrg]:
                if (
                    d.condition == "always"
                    or (d.condition == "mcc" and mcc)
                    or (d.condition == "mcc_or_cc" and any_cc)
                ):
                    out[s.index, lev] = ix[d.drg]
                    break
            else:
                raise ValueError(f"ADRG {s.rule.adrg}: no DRG condition holds")
    return names, out


def compile_model(model: PackModel) -> CompiledPack:
    slots = _slots(model)
    n_slots = len(slots)
    n_words = max(1, (n_slots + 63) // 64)
    rules = [s.rule for s in slots if s.rule]
    codes = _Codes(model, rules)
    features = _class_features(model, rules)
    fidx = {f: i for i, f in enumerate(features)}
    feats = _features(model, codes, features)
    ks = np.arange(1 << len(features))
    dx_mat = np.zeros((codes.n_dx + 1, n_slots), dtype=bool)
    px_mat = np.zeros((codes.n_px + 1, n_slots), dtype=bool)
    cls_mat = np.ones((len(ks), n_slots), dtype=bool)
    any_checks: list[AnyCheck] = []
    or_mask = codes.px_mask(model.or_codes)
    for s in slots:
        dx_mat[:, s.index], px_mat[:, s.index], reqs = _slot_parts(s, model, codes, fidx, or_mask)
        for f, v in reqs:
            cls_mat[:, s.index] &= ((ks >> f) & 1) == v
        chk = _any_check(s, s.rule, codes, feats) if s.rule else None
        if chk is not None:
            any_checks.append(chk)

    # complications: severity and exclusion table per code (README step 2)
    tables = sorted(
        {t for _, t in model.complications.values()} | set(model.principal_exclusions.values())
    )
    tab_id = {t: i for i, t in enumerate(tables)}
    dx_ctab = np.full(codes.n_dx + 1, -1, dtype=np.int32)
    dx_ptab = np.full(codes.n_dx + 1, -2, dtype=np.int32)
    for code, (sev, t) in model.complications.items():
        dx_ctab[codes.dx_id[code]] = tab_id[t]
        feats.dx_feat[codes.dx_id[code]] |= np.uint64(1 << (MCC_BIT if sev == "MCC" else CC_BIT))
    sev_bits = (1 << MCC_BIT) | (1 << CC_BIT)
    full = (1 << 64) - 1
    for code, t in model.principal_exclusions.items():
        dx_ptab[codes.dx_id[code]] = tab_id[t]

    mdc_names = [m.mdc for m in model.mdcs]
    adrg_names = sorted({r.adrg for r in rules}) + ["QY"]
    a_ix = {a: i for i, a in enumerate(adrg_names)}
    drg_names, slot_drg = _drg_lookup(model, slots)
    dx_from, px_from = sorted(model.dx_map), sorted(model.px_map)
    n_dx, n_px = codes.n_dx, codes.n_px
    return CompiledPack(
        pack_id=model.pack_id,
        version=model.version,
        newborn_max_age_days=model.newborn_max_age_days,
        n_words=n_words,
        dx_vocab=pa.array(codes.dx_list, pa.string()),
        px_vocab=pa.array(codes.px_list, pa.string()),
        dx_bits=_pack_bits(dx_mat, n_words),
        px_bits=_pack_bits(px_mat, n_words),
        class_bits=_pack_bits(cls_mat, n_words),
        class_features=features,
        dx_feat=feats.dx_feat,
        dx_feat_principal_mask=np.uint64(full & ~feats.dx2_mask & ~sev_bits),
        dx_feat_excluded_mask=np.uint64(full & ~sev_bits),
        trauma_masks=feats.trauma_masks,
        dx_ctab=dx_ctab,
        dx_ptab=dx_ptab,
        px_feat=feats.px_feat,
        any_checks=any_checks,
        slot_mdc=np.array([mdc_names.index(s.mdc.mdc) for s in slots], dtype=np.int16),
        slot_adrg=np.array(
            [a_ix[s.rule.adrg] if s.rule else a_ix["QY"] for s in slots], dtype=np.int16
        ),
        slot_drg=slot_drg,
        slot_is_qy=np.array([s.rule is None for s in slots]),
        mdc_names=pa.array(mdc_names, pa.string()),
        adrg_names=pa.array(adrg_names, pa.string()),
        drg_names=pa.array(drg_names, pa.string()),
        slot_rule_ids=pa.array([s.rule.rule_id if s.rule else "QY" for s in slots], pa.string()),
        map_dx_from=pa.array(dx_from, pa.string()),
        map_dx_to=np.array(
            [codes.dx_id.get(model.dx_map[c], n_dx) for c in dx_from] + [n_dx], dtype=np.int32
        ),
        map_px_from=pa.array(px_from, pa.string()),
        map_px_to=np.array(
            [codes.px_id.get(model.px_map[c], n_px) for c in px_from] + [n_px], dtype=np.int32
        ),
    )
