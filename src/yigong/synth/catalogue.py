"""The synthetic community catalogue: drugs, consumables and priced service items as arrays.

Read from `synth/data/drug_catalogue.csv` (the drug and consumable master of the synthetic
community, with its purchase prices and how the generator uses each item) and
`synth/data/service_items.csv` (the service price catalogue by hospital level), and the WHO
defined daily doses of `drugs/data/who_ddd.csv`. Prices and uses are *assumptions* (orders of
magnitude of Hebei county prices, docs/synthetic-data.md); the DDDs are the WHO's.

One item table holds both: drugs and consumables first, then service items. Tiers are where
an item may be used: 0 village clinic, 1 township centre, 2 county hospital.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from yigong.schema.codes_drugs import COST_CATEGORY

CATEGORIES = tuple(COST_CATEGORY)
#: the front-page category a drug or consumable of each kind is added to.
KIND_CATEGORY = {
    "western_drug": "western_drugs",
    "patent_drug": "patent_drugs",
    "herbal_drug": "herbal_drugs",
    "consumable": "consumables",
}
#: price column of each tier (village clinics and township centres pay level-1 prices).
TIERS = ("village", "township", "county")


@dataclass(frozen=True)
class Catalogue:
    """Every item the synthetic community bills, as parallel arrays."""

    code: np.ndarray  # object
    name: np.ndarray  # object
    charge_kind: np.ndarray  # object: drug / consumable / service
    item_kind: np.ndarray  # object: western_drug … consumable; "" for services
    category: np.ndarray  # int: index into CATEGORIES
    price: np.ndarray  # int64 fen, shape (n, 3): by tier (village, township, county)
    min_tier: np.ndarray  # int
    use: np.ndarray  # object: abx, random, or, or_hv, balance, daily, hourly, outpatient
    weight: np.ndarray  # float
    max_per_day: np.ndarray  # float, nan = no cap
    strength: np.ndarray  # float, nan for non-drugs
    ddd: np.ndarray  # float, nan where no DDD
    route: np.ndarray  # object
    antimicrobial: np.ndarray  # bool
    rows: tuple[dict[str, str], ...]  # the drug rows as read (for the master table)
    services: tuple[dict[str, str], ...]  # the service rows as read (for the price table)

    @property
    def size(self) -> int:
        return len(self.code)

    def where(self, **conds: object) -> np.ndarray:
        """Indexes of the items whose attributes equal the given values."""
        mask = np.ones(self.size, bool)
        for k, v in conds.items():
            mask &= getattr(self, k) == v
        return np.flatnonzero(mask)

    def index(self, code: str) -> int:
        return int(np.flatnonzero(self.code == code)[0])


def _fen(text: str) -> int:
    return int(round(float(text) * 100)) if text else 0


def _read(package: str, name: str) -> list[dict[str, str]]:
    with (resources.files(package) / "data" / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def who_ddd() -> dict[tuple[str, str], tuple[float, str]]:
    """(ATC code, route) → (DDD, unit) of `drugs/data/who_ddd.csv`."""
    return {
        (r["atc_code"], r["route"]): (float(r["ddd"]), r["unit"])
        for r in _read("yigong.drugs", "who_ddd.csv")
    }


@cache
def load_catalogue() -> Catalogue:
    drugs = _read("yigong.synth", "drug_catalogue.csv")
    services = _read("yigong.synth", "service_items.csv")
    ddd = who_ddd()
    cols: dict[str, list[object]] = {
        k: []
        for k in (
            "code",
            "name",
            "charge_kind",
            "item_kind",
            "category",
            "price",
            "min_tier",
            "use",
            "weight",
            "max_per_day",
            "strength",
            "ddd",
            "route",
            "antimicrobial",
        )
    }
    for r in drugs:
        fen = _fen(r["price"])
        key = (r["atc_code"], r["route"])
        if r["antimicrobial"] == "1" and key not in ddd:
            raise ValueError(f"drug_catalogue.csv {r['item_code']}: no WHO DDD for {key}")
        d = ddd.get(key, (float("nan"), ""))[0] if r["strength"] else float("nan")
        values = {
            "code": r["item_code"],
            "name": r["generic_name"],
            "charge_kind": "consumable" if r["item_kind"] == "consumable" else "drug",
            "item_kind": r["item_kind"],
            "category": CATEGORIES.index(KIND_CATEGORY[r["item_kind"]]),
            "price": (fen, fen, fen),
            "min_tier": int(r["min_level"]),
            "use": r["use"],
            "weight": float(r["weight"]),
            "max_per_day": float("nan"),
            "strength": float(r["strength"]) if r["strength"] else float("nan"),
            "ddd": d,
            "route": r["route"],
            "antimicrobial": r["antimicrobial"] == "1",
        }
        for k, v in values.items():
            cols[k].append(v)
    for r in services:
        prices = (_fen(r["price_level1"]), _fen(r["price_level1"]), _fen(r["price_level2"]))
        values = {
            "code": r["item_code"],
            "name": r["name_zh"],
            "charge_kind": "service",
            "item_kind": "",
            "category": CATEGORIES.index(r["cost_category"]),
            "price": prices,
            "min_tier": 0,
            "use": r["use"],
            "weight": float(r["weight"]),
            "max_per_day": float(r["max_per_day"]) if r["max_per_day"] else float("nan"),
            "strength": float("nan"),
            "ddd": float("nan"),
            "route": "",
            "antimicrobial": False,
        }
        for k, v in values.items():
            cols[k].append(v)
    return Catalogue(
        code=np.array(cols["code"], dtype=object),
        name=np.array(cols["name"], dtype=object),
        charge_kind=np.array(cols["charge_kind"], dtype=object),
        item_kind=np.array(cols["item_kind"], dtype=object),
        category=np.array(cols["category"], dtype=np.int64),
        price=np.array(cols["price"], dtype=np.int64),
        min_tier=np.array(cols["min_tier"], dtype=np.int64),
        use=np.array(cols["use"], dtype=object),
        weight=np.array(cols["weight"], dtype=float),
        max_per_day=np.array(cols["max_per_day"], dtype=float),
        strength=np.array(cols["strength"], dtype=float),
        ddd=np.array(cols["ddd"], dtype=float),
        route=np.array(cols["route"], dtype=object),
        antimicrobial=np.array(cols["antimicrobial"], dtype=bool),
        rows=tuple(drugs),
        services=tuple(services),
    )
