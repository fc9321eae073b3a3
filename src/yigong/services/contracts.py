"""Family-doctor contract use cases: teams, sign-ups, services delivered, fee distribution."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from yigong.graded_care.contracts import (
    TEAM_SHARE_FLOOR,
    ContractRecord,
    ContractServiceType,
    ContractStatus,
    FeeDistribution,
    KeyPopulation,
    distribute_fee,
    parse_populations,
)
from yigong.graded_care.errors import IllegalTransition, InvalidRequest, NotFound, NotPermitted
from yigong.graded_care.levels import CareLevel
from yigong.graded_care.referrals.records import Actor
from yigong.schema.money import Money
from yigong.services._workflow import action, institution, need_text, new_id
from yigong.store import Store
from yigong.store import models as m


def create_team(
    store: Store,
    team_id: str,
    institution_id: str,
    *,
    leader: str,
    members: Sequence[tuple[str, str, Decimal | str]],
    name: str = "",
) -> dict[str, Any]:
    """A family-doctor team at a primary institution; ``members`` = (id, role, fee weight).

    The leader must be one of the members. County specialists may be members (technical
    support) — they are listed like anyone else with their own weight.
    """
    if not members:
        raise InvalidRequest("a team needs members")
    parsed: list[tuple[str, str, Decimal]] = []
    for mid, role, weight in members:
        try:
            w = Decimal(str(weight))
        except InvalidOperation:
            raise InvalidRequest(f"weight {weight!r} of member {mid} is not a number") from None
        if w <= 0:
            raise InvalidRequest(f"weight of member {mid} must be positive")
        parsed.append((need_text(mid, "member id"), need_text(role, "member role"), w))
    if leader not in {p[0] for p in parsed}:
        raise InvalidRequest(f"leader {leader!r} must be one of the team members")
    if len({p[0] for p in parsed}) != len(parsed):
        raise InvalidRequest("team members must be distinct")
    with action(store, f"create team {team_id}") as s:
        inst = institution(s, institution_id)
        if CareLevel.parse(inst.level) > CareLevel.TOWNSHIP:
            raise InvalidRequest(
                f"family-doctor teams belong to primary institutions; "
                f"{institution_id} is {inst.level}-level"
            )
        if s.get(m.FamilyDoctorTeam, team_id) is not None:
            raise InvalidRequest(f"team {team_id} already exists")
        s.add(
            m.FamilyDoctorTeam(
                team_id=team_id, institution_id=institution_id, name=name, leader=leader
            )
        )
        s.flush()
        for mid, role, w in parsed:
            s.add(
                m.FamilyDoctorTeamMember(team_id=team_id, member_id=mid, role=role, weight=str(w))
            )
    return {
        "team_id": team_id,
        "institution_id": institution_id,
        "leader": leader,
        "members": [{"member_id": a, "role": b, "weight": str(c)} for a, b, c in parsed],
    }


def _team(s: Session, team_id: str) -> m.FamilyDoctorTeam:
    team = s.get(m.FamilyDoctorTeam, team_id)
    if team is None:
        raise NotFound(f"family-doctor team {team_id!r} not found")
    return team


def _record(row: m.Contract, services: int = 0) -> ContractRecord:
    return ContractRecord(
        row.contract_id,
        row.team_id,
        row.patient_key,
        parse_populations(row.populations),
        row.signed_on,
        row.start_on,
        row.end_on,
        Money.from_fen(row.fee_fen).amount,
        ContractStatus(row.status),
        services,
    )


def default_end(start: date) -> date:
    """Contracts run one year: the day before the same date next year."""
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return date(start.year + 1, 2, 28)


def sign_contract(
    store: Store,
    actor: Actor,
    *,
    team_id: str,
    patient_key: str,
    populations: Sequence[str] | str,
    fee: Decimal | str,
    signed_on: date,
    start_on: date | None = None,
    end_on: date | None = None,
) -> ContractRecord:
    """签约: a resident signs with a team of the actor's institution (one contract at a time)."""
    pops = parse_populations(populations)
    amount = Money.of(str(fee) if isinstance(fee, float) else fee).amount
    if amount < 0:
        raise InvalidRequest("fee must not be negative")
    start = start_on or signed_on
    end = end_on or default_end(start)
    if end < start:
        raise InvalidRequest(f"contract ends {end} before it starts {start}")
    patient = need_text(patient_key, "patient_key")
    contract_id = new_id("FD")
    with action(store, "sign contract") as s:
        team = _team(s, team_id)
        if team.institution_id != actor.institution_id:
            raise NotPermitted(
                f"team {team_id} belongs to {team.institution_id}; "
                f"{actor.institution_id} cannot sign for it"
            )
        clash = s.scalar(
            select(m.Contract.contract_id).where(
                m.Contract.patient_key == patient,
                m.Contract.status == ContractStatus.ACTIVE.value,
                m.Contract.start_on <= end,
                m.Contract.end_on >= start,
            )
        )
        if clash is not None:
            raise InvalidRequest(
                f"patient {patient} already has active contract {clash} in {start}..{end}"
            )
        row = m.Contract(
            contract_id=contract_id,
            team_id=team_id,
            patient_key=patient,
            populations=",".join(p.value for p in pops),
            signed_on=signed_on,
            start_on=start,
            end_on=end,
            fee_fen=Money(amount).fen,
            status=ContractStatus.ACTIVE.value,
        )
        s.add(row)
        s.flush()
        return _record(row)


