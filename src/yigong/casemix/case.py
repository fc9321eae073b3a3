"""One discharge as the grouper sees it (README section 4), and the group statuses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class GroupStatus(StrEnum):
    """Outcome of grouping one case (分组状态)."""

    GROUPED = "grouped"  # 分组成功
    UNGROUPABLE = "ungroupable"  # 无法入组
    INVALID_INPUT = "invalid_input"  # 信息校验不通过
    AMBIGUOUS = "ambiguous"  # 歧义病案 (QY)
    DX_NOT_MAPPABLE = "dx_not_mappable"  # 诊断不能转换为分组器支持的编码
    PROC_NOT_MAPPABLE = "proc_not_mappable"  # 手术操作不能转换为分组器支持的编码


STATUSES: tuple[str, ...] = tuple(s.value for s in GroupStatus)


@dataclass(frozen=True)
class Case:
    """A discharge record: principal diagnosis/procedure first in their lists."""

    case_id: str
    sex: int | None
    age_years: int | None
    age_days: int | None = None
    birth_weight_g: int | None = None
    diagnoses: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()
    length_of_stay: int | None = None
    discharge_mode: str | None = None
    input_errors: tuple[str, ...] = ()  # malformed source values; the case is invalid_input
