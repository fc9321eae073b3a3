"""Synthetic graded-care activity: referrals, shared-centre requests, recognitions, contracts.

``generate_graded_care(store, institutions, residents, years, rng)`` writes a realistic year of
workflow per year into the store, in bulk (fast enough for ~500,000 residents), and returns the
counts. Every referral path is checked step by step with the real state machine
(``yigong.referral.machine.decide``), every repeat examination with the real recognition rule
(``find_repeat``) and every fee distribution with the real ``distribute_fee``, so the generated
store is one the services could have produced. Rates are in ``GradedCareRates`` (documented,
illustrative assumptions — see docs/graded-care.md), never hidden in the code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import insert

from yigong.referral.centres import CentreCatalog, CentreRequestStatus, load_centre_catalog
from yigong.referral.contracts import KeyPopulation, distribute_fee
from yigong.referral.levels import CareLevel, level_of_type
from yigong.referral.machine import Parties, decide
from yigong.referral.money import to_fen
from yigong.referral.recognition import PriorResult, RecognitionStatus, find_repeat
from yigong.referral.routing import InstitutionRef, resolve_route
from yigong.referral.states import Direction, ReferralAction, ReferralStatus
from yigong.store import Store
from yigong.store import models as m

A = ReferralAction
CHUNK = 20_000


@dataclass(frozen=True)
class GradedCareRates:
    """Annual rates of the synthetic activity (illustrative, documented assumptions)."""

    upward_per_resident: float = 0.010  # upward referrals per resident-year (×2.5 at 65+)
    elderly_multiplier: float = 2.5
    path_shares: tuple[float, float, float] = (0.25, 0.63, 0.12)  # village→tsp, tsp→county, out
    inter_community_share: float = 0.10  # township→county going to another community
    downward_per_upward: float = 0.30
    inpatient_share_up: float = 0.75  # 住院转诊; the rest are outpatient (门诊) referrals
    inpatient_share_down: float = 0.50
    reject: float = 0.03
    cancel_before_review: float = 0.02
    decline: float = 0.04
    no_show: float = 0.03
    not_yet_returned: float = 0.06
    centre_requests_per_resident: float = 0.06
    repeat_share: float = 0.12  # requests followed by the same service for the same patient
    recognise: float = 0.70
    contract_key: float = 0.65  # sign-up probability of key populations
    contract_general: float = 0.06
    contract_drop: float = 0.01  # terminated early
    fee_key: Decimal = Decimal("120.00")
    fee_general: Decimal = Decimal("60.00")
    residents_per_team: int = 2500
    team_share: Decimal = Decimal("0.70")


UP_DIAGNOSES = {
    "village": (["J18.900", "J20.900", "I10.x00", "E11.900", "J44.100", "K29.700"],
                [0.30, 0.20, 0.20, 0.15, 0.10, 0.05]),
    "township": (["I63.900", "I21.900", "I61.900", "S72.000", "J44.100", "J96.000", "K92.200",
                  "I50.900", "O14.100", "C34.900", "C16.900", "K80.200"],
                 [0.20, 0.10, 0.05, 0.08, 0.12, 0.05, 0.05, 0.10, 0.03, 0.08, 0.06, 0.08]),
    "county": (["C34.900", "C16.900", "C22.000", "I21.000", "I60.900", "C71.900", "Q21.100",
                "S06.500"], [0.20, 0.15, 0.12, 0.18, 0.10, 0.08, 0.07, 0.10]),
}
DOWN_DIAGNOSES = (["I69.300", "I63.900", "S72.000", "I10.x00", "E11.900", "J44.100", "C34.900"],
                  [0.30, 0.15, 0.15, 0.12, 0.12, 0.10, 0.06])
DOWN_REASON = "病情稳定，转回基层康复/随访"
UP_REASON = {"village": "超出村卫生室诊疗能力", "township": "病情复杂，需上级医院诊治",
             "county": "县域内无法开展，需转县域外"}
CENTRE_MIX = (["ECG-12", "LAB-CBC", "LAB-LFT", "LAB-RFT", "LAB-HBA1C", "LAB-LIPID", "IMG-DR-CHEST",
               "IMG-US-ABD", "IMG-CT-HEAD", "IMG-CT-CHEST", "ECG-HOLTER", "PATH-BIOPSY",
               "CONSULT-REMOTE"],
              [0.20, 0.20, 0.08, 0.07, 0.07, 0.06, 0.10, 0.08, 0.04, 0.04, 0.03, 0.01, 0.02])
SERVICE_BY_POP = {
    KeyPopulation.HYPERTENSION: ("follow_up", 4.0),
    KeyPopulation.DIABETES: ("follow_up", 4.0),
    KeyPopulation.ELDERLY: ("health_check", 1.0),
    KeyPopulation.CHILD: ("health_check", 2.0),
    KeyPopulation.LOW_INCOME: ("home_visit", 1.0),
    KeyPopulation.MATERNAL: ("home_visit", 2.0),
    KeyPopulation.DISABLED: ("home_visit", 1.0),
}


@dataclass
class GradedCareSummary:
    """What was generated (all counts), and institutions that had to be left out, with why."""

    institutions: int = 0
    referrals: int = 0
    referral_events: int = 0
    centre_requests: int = 0
    recognitions: int = 0
    teams: int = 0
    contracts: int = 0
    contract_services: int = 0
    fee_lines: int = 0
    skipped_institutions: dict[str, str] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Bulk:
    """Rows buffered per model and written in chunks inside one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rows: dict[type, list[dict[str, Any]]] = defaultdict(list)

    def add(self, model: type, row: dict[str, Any]) -> None:
        self.rows[model].append(row)

    def flush(self, order: Sequence[type]) -> None:
        with self.store.transaction() as s:
            conn = s.connection()
            for model in order:
                rows = self.rows.pop(model, [])
                table = model.__table__  # type: ignore[attr-defined]
                for i in range(0, len(rows), CHUNK):
                    conn.execute(insert(table), rows[i:i + CHUNK])  # Core executemany


