"""The indicator language: measures over canonical tables, indicators over measures, targets.

A *measure* counts or sums rows of one canonical table (optionally joined to its parents),
restricted to a hierarchy node (`scope`), a period (`time`) and a structured filter (`where`).
An *indicator* is DHIS2-shaped: ``value = numerator / denominator × factor``, where numerator
and denominator are sums of measures. Aggregation over the hierarchy always sums numerators
and denominators over the node's rows and divides once; rates are never averaged.
These models are what catalog YAML files are validated against (``extra="forbid"``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from yigong.rulepacks import FieldPath

__all__ = [
    "Aggregation",
    "Comparator",
    "DIVISION_LEVELS",
    "Condition",
    "Direction",
    "Indicator",
    "IndicatorKind",
    "Join",
    "Measure",
    "NodeLevel",
    "PeriodType",
    "Provenance",
    "SameDivision",
    "Scope",
    "Target",
    "Terms",
    "TimeKind",
    "TimeSpec",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Origin(BaseModel):
    """Where a definition was read from (file name and field path)."""

    model_config = ConfigDict(frozen=True)
    file: str = ""
    path: FieldPath = ()


class Located(Strict):
    """A definition that remembers its file and field path for error messages."""

    _origin: Origin = PrivateAttr(default_factory=Origin)

    @property
    def origin(self) -> Origin:
        return self._origin

    def located(self, file: str, path: FieldPath) -> Located:
        self._origin = Origin(file=file, path=path)
        return self


class PeriodType(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


class NodeLevel(StrEnum):
    """Kinds of hierarchy node an indicator can be computed for.

    Divisions are told apart by their level (province … village); ``division`` in a catalog
    file is shorthand for every division level.
    """

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"
    COMMUNITY = "community"
    INSTITUTION = "institution"
    DIVISION = "division"  # shorthand: any division level (expanded by `Indicator.node_levels`)


#: the division levels ``division`` stands for, from the top.
DIVISION_LEVELS = (
    NodeLevel.PROVINCE,
    NodeLevel.CITY,
    NodeLevel.COUNTY,
    NodeLevel.TOWNSHIP,
    NodeLevel.VILLAGE,
)


class Direction(StrEnum):
    """指标导向: which way is better."""

    HIGHER = "higher"  # 逐步提高
    LOWER = "lower"  # 逐步降低
    TARGET = "target"  # close to a target value
    MONITOR = "monitor"  # 监测比较: no direction, compare with peers


class Provenance(StrEnum):
    """Tags of the project's indicator research notes: S public source, K background, I inference."""

    S = "S"
    K = "K"
    I = "I"  # noqa: E741 - the tag's name


class IndicatorKind(StrEnum):
    RATIO = "ratio"  # numerator / denominator × factor
    COUNT = "count"  # numerator alone (× factor)
    GROWTH = "growth"  # (base now − base before) / base before × factor


class Aggregation(StrEnum):
    """How a node's value is built from its rows; only sums of components are allowed."""

    SUM_COMPONENTS = "sum_components"


class TimeKind(StrEnum):
    EVENT = "event"  # a date column inside the period
    YEAR_FLOW = "year_flow"  # an integer year column; annual totals (year periods only)
    YEAR_STOCK = "year_stock"  # an integer year column; the year's stock serves any period
    SNAPSHOT = "snapshot"  # a snapshot date column; latest snapshot on/before period end
    ACTIVE = "active"  # rows whose [start, end] span covers the period end
    OVERLAPS = "overlaps"  # rows whose [start, end] span meets the period (in force during it)
    NONE = "none"  # no time restriction (registry attributes)


class Comparator(StrEnum):
    AT_LEAST = ">="
    MORE_THAN = ">"
    AT_MOST = "<="
    LESS_THAN = "<"
    ABOUT = "~="


class SameDivision(Strict):
    """Compare two division-code columns at one level: ``same_division_as: {column:
    insured_area, level: county, equal: true}`` keeps rows whose ``column`` (of the condition)
    lies in the same county as ``insured_area`` (the first 6 digits agree; province: 2)."""

    column: str
    level: Literal["province", "city", "county"] = "county"
    equal: bool = True


class Condition(Strict):
    """One filter on a column; exactly one operator is given (the validator checks)."""

    column: str | None = None
    eq: str | int | float | bool | None = None
    ne: str | int | float | bool | None = None
    in_: list[str | int] | str | None = Field(default=None, alias="in")
    not_in: list[str | int] | str | None = None
    is_null: bool | None = None
    gte: float | int | None = None
    lte: float | int | None = None
    gt: float | int | None = None
    lt: float | int | None = None
    contains: str | None = None
    startswith: str | None = None
    in_node_area: bool | None = None
    same_division_as: SameDivision | None = None
    any_of: list[Condition] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def operators(self) -> list[str]:
        names = (
            "eq",
            "ne",
            "in_",
            "not_in",
            "is_null",
            "gte",
            "lte",
            "gt",
            "lt",
            "contains",
            "startswith",
            "in_node_area",
            "same_division_as",
            "any_of",
        )
        return [n for n in names if getattr(self, n) is not None]


