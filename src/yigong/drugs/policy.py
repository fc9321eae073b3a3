"""The procurement policy pack (kind ``procurement-policy``): its model, loader and quotes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from yigong.rulepacks import Issue, IssuesError, Quote, builtin_folders, repo_path
from yigong.rulepacks.model_pack import load_model_pack

__all__ = [
    "DEFAULT_POLICY",
    "PACKS_DIR",
    "PACK_KIND",
    "ProcurementPolicy",
    "ProcurementPolicyError",
    "check_pack",
    "load_policy",
    "policy_quotes",
]

PACKS_DIR = Path(__file__).parent / "packs"
PACK_KIND = "procurement-policy"
HEADER = "procurement_policy"
DEFAULT_POLICY = "procurement-2024"

Share = Decimal


class ProcurementPolicyError(IssuesError):
    """The procurement policy pack failed validation; carries every problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetentionRule(_Strict):
    """结余留用 of the fund's savings on VBP drugs."""

    fund_share: Share = Field(ge=0, le=1)
    retention_share: Share = Field(ge=0, le=1)
    completion_required: Decimal = Field(ge=0, le=2)
    staff_share: Share = Field(ge=0, le=1)
    clause: str = Field(min_length=1)
    source: str = Field(min_length=1)


class PlatformRule(_Strict):
    """Share of purchases (by value) through the provincial platform."""

    min_share: Share = Field(ge=0, le=1)
    levels: list[str] = Field(min_length=1)
    clause: str = Field(min_length=1)
    source: str = Field(min_length=1)


class DistributionRule(_Strict):
    """Unified distribution inside the community (monitored when no target is set)."""

    target_share: Share | None = Field(default=None, ge=0, le=1)
    clause: str = Field(min_length=1)
    source: str = Field(min_length=1)


class ProcurementPolicy(_Strict):
    vbp: RetentionRule
    platform: PlatformRule
    distribution: DistributionRule
    pack: str = ""


def _load(ref: str | Path) -> tuple[ProcurementPolicy | None, list[Issue], str]:
    model, issues, pack, _ = load_model_pack(PACKS_DIR, ref, PACK_KIND, HEADER, ProcurementPolicy)
    return model, issues, pack.id if pack else str(ref)


def load_policy(ref: str | Path = DEFAULT_POLICY) -> ProcurementPolicy:
    """The policy of a built-in pack id or a pack folder; raises with every problem."""
    model, issues, pack = _load(ref)
    errors = [i for i in issues if i.level.value == "error"]
    if model is None or errors:
        raise ProcurementPolicyError(errors or issues)
    return model.model_copy(update={"pack": pack})


def check_pack(folder: Path) -> list[Issue]:
    """Every problem of one pack folder."""
    return _load(folder)[1]


def policy_quotes() -> list[Quote]:
    """The clause of each section of the built-in packs (rows of docs/rules.md)."""
    out = []
    for folder in builtin_folders(PACKS_DIR):
        _, _, pack, where = load_model_pack(
            PACKS_DIR, folder.name, PACK_KIND, HEADER, ProcurementPolicy
        )
        model, _, _ = _load(folder.name)
        if model is None or pack is None:
            continue
        for section in ("vbp", "platform", "distribution"):
            rule = getattr(model, section)
            src, path = where[section]
            out.append(
                Quote(
                    rule.clause,
                    rule.source,
                    PACK_KIND,
                    pack.id,
                    f"{section}",
                    repo_path(folder / src.name.split("/", 1)[1]),
                    src.line(path),
                )
            )
    return out