def record_contract_service(
    store: Store,
    actor: Actor,
    *,
    contract_id: str,
    service_type: ContractServiceType | str,
    delivered_on: date,
) -> dict[str, Any]:
    """履约: a service delivered under an active contract, inside its period, by its team."""
    kind = ContractServiceType(service_type)
    with action(store, f"record service on {contract_id}") as s:
        row = s.get(m.Contract, contract_id)
        if row is None:
            raise NotFound(f"contract {contract_id!r} not found")
        team = _team(s, row.team_id)
        if actor.institution_id != team.institution_id:
            raise NotPermitted(f"contract {contract_id} is served by {team.institution_id}")
        if row.status != ContractStatus.ACTIVE.value:
            raise IllegalTransition(f"contract {contract_id} is {row.status}")
        if not row.start_on <= delivered_on <= row.end_on:
            raise InvalidRequest(
                f"{delivered_on} is outside the contract period {row.start_on}..{row.end_on}"
            )
        s.add(
            m.ContractService(
                contract_id=contract_id,
                service_type=kind.value,
                delivered_on=delivered_on,
                delivered_by=need_text(actor.user_id, "user_id"),
            )
        )
    return {
        "contract_id": contract_id,
        "service_type": kind.value,
        "delivered_on": delivered_on.isoformat(),
        "delivered_by": actor.user_id,
    }


def terminate_contract(
    store: Store, actor: Actor, *, contract_id: str, reason: str, on: date
) -> ContractRecord:
    """解约: end an active contract early (the end date becomes ``on``), with a reason."""
    need_text(reason, "reason")
    with action(store, f"terminate {contract_id}") as s:
        row = s.get(m.Contract, contract_id)
        if row is None:
            raise NotFound(f"contract {contract_id!r} not found")
        if actor.institution_id != _team(s, row.team_id).institution_id:
            raise NotPermitted(f"{actor.institution_id} cannot terminate {contract_id}")
        if row.status != ContractStatus.ACTIVE.value:
            raise IllegalTransition(f"contract {contract_id} is already {row.status}")
        if not row.start_on <= on <= row.end_on:
            raise InvalidRequest(f"{on} is outside the contract period")
        row.status = ContractStatus.TERMINATED.value
        row.end_on = on
        s.flush()
        return _record(row)


def get_contract(store: Store, contract_id: str) -> ContractRecord:
    with store.transaction() as s:
        row = s.get(m.Contract, contract_id)
        if row is None:
            raise NotFound(f"contract {contract_id!r} not found")
        n = (
            s.scalar(
                select(func.count())
                .select_from(m.ContractService)
                .where(m.ContractService.contract_id == contract_id)
            )
            or 0
        )
        return _record(row, n)


