"""Set-based grouping of many cases at once (NumPy over integer-coded Arrow input).

``group_cases(table, scheme)`` takes the batch input shape (see ``contract.INPUT_SCHEMA``;
the code lists may also be the contract's ``|``-joined text) and returns one result row per
input row. It:

1. encodes the diagnosis/procedure codes to pack code ids, a column at a time (`encode`: one
   Arrow hash look-up over the flattened lists, the dictionary of a dictionary-encoded
   input, or views into the joined text, never split); then, per chunk of cases,
2. OR-reduces per-code feature bits over each case's codes (``np.bitwise_or.reduceat``)
   to get trauma regions, counted MCC/CC (exclusion tables applied row-wise), OR
   procedures and the ``any_*`` list hits;
3. ANDs three table rows (principal diagnosis, principal procedure, case class) into a
   bit set over all rule slots, applies the ``any_*`` checks to the few cases that need
   them, and takes the lowest set bit: the first rule that holds in MDC order;
4. looks up the DRG by severity level.

Chunks run on a thread pool (NumPy and Arrow release the GIL). `group` returns the raw
result (`Grouped`: slot, level and status per row), from which the file contract writes its
lines without building the result table.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yigong.casemix.case import STATUSES, GroupStatus
from yigong.casemix.compiled import CC_BIT, MCC_BIT, OR_BIT, CompiledPack, compiled_pack

CHUNK = 1 << 16
RESULT_COLUMNS = ("case_id", "status", "mdc", "adrg", "drg", "rule_id", "has_mcc", "has_cc")
_STATUS = {s: i for i, s in enumerate(STATUSES)}


@dataclass
class Coded:
    """One code-list column, integer-coded: per code its index in a vocabulary (``len(vocab)``
    for a code not in it), with the offsets of each row's codes (CSR, from 0)."""

    ids: np.ndarray  # int32
    offsets: np.ndarray  # int64, rows + 1

    def rows(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """The codes of rows ``a..b-1``, offsets from 0."""
        lo, hi = int(self.offsets[a]), int(self.offsets[b])
        return self.ids[lo:hi], self.offsets[a : b + 1] - lo


def _list_values(lists: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A list array's values and its offsets from 0 (a null list is an empty list)."""
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
    return values, offsets


def _dictionary_ids(values: pa.Array, vocab: pa.Array) -> np.ndarray:
    n = len(vocab)
    dict_ids = pc.index_in(values.dictionary, value_set=vocab).fill_null(n).to_numpy()
    ids = dict_ids.astype(np.int32)[values.indices.fill_null(0).to_numpy()]
    if values.indices.null_count:
        ids[~values.is_valid().to_numpy(zero_copy_only=False)] = n
    return np.asarray(ids, dtype=np.int32)


def _joined_values(text: pa.Array) -> tuple[pa.Array, np.ndarray] | None:
    """The codes of ``|``-joined text (the contract's form of a list) without splitting it:
    each code as a view into the text's own buffer that keeps the ``|`` after it, and the
    number of codes per row (an empty or null field has none; ``A|`` has two, ``A|`` and the
    empty code, as splitting gives ``A`` and the empty code). None for an array this cannot
    view (a null field with content behind it)."""
    n = len(text)
    offsets = np.frombuffer(text.buffers()[1], np.int32, n + 1, text.offset * 4)
    lengths = np.diff(offsets)
    if text.null_count and np.any(lengths[~text.is_valid().to_numpy(zero_copy_only=False)]):
        return None
    lo, hi = int(offsets[0]), int(offsets[-1])
    nonempty = lengths > 0
    seps = np.zeros(0, dtype=np.int64)
    if hi > lo:
        data = np.frombuffer(text.buffers()[2], np.uint8, hi - lo, lo)
        seps = np.flatnonzero(data == 0x7C) + lo  # "|": never a byte of a multi-byte character
    counts = nonempty + np.diff(np.searchsorted(seps, offsets))  # codes per row
    total = int(counts.sum())
    # where each code starts: a row's first code at the row's start, every other one byte
    # after a separator (all in order), then the end
    bounds = np.empty(total + 1, dtype=np.int32)
    row_first = np.zeros(total, dtype=bool)
    row_first[(np.cumsum(counts) - counts)[nonempty]] = True
    bounds[:total][row_first] = offsets[:-1][nonempty]
    bounds[:total][~row_first] = seps + 1
    bounds[total] = hi
    views = pa.Array.from_buffers(
        pa.string(), total, [None, pa.py_buffer(bounds), text.buffers()[2]]
    )
    return views, counts


def _with_separator(vocab: pa.Array) -> pa.Array | None:
    """``vocab`` then every code of it followed by ``|`` (the look-up set of `_joined_values`'
    views); None if a code holds ``|`` itself (it could never match a split code). Kept per
    vocabulary: a file grouped batch by batch asks for it once a batch."""
    kept = _SEPARATED.get(id(vocab))
    if kept is not None and kept[0] is vocab:
        return kept[1]
    both = None
    if not pc.any(pc.match_substring(vocab, "|")).as_py():
        bar = pa.array(["|"] * len(vocab), pa.string())
        both = pa.concat_arrays([vocab, pc.binary_join_element_wise(vocab, bar, "")])
    _SEPARATED[id(vocab)] = (vocab, both)
    return both


_SEPARATED: dict[int, tuple[pa.Array, pa.Array | None]] = {}


def encode(
    column: pa.ChunkedArray | pa.Array,
    vocab: pa.Array,
    pool: ThreadPoolExecutor | None = None,
    parts: int = 1,
) -> Coded:
    """A code-list column (``list<string>``, ``list<dictionary>``, or the contract's
    ``|``-joined text with empty and null fields as empty lists) against ``vocab``; with a
    `pool`, in up to `parts` runs of chunks at once (Arrow and NumPy release the GIL)."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    if pool is not None and parts > 1 and len(chunks) > 1:
        step = -(-len(chunks) // parts)
        runs = [chunks[i : i + step] for i in range(0, len(chunks), step)]
        coded = list(pool.map(lambda run: encode(pa.chunked_array(run, column.type), vocab), runs))
        ids = np.concatenate([c.ids for c in coded])
        return Coded(ids, _offsets([np.diff(c.offsets) for c in coded]))
    n = len(vocab)
    typ = column.type
    if pa.types.is_large_string(typ):
        column = column.cast(pa.string())
        chunks, typ = (
            column.chunks if isinstance(column, pa.ChunkedArray) else [column],
            column.type,
        )
    if pa.types.is_string(typ):
        viewed = [_joined_values(c) for c in chunks]
        both = _with_separator(vocab)
        if both is not None and all(v is not None for v in viewed):
            views = [v[0] for v in viewed if v is not None]
            counts = [v[1] for v in viewed if v is not None]
            looked = pc.index_in(pa.chunked_array(views, pa.string()), value_set=both)
            return Coded(_folded(looked, n), _offsets(counts))
        from yigong.casemix.contract import (  # lazy: cycle (contract groups via this module)
            split_lists,
        )

        column = split_lists(column)
        chunks, typ = column.chunks, column.type
    listed = [_list_values(c) for c in chunks]
    offsets = _offsets([np.diff(o) for _, o in listed])
    if listed and pa.types.is_dictionary(listed[0][0].type):
        ids = np.concatenate([_dictionary_ids(v, vocab) for v, _ in listed])
        return Coded(ids.astype(np.int32), offsets)
    values = pa.chunked_array([v for v, _ in listed], typ.value_type)
    ids = pc.index_in(values, value_set=vocab).fill_null(n).to_numpy().astype(np.int32)
    return Coded(ids, offsets)


def _folded(looked: pa.ChunkedArray, n: int) -> np.ndarray:
    """Positions in ``vocab + vocab|`` (null: not found) as vocabulary ids: ``A|`` is ``A``,
    not found is ``n``; read in place from Arrow's buffers into one array."""
    fold = np.concatenate([np.arange(n), np.arange(n), [n]]).astype(np.int32)
    ids = np.empty(len(looked), dtype=np.int32)
    at = 0
    for chunk in looked.chunks:
        m = len(chunk)
        if not m:
            continue
        out = ids[at : at + m]
        values = np.frombuffer(chunk.buffers()[1], np.int32, m, chunk.offset * 4)
        np.take(fold, values, out=out, mode="clip")  # a null's slot may hold anything
        if chunk.null_count:
            out[~chunk.is_valid().to_numpy(zero_copy_only=False)] = n
        at += m
    return ids


def _offsets(counts: list[np.ndarray]) -> np.ndarray:
    """CSR offsets (from 0) of rows with these code counts, chunk after chunk."""
    every = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(every)]).astype(np.int64)


