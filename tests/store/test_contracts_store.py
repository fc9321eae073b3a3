"""Family-doctor teams, contracts, services and fee distribution on a real store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

import yigong.services.contracts as svc
from yigong.graded_care.contracts import ContractStatus, KeyPopulation
from yigong.graded_care.errors import IllegalTransition, InvalidRequest, NotPermitted
from yigong.store import Store
from yigong.store import models as m

from .world import actor, build


@pytest.fixture
def world(store: Store) -> Store:
    build(store)
    svc.create_team(
        store,
        "TM1",
        "T1",
        leader="gp1",
        members=[("gp1", "gp", "2"), ("nurse1", "nurse", "1"), ("spec1", "county_specialist", "1")],
    )
    return store


def _sign(
    store: Store,
    patient: str,
    fee: str = "120.00",
    on: date = date(2025, 1, 5),
    pops: str = "elderly",
) -> str:
    return svc.sign_contract(
        store,
        actor("T1"),
        team_id="TM1",
        patient_key=patient,
        populations=pops,
        fee=fee,
        signed_on=on,
    ).contract_id


def test_team_rules(world: Store) -> None:
    with pytest.raises(InvalidRequest, match="primary institutions"):
        svc.create_team(world, "TMX", "H1", leader="a", members=[("a", "gp", "1")])
    with pytest.raises(InvalidRequest, match="leader"):
        svc.create_team(world, "TMY", "T1", leader="z", members=[("a", "gp", "1")])
    with pytest.raises(InvalidRequest, match="already exists"):
        svc.create_team(world, "TM1", "T1", leader="a", members=[("a", "gp", "1")])


def test_sign_serve_terminate(world: Store) -> None:
    cid = _sign(world, "P1", pops="elderly,hypertension")
    rec = svc.get_contract(world, cid)
    assert rec.populations == (KeyPopulation.HYPERTENSION, KeyPopulation.ELDERLY)
    assert rec.end_on == date(2026, 1, 4) and rec.fee == Decimal("120.00")
    with pytest.raises(InvalidRequest, match="already has active contract"):
        _sign(world, "P1", on=date(2025, 6, 1))
    with pytest.raises(NotPermitted):
        svc.sign_contract(
            world,
            actor("T2"),
            team_id="TM1",
            patient_key="P9",
            populations="",
            fee="1",
            signed_on=date(2025, 1, 1),
        )
    svc.record_contract_service(
        world,
        actor("T1", "gp1"),
        contract_id=cid,
        service_type="follow_up",
        delivered_on=date(2025, 3, 1),
    )
    with pytest.raises(InvalidRequest, match="outside the contract period"):
        svc.record_contract_service(
            world,
            actor("T1"),
            contract_id=cid,
            service_type="home_visit",
            delivered_on=date(2024, 3, 1),
        )
    assert svc.get_contract(world, cid).services == 1
    done = svc.terminate_contract(
        world, actor("T1"), contract_id=cid, reason="迁出本县", on=date(2025, 6, 30)
    )
    assert done.status is ContractStatus.TERMINATED and done.end_on == date(2025, 6, 30)
    with pytest.raises(IllegalTransition):
        svc.record_contract_service(
            world,
            actor("T1"),
            contract_id=cid,
            service_type="follow_up",
            delivered_on=date(2025, 6, 1),
        )
    _sign(world, "P1", on=date(2025, 7, 1))  # may sign again after termination


def test_fee_distribution_is_stored_and_conserved(world: Store) -> None:
    for i, fee in enumerate(["120.00", "120.00", "60.50", "0.01"]):
        _sign(world, f"P{i}", fee=fee)
    _sign(world, "P_next_year", fee="999.00", on=date(2026, 1, 2))
    dist = svc.distribute_team_fees(world, "TM1", 2025)
    assert dist.total == Decimal("300.51")
    assert dist.team_amount == Decimal("210.36")  # 210.357 → HALF_UP
    assert dist.institution_amount == Decimal("90.15")
    amounts = {ln.recipient: ln.amount for ln in dist.lines}
    assert amounts == {
        "T1": Decimal("90.15"),
        "gp1": Decimal("105.18"),
        "nurse1": Decimal("52.59"),
        "spec1": Decimal("52.59"),
    }
    svc.distribute_team_fees(world, "TM1", 2025, team_share="0.80")  # re-run replaces lines
    with world.transaction() as s:
        stored = s.scalars(
            select(m.FeeDistributionLine).where(m.FeeDistributionLine.year == 2025)
        ).all()
        assert len(stored) == 4 and sum(r.amount_fen for r in stored) == 30051
    with pytest.raises(InvalidRequest, match="outside"):
        svc.distribute_team_fees(world, "TM1", 2025, team_share="0.5")


def test_summary(world: Store) -> None:
    a = _sign(world, "P1", pops="elderly,diabetes")
    _sign(world, "P2", pops="child")
    svc.record_contract_service(
        world,
        actor("T1"),
        contract_id=a,
        service_type="health_check",
        delivered_on=date(2025, 2, 1),
    )
    summary = svc.contract_summary(world, 2025)
    assert summary["contracts"] == 2 and summary["served_contracts"] == 1
    assert summary["by_population"]["elderly"] == 1 and summary["by_population"]["child"] == 1
    assert summary["fees"] == "240.00"
