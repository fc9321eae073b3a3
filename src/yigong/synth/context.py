"""The generation context of one county: its specification, places, institutions and people."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from yigong.synth.conditions import Conditions
from yigong.synth.geography import CountyGeography
from yigong.synth.institutions import CountyInstitutions
from yigong.synth.params import CountySpec
from yigong.synth.population import Population


@dataclass
class CountyContext:
    """Everything the per-table generators of one county share."""

    seed: int
    index: int  # position of the county in the preset (part of every random stream)
    spec: CountySpec
    years: tuple[int, ...]
    geo: CountyGeography
    inst: CountyInstitutions
    pop: Population
    cond: Conditions

    def rng(self, stream: str, year: int = 0) -> np.random.Generator:
        """An independent random stream: same seed, county, stream and year → same numbers."""
        return np.random.default_rng([self.seed, self.index, zlib.crc32(stream.encode()), year])

    @property
    def n_hospitals(self) -> int:
        return len(self.inst.hospitals)

    def centre_index(self, township: np.ndarray) -> np.ndarray:
        """Index (into `inst.all`) of the health centre of each township."""
        return self.n_hospitals + township

    def clinic_index(self, village: np.ndarray) -> np.ndarray:
        """Index (into `inst.all`) of the clinic of each village."""
        return self.n_hospitals + len(self.inst.centres) + village

    def institution_ids(self) -> np.ndarray:
        return np.array([i.institution_id for i in self.inst.all], dtype=object)
