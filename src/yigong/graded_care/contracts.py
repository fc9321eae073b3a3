"""Family-doctor contract services (家庭医生签约服务): populations, services, fee distribution.

Teams are led by general practitioners at primary institutions, with county specialists as
technical support (Henan 2020 opinions, task (3)6). Contract-service income goes in principle
at least 70 % to the contracting team for internal distribution (task (3)2: 家庭医生签约服务
收入原则上不低于70%用于签约团队内部分配); the rest stays with the institution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from yigong.graded_care.errors import InvalidRequest
from yigong.schema.money import Money
from yigong.schema.rounding import FEN

#: Policy floor of the team's share of contract income (Henan 2020, task (3)2).
TEAM_SHARE_FLOOR = Decimal("0.70")
POLICY_CLAUSE = "Henan 2020 close county medical community opinions, task (3)2 (≥70 % to team)"


class KeyPopulation(StrEnum):
    """重点人群 of contract services; codes of ``yigong.schema.codes.KEY_POPULATION``.

    A contract may cover several; none means the general population (一般人群). Declared in
    ``PRIMARY_ORDER`` — the order that picks the one canonical ``key_population`` of a contract.
    """

    MATERNAL = "maternal"
    CHILD = "child"
    HYPERTENSION = "hypertension"
    DIABETES = "diabetes"
    ELDERLY = "elderly"
    DISABLED = "disabled"
    LOW_INCOME = "low_income"

    @property
    def name_zh(self) -> str:
        return {
            "elderly": "65岁及以上老年人",
            "hypertension": "高血压患者",
            "diabetes": "2型糖尿病患者",
            "maternal": "孕产妇",
            "child": "0-6岁儿童",
            "disabled": "残疾人",
            "low_income": "脱贫人口",
        }[self.value]


def primary_population(populations: Sequence[KeyPopulation]) -> str:
    """The one canonical key-population code of a contract (declaration order), or general."""
    for pop in KeyPopulation:
        if pop in populations:
            return pop.value
    return "general"


def parse_populations(values: Sequence[str] | str) -> tuple[KeyPopulation, ...]:
    """Key populations from names (comma-separated text or a list); unknown names refused."""
    items = values.split(",") if isinstance(values, str) else list(values)
    out: list[KeyPopulation] = []
    for raw in items:
        name = raw.strip().lower()
        if not name:
            continue
        try:
            pop = KeyPopulation(name)
        except ValueError:
            raise InvalidRequest(
                f"unknown key population {raw!r}; known: "
                f"{', '.join(p.value for p in KeyPopulation)}"
            ) from None
        if pop not in out:
            out.append(pop)
    return tuple(p for p in KeyPopulation if p in out)


class ContractStatus(StrEnum):
    ACTIVE = "active"
    TERMINATED = "terminated"

    @property
    def name_zh(self) -> str:
        return "履约中" if self is ContractStatus.ACTIVE else "已解约"


class ContractServiceType(StrEnum):
    """Services delivered under a contract (签约服务内容)."""

    FOLLOW_UP = "follow_up"
    HEALTH_CHECK = "health_check"
    HOME_VISIT = "home_visit"
    CLINIC_VISIT = "clinic_visit"
    LONG_PRESCRIPTION = "long_prescription"
    HEALTH_EDUCATION = "health_education"
    REFERRAL_ASSIST = "referral_assist"

    @property
    def name_zh(self) -> str:
        return {
            "follow_up": "慢病随访",
            "health_check": "健康体检",
            "home_visit": "上门服务",
            "clinic_visit": "签约门诊",
            "long_prescription": "长期处方",
            "health_education": "健康指导",
            "referral_assist": "预约转诊",
        }[self.value]


@dataclass(frozen=True)
class ContractRecord:
    contract_id: str
    team_id: str
    patient_key: str
    populations: tuple[KeyPopulation, ...]
    signed_on: date
    start_on: date
    end_on: date
    fee: Decimal
    status: ContractStatus
    services: int = 0


@dataclass(frozen=True)
class FeeLine:
    """One ledger line: who receives how much, and the rule that computed it."""

    recipient: str
    recipient_kind: str  # "institution" or "team_member"
    amount: Decimal
    rule: str


@dataclass(frozen=True)
class FeeDistribution:
    """Distribution of a team's contract income; lines always sum to ``total`` exactly."""

    total: Decimal
    team_share: Decimal
    team_amount: Decimal
    institution_amount: Decimal
    lines: tuple[FeeLine, ...]


def distribute_fee(
    total: Decimal,
    institution_id: str,
    members: Sequence[tuple[str, Decimal]],
    team_share: Decimal = TEAM_SHARE_FLOOR,
) -> FeeDistribution:
    """Split contract income: ``team_share`` (≥ 70 %) to the team by member weight, rest to the
    institution. Amounts are in fen, ROUND_HALF_UP for the team total; member shares are floored
    to the fen and the leftover fen go one by one to the largest remainders (ties by member id),
    so the lines add up to ``total`` exactly.
    """
    if total != Money.of(total).amount or total < 0:
        raise InvalidRequest(f"total {total} must be a non-negative amount with at most 2 decimals")
    if not TEAM_SHARE_FLOOR <= team_share <= 1:
        raise InvalidRequest(
            f"team share {team_share} is outside [{TEAM_SHARE_FLOOR}, 1]: {POLICY_CLAUSE}"
        )
    if not members:
        raise InvalidRequest("a team needs at least one member to distribute fees to")
    ids = [mid for mid, _ in members]
    if len(set(ids)) != len(ids):
        raise InvalidRequest("team members must be distinct")
    weights = [w for _, w in members]
    if any(w <= 0 for w in weights):
        raise InvalidRequest("member weights must be positive")
    team_amount = Money.of(total * team_share).amount
    institution_amount = total - team_amount
    weight_sum = sum(weights, Decimal(0))
    raw = [team_amount * w / weight_sum for w in weights]
    floored = [r.quantize(FEN, rounding=ROUND_DOWN) for r in raw]
    leftover = int((team_amount - sum(floored, Decimal(0))) / FEN)
    order = sorted(range(len(members)), key=lambda i: (-(raw[i] - floored[i]), ids[i]))
    for i in order[:leftover]:
        floored[i] += FEN
    pct = f"{(team_share * 100).normalize():f}%"
    lines = [
        FeeLine(
            institution_id,
            "institution",
            institution_amount,
            f"institution keeps {total} − team {team_amount} = {institution_amount}",
        )
    ]
    for (mid, w), amount in zip(members, floored, strict=True):
        lines.append(
            FeeLine(
                mid,
                "team_member",
                amount,
                f"team {pct} of {total} = {team_amount} (ROUND_HALF_UP, "
                f"{POLICY_CLAUSE}); member weight {w}/{weight_sum} → {amount} "
                "(fen floored, leftover fen to largest remainders)",
            )
        )
    assert sum((ln.amount for ln in lines), Decimal(0)) == total
    return FeeDistribution(total, team_share, team_amount, institution_amount, tuple(lines))