def _county_of(inst: Mapping[str, Any]) -> str:
    return str(inst.get("county_code") or inst.get("county") or "")


@dataclass
class _World:
    refs: dict[str, InstitutionRef]
    county: str
    leads: dict[str, str]  # community → lead id
    townships: dict[str, list[str]]  # community → township ids
    villages: dict[str, list[str]]  # township id → village ids (same community)
    out_hospitals: list[str]
    home_township: list[str] = field(default_factory=list)
    townships_set: frozenset[str] = frozenset()
    home_village: list[str | None] = field(default_factory=list)


def _build_world(bulk: _Bulk, institutions: Iterable[Mapping[str, Any]],
                 summary: GradedCareSummary, county_code: str | None) -> _World:
    items = list(institutions)
    county = county_code or next((_county_of(i) for i in items if _county_of(i)), "")
    rows: list[dict[str, Any]] = []
    by_comm: dict[str, list[tuple[str, str, CareLevel]]] = defaultdict(list)
    for inst in items:
        iid, itype = str(inst["institution_id"]), str(inst["type"])
        try:
            level = level_of_type(itype)
        except Exception as exc:  # unknown or non-clinical type: reported, not dropped silently
            summary.skipped_institutions[iid] = str(exc).split(";")[0]
            continue
        community = inst.get("community_id")
        rows.append({"institution_id": iid, "name": str(inst.get("name", "")),
                     "institution_type": itype, "level": level.key,
                     "county_code": _county_of(inst) or county,
                     "community_id": community, "is_lead": bool(inst.get("is_lead", False))})
        if community:
            by_comm[str(community)].append((iid, itype, level))
    leads: dict[str, str] = {}
    for comm, members in by_comm.items():
        flagged = [r["institution_id"] for r in rows if r["community_id"] == comm and r["is_lead"]]
        if flagged:
            leads[comm] = flagged[0]
            continue
        county_level = sorted((0 if t == "county_general" else 1, i) for i, t, lv in members
                              if lv is CareLevel.COUNTY)
        if county_level:
            leads[comm] = county_level[0][1]
    for r in rows:
        if r["community_id"] and leads.get(r["community_id"]) == r["institution_id"]:
            r["is_lead"] = True
    city = county[:4] + "00" if len(county) == 6 else "CITY"
    out = [f"{county}-OUT-CITY", f"{county}-OUT-PROV"]
    rows += [{"institution_id": out[0], "name": "市级三甲医院（合成）", "institution_type":
              "city_hospital", "level": "beyond_county", "county_code": city,
              "community_id": None, "is_lead": False},
             {"institution_id": out[1], "name": "省级医院（合成）", "institution_type":
              "provincial_hospital", "level": "beyond_county", "county_code": city[:2] + "0000",
              "community_id": None, "is_lead": False}]
    for r in rows:
        bulk.add(m.Institution, r)
    summary.institutions = len(rows)
    refs = {r["institution_id"]: InstitutionRef(r["institution_id"], CareLevel.parse(r["level"]),
                                                r["county_code"], r["community_id"],
                                                leads.get(r["community_id"] or ""))
            for r in rows}
    townships: dict[str, list[str]] = defaultdict(list)
    villages_by_comm: dict[str, list[str]] = defaultdict(list)
    for comm, members in by_comm.items():
        if comm not in leads:
            continue
        for iid, _t, level in members:
            if level is CareLevel.TOWNSHIP:
                townships[comm].append(iid)
            elif level is CareLevel.VILLAGE:
                villages_by_comm[comm].append(iid)
    villages: dict[str, list[str]] = {}
    for comm, tsps in townships.items():
        vs = villages_by_comm.get(comm, [])
        for k, t in enumerate(tsps):  # villages are dealt out round-robin to the townships
            villages[t] = vs[k::len(tsps)]
    if not townships:
        raise ValueError("no medical community has both a lead hospital and a township-level "
                         "member; cannot generate graded-care activity")
    return _World(refs, county, leads, dict(townships), villages, out,
                  townships_set=frozenset(t for ts in townships.values() for t in ts))


