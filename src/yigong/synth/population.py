"""Residents of a synthetic county: age, sex, residence, insurance, identity number, name.

The roster holds everyone who lived in the county at the start of the first generated year
(ages drawn from a rural Hebei-like pyramid) plus everyone born during the generated years
(at Hebei-like crude birth rates). Deaths outside hospital follow a Gompertz curve; deaths in
hospital are added later by the inpatient generator. Identity numbers follow GB 11643.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from yigong.synth import ids
from yigong.synth._arrow import concat, take
from yigong.synth.params import CountySpec

#: relative number of persons per single year of age in each 5-year group 0-4 … 95-99
#: (assumption: shaped like the 2020 census pyramid of rural Hebei; 0-14 ≈ 18 %, 60+ ≈ 20 %).
AGE_PYRAMID = (
    1.05,
    1.35,
    1.30,
    1.10,
    1.00,
    1.10,
    1.45,
    1.25,
    1.15,
    1.55,
    1.60,
    1.40,
    1.05,
    1.15,
    0.85,
    0.55,
    0.35,
    0.17,
    0.06,
    0.015,
)

#: crude birth rate per 1,000 (assumption close to Hebei's published figures 2021–2024).
BIRTH_RATE = {2021: 7.2, 2022: 6.1, 2023: 5.5, 2024: 5.6}

#: age bands used for every age pattern: upper bounds (exclusive) in years.
BAND_EDGES = np.array([1, 5, 15, 30, 45, 60, 70, 80, 200])

SCHEMES = ("employee", "resident", "none")

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
)
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰文辉海燕红梅晓东志强"
    "丹丹俊杰欣怡子涵浩然雨萱梓轩一诺宇航佳怡思远嘉豪欣妍博文雅琪"
)


def birth_rate(year: int) -> float:
    """Births per 1,000 residents in `year` (the nearest tabulated year outside 2021–2024)."""
    return BIRTH_RATE.get(year, BIRTH_RATE[min(BIRTH_RATE, key=lambda y: abs(y - year))])


@dataclass
class Population:
    """The residents of one county, one entry per person (numpy arrays, same length)."""

    county_code: str
    sex: np.ndarray  # 1 male, 2 female
    birth: np.ndarray  # datetime64[D]
    death: np.ndarray  # datetime64[D]; far future when alive at the end
    village: np.ndarray  # index into the county's villages (flat)
    township: np.ndarray  # index into the county's townships
    scheme: np.ndarray  # index into SCHEMES
    low_income: np.ndarray  # bool: 脱贫人口 / poverty relief
    id_number: pa.Array
    name: pa.Array

    @property
    def size(self) -> int:
        return len(self.sex)

    def age_on(self, day: np.datetime64) -> np.ndarray:
        """Completed years of age on `day` (negative before birth)."""
        return ((day - self.birth).astype(np.int64) // 365.25).astype(np.int64)

    def alive_on(self, day: np.datetime64) -> np.ndarray:
        return (self.birth <= day) & (self.death > day)


NEVER = np.datetime64("2100-12-31")


def _village_weights(rng: np.random.Generator, townships: int, per_township: int) -> np.ndarray:
    town = rng.uniform(0.6, 1.4, townships)
    town[0] = 3.0  # the county seat is the largest township
    village = rng.uniform(0.5, 1.5, (townships, per_township))
    w = (village / village.sum(axis=1, keepdims=True)) * (town / town.sum())[:, None]
    return w.ravel()


def build_population(
    spec: CountySpec, years: tuple[int, ...], rng: np.random.Generator
) -> Population:
    """The residents of `spec` over `years` (deterministic for a given generator state)."""
    first, last = min(years), max(years)
    start = np.datetime64(f"{first}-01-01")
    births = [round(spec.residents * birth_rate(y) / 1000) for y in years]
    n_base = max(spec.residents - sum(births), 1)
    # --- base roster: ages from the pyramid, uniform within the single year of age
    per_year = np.repeat(np.asarray(AGE_PYRAMID), 5)
    age = rng.choice(len(per_year), n_base, p=per_year / per_year.sum())
    birth = start - (age * 365.25 + rng.uniform(1, 365, n_base)).astype("timedelta64[D]")
    # --- births during the generated years
    born = [
        np.datetime64(f"{y}-01-01") + rng.integers(0, 365, b).astype("timedelta64[D]")
        for y, b in zip(years, births, strict=True)
    ]
    birth = np.concatenate([birth, *born]).astype("datetime64[D]")
    n = len(birth)
    male = rng.random(n) < np.where(birth >= start, 0.52, 0.505)
    sex = np.where(male, 1, 2).astype(np.int8)
    # --- deaths outside hospital: Gompertz hazard per year (assumption, ≈ 7 per 1,000 overall)
    death = np.full(n, NEVER)
    for y in range(first, last + 1):
        y0 = np.datetime64(f"{y}-01-01")
        a = np.clip((y0 - birth).astype(np.int64) / 365.25, 0, None)
        q = np.where(a < 1, 0.004, 0.00003 * np.exp(0.095 * a)) * np.where(male, 1.25, 0.8)
        dies = (death == NEVER) & (birth < y0) & (rng.random(n) < np.minimum(q, 0.5))
        death[dies] = y0 + rng.integers(0, 365, dies.sum()).astype("timedelta64[D]")
    # --- residence
    vw = _village_weights(rng, spec.townships, spec.villages_per_township)
    village = rng.choice(len(vw), n, p=vw).astype(np.int32)
    township = (village // spec.villages_per_township).astype(np.int32)
    # --- insurance: employees among working ages, a few uninsured (assumption: ~97 % insured)
    age_now = (np.datetime64(f"{last}-07-01") - birth).astype(np.int64) / 365.25
    working = (age_now >= 22) & (age_now < 60)
    u = rng.random(n)
    scheme = np.where(working & (u < 0.14), 0, np.where(u > 0.975, 2, 1)).astype(np.int8)
    low_income = rng.random(n) < 0.04
    # --- identity numbers and names
    seq = ids.sequences(birth.astype(np.int64), male)
    id_number = ids.id_numbers(np.full(n, int(spec.code)), birth, seq)
    surname = take(list(_SURNAMES), rng.integers(0, len(_SURNAMES), n))
    given1 = take(list(_GIVEN), rng.integers(0, len(_GIVEN), n))
    given2 = take(list(_GIVEN) + [""] * 20, rng.integers(0, len(_GIVEN) + 20, n))
    name = concat(surname, given1, given2)
    return Population(
        spec.code, sex, birth, death, village, township, scheme, low_income, id_number, name
    )


def age_band(age: np.ndarray) -> np.ndarray:
    """Index of the age band (see `BAND_EDGES`) of each age in years."""
    return np.searchsorted(BAND_EDGES, age, side="right")
