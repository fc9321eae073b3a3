"""The indicator engine: declarative catalogs (YAML) compiled to Ibis, evaluated per node and period.

Public surface: `load_catalog` / `validate` (catalog files → definitions and issues),
`evaluate` (indicators for one node × period, with change, target, gap and trajectory),
`drill_down` (the rows behind a numerator), `parse_period`.
"""

from yigong.indicators.checks import validate
from yigong.indicators.drill import drill_down
from yigong.indicators.evaluate import Evaluation, IndicatorResult, Status, evaluate
from yigong.indicators.loader import Catalog, CatalogError, load_catalog
from yigong.indicators.periods import Period, parse_period
from yigong.rulepacks import Issue

__all__ = [
    "Catalog",
    "CatalogError",
    "Evaluation",
    "IndicatorResult",
    "Issue",
    "Period",
    "Status",
    "drill_down",
    "evaluate",
    "load_catalog",
    "parse_period",
    "validate",
]