def _assign_homes(world: _World, residents: Sequence[Mapping[str, Any]],
                  rng: np.random.Generator) -> None:
    all_tsp = [t for ts in world.townships.values() for t in ts]
    township_of_village = {v: t for t, vs in world.villages.items() for v in vs}
    pick = rng.integers(0, len(all_tsp), size=len(residents)).tolist()
    u = rng.random(len(residents)).tolist()
    for r, k, x in zip(residents, pick, u, strict=True):
        home = r.get("home_institution_id")
        tsp = all_tsp[k]
        village = None
        if home in township_of_village:
            village = str(home)
            tsp = township_of_village[village]
        elif home in world.townships_set:
            tsp = str(home)
        if village is None:
            vs = world.villages.get(tsp)
            if vs:
                village = vs[int(x * len(vs))]
        world.home_township.append(tsp)
        world.home_village.append(village)


def _random_time(rng: np.random.Generator, year: int) -> datetime:
    day = int(rng.integers(0, 365))
    minute = int(rng.integers(8 * 60, 17 * 60))
    return datetime(year, 1, 1) + timedelta(days=day, minutes=minute)


def _hours(rng: np.random.Generator, low: float, high: float) -> timedelta:
    return timedelta(minutes=int(rng.uniform(low, high) * 60))


class _ReferralWriter:
    """Walks one referral through the real state machine and buffers its rows."""

    def __init__(self, bulk: _Bulk, world: _World, summary: GradedCareSummary) -> None:
        self.bulk, self.world, self.summary = bulk, world, summary

    def write(self, rid: str, patient: str, frm: str, to: str, direction: Direction, dx: str,
              reason: str, at: datetime, steps: list[tuple[ReferralAction, timedelta, str | None]],
              setting: str) -> None:
        route = resolve_route(self.world.refs[frm], self.world.refs[to], direction,
                              self.world.county)
        parties = Parties(frm, to, route.reviewers, direction)
        status: ReferralStatus | None = None
        events = []
        now = at
        for seq, (act, delay, why) in enumerate([(A.REQUEST, timedelta(0), reason), *steps], 1):
            now = now + delay
            t = next(t for t in _candidates(status, act))
            actor = sorted(parties.institutions_for(t.party))[0]
            decide(status, act, actor, parties, why)  # the real rule; raises if illegal
            events.append({"referral_id": rid, "seq": seq, "action": act.value,
                           "from_status": status.value if status else None,
                           "to_status": t.target.value, "user_id": f"{actor}-u1",
                           "institution_id": actor, "at": now, "reason": why})
            status = t.target
        assert status is not None
        self.bulk.add(m.Referral, {
            "referral_id": rid, "patient_key": patient, "direction": direction.value,
            "scope": route.scope.value, "setting": setting, "status": status.value, "requesting_institution": frm,
            "receiving_institution": to, "reviewers": ",".join(sorted(route.reviewers)),
            "home_county": route.home_county, "community_id": route.community_id,
            "diagnosis_icd10": dx, "reason": reason, "requested_at": at, "updated_at": now,
            "version": len(events)})
        for e in events:
            self.bulk.add(m.ReferralEvent, e)
        self.summary.referrals += 1
        self.summary.referral_events += len(events)
        self.summary.by_status[status.value] = self.summary.by_status.get(status.value, 0) + 1