def _translate(
    coded: Coded, a: int, b: int, frm_len: int, to: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 0: map codes through a code map; returns ids, offsets, per-case 'unmappable'."""
    idx, offsets = coded.rows(a, b)
    bad_row = idx == frm_len
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


def _load_chunk(
    cp: CompiledPack, t: pa.Table, translate: bool, codes: tuple[Coded, Coded], a: int
) -> _Chunk:
    """Rows ``a..a+len(t)-1``: ``t`` holds their fields, ``codes`` every row's codes."""
    n = t.num_rows
    dxc, pxc = codes
    if translate:
        dx, dx_off, dx_bad = _translate(dxc, a, a + n, len(cp.map_dx_from), cp.map_dx_to)
        px, px_off, px_bad = _translate(pxc, a, a + n, len(cp.map_px_from), cp.map_px_to)
    else:
        dx, dx_off = dxc.rows(a, a + n)
        px, px_off = pxc.rows(a, a + n)
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
    excluded = np.flatnonzero(cp.dx_ctab[dx] == np.repeat(cp.dx_ptab[pdx], counts))
    row_bits[excluded] &= cp.dx_feat_excluded_mask
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
    """Clear the slot bit of rules whose all-codes part (any_*, tags, weight) fails
    (``holds``: (W, n), word by word)."""
    weight, weight_null = c.fields["birth_weight_g"]
    words = {chk.slot // 64 for chk in cp.any_checks}
    bits_in = {
        w: np.uint64(sum(1 << (k.slot % 64) for k in cp.any_checks if k.slot // 64 == w))
        for w in words
    }
    # the cases still candidates for some checked slot of each word (usually few)
    cands = {w: np.flatnonzero(holds[w] & bits_in[w]) for w in words}
    for chk in cp.any_checks:
        w, bit = divmod(chk.slot, 64)
        b = np.uint64(1 << bit)
        idx = cands[w][(holds[w, cands[w]] & b) != 0]  # only cases still candidates for it
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
        holds[w, idx[~sat]] &= ~b


def _first_slot(holds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(any slot holds, index of the lowest set bit) per case of a (W, n) uint64 bit matrix
    (word w holds slots 64w .. 64w + 63): word by word, each case decided at its first word
    with a bit set."""
    n = holds.shape[1]
    found = np.zeros(n, dtype=bool)
    slot = np.zeros(n, dtype=np.int32)
    for w, word in enumerate(holds):
        hit = np.flatnonzero((word != 0) & ~found)
        if len(hit):
            v = word[hit]
            _, exp = np.frexp((v & (~v + np.uint64(1))).astype(np.float64))  # exact: 2**k
            slot[hit] = w * 64 + exp - 1
            found[hit] = True
    return found, slot


@dataclass
class _Run:
    """What every chunk of one grouping run shares: the pack, its three bit tables word-major
    ((W, rows): a case's candidate slots are gathered word by word, and the any-checks and the
    first-slot search then read one contiguous word at a time), and every row's codes."""

    cp: CompiledPack
    translate: bool
    codes: tuple[Coded, Coded]
    dx_bits: np.ndarray
    px_bits: np.ndarray
    class_bits: np.ndarray

    @classmethod
    def of(cls, cp: CompiledPack, translate: bool, codes: tuple[Coded, Coded]) -> _Run:
        kept = _WORD_MAJOR.get(id(cp))
        if kept is None or kept[0] is not cp:
            tables = tuple(
                np.ascontiguousarray(t.T) for t in (cp.dx_bits, cp.px_bits, cp.class_bits)
            )
            kept = _WORD_MAJOR[id(cp)] = (cp, tables)
        return cls(cp, translate, codes, *kept[1])


_WORD_MAJOR: dict[int, tuple[CompiledPack, tuple[np.ndarray, ...]]] = {}


def _group_chunk(run: _Run, t: pa.Table, a: int) -> dict[str, np.ndarray]:
    cp = run.cp
    c = _load_chunk(cp, t, run.translate, run.codes, a)
    invalid = _invalid(c, cp.newborn_max_age_days)
    pdx = _principal(c.dx, c.dx_off, len(cp.dx_vocab))
    ppx = _principal(c.px, c.px_off, len(cp.px_vocab))
    dx_case, px_case = _case_bits(cp, c, pdx)
    has_mcc, has_cc = _bit(dx_case, MCC_BIT), _bit(dx_case, CC_BIT)
    holds = np.take(run.dx_bits, pdx, axis=1)  # (W, n)
    holds &= np.take(run.px_bits, ppx, axis=1)
    holds &= np.take(run.class_bits, _class_index(cp, c, dx_case, px_case), axis=1)
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
    dx_vocab, px_vocab = (
        (cp.map_dx_from, cp.map_px_from) if translate_codes else (cp.dx_vocab, cp.px_vocab)
    )
    with ThreadPoolExecutor(max(work, 1)) as ex:
        codes = (
            encode(table.column("diagnoses"), dx_vocab, ex, work),
            encode(table.column("procedures"), px_vocab, ex, work),
        )
        run = _Run.of(cp, translate_codes, codes)

        def one(b: tuple[int, int]) -> dict[str, np.ndarray]:
            return _group_chunk(run, table.slice(b[0], b[1] - b[0]), b[0])

        parts = list(ex.map(one, bounds)) if work > 1 and len(bounds) > 1 else [*map(one, bounds)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


@dataclass
class Grouped:
    """The raw result of grouping (`group_arrays`) with the pack it indexes into: per row the
    deciding slot, the severity level, the status code and the flags."""

    cp: CompiledPack
    r: dict[str, np.ndarray]

    @property
    def rows(self) -> int:
        return len(self.r["status"])

    def drg_index(self) -> np.ndarray:
        return np.asarray(self.cp.slot_drg[self.r["slot"], self.r["level"]])

    def table(self, case_id: pa.ChunkedArray | pa.Array) -> pa.Table:
        """`group_cases`' result table for these rows."""
        cp, r = self.cp, self.r
        found, slot = r["found"], r["slot"]
        out = pa.table(
            {
                "case_id": pc.cast(case_id, pa.string()),
                "status": pa.array(STATUSES, pa.string()).take(pa.array(r["status"])),
                "mdc": _take(cp.mdc_names, cp.slot_mdc[slot], found),
                "adrg": _take(cp.adrg_names, cp.slot_adrg[slot], found),
                "drg": _take(cp.drg_names, self.drg_index(), found),
                "rule_id": _take(cp.slot_rule_ids, slot, found),
                "has_mcc": pa.array(r["has_mcc"]),
                "has_cc": pa.array(r["has_cc"]),
            }
        )
        meta = {b"scheme": cp.pack_id.encode(), b"pack_version": cp.version.encode()}
        return out.replace_schema_metadata(meta)

    def outcome_keys(self) -> np.ndarray:
        """Per row the index of its (status, mdc, adrg, drg) in `outcomes`: a grouped row's
        follow from its slot and level, any other row's from its status."""
        r = self.r
        n_slots = len(self.cp.slot_is_qy)
        return np.where(
            r["found"],
            r["slot"].astype(np.int64) * 3 + r["level"],
            3 * n_slots + r["status"].astype(np.int64),
        )

    def outcomes(self) -> tuple[np.ndarray, list[tuple[str, str | None, str | None, str | None]]]:
        """`outcome_keys`, and every possible (status, mdc, adrg, drg) of the pack."""
        cp = self.cp
        mdc, adrg, drg = (
            cp.mdc_names.to_pylist(),
            cp.adrg_names.to_pylist(),
            cp.drg_names.to_pylist(),
        )
        grouped, ambiguous = GroupStatus.GROUPED.value, GroupStatus.AMBIGUOUS.value
        names: list[tuple[str, str | None, str | None, str | None]] = [
            (
                ambiguous if cp.slot_is_qy[s] else grouped,
                mdc[cp.slot_mdc[s]],
                adrg[cp.slot_adrg[s]],
                drg[cp.slot_drg[s, level]],
            )
            for s in range(len(cp.slot_is_qy))
            for level in range(3)
        ]
        names += [(st, None, None, None) for st in STATUSES]
        return self.outcome_keys(), names

    def status_counts(self) -> dict[str, int]:
        """Rows per status, in the order each status first occurs."""
        status = self.r["status"]
        counts = np.bincount(status, minlength=len(STATUSES))
        present = [i for i in range(len(STATUSES)) if counts[i]]
        present.sort(key=lambda i: int(np.argmax(status == i)))
        return {STATUSES[i]: int(counts[i]) for i in present}

    def distinct_drgs(self) -> int:
        """How many distinct DRGs the grouped rows fall into."""
        names = self.cp.drg_names.to_pylist()
        return len({names[i] for i in np.unique(self.drg_index()[self.r["found"]])})


def group(
    table: pa.Table, scheme: str, translate_codes: bool = False, threads: int | None = None
) -> Grouped:
    """Group every row of ``table`` (as `group_cases`); the raw result."""
    return Grouped(compiled_pack(scheme), group_arrays(table, scheme, translate_codes, threads))


def group_cases(
    table: pa.Table, scheme: str, translate_codes: bool = False, threads: int | None = None
) -> pa.Table:
    """Group every row of ``table`` under ``scheme`` (a pack id); one result row per input row.

    The code lists (``diagnoses``, ``procedures``) may be lists of strings, lists of
    dictionary-encoded strings, or the contract's ``|``-joined text. Columns: case_id, status,
    mdc, adrg, drg, rule_id (the deciding rule row), has_mcc, has_cc. The table metadata
    carries ``scheme`` and ``pack_version``.
    """
    return group(table, scheme, translate_codes, threads).table(table.column("case_id"))
