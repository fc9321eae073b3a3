"""Presets of the synthetic generator: which counties, how many residents, which years.

A preset is a frozen description of a synthetic world. Everything else (rates, costs, staffing
ratios) lives in the data files under `synth/data/` and in the documented assumptions of
`docs/synthetic-data.md`; presets only decide the *scale*.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CountySpec:
    """One county of a synthetic world.

    Attributes:
        code: GB/T 2260 six-digit county code (real code).
        name_zh: official Chinese name.
        residents: number of resident persons generated.
        townships: number of township health centres (one per township).
        villages_per_township: village clinics per township centre (one per village).
        communities: medical communities in the county (1–3).
        has_mch: whether the county has a maternal and child health hospital.
        capacity: relative strength of the county hospitals (1 = typical); a strong county
            keeps more patients in the county, a weak one sends more out.
        primary_pull: relative pull of township and village care on outpatients (1 = typical).
    """

    code: str
    name_zh: str
    residents: int
    townships: int
    villages_per_township: int
    communities: int = 2
    has_mch: bool = True
    capacity: float = 1.0
    primary_pull: float = 1.0


@dataclass(frozen=True)
class Preset:
    """A named synthetic world."""

    name: str
    description: str
    province_code: str
    city_code: str
    counties: tuple[CountySpec, ...]
    years: tuple[int, ...]
    formats: tuple[str, ...] = ("csv", "parquet", "xlsx")
    extra_cities: tuple[tuple[str, str], ...] = field(default=())

    @property
    def residents(self) -> int:
        return sum(c.residents for c in self.counties)


#: Handan (邯郸市) counties with their real GB/T 2260 codes; resident counts are rounded
#: orders of magnitude (assumption), not census figures.
HANDAN_COUNTIES: tuple[tuple[str, str, int], ...] = (
    ("130423", "临漳县", 500_000),
    ("130424", "成安县", 380_000),
    ("130425", "大名县", 800_000),
    ("130426", "涉县", 400_000),
    ("130427", "磁县", 550_000),
    ("130430", "邱县", 230_000),
    ("130431", "鸡泽县", 300_000),
    ("130432", "广平县", 280_000),
    ("130433", "馆陶县", 330_000),
    ("130434", "魏县", 850_000),
    ("130435", "曲周县", 430_000),
    ("130481", "武安市", 800_000),
    ("130407", "肥乡区", 350_000),
    ("130408", "永年区", 850_000),
)


def _handan_county(code: str, name: str, residents: int, index: int) -> CountySpec:
    townships = max(6, round(residents / 25_000))
    return CountySpec(
        code=code,
        name_zh=name,
        residents=residents,
        townships=townships,
        villages_per_township=15,
        communities=1 + (residents >= 350_000) + (residents >= 800_000),
        capacity=(0.80, 1.0, 1.15, 0.9, 1.05)[index % 5],
        primary_pull=(1.0, 0.85, 1.1, 0.95, 1.15)[index % 5],
    )


#: Hebei (河北省) cities used by the province preset: code, name. Real GB/T 2260 codes.
HEBEI_CITIES: tuple[tuple[str, str], ...] = (
    ("130100", "石家庄市"),
    ("130200", "唐山市"),
    ("130300", "秦皇岛市"),
    ("130400", "邯郸市"),
    ("130500", "邢台市"),
    ("130600", "保定市"),
    ("130700", "张家口市"),
    ("130800", "承德市"),
    ("130900", "沧州市"),
    ("131000", "廊坊市"),
    ("131100", "衡水市"),
)

_TINY = Preset(
    name="tiny",
    description="test world: ~3,000 residents, one community, two township centres",
    province_code="130000",
    city_code="130400",
    counties=(CountySpec("130423", "临漳县", 3_000, 2, 3, communities=1, has_mch=False),),
    years=(2023, 2024),
)

_COUNTY = Preset(
    name="county",
    description="临漳县 at full scale: ~500,000 residents, two communities, 20 township centres",
    province_code="130000",
    city_code="130400",
    counties=(CountySpec("130423", "临漳县", 500_000, 20, 15, communities=2),),
    years=(2021, 2022, 2023, 2024),
)

_CITY = Preset(
    name="city",
    description="邯郸市: its 12 counties and 2 rural districts (~7 million residents)",
    province_code="130000",
    city_code="130400",
    counties=tuple(_handan_county(c, n, r, i) for i, (c, n, r) in enumerate(HANDAN_COUNTIES)),
    years=(2021, 2022, 2023, 2024),
    formats=("csv", "parquet"),
)


def _province_counties() -> tuple[CountySpec, ...]:
    """Six synthetic counties per Hebei city (codes <city>21…<city>26, names synthetic)."""
    specs = []
    for ci, (city, city_name) in enumerate(HEBEI_CITIES):
        for k in range(6):
            code = f"{city[:4]}{21 + k:02d}"
            name = f"{city_name[:-1]}{'甲乙丙丁戊己'[k]}县"
            specs.append(_handan_county(code, name, 300_000, ci * 6 + k))
    return tuple(specs)


_PROVINCE = Preset(
    name="province",
    description="河北省 for benchmarks: 11 cities x 6 synthetic counties (~20 million residents)",
    province_code="130000",
    city_code="",
    counties=_province_counties(),
    years=(2021, 2022, 2023, 2024),
    formats=("parquet", "csv"),
)

PRESETS: dict[str, Preset] = {p.name: p for p in (_TINY, _COUNTY, _CITY, _PROVINCE)}


def preset(name: str) -> Preset:
    """The preset called `name`."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}") from None
