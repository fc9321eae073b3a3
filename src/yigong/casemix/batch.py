"""Set-based grouping of many cases at once (NumPy over integer-coded Arrow input).

``group_cases(table, scheme)`` takes the batch input shape (see ``contract.INPUT_SCHEMA``)
and returns one result row per input row. Per chunk of cases it:

1. encodes the flattened diagnosis/procedure strings to pack code ids (Arrow hash
   look-up, or the dictionary of a dictionary-encoded input);
2. OR-reduces per-code feature bits over each case's codes (``np.bitwise_or.reduceat``)
   to get trauma regions, counted MCC/CC (exclusion tables applied row-wise), OR
   procedures and the ``any_*`` list hits;
3. ANDs three table rows (principal diagnosis, principal procedure, case class) into a
   bit set over all rule slots, applies the ``any_*`` checks to the few cases that need
   them, and takes the lowest set bit: the first rule that holds in MDC order;
4. looks up the DRG by severity level.

Chunks run on a thread pool (NumPy and Arrow release the GIL).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yigong.casemix.case import STATUSES, GroupStatus
from yigong.casemix.compile import CC_BIT, MCC_BIT, OR_BIT, CompiledPack, compiled_pack

CHUNK = 1 << 16
RESULT_COLUMNS = ("case_id", "status", "mdc", "adrg", "drg", "rule_id", "has_mcc", "has_cc")
_STATUS = {s: i for i, s in enumerate(STATUSES)}
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


def _encode(lists: pa.Array, vocab: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """list<string> (or list<dictionary>) -> (code ids with len(vocab) for unknown, offsets)."""
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    if pa.types.is_large_list(lists.type):
        lists = lists.cast(pa.list_(lists.type.value_type))
    offsets = lists.offsets.to_numpy()
    offsets = (offsets - offsets[0]).astype(np.int64)
    if lists.null_count:
        # a null list is an empty list; ListArray offsets of nulls may be non-empty
        valid = lists.is_valid().to_numpy(zero_copy_only=False)
        lengths = np.diff(offsets) * valid
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        values = pc.list_flatten(pc.if_else(lists.is_valid(), lists, pa.scalar([], lists.type)))
    else:
        values = lists.flatten()
    n = len(vocab)
    if pa.types.is_dictionary(values.type):
        dict_ids = pc.index_in(values.dictionary, value_set=vocab).fill_null(n).to_numpy()
        ids = dict_ids.astype(np.int32)[values.indices.fill_null(0).to_numpy()]
        if values.indices.null_count:
            ids[~values.is_valid().to_numpy(zero_copy_only=False)] = n
    else:
        ids = pc.index_in(values, value_set=vocab).fill_null(n).to_numpy().astype(np.int32)
    return ids, offsets


def _translate(
    lists: pa.Array, frm: pa.Array, to: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 0: map codes through a code map; returns ids, offsets, per-case 'unmappable'."""
    idx, offsets = _encode(lists, frm)
    bad_row = idx == len(frm)
    starts = offsets[:-1]
    counts = np.diff(offsets)
    bad = np.zeros(len(counts), dtype=bool)
    if len(idx):
        red = np.logical_or.reduceat(np.append(bad_row, False), np.minimum(starts, len(idx)))
        bad = red & (counts > 0)
    return to[idx], offsets, bad


