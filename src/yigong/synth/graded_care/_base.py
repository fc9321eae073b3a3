"""Rates, vocabulary, bulk writer and small helpers of the synthetic graded-care activity."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, insert

from yigong.graded_care.contracts import KeyPopulation
from yigong.graded_care.referrals.routing import InstitutionRef
from yigong.graded_care.referrals.states import ReferralAction
from yigong.store import Store

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
    "village": (
        ["J18.900", "J20.900", "I10.x00", "E11.900", "J44.100", "K29.700"],
        [0.30, 0.20, 0.20, 0.15, 0.10, 0.05],
    ),
    "township": (
        [
            "I63.900",
            "I21.900",
            "I61.900",
            "S72.000",
            "J44.100",
            "J96.000",
            "K92.200",
            "I50.900",
            "O14.100",
            "C34.900",
            "C16.900",
            "K80.200",
        ],
        [0.20, 0.10, 0.05, 0.08, 0.12, 0.05, 0.05, 0.10, 0.03, 0.08, 0.06, 0.08],
    ),
    "county": (
        ["C34.900", "C16.900", "C22.000", "I21.000", "I60.900", "C71.900", "Q21.100", "S06.500"],
        [0.20, 0.15, 0.12, 0.18, 0.10, 0.08, 0.07, 0.10],
    ),
}
DOWN_DIAGNOSES = (
    ["I69.300", "I63.900", "S72.000", "I10.x00", "E11.900", "J44.100", "C34.900"],
    [0.30, 0.15, 0.15, 0.12, 0.12, 0.10, 0.06],
)
DOWN_REASON = "病情稳定，转回基层康复/随访"
UP_REASON = {
    "village": "超出村卫生室诊疗能力",
    "township": "病情复杂，需上级医院诊治",
    "county": "县域内无法开展，需转县域外",
}
CENTRE_MIX = (
    [
        "ECG-12",
        "LAB-CBC",
        "LAB-LFT",
        "LAB-RFT",
        "LAB-HBA1C",
        "LAB-LIPID",
        "IMG-DR-CHEST",
        "IMG-US-ABD",
        "IMG-CT-HEAD",
        "IMG-CT-CHEST",
        "ECG-HOLTER",
        "PATH-BIOPSY",
        "CONSULT-REMOTE",
    ],
    [0.20, 0.20, 0.08, 0.07, 0.07, 0.06, 0.10, 0.08, 0.04, 0.04, 0.03, 0.01, 0.02],
)
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
        """Write the buffered rows of ``order`` in one transaction (COPY on PostgreSQL)."""
        with self.store.transaction() as s:
            conn = s.connection()
            for model in order:
                rows = self.rows.pop(model, [])
                table = model.__table__  # type: ignore[attr-defined]
                if not rows:
                    continue
                if conn.dialect.name == "postgresql":
                    _copy(conn, table, rows)
                    continue
                for i in range(0, len(rows), CHUNK):
                    conn.execute(insert(table), rows[i : i + CHUNK])  # Core executemany


def _copy(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL ``COPY … FROM STDIN`` through psycopg (columns given, defaults left to the
    server for columns no row carries, e.g. autoincrement ids)."""
    names = [c.name for c in table.columns if c.name in rows[0]]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    quoted = ", ".join(f'"{n}"' for n in names)
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[n] for n in names])


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
    out_weights: np.ndarray
    home_township: list[str] = field(default_factory=list)
    townships_set: frozenset[str] = frozenset()
    home_village: list[str | None] = field(default_factory=list)


def _random_time(rng: np.random.Generator, year: int) -> datetime:
    day = int(rng.integers(0, 365))
    minute = int(rng.integers(8 * 60, 17 * 60))
    return datetime(year, 1, 1) + timedelta(days=day, minutes=minute)


def _hours(rng: np.random.Generator, low: float, high: float) -> timedelta:
    return timedelta(minutes=int(rng.uniform(low, high) * 60))