def list_contracts(
    store: Store, *, team_id: str | None = None, patient_key: str | None = None, limit: int = 100
) -> list[ContractRecord]:
    q = select(m.Contract).order_by(m.Contract.signed_on.desc(), m.Contract.contract_id)
    if team_id is not None:
        q = q.where(m.Contract.team_id == team_id)
    if patient_key is not None:
        q = q.where(m.Contract.patient_key == patient_key)
    with store.transaction() as s:
        return [_record(r) for r in s.scalars(q.limit(limit))]


def distribute_team_fees(
    store: Store, team_id: str, year: int, team_share: Decimal | str = TEAM_SHARE_FLOOR
) -> FeeDistribution:
    """Distribute the fees of the team's contracts starting in ``year``; store the ledger lines
    (replacing an earlier run for the same team and year)."""
    share = Decimal(str(team_share))
    with action(store, f"distribute fees of {team_id} {year}") as s:
        team = _team(s, team_id)
        total_fen = (
            s.scalar(
                select(func.coalesce(func.sum(m.Contract.fee_fen), 0)).where(
                    m.Contract.team_id == team_id,
                    m.Contract.start_on >= date(year, 1, 1),
                    m.Contract.start_on <= date(year, 12, 31),
                )
            )
            or 0
        )
        members = [
            (r.member_id, Decimal(r.weight))
            for r in s.scalars(
                select(m.FamilyDoctorTeamMember)
                .where(m.FamilyDoctorTeamMember.team_id == team_id)
                .order_by(m.FamilyDoctorTeamMember.member_id)
            )
        ]
        dist = distribute_fee(
            Money.from_fen(int(total_fen)).amount, team.institution_id, members, share
        )
        s.execute(
            delete(m.FeeDistributionLine).where(
                m.FeeDistributionLine.team_id == team_id, m.FeeDistributionLine.year == year
            )
        )
        for line in dist.lines:
            s.add(
                m.FeeDistributionLine(
                    team_id=team_id,
                    year=year,
                    recipient=line.recipient,
                    recipient_kind=line.recipient_kind,
                    amount_fen=Money(line.amount).fen,
                    rule=line.rule,
                )
            )
        return dist


