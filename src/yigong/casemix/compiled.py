"""A compiled grouper pack: the integer-coded tables ``batch.group_cases`` runs on.

Kept apart from the compiler (`compile.py`, which needs the pack model, its loader and the
rule-pack machinery) so that grouping with a pack from the on-disk cache (`pack_cache`) loads
none of that: ``yigong drg group IN.csv`` pays its start-up time on every run. A compiled pack
holds only what the batch engine reads — no pack model, no rule objects — so that loading it
is a few megabytes of arrays.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from yigong.casemix.pack_cache import cached
from yigong.casemix.tagexpr import TagExpr

OR_BIT = 0  # px_feat bit 0: the code is an OR procedure
MCC_BIT, CC_BIT = 63, 62  # dx case bits: a counted MCC / CC


@dataclass
class AnyCheck:
    """The part of a slot's rule evaluated over all of a case's codes."""

    slot: int
    dx_bits: list[int] = field(default_factory=list)
    px_bits: list[int] = field(default_factory=list)
    tag_expr: TagExpr | None = None
    tag_bits: dict[int, int] = field(default_factory=dict)  # tag -> px_feat bit
    weight: tuple[int | None, int | None] | None = None


@dataclass
class CompiledPack:
    """Integer-coded tables of one pack for ``batch.group_cases``."""

    pack_id: str
    version: str
    newborn_max_age_days: int  # README step 1: a newborn needs a birth weight up to this age
    n_words: int
    dx_vocab: pa.Array
    px_vocab: pa.Array
    dx_bits: np.ndarray  # (n_dx + 1, W) uint64; last row = unknown code
    px_bits: np.ndarray  # (n_px + 1, W) uint64; last row = unknown code / no procedure
    class_bits: np.ndarray  # (2**F, W) uint64
    class_features: list[tuple[str, object]]
    dx_feat: np.ndarray  # (n_dx + 1,) uint64: trauma region bits, any-dx bits, dx2 bits, MCC/CC bit
    dx_feat_principal_mask: np.uint64  # bits a principal diagnosis may contribute
    dx_feat_excluded_mask: np.uint64  # bits left when the exclusion tables match (no MCC/CC)
    trauma_masks: dict[str, np.uint64]  # trauma MDC -> its region bits
    dx_ctab: np.ndarray  # (n_dx + 1,) int32 exclusion table of an MCC/CC code, -1 none
    dx_ptab: np.ndarray  # (n_dx + 1,) int32 exclusion table as principal, -2 none
    px_feat: np.ndarray  # (n_px + 1,) uint64: OR bit, any-proc list bits, tag bits
    any_checks: list[AnyCheck]
    slot_mdc: np.ndarray  # (S,) int16 index into mdc_names
    slot_adrg: np.ndarray  # (S,) int16 index into adrg_names
    slot_drg: np.ndarray  # (S, 3) int16 index into drg_names by severity level 0/1/2
    slot_is_qy: np.ndarray  # (S,) bool
    mdc_names: pa.Array
    adrg_names: pa.Array
    drg_names: pa.Array
    slot_rule_ids: pa.Array
    map_dx_from: pa.Array
    map_dx_to: np.ndarray  # from index -> dx id
    map_px_from: pa.Array
    map_px_to: np.ndarray


@functools.lru_cache(maxsize=8)
def compiled_pack(scheme: str) -> CompiledPack:
    """The compiled tables of a pack (cached per process, and on disk across processes:
    `pack_cache`; compiled from the pack only when the disk cache has no current copy)."""

    def build() -> CompiledPack:
        from yigong.casemix.compile import (  # lazy: start-up (only on a cache miss)
            compile_model,
        )
        from yigong.casemix.model import pack_model

        return compile_model(pack_model(scheme))

    return cached(scheme, build)