def _segment_or(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Bitwise-OR of each case's segment (0 for an empty segment).

    ``reduceat`` over the starts of the non-empty segments only: consecutive non-empty
    starts delimit exactly those segments, since empty ones have no rows in between.
    """
    counts = np.diff(offsets)
    out = np.zeros(len(counts), dtype=values.dtype)
    present = counts > 0
    if len(values):
        out[present] = np.bitwise_or.reduceat(values, offsets[:-1][present])
    return out


def _int_col(table: pa.Table, name: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(values with nulls as 0, is-null mask) of an integer column (absent = all null)."""
    if name not in table.column_names:
        return np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
    col = table.column(name)
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    col = pc.cast(col, pa.int64())
    return col.fill_null(0).to_numpy(), col.is_null().to_numpy(zero_copy_only=False)


@dataclass
class _Chunk:
    """One chunk of cases, integer-coded: code ids with CSR offsets and the scalar fields."""

    n: int
    dx: np.ndarray
    dx_off: np.ndarray
    px: np.ndarray
    px_off: np.ndarray
    unmappable_dx: np.ndarray
    unmappable_px: np.ndarray
    fields: dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (values, is_null)
    input_errors: np.ndarray


def _load_chunk(cp: CompiledPack, t: pa.Table, translate: bool) -> _Chunk:
    n = t.num_rows
    if translate:
        dx, dx_off, dx_bad = _translate(t.column("diagnoses"), cp.map_dx_from, cp.map_dx_to)
        px, px_off, px_bad = _translate(t.column("procedures"), cp.map_px_from, cp.map_px_to)
    else:
        dx, dx_off = _encode(t.column("diagnoses"), cp.dx_vocab)
        px, px_off = _encode(t.column("procedures"), cp.px_vocab)
        dx_bad = px_bad = np.zeros(n, dtype=bool)
    errors = np.zeros(n, dtype=bool)
    if "input_errors" in t.column_names:  # malformed source values (contract reader)
        errs = t.column("input_errors").combine_chunks()
        errors = pc.fill_null(pc.list_value_length(errs), 0).to_numpy(zero_copy_only=False) > 0
    fields = {c: _int_col(t, c, n) for c in ("sex", "age_years", "age_days", "birth_weight_g")}
    return _Chunk(n, dx, dx_off, px, px_off, dx_bad, px_bad, fields, errors)


def _invalid(c: _Chunk, newborn_limit: int) -> np.ndarray:
    """README step 1, vectorised."""
    sex, sex_null = c.fields["sex"]
    age, age_null = c.fields["age_years"]
    days, days_null = c.fields["age_days"]
    _, weight_null = c.fields["birth_weight_g"]
    invalid = (
        sex_null
        | ((sex != 1) & (sex != 2))
        | age_null
        | ((age == 0) & days_null)
        | ((age == 0) & ~days_null & (days <= newborn_limit) & weight_null)
        | (np.diff(c.dx_off) == 0)
        | c.input_errors
    )
    return np.asarray(invalid, dtype=bool)


def _principal(codes: np.ndarray, offsets: np.ndarray, unknown: int) -> np.ndarray:
    """The first code of each case (``unknown`` for an empty list)."""
    present = np.diff(offsets) > 0
    out = np.full(len(present), unknown, dtype=np.int32)
    out[present] = codes[offsets[:-1][present]]
    return out


def _case_bits(cp: CompiledPack, c: _Chunk, pdx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per case, the OR of its diagnosis feature bits (incl. counted MCC/CC) and procedure bits.

    ``dx_feat`` carries each code's MCC/CC bit; README step 2 is applied row-wise by
    clearing it where the code's exclusion table is the principal diagnosis's table, and on
    the principal row itself (which also never contributes ``secondary_dx`` bits).
    """
    dx, dx_off = c.dx, c.dx_off
    counts = np.diff(dx_off)
    row_bits = cp.dx_feat[dx]
    excluded = cp.dx_ctab[dx] == np.repeat(cp.dx_ptab[pdx], counts)
    row_bits &= np.where(excluded, cp.dx_feat_excluded_mask, _ALL)
    principal_rows = dx_off[:-1][counts > 0]
    row_bits[principal_rows] &= cp.dx_feat_principal_mask
    return _segment_or(row_bits, dx_off), _segment_or(cp.px_feat[c.px], c.px_off)


def _bit(x: np.ndarray, b: int) -> np.ndarray:
    return np.asarray((x >> np.uint64(b)) & np.uint64(1) == 1, dtype=bool)


def _class_index(
    cp: CompiledPack, c: _Chunk, dx_case: np.ndarray, px_case: np.ndarray
) -> np.ndarray:
    """Pack the per-case flags the rule slots may require into one small integer."""
    sex, _ = c.fields["sex"]
    age, age_null = c.fields["age_years"]
    days, days_null = c.fields["age_days"]
    k = np.zeros(c.n, dtype=np.int64)
    for f, (name, arg) in enumerate(cp.class_features):
        if name == "age0":
            v = ~age_null & (age == 0)
        elif name == "male":
            v = sex == 1
        elif name == "female":
            v = sex == 2
        elif name == "no_or":
            v = ~_bit(px_case, OR_BIT)
        elif name == "newborn":
            v = ~days_null & (days <= int(arg))  # type: ignore[call-overload]
        elif name == "multi_trauma":
            v = np.bitwise_count(dx_case & cp.trauma_masks[str(arg)]) >= 2
        else:
            raise ValueError(f"unknown class feature {name!r}")
        k |= v.astype(np.int64) << f
    return k


def _apply_any_checks(
    cp: CompiledPack, c: _Chunk, holds: np.ndarray, dx_case: np.ndarray, px_case: np.ndarray
) -> None:
    """Clear the slot bit of rules whose all-codes part (any_*, tags, weight) fails."""
    weight, weight_null = c.fields["birth_weight_g"]
    for chk in cp.any_checks:
        w, bit = divmod(chk.slot, 64)
        b = np.uint64(1 << bit)
        idx = np.flatnonzero(holds[:, w] & b)  # only cases still candidates for this slot
        if not len(idx):
            continue
        d, p = dx_case[idx], px_case[idx]
        sat = np.ones(len(idx), dtype=bool)
        for db in chk.dx_bits:
            sat &= _bit(d, db)
        for pb in chk.px_bits:
            sat &= _bit(p, pb)
        if chk.tag_expr is not None:
            bits = chk.tag_bits
            sat &= chk.tag_expr.evaluate(
                lambda tag: _bit(p, bits[tag]),  # noqa: B023
                np.logical_and,
                np.logical_or,
            )
        if chk.weight is not None:
            lo, hi = chk.weight
            wv = weight[idx]
            ok = ~weight_null[idx] & (wv != 0)
            if lo is not None:
                ok &= wv >= lo
            if hi is not None:
                ok &= wv < hi
            sat &= ok
        holds[idx[~sat], w] &= ~b


def _first_slot(holds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(any slot holds, index of the lowest set bit) per row of a (n, W) uint64 bit matrix."""
    nz = holds != 0
    found = nz.any(axis=1)
    first_w = nz.argmax(axis=1)
    word = holds[np.arange(len(holds)), first_w]
    low = word & (~word + np.uint64(1))
    _, exp = np.frexp(low.astype(np.float64))  # exact: a power of two
    return found, (first_w * 64 + (exp - 1)).astype(np.int32)


def _group_chunk(cp: CompiledPack, t: pa.Table, translate: bool) -> dict[str, np.ndarray]:
    c = _load_chunk(cp, t, translate)
    invalid = _invalid(c, cp.model.newborn_max_age_days)
    pdx = _principal(c.dx, c.dx_off, len(cp.dx_vocab))
    ppx = _principal(c.px, c.px_off, len(cp.px_vocab))
    dx_case, px_case = _case_bits(cp, c, pdx)
    has_mcc, has_cc = _bit(dx_case, MCC_BIT), _bit(dx_case, CC_BIT)
    holds = cp.dx_bits[pdx]
    holds &= cp.px_bits[ppx]
    holds &= cp.class_bits[_class_index(cp, c, dx_case, px_case)]
    _apply_any_checks(cp, c, holds, dx_case, px_case)
    found, slot = _first_slot(holds)
    found &= ~invalid & ~c.unmappable_dx & ~c.unmappable_px
    slot[~found] = 0
    status = np.full(c.n, _STATUS[GroupStatus.GROUPED.value], dtype=np.int8)
    status[~found] = _STATUS[GroupStatus.UNGROUPABLE.value]
    status[found & cp.slot_is_qy[slot]] = _STATUS[GroupStatus.AMBIGUOUS.value]
    status[invalid] = _STATUS[GroupStatus.INVALID_INPUT.value]
    status[c.unmappable_px] = _STATUS[GroupStatus.PROC_NOT_MAPPABLE.value]
    status[c.unmappable_dx] = _STATUS[GroupStatus.DX_NOT_MAPPABLE.value]
    level = np.where(has_mcc, 2, np.where(has_cc, 1, 0))
    return {
        "found": found,
        "slot": slot,
        "level": level,
        "status": status,
        "has_mcc": has_mcc & found,
        "has_cc": has_cc & found,
    }


def _take(names: pa.Array, idx: np.ndarray, mask: np.ndarray) -> pa.Array:
    return names.take(pa.array(idx, mask=~mask))


def group_arrays(
    table: pa.Table, scheme: str, translate_codes: bool = False, threads: int | None = None
) -> dict[str, np.ndarray]:
    """Group ``table``; return the raw result arrays (slot, level, status codes, flags)."""
    cp = compiled_pack(scheme)
    n = table.num_rows
    bounds = [(i, min(i + CHUNK, n)) for i in range(0, n, CHUNK)] or [(0, 0)]
    work = threads or min(len(bounds), os.cpu_count() or 1)
    if work > 1 and len(bounds) > 1:
        with ThreadPoolExecutor(work) as ex:
            parts = list(
                ex.map(
                    lambda b: _group_chunk(cp, table.slice(b[0], b[1] - b[0]), translate_codes),
                    bounds,
                )
            )
    else:
        parts = [_group_chunk(cp, table.slice(a, b - a), translate_codes) for a, b in bounds]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def group_cases(
    table: pa.Table, scheme: str, translate_codes: bool = False, threads: int | None = None
) -> pa.Table:
    """Group every row of ``table`` under ``scheme`` (a pack id); one result row per input row.

    Columns: case_id, status, mdc, adrg, drg, rule_id (the deciding rule row), has_mcc,
    has_cc. The table metadata carries ``scheme`` and ``pack_version``.
    """
    cp = compiled_pack(scheme)
    r = group_arrays(table, scheme, translate_codes, threads)
    found, slot = r["found"], r["slot"]
    drg_idx = cp.slot_drg[slot, r["level"]]
    out = pa.table(
        {
            "case_id": pc.cast(table.column("case_id"), pa.string()),
            "status": pa.array(STATUSES, pa.string()).take(pa.array(r["status"])),
            "mdc": _take(cp.mdc_names, cp.slot_mdc[slot], found),
            "adrg": _take(cp.adrg_names, cp.slot_adrg[slot], found),
            "drg": _take(cp.drg_names, drg_idx, found),
            "rule_id": _take(cp.slot_rule_ids, slot, found),
            "has_mcc": pa.array(r["has_mcc"]),
            "has_cc": pa.array(r["has_cc"]),
        }
    )
    meta = {b"scheme": cp.model.pack_id.encode(), b"pack_version": cp.model.version.encode()}
    return out.replace_schema_metadata(meta)