def contract_summary(store: Store, year: int) -> dict[str, Any]:
    """Contracts starting in ``year``: count, by key population, served (≥ 1 service), fees."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    with store.transaction() as s:
        rows = s.execute(
            select(m.Contract.contract_id, m.Contract.populations, m.Contract.fee_fen).where(
                m.Contract.start_on >= start, m.Contract.start_on <= end
            )
        ).all()
        served = (
            s.scalar(
                select(func.count(func.distinct(m.ContractService.contract_id)))
                .join(m.Contract)
                .where(m.Contract.start_on >= start, m.Contract.start_on <= end)
            )
            or 0
        )
    pops: Counter[str] = Counter()
    for _, text, _ in rows:
        for p in parse_populations(text):
            pops[p.value] += 1
    return {
        "year": year,
        "contracts": len(rows),
        "by_population": {p.value: pops.get(p.value, 0) for p in KeyPopulation},
        "served_contracts": served,
        "service_rate": f"{served}/{len(rows)}",
        "fees": str(Money.from_fen(sum(r[2] for r in rows)).amount),
    }


def contract_overview(
    store: Store, year: int, institutions: frozenset[str] | None = None
) -> dict[str, Any]:
    """The family-doctor contracts of teams at ``institutions`` (None: all) starting in ``year``:
    count, by key population (a contract counts once per population it covers; none →
    ``general``), active or terminated, services delivered by type, contracts served (≥ 1
    service) as numerator/denominator, fees (yuan); and per team the fee distribution check of
    that year: what went to the team members out of everything distributed (both in yuan, and
    the share in %) against the ≥ 70 % floor (``not_distributed`` when the year's fees were
    not distributed)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    teams_q = select(
        m.FamilyDoctorTeam.team_id, m.FamilyDoctorTeam.institution_id, m.FamilyDoctorTeam.name
    )
    if institutions is not None:
        teams_q = teams_q.where(m.FamilyDoctorTeam.institution_id.in_(sorted(institutions) or [""]))
    with store.transaction() as s:
        teams = {t.team_id: t for t in s.execute(teams_q)}
        ids = sorted(teams) or [""]
        in_year = (
            m.Contract.team_id.in_(ids),
            m.Contract.start_on >= start,
            m.Contract.start_on <= end,
        )
        groups = s.execute(
            select(
                m.Contract.team_id,
                m.Contract.populations,
                m.Contract.status,
                func.count(),
                func.sum(m.Contract.fee_fen),
            )
            .where(*in_year)
            .group_by(m.Contract.team_id, m.Contract.populations, m.Contract.status)
        ).all()
        services = s.execute(
            select(m.ContractService.service_type, func.count())
            .join(m.Contract)
            .where(*in_year)
            .group_by(m.ContractService.service_type)
        ).all()
        served = (
            s.scalar(
                select(func.count())
                .select_from(m.Contract)
                .where(
                    *in_year,
                    select(m.ContractService.service_id)
                    .where(m.ContractService.contract_id == m.Contract.contract_id)
                    .exists(),
                )
            )
            or 0
        )
        fee_lines = s.execute(
            select(
                m.FeeDistributionLine.team_id,
                m.FeeDistributionLine.recipient_kind,
                func.sum(m.FeeDistributionLine.amount_fen),
            )
            .where(m.FeeDistributionLine.team_id.in_(ids), m.FeeDistributionLine.year == year)
            .group_by(m.FeeDistributionLine.team_id, m.FeeDistributionLine.recipient_kind)
        ).all()
    pops: Counter[str] = Counter()
    per_team: Counter[str] = Counter()
    fees: Counter[str] = Counter()
    status: Counter[str] = Counter()
    parsed: dict[str, tuple[str, ...]] = {}
    for team_id, text, st, n, fen in groups:
        if text not in parsed:
            parsed[text] = tuple(p.value for p in parse_populations(text)) or ("general",)
        for p in parsed[text]:
            pops[p] += n
        per_team[team_id] += n
        fees[team_id] += int(fen or 0)
        status[st] += n
    paid: dict[str, dict[str, int]] = {}
    for team_id, kind, fen in fee_lines:
        paid.setdefault(team_id, {})[kind] = int(fen or 0)
    checks = []
    for team_id in sorted(teams):
        t = teams[team_id]
        lines = paid.get(team_id)
        row: dict[str, Any] = {
            "team_id": team_id,
            "institution_id": t.institution_id,
            "name": t.name,
            "contracts": per_team[team_id],
            "fees": str(Money.from_fen(fees[team_id]).amount),
        }
        if not lines:
            row.update(distributed="0.00", to_team="0.00", team_share=None, check="not_distributed")
        else:
            total = sum(lines.values())
            team = lines.get("team_member", 0)
            share = Decimal(team) / Decimal(total) if total else None
            row.update(
                distributed=str(Money.from_fen(total).amount),
                to_team=str(Money.from_fen(team).amount),
                team_share=(
                    None if share is None else f"{(100 * share).quantize(Decimal('0.01'))} %"
                ),
                check=("ok" if share is None or share >= TEAM_SHARE_FLOOR else "below_floor"),
            )
        checks.append(row)
    return {
        "year": year,
        "teams": len(teams),
        "contracts": sum(per_team.values()),
        "by_population": {
            **{p.value: pops.get(p.value, 0) for p in KeyPopulation},
            "general": pops.get("general", 0),
        },
        "by_status": {st.value: status.get(st.value, 0) for st in ContractStatus},
        "services": {k.value: 0 for k in ContractServiceType}
        | {str(kind): int(n) for kind, n in services},
        "served_contracts": f"{served}/{sum(per_team.values())}",
        "fees": str(Money.from_fen(sum(fees.values())).amount),
        "team_share_floor": str(TEAM_SHARE_FLOOR),
        "distribution": checks,
    }