def _candidates(status: ReferralStatus | None, act: ReferralAction):  # type: ignore[no-untyped-def]
    from yigong.referral.machine import TRANSITIONS

    return (t for t in TRANSITIONS if t.source == status and t.action is act)


def _steps(rng: np.random.Generator, rates: GradedCareRates, direction: Direction
           ) -> list[tuple[ReferralAction, timedelta, str | None]]:
    """A realistic path through the table, with delays between the steps."""
    u = rng.random()
    if u < rates.reject:
        return [(A.REJECT, _hours(rng, 0.5, 24), "可在本机构诊治")]
    if u < rates.reject + rates.cancel_before_review:
        return [(A.CANCEL, _hours(rng, 0.2, 6), "患者放弃转诊")]
    path: list[tuple[ReferralAction, timedelta, str | None]] = [
        (A.APPROVE, _hours(rng, 0.2, 12), None)]
    u = rng.random()
    if u < rates.decline:
        return [*path, (A.DECLINE, _hours(rng, 1, 24), "床位已满，建议择期")]
    path.append((A.ACCEPT, _hours(rng, 0.5, 24), None))
    if rng.random() < rates.no_show:
        return [*path, (A.NO_SHOW, _hours(rng, 48, 96), "患者未按时到诊")]
    path.append((A.ARRIVE, _hours(rng, 1, 72), None))
    if rng.random() < rates.not_yet_returned:
        return path
    stay = (3, 14) if direction is Direction.UPWARD else (0.5, 3)
    path.append((A.RETURN_RECORDS, timedelta(days=float(rng.uniform(*stay))), "诊疗记录已回传"))
    for _ in range(int(rng.poisson(1.2))):
        path.append((A.FOLLOW_UP, timedelta(days=float(rng.uniform(7, 30))), "随访"))
    return path


def _generate_referrals(bulk: _Bulk, world: _World, residents: Sequence[Mapping[str, Any]],
                        years: Sequence[int], rng: np.random.Generator,
                        rates: GradedCareRates, summary: GradedCareSummary) -> None:
    writer = _ReferralWriter(bulk, world, summary)
    ages = np.array([int(r.get("age", 40)) for r in residents])
    weight = np.where(ages >= 65, rates.elderly_multiplier, 1.0)
    all_leads = sorted(set(world.leads.values()))
    community_of = {t: c for c, ts in world.townships.items() for t in ts}
    n = len(residents)
    for year in years:
        lam = rates.upward_per_resident * n * float(weight.mean())
        count = int(rng.poisson(lam))
        who = rng.choice(n, size=count, p=weight / weight.sum())
        paths = rng.choice(3, size=count, p=list(rates.path_shares))
        for k, (res, path) in enumerate(zip(who, paths, strict=True)):
            tsp = world.home_township[int(res)]
            village = world.home_village[int(res)]
            lead = world.leads[community_of[tsp]]
            if path == 0 and village is not None:
                frm, to, kind = village, tsp, "village"
            elif path == 2:
                frm, to, kind = lead, world.out_hospitals[int(rng.random() < 0.3)], "county"
            else:
                frm, to, kind = tsp, lead, "township"
                others = [x for x in all_leads if x != lead]
                if others and rng.random() < rates.inter_community_share:
                    to = others[int(rng.integers(0, len(others)))]
            codes, p = UP_DIAGNOSES[kind]
            dx = codes[int(rng.choice(len(codes), p=p))]
            writer.write(f"RFS-{year}-{k:06d}", str(residents[int(res)]["patient_key"]), frm, to,
                         Direction.UPWARD, dx, UP_REASON[kind], _random_time(rng, year),
                         _steps(rng, rates, Direction.UPWARD),
                         "inpatient" if rng.random() < rates.inpatient_share_up else "outpatient")
        down = int(rng.poisson(count * rates.downward_per_upward))
        for k, res in enumerate(rng.choice(n, size=down, p=weight / weight.sum())):
            tsp = world.home_township[int(res)]
            village = world.home_village[int(res)]
            lead = world.leads[community_of[tsp]]
            to = village if village is not None and rng.random() < 0.3 else tsp
            codes, p = DOWN_DIAGNOSES
            dx = codes[int(rng.choice(len(codes), p=p))]
            writer.write(f"RFS-{year}-D{k:05d}", str(residents[int(res)]["patient_key"]), lead, to,
                         Direction.DOWNWARD, dx, DOWN_REASON, _random_time(rng, year),
                         _steps(rng, rates, Direction.DOWNWARD),
                         "inpatient" if rng.random() < rates.inpatient_share_down
                         else "outpatient")


