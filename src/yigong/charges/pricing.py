"""The price-adjustment simulator (医疗服务价格动态调整, 总量控制), from the itemised data.

Inputs are the year's revenue by institution and item (`ItemRevenue`, summed from the charge
items) with the fund's share of each item's revenue (from the settlements of the encounters it
was billed in), and the room the adjustment may use (a share of the year's VBP savings).

1. **Figures and triggers.** Medical revenue is every item's amount; medical-service revenue
   (医疗服务收入, not drugs, consumables, examinations or laboratory tests) is the amount of the
   categories in `SERVICE_CATEGORIES`; the triggers of the price policy test the shares and the
   room as a share of medical revenue (`assess`).
2. **The adjustment.** Items of the lowered categories fall by the policy's rate; items of the
   raised categories rise by one rate *r*, solved so that rises − falls = room:
   ``r = (room + lowered revenue × fall rate) ÷ raised revenue`` (exact Decimal). With room 0
   the adjustment is revenue-neutral. Each (institution, item) changes by its revenue × rate,
   rounded to the fen; the rounding residual against the room is reported.
3. **Effects.** Per institution: medical and medical-service revenue before and after and the
   service share; the change paid by the fund (change × the item's fund share, rounded) and by
   patients (the rest). Volumes are held constant (a static simulation: what the same year's
   care would have cost at the new prices).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from yigong.charges.policy import AdjustmentRule, Triggers
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT

__all__ = [
    "SERVICE_CATEGORIES",
    "Figures",
    "InstitutionEffect",
    "ItemRevenue",
    "Simulation",
    "TriggerResult",
    "assess",
    "figures",
    "simulate",
]

#: 医疗服务收入 (medical revenue less drugs, consumables, examinations and laboratory tests):
#: the front-page categories of services that are neither diagnosis nor blood products.
SERVICE_CATEGORIES = ("general_service", "treatment", "rehabilitation", "tcm", "other")
DRUG_CATEGORIES = ("western_drugs", "patent_drugs", "herbal_drugs")


@dataclass(frozen=True, slots=True)
class ItemRevenue:
    """One item's revenue at one institution in the year."""

    institution_id: str
    item_code: str
    item_name: str
    category: str
    charge_kind: str
    quantity: Decimal
    amount: Money
    fund_share: Decimal  # the fund's share of this revenue (0–1)


@dataclass(frozen=True, slots=True)
class Figures:
    medical: Money
    service: Money
    drugs: Money
    consumables: Money
    room: Money
    vbp_savings: Money

    def metric(self, name: str) -> Decimal | None:
        if self.medical.is_zero:
            return None
        part = {
            "service_share": self.service,
            "drug_share": self.drugs,
            "consumable_share": self.consumables,
            "space_share": self.room,
        }[name]
        return part.ratio(self.medical)


def figures(rows: Iterable[ItemRevenue], vbp_savings: Money, rule: AdjustmentRule) -> Figures:
    rows = list(rows)

    def total(cats: tuple[str, ...]) -> Money:
        return Money.sum([r.amount for r in rows if r.category in cats])

    return Figures(
        Money.sum([r.amount for r in rows]),
        total(SERVICE_CATEGORIES),
        total(DRUG_CATEGORIES),
        total(("consumables",)),
        vbp_savings.scale(rule.space_share),
        vbp_savings,
    )


@dataclass(frozen=True, slots=True)
class TriggerResult:
    metric: str
    name_zh: str
    name_en: str
    value: Decimal | None
    comparator: str
    threshold: Decimal
    met: bool
    clause: str


_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def assess(figs: Figures, triggers: Triggers) -> tuple[bool, list[TriggerResult]]:
    """(whether an adjustment starts, each trigger with its value)."""
    out = []
    for t in triggers.conditions:
        v = figs.metric(t.metric)
        met = v is not None and _COMPARE[t.comparator](v, t.value)
        out.append(
            TriggerResult(t.metric, t.name_zh, t.name_en, v, t.comparator, t.value, met, t.clause)
        )
    results = [r.met for r in out]
    return (all(results) if triggers.start_when == "all" else any(results)), out


@dataclass(frozen=True, slots=True)
class InstitutionEffect:
    institution_id: str
    medical_before: Money
    medical_after: Money
    service_before: Money
    service_after: Money
    share_before: Decimal | None
    share_after: Decimal | None
    change: Money
    fund_change: Money
    patient_change: Money


@dataclass(frozen=True)
class Simulation:
    raise_rate: Decimal
    lower_rate: Decimal
    room: Money
    raised_revenue: Money
    lowered_revenue: Money
    change: Money  # Σ of the rounded changes
    residual: Money  # change − room (rounding)
    fund_change: Money
    patient_change: Money
    institutions: list[InstitutionEffect]
    items: list[tuple[ItemRevenue, Money, Money]]  # (row, change, fund change)


class NothingToRaise(ValueError):
    """The raised categories have no revenue: no rate can absorb the room."""


def simulate(rows: Iterable[ItemRevenue], rule: AdjustmentRule, room: Money) -> Simulation:
    """The adjustment and its effects (module docstring)."""
    rows = list(rows)
    up = set(rule.raise_categories)
    down = set(rule.lower_categories)
    raised = Money.sum([r.amount for r in rows if r.category in up and r.charge_kind == "service"])
    lowered = Money.sum(
        [r.amount for r in rows if r.category in down and r.charge_kind == "service"]
    )
    if raised.is_zero:
        raise NothingToRaise("no revenue in the raised categories: nothing to adjust")
    cut = CONTEXT.multiply(lowered.amount, rule.lower_rate)
    rate = CONTEXT.divide(CONTEXT.add(room.amount, cut), raised.amount)
    items = []
    by: dict[str, list[tuple[ItemRevenue, Money, Money]]] = defaultdict(list)
    for r in rows:
        if r.charge_kind == "service" and r.category in up:
            delta = r.amount.scale(rate)
        elif r.charge_kind == "service" and r.category in down:
            delta = -r.amount.scale(rule.lower_rate)
        else:
            delta = Money.zero()
        fund = delta.scale(r.fund_share)
        items.append((r, delta, fund))
        by[r.institution_id].append((r, delta, fund))
    effects = []
    for inst, parts in by.items():
        medical = Money.sum([r.amount for r, _, _ in parts])
        service = Money.sum([r.amount for r, _, _ in parts if r.category in SERVICE_CATEGORIES])
        change = Money.sum([d for _, d, _ in parts])
        fund = Money.sum([f for _, _, f in parts])
        service_change = Money.sum([d for r, d, _ in parts if r.category in SERVICE_CATEGORIES])
        after_m, after_s = medical + change, service + service_change
        effects.append(
            InstitutionEffect(
                inst,
                medical,
                after_m,
                service,
                after_s,
                None if medical.is_zero else service.ratio(medical),
                None if after_m.is_zero else after_s.ratio(after_m),
                change,
                fund,
                change - fund,
            )
        )
    change = Money.sum([d for _, d, _ in items])
    fund = Money.sum([f for _, _, f in items])
    return Simulation(
        rate,
        rule.lower_rate,
        room,
        raised,
        lowered,
        change,
        change - room,
        fund,
        change - fund,
        effects,
        items,
    )
