"""Synthetic family-doctor teams, contracts, services and fee distribution."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from yigong.graded_care.contracts import KeyPopulation, distribute_fee
from yigong.schema.money import Money
from yigong.store import models as m
from yigong.synth.graded_care._base import (
    SERVICE_BY_POP,
    GradedCareRates,
    GradedCareSummary,
    _Bulk,
    _World,
)


def _population_masks(
    ages: np.ndarray, female: np.ndarray, draws: np.ndarray, rng: np.random.Generator
) -> dict[KeyPopulation, np.ndarray]:
    """Key-population membership per resident for one year. ``draws`` (n × 4 uniform, fixed per
    resident) make hypertension, diabetes, disability and low income persist across years.
    Prevalences: hypertension 8 % at 35 rising 0.8 points a year of age to 45 %, diabetes a
    third of that, disability 2 %, low income 3 % (illustrative)."""
    htn_p = np.clip(0.08 + 0.008 * (ages - 35), 0.0, 0.45)
    return {
        KeyPopulation.MATERNAL: female
        & (ages >= 20)
        & (ages <= 39)
        & (rng.random(len(ages)) < 0.06),
        KeyPopulation.CHILD: ages <= 6,
        KeyPopulation.HYPERTENSION: (ages >= 35) & (draws[:, 0] < htn_p),
        KeyPopulation.DIABETES: (ages >= 35) & (draws[:, 1] < htn_p / 3),
        KeyPopulation.ELDERLY: ages >= 65,
        KeyPopulation.DISABLED: draws[:, 2] < 0.02,
        KeyPopulation.LOW_INCOME: draws[:, 3] < 0.03,
    }


def _make_teams(
    bulk: _Bulk, world: _World, rates: GradedCareRates, summary: GradedCareSummary
) -> tuple[list[str], dict[str, list[tuple[str, Decimal]]], dict[str, str]]:
    """Teams per township (one per ``residents_per_team``); returns each resident's team."""
    by_tsp: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(world.home_township):
        by_tsp[t].append(i)
    team_of = [""] * len(world.home_township)
    members_of: dict[str, list[tuple[str, Decimal]]] = {}
    inst_of: dict[str, str] = {}
    for tsp, people in sorted(by_tsp.items()):
        k = max(1, -(-len(people) // rates.residents_per_team))
        for j in range(k):
            team = f"TM-{tsp}-{j + 1}"
            members = [
                (f"{team}-gp", Decimal(2), "gp"),
                (f"{team}-nurse", Decimal(1), "nurse"),
                (f"{team}-ph", Decimal(1), "public_health"),
                (f"{team}-vd", Decimal(1), "village_doctor"),
                (f"{team}-spec", Decimal("0.5"), "county_specialist"),
            ]
            bulk.add(
                m.FamilyDoctorTeam,
                {
                    "team_id": team,
                    "institution_id": tsp,
                    "name": f"家庭医生团队{j + 1}",
                    "leader": members[0][0],
                },
            )
            for mid, w, role in members:
                bulk.add(
                    m.FamilyDoctorTeamMember,
                    {"team_id": team, "member_id": mid, "role": role, "weight": str(w)},
                )
            members_of[team] = [(mid, w) for mid, w, _ in members]
            inst_of[team] = tsp
            summary.teams += 1
        for idx, person in enumerate(people):
            team_of[person] = f"TM-{tsp}-{idx % k + 1}"
    return team_of, members_of, inst_of


def _generate_contracts(
    bulk: _Bulk,
    world: _World,
    residents: Sequence[Mapping[str, Any]],
    years: Sequence[int],
    rng: np.random.Generator,
    rates: GradedCareRates,
    summary: GradedCareSummary,
) -> None:
    team_of, members_of, inst_of = _make_teams(bulk, world, rates, summary)
    n = len(residents)
    base_age = np.array([int(r.get("age", 40)) for r in residents])
    female = np.array([str(r.get("sex", "")).upper() in ("F", "2", "女") for r in residents])
    keys = [str(r["patient_key"]) for r in residents]
    draws = rng.random((n, 4))
    anchor = rng.integers(0, 90, size=n)
    fees: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    fee_fen = {True: Money(rates.fee_key).fen, False: Money(rates.fee_general).fen}
    n_contract = 0
    for year in years:
        masks = _population_masks(base_age + (year - years[0]), female, draws, rng)
        any_key = np.zeros(n, dtype=bool)
        for mask in masks.values():
            any_key |= mask
        signs = rng.random(n) < np.where(any_key, rates.contract_key, rates.contract_general)
        chosen = np.nonzero(signs)[0]
        drops = rng.random(len(chosen)) < rates.contract_drop
        drop_days = rng.integers(30, 300, size=len(chosen))
        signed_before = rng.integers(0, 15, size=len(chosen))
        plan = [
            (pop, *SERVICE_BY_POP[pop], rng.poisson(SERVICE_BY_POP[pop][1], len(chosen)))
            for pop in masks
        ]
        general_visits = rng.poisson(1.0, len(chosen))
        day_u = rng.random((len(chosen), 8))
        for j, i in enumerate(chosen.tolist()):
            start = date(year, 1, 1) + timedelta(days=int(anchor[i]))
            end = date(year + 1, 1, 1) + timedelta(days=int(anchor[i]) - 1)
            status = "active"
            if drops[j]:
                end = start + timedelta(days=int(drop_days[j]))
                status = "terminated"
            pops = [p.value for p in masks if masks[p][i]]
            cid = f"FDS-{year}-{n_contract:07d}"
            n_contract += 1
            team = team_of[i]
            bulk.add(
                m.Contract,
                {
                    "contract_id": cid,
                    "team_id": team,
                    "patient_key": keys[i],
                    "populations": ",".join(pops),
                    "signed_on": start - timedelta(days=int(signed_before[j])),
                    "start_on": start,
                    "end_on": end,
                    "fee_fen": fee_fen[bool(pops)],
                    "status": status,
                },
            )
            fees[(team, year)] += rates.fee_key if pops else rates.fee_general
            summary.contracts += 1
            todo = [
                (kind, int(counts[j])) for pop, kind, _mean, counts in plan if masks[pop][i]
            ] or [("clinic_visit", int(general_visits[j]))]
            span = (end - start).days + 1
            slot = 0
            by = members_of[team][0][0]
            for kind, count in todo:
                for _ in range(count):
                    offset = (
                        int(day_u[j, slot % 8] * span) if slot < 8 else int(rng.integers(0, span))
                    )
                    slot += 1
                    bulk.add(
                        m.ContractService,
                        {
                            "contract_id": cid,
                            "service_type": kind,
                            "delivered_on": start + timedelta(days=offset),
                            "delivered_by": by,
                        },
                    )
                    summary.contract_services += 1
    for (team, year), total in sorted(fees.items()):
        dist = distribute_fee(total, inst_of[team], members_of[team], rates.team_share)
        for line in dist.lines:
            bulk.add(
                m.FeeDistributionLine,
                {
                    "team_id": team,
                    "year": year,
                    "recipient": line.recipient,
                    "recipient_kind": line.recipient_kind,
                    "amount_fen": Money(line.amount).fen,
                    "rule": line.rule,
                },
            )
            summary.fee_lines += 1