class Join(Strict):
    """A lookup in another canonical table by its key (a left join: rows are never dropped or
    duplicated by it); the joined columns are then named ``table.column``."""

    table: str
    left: str  # column of the rows so far (may itself be ``table.column``)
    right: str  # column of the joined table


class Scope(Strict):
    """Which rows belong to a hierarchy node.

    ``institution``: a column holding an institution id (the node's institution set).
    ``area``: a column holding a division code, matched against the node's area by prefix
    (``area_match: prefix``), exactly (``exact``), or by prefix keeping only the rows of the
    highest division level present (``top``: a city's own population row, else its counties').
    """

    institution: str | None = None
    area: str | None = None
    area_match: Literal["prefix", "exact", "top"] = "prefix"
    #: for a node whose residents live below the county (a community's member townships, a
    #: township): the column naming each row's place of residence (e.g. ``persons.division_code``
    #: of a settlement's insured person), used instead of ``area`` (an insured area is a county)
    residence: str | None = None


class TimeSpec(Strict):
    kind: TimeKind
    column: str | None = None
    end_column: str | None = None  # for ``active`` and ``overlaps``
    #: read the period this many years earlier (a snapshot at the previous year end: -1)
    shift_years: int = 0


class Measure(Located):
    """A count or sum over one canonical table, restricted by node, period and filter."""

    name_zh: str
    name_en: str
    table: str
    joins: list[Join] = []
    agg: Literal["count", "count_distinct", "sum"]
    column: str | None = None
    where: list[Condition] = []
    scope: Scope
    time: TimeSpec
    description: str = ""
    requires: list[str] = []  # capabilities whose tables are not canonical yet (``casemix``)


class Terms(Strict):
    """A numerator or denominator: the sum of ``measures`` minus the sum of ``minus``."""

    measures: list[str]
    minus: list[str] = []
    #: the sum is divided by this (2: the mean of two year-end stocks)
    divisor: int = 1
    description_zh: str = ""
    description_en: str = ""


class Target(Located):
    """A policy target for an indicator, with its deadline and the text it comes from."""

    indicator: str
    comparator: Comparator
    value: float | None = None  # None: a benchmark not yet supplied (e.g. national median)
    benchmark: str = ""  # what the value is when it is a benchmark ("national median")
    tolerance: float = 0  # for ``~=``: how far from the value still counts as met
    deadline: int  # year by whose end the target must be met
    from_year: int | None = None  # first year the target applies
    nodes: list[str] = ["*"]  # node ids ("division:130423"), node levels ("community"), "*"
    institution_filter: dict[str, list[str]] = {}  # e.g. {level: ["3"]}: who the text binds
    source: str
    source_text: str
    note: str = ""


class Indicator(Located):
    """One indicator of one catalog edition."""

    id: str
    code: str = ""  # the number in the official list ("4", "45.1", "C3")
    name_zh: str = ""
    name_en: str = ""
    group: str = ""
    same_as: str | None = None  # reuse another indicator's definition (= 三级 #n)
    kind: IndicatorKind = IndicatorKind.RATIO
    numerator: Terms | None = None
    denominator: Terms | None = None
    base: str | None = None  # growth: the indicator whose change is measured
    growth_against: Literal["same_period_last_year", "previous_period"] = "same_period_last_year"
    factor: float = 1
    divisor: float = 1  # value = numerator / denominator × factor / divisor (e.g. / 365 days)
    unit: str = ""
    decimals: int = 2
    display: Literal["plain", "one_to_x"] = "plain"
    direction: Direction | None = None
    aggregation: Aggregation = Aggregation.SUM_COMPONENTS
    period_types: list[PeriodType] = [PeriodType.YEAR, PeriodType.QUARTER, PeriodType.MONTH]
    levels: list[NodeLevel] = [NodeLevel.INSTITUTION, NodeLevel.COMMUNITY, NodeLevel.DIVISION]
    #: institution types the indicator is about (value set names ``@hospitals`` or type codes);
    #: empty = every type. An institution of another type gets ``not_applicable``; at a
    #: community or division only these institutions' rows are counted.
    institution_types: list[str] = []
    national_monitoring: bool = False
    provenance: Provenance | None = None
    interpretation: str = ""
    #: where the data model forces a stand-in for the official definition: what and why
    #: (English), and the same in Chinese for the cockpit (required with `proxy`)
    proxy: str = ""
    proxy_zh: str = ""
    source: str = ""
    #: the clause of the source: document, edition and item (e.g. 指标4 计算方法)
    clause: str = ""
    requires: list[str] = []
    catalog: str = ""  # filled by the loader from the file header
    edition: str = ""

    @property
    def node_levels(self) -> frozenset[NodeLevel]:
        """The levels this indicator is defined for, ``division`` expanded."""
        out = set(self.levels)
        if NodeLevel.DIVISION in out:
            out |= set(DIVISION_LEVELS)
        out.discard(NodeLevel.DIVISION)
        return frozenset(out)
