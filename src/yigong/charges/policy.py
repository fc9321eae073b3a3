"""The price policy pack (kind ``price-policy``): triggers and the shape of an adjustment."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from yigong.rulepacks import Issue, IssuesError, Level, Quote, builtin_folders, repo_path
from yigong.rulepacks.model_pack import load_model_pack
from yigong.schema.codes_drugs import COST_CATEGORY

__all__ = [
    "DEFAULT_POLICY",
    "METRICS",
    "PACKS_DIR",
    "PACK_KIND",
    "PricePolicy",
    "PricePolicyError",
    "check_pack",
    "load_policy",
    "policy_quotes",
]

PACKS_DIR = Path(__file__).parent / "packs"
PACK_KIND = "price-policy"
HEADER = "price_policy"
DEFAULT_POLICY = "price-adjustment-2024"
#: the figures a trigger may test (computed by `pricing.figures`)
METRICS = ("service_share", "drug_share", "consumable_share", "space_share")
Category = Literal[tuple(COST_CATEGORY)]  # type: ignore[valid-type]


class PricePolicyError(IssuesError):
    """The price policy pack failed validation; carries every problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trigger(_Strict):
    metric: Literal["service_share", "drug_share", "consumable_share", "space_share"]
    comparator: Literal["<", "<=", ">", ">="]
    value: Decimal
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    clause: str = Field(min_length=1)


class Triggers(_Strict):
    start_when: Literal["all", "any"]
    conditions: list[Trigger] = Field(min_length=1)


class AdjustmentRule(_Strict):
    raise_categories: list[Category] = Field(min_length=1)
    lower_categories: list[Category] = []
    lower_rate: Decimal = Field(ge=0, lt=1)
    space_share: Decimal = Field(ge=0, le=1)
    outpatient_fund_share: Decimal = Field(ge=0, le=1)
    clause: str = Field(min_length=1)


class PricePolicy(_Strict):
    triggers: Triggers
    adjustment: AdjustmentRule
    pack: str = ""


def _load(ref: str | Path) -> tuple[PricePolicy | None, list[Issue], str]:
    model, issues, pack, _ = load_model_pack(PACKS_DIR, ref, PACK_KIND, HEADER, PricePolicy)
    if model is not None:
        both = set(model.adjustment.raise_categories) & set(model.adjustment.lower_categories)
        if both:
            issues.append(
                Issue(
                    Level.ERROR,
                    "schema",
                    f"categories both raised and lowered: {sorted(both)}",
                    f"{ref}",
                    None,
                    "adjustment",
                )  # fmt: skip
            )
            model = None
    return model, issues, pack.id if pack else str(ref)


def load_policy(ref: str | Path = DEFAULT_POLICY) -> PricePolicy:
    """The policy of a built-in pack id or a pack folder; raises with every problem."""
    model, issues, pack = _load(ref)
    errors = [i for i in issues if i.level.value == "error"]
    if model is None or errors:
        raise PricePolicyError(errors or issues)
    return model.model_copy(update={"pack": pack})


def check_pack(folder: Path) -> list[Issue]:
    return _load(folder)[1]


def policy_quotes() -> list[Quote]:
    out = []
    for folder in builtin_folders(PACKS_DIR):
        model, _, pack, where = load_model_pack(
            PACKS_DIR, folder.name, PACK_KIND, HEADER, PricePolicy
        )
        if model is None or pack is None:
            continue
        src, _ = where["triggers"]
        file = repo_path(folder / src.name.split("/", 1)[1])
        for i, t in enumerate(model.triggers.conditions):
            line = src.line(("triggers", "conditions", i))
            out.append(
                Quote(t.clause, "[H][S]", PACK_KIND, pack.id, f"trigger {t.metric}", file, line)
            )
        src, _ = where["adjustment"]
        out.append(
            Quote(
                model.adjustment.clause,
                "[N][H]",
                PACK_KIND,
                pack.id,
                "adjustment",
                file,
                src.line(("adjustment",)),
            )  # fmt: skip
        )
    return out
