"""Administrative divisions of a synthetic world (GB/T 2260 and 统计用区划代码 patterns).

Provinces, cities and counties carry their real codes and names. Townships get 9-digit codes
(county code + 100…: towns 镇, 200…: townships 乡) and villages 12-digit codes (township + 3
digits); their names are synthetic, built from common place-name characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yigong.synth.params import HEBEI_CITIES, CountySpec

#: first day the synthetic division codes are valid (assumption: codes predate the data).
DIVISIONS_VALID_FROM = "2016-01-01"


@dataclass(frozen=True)
class Division:
    """One administrative unit."""

    code: str
    name_zh: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class CountyGeography:
    """A county with its townships and, per township, its villages."""

    county: Division
    townships: tuple[Division, ...]
    villages: tuple[tuple[Division, ...], ...]


PROVINCES = {"130000": "河北省", "110000": "北京市", "410000": "河南省"}
#: cities and districts outside the generated counties where out-of-county care happens.
OUTSIDE_DIVISIONS: tuple[Division, ...] = (
    Division("110100", "市辖区", "city", "110000"),
    Division("110101", "东城区", "county", "110100"),
    Division("130102", "长安区", "county", "130100"),
    Division("130402", "邯山区", "county", "130400"),
    Division("130403", "丛台区", "county", "130400"),
    Division("410500", "安阳市", "city", "410000"),
    Division("410502", "文峰区", "county", "410500"),
)

_FIRST = list(
    "东西南北前后上下大小高王张李刘杨赵孙马朱胡郭何罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
_SECOND = list("庄固营寨堡店桥河湾屯集坊口头城寺关楼岗台坡陵林园洼沟井")
_TOWN_SUFFIX = ("镇", "乡")
_VILLAGE_SUFFIX = ("村", "庄", "营", "屯")


def _names(
    rng: np.random.Generator, n: int, suffixes: tuple[str, ...], taken: set[str]
) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = (
            _FIRST[rng.integers(len(_FIRST))]
            + _SECOND[rng.integers(len(_SECOND))]
            + suffixes[rng.integers(len(suffixes))]
        )
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def county_geography(spec: CountySpec) -> CountyGeography:
    """Townships and villages of one county (deterministic in the county code alone)."""
    rng = np.random.default_rng([int(spec.code), 2260])
    county = Division(spec.code, spec.name_zh, "county", spec.code[:4] + "00")
    taken: set[str] = set()
    town_names = _names(rng, spec.townships, _TOWN_SUFFIX, taken)
    townships = []
    n_towns = 0
    for i, name in enumerate(town_names):
        # the first township is the county seat (a town, 镇); then towns and townships mix
        is_town = i == 0 or name.endswith("镇")
        if is_town:
            n_towns += 1
            code = f"{spec.code}{100 + n_towns:03d}"
        else:
            code = f"{spec.code}{200 + (i + 1 - n_towns):03d}"
        if i == 0:
            name = spec.name_zh[:2] + "镇"
        townships.append(Division(code, name, "township", spec.code))
    villages = []
    for town in townships:
        names = _names(rng, spec.villages_per_township, _VILLAGE_SUFFIX, taken)
        villages.append(
            tuple(
                Division(f"{town.code}{k + 1:03d}", n, "village", town.code)
                for k, n in enumerate(names)
            )
        )
    return CountyGeography(county, tuple(townships), tuple(villages))


def shared_divisions(county_codes: list[str]) -> list[Division]:
    """Province and city rows above the generated counties, and the out-of-county districts."""
    city_names = dict(HEBEI_CITIES)
    cities = sorted({c[:4] + "00" for c in county_codes} | {"130100", "130400"})
    rows = [Division(code, name, "province", None) for code, name in PROVINCES.items()]
    rows += [Division(c, city_names[c], "city", c[:2] + "0000") for c in cities]
    rows += list(OUTSIDE_DIVISIONS)
    return rows