def _generate_centres(bulk: _Bulk, world: _World, residents: Sequence[Mapping[str, Any]],
                      years: Sequence[int], rng: np.random.Generator, rates: GradedCareRates,
                      catalog: CentreCatalog, summary: GradedCareSummary) -> None:
    community_of = {t: c for c, ts in world.townships.items() for t in ts}
    codes, p = CENTRE_MIX
    codes = [c for c in codes if c in catalog.services]
    p_arr = np.array([p[CENTRE_MIX[0].index(c)] for c in codes])
    p_arr = p_arr / p_arr.sum()
    n = len(residents)
    for year in years:
        count = int(rng.poisson(rates.centre_requests_per_resident * n))
        orders: list[tuple[datetime, int, str]] = []
        for res, svc_i in zip(rng.integers(0, n, size=count),
                              rng.choice(len(codes), size=count, p=p_arr), strict=True):
            at = _random_time(rng, year)
            orders.append((at, int(res), codes[int(svc_i)]))
            if rng.random() < rates.repeat_share:  # the same service again, 1–60 days later
                later = at + timedelta(days=float(rng.uniform(1, 60)))
                orders.append((later, int(res), codes[int(svc_i)]))
        orders.sort()
        reported: dict[tuple[int, str], list[PriorResult]] = defaultdict(list)
        for k, (at, res, code) in enumerate(orders):
            service = catalog.services[code]
            tsp = world.home_township[res]
            village = world.home_village[res]
            frm = village if village is not None and code.startswith("ECG") else tsp
            rid = f"CRS-{year}-{k:07d}"
            patient = str(residents[res]["patient_key"])
            flag = find_repeat(reported[(res, code)], at, service.recognition_window_days)
            row = {"request_id": rid, "centre_type": service.centre.value, "service_code": code,
                   "patient_key": patient, "requesting_institution": frm,
                   "centre_institution": world.leads[community_of[tsp]],
                   "status": CentreRequestStatus.REQUESTED.value, "requested_at": at,
                   "reported_at": None, "report_text": None, "price_fen": to_fen(service.price),
                   "version": 1}
            recognised = False
            if flag is not None:
                recognised = bool(rng.random() < rates.recognise)
                status = RecognitionStatus.RECOGNISED if recognised else RecognitionStatus.NOT_RECOGNISED
                bulk.add(m.Recognition, {
                    "recognition_id": f"RCS-{year}-{k:07d}", "patient_key": patient,
                    "service_code": code, "earlier_request_id": flag.prior.request_id,
                    "new_request_id": rid, "window_days": flag.window_days,
                    "days_between": flag.days_between, "status": status.value,
                    "decided_by": f"{frm}-u1", "decided_institution": frm,
                    "decided_at": at + timedelta(minutes=10),
                    "reason": None if recognised else "病情变化，需复查",
                    "avoided_fen": row["price_fen"] if recognised else 0, "flagged_at": at,
                    "version": 2})
                summary.recognitions += 1
            if recognised:
                row["status"] = CentreRequestStatus.AVOIDED.value
                row["version"] = 2
            else:
                hours = float(rng.lognormal(np.log(service.turnaround_target_hours * 0.6), 0.5))
                done = at + timedelta(hours=max(hours, 0.1))
                row.update(status=CentreRequestStatus.REPORTED.value, reported_at=done,
                           report_text="合成报告", version=2)
                reported[(res, code)].append(PriorResult(rid, done))
            bulk.add(m.CentreRequest, row)
            summary.centre_requests += 1


