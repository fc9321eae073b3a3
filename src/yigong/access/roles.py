"""The roles a user can hold. What a role may do is data (`permissions.yaml`); what a user sees
is set by their hierarchy nodes (`yigong.access.scope`)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ROLE_NAMES", "Role"]


class Role(StrEnum):
    """Who a user is in the system (the permission file grants each role its actions)."""

    PROVINCE_COMMISSION = "province_commission"  # 省卫生健康委
    CITY_COMMISSION = "city_commission"  # 市卫生健康委
    COUNTY_COMMISSION = "county_commission"  # 县卫生健康局
    COMMUNITY_OFFICE = "community_office"  # 医共体管理办公室
    INSTITUTION = "institution"  # 医疗机构
    INSURANCE_BUREAU = "insurance_bureau"  # 医疗保障局
    AUDITOR = "auditor"  # 审计
    COUNTY_ADMIN = "county_admin"  # 县卫生健康局系统管理员 (user administration only)


#: role -> (中文, English) for pages and docs
ROLE_NAMES: dict[Role, tuple[str, str]] = {
    Role.PROVINCE_COMMISSION: ("省卫生健康委", "provincial health commission"),
    Role.CITY_COMMISSION: ("市卫生健康委", "city health commission"),
    Role.COUNTY_COMMISSION: ("县卫生健康局", "county health commission"),
    Role.COMMUNITY_OFFICE: ("医共体管理办公室", "medical community office"),
    Role.INSTITUTION: ("医疗机构", "health institution"),
    Role.INSURANCE_BUREAU: ("医疗保障局", "medical insurance bureau"),
    Role.AUDITOR: ("审计", "auditor"),
    Role.COUNTY_ADMIN: ("县卫生健康局系统管理员", "county user administrator"),
}