def _population_masks(ages: np.ndarray, female: np.ndarray, draws: np.ndarray,
                      rng: np.random.Generator) -> dict[KeyPopulation, np.ndarray]:
    """Key-population membership per resident for one year. ``draws`` (n × 4 uniform, fixed per
    resident) make hypertension, diabetes, disability and low income persist across years.
    Prevalences: hypertension 8 % at 35 rising 0.8 points a year of age to 45 %, diabetes a
    third of that, disability 2 %, low income 3 % (illustrative)."""
    htn_p = np.clip(0.08 + 0.008 * (ages - 35), 0.0, 0.45)
    return {
        KeyPopulation.MATERNAL: female & (ages >= 20) & (ages <= 39)
        & (rng.random(len(ages)) < 0.06),
        KeyPopulation.CHILD: ages <= 6,
        KeyPopulation.HYPERTENSION: (ages >= 35) & (draws[:, 0] < htn_p),
        KeyPopulation.DIABETES: (ages >= 35) & (draws[:, 1] < htn_p / 3),
        KeyPopulation.ELDERLY: ages >= 65,
        KeyPopulation.DISABLED: draws[:, 2] < 0.02,
        KeyPopulation.LOW_INCOME: draws[:, 3] < 0.03,
    }


def _make_teams(bulk: _Bulk, world: _World, rates: GradedCareRates, summary: GradedCareSummary
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
            members = [(f"{team}-gp", Decimal(2), "gp"), (f"{team}-nurse", Decimal(1), "nurse"),
                       (f"{team}-ph", Decimal(1), "public_health"),
                       (f"{team}-vd", Decimal(1), "village_doctor"),
                       (f"{team}-spec", Decimal("0.5"), "county_specialist")]
            bulk.add(m.FamilyDoctorTeam, {"team_id": team, "institution_id": tsp,
                                          "name": f"家庭医生团队{j + 1}", "leader": members[0][0]})
            for mid, w, role in members:
                bulk.add(m.FamilyDoctorTeamMember, {"team_id": team, "member_id": mid,
                                                    "role": role, "weight": str(w)})
            members_of[team] = [(mid, w) for mid, w, _ in members]
            inst_of[team] = tsp
            summary.teams += 1
        for idx, person in enumerate(people):
            team_of[person] = f"TM-{tsp}-{idx % k + 1}"
    return team_of, members_of, inst_of


def _generate_contracts(bulk: _Bulk, world: _World, residents: Sequence[Mapping[str, Any]],
                        years: Sequence[int], rng: np.random.Generator, rates: GradedCareRates,
                        summary: GradedCareSummary) -> None:
    team_of, members_of, inst_of = _make_teams(bulk, world, rates, summary)
    n = len(residents)
    base_age = np.array([int(r.get("age", 40)) for r in residents])
    female = np.array([str(r.get("sex", "")).upper() in ("F", "2", "女") for r in residents])
    keys = [str(r["patient_key"]) for r in residents]
    draws = rng.random((n, 4))
    anchor = rng.integers(0, 90, size=n)
    fees: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    fee_fen = {True: to_fen(rates.fee_key), False: to_fen(rates.fee_general)}
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
        plan = [(pop, *SERVICE_BY_POP[pop], rng.poisson(SERVICE_BY_POP[pop][1], len(chosen)))
                for pop in masks]
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
            bulk.add(m.Contract, {"contract_id": cid, "team_id": team, "patient_key": keys[i],
                                  "populations": ",".join(pops),
                                  "signed_on": start - timedelta(days=int(signed_before[j])),
                                  "start_on": start, "end_on": end,
                                  "fee_fen": fee_fen[bool(pops)], "status": status})
            fees[(team, year)] += rates.fee_key if pops else rates.fee_general
            summary.contracts += 1
            todo = [(kind, int(counts[j])) for pop, kind, _mean, counts in plan
                    if masks[pop][i]] or [("clinic_visit", int(general_visits[j]))]
            span = (end - start).days + 1
            slot = 0
            by = members_of[team][0][0]
            for kind, count in todo:
                for _ in range(count):
                    offset = int(day_u[j, slot % 8] * span) if slot < 8 else int(
                        rng.integers(0, span))
                    slot += 1
                    bulk.add(m.ContractService, {"contract_id": cid, "service_type": kind,
                                                 "delivered_on": start + timedelta(days=offset),
                                                 "delivered_by": by})
                    summary.contract_services += 1
    for (team, year), total in sorted(fees.items()):
        dist = distribute_fee(total, inst_of[team], members_of[team], rates.team_share)
        for line in dist.lines:
            bulk.add(m.FeeDistributionLine, {"team_id": team, "year": year,
                                             "recipient": line.recipient,
                                             "recipient_kind": line.recipient_kind,
                                             "amount_fen": to_fen(line.amount), "rule": line.rule})
            summary.fee_lines += 1


def generate_graded_care(
    store: Store,
    institutions: Iterable[Mapping[str, Any]],
    residents: Sequence[Mapping[str, Any]],
    years: Iterable[int],
    rng: np.random.Generator,
    *,
    county_code: str | None = None,
    rates: GradedCareRates | None = None,
) -> GradedCareSummary:
    """Generate referral, shared-centre, recognition and contract activity into ``store``.

    ``institutions``: dicts with ``institution_id``, ``type`` (county_general, township_centre,
    village_clinic …), ``community_id``, ``county_code`` and optionally ``is_lead`` (otherwise
    the county general hospital of each community leads). ``residents``: dicts with
    ``patient_key``, ``age``, ``sex`` and optionally ``home_institution_id``. Two out-of-county
    hospitals (city, province) are added as receivers. Same seed, same store content.
    """
    rates = rates or GradedCareRates()
    year_list = sorted(set(years))
    summary = GradedCareSummary()
    bulk = _Bulk(store)
    world = _build_world(bulk, institutions, summary, county_code)
    bulk.flush([m.Institution])
    _assign_homes(world, residents, rng)
    _generate_referrals(bulk, world, residents, year_list, rng, rates, summary)
    bulk.flush([m.Referral, m.ReferralEvent])
    _generate_centres(bulk, world, residents, year_list, rng, rates,
                      load_centre_catalog(world.county), summary)
    bulk.flush([m.CentreRequest, m.Recognition])
    _generate_contracts(bulk, world, residents, year_list, rng, rates, summary)
    bulk.flush([m.FamilyDoctorTeam, m.FamilyDoctorTeamMember, m.Contract, m.ContractService,
                m.FeeDistributionLine])
    return summary


def demo_county(residents: int, rng: np.random.Generator, county_code: str = "410122"
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A small stand-alone county (2 communities, 8 townships, 6 villages each) and residents
    with a plausible age pyramid — for ``yigong referral synth`` when no county is given."""
    insts: list[dict[str, Any]] = [
        {"institution_id": f"{county_code}-H1", "type": "county_general", "community_id": "C1",
         "county_code": county_code, "is_lead": True},
        {"institution_id": f"{county_code}-H2", "type": "county_tcm", "community_id": "C2",
         "county_code": county_code, "is_lead": True},
        {"institution_id": f"{county_code}-M1", "type": "county_mch", "community_id": "C1",
         "county_code": county_code},
    ]
    for t in range(8):
        comm = "C1" if t < 5 else "C2"
        tid = f"{county_code}-T{t + 1:02d}"
        insts.append({"institution_id": tid, "type": "township_centre", "community_id": comm,
                      "county_code": county_code})
        insts += [{"institution_id": f"{tid}-V{v + 1:02d}", "type": "village_clinic",
                   "community_id": comm, "county_code": county_code} for v in range(6)]
    bands = np.array([0.09, 0.11, 0.12, 0.14, 0.15, 0.14, 0.12, 0.09, 0.04])  # 0-9 … 80-89
    ages = (rng.choice(9, size=residents, p=bands / bands.sum()) * 10
            + rng.integers(0, 10, size=residents))
    sexes = rng.integers(0, 2, size=residents)
    people = [{"patient_key": f"{county_code}-R{i:07d}", "age": int(a), "sex": "F" if s else "M"}
              for i, (a, s) in enumerate(zip(ages.tolist(), sexes.tolist(), strict=True))]
    return insts, people
