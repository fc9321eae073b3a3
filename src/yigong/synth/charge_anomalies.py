"""Planted item-level anomalies in the itemised stays (truth for the item screening rules).

Drawn from their own random stream (``anomalies-charges``) among the itemised year's stays, at
these rates (docs/oversight.md); a planted line is tagged, and its charge id becomes a truth
row ``charge_items:<id>`` of the rule. Lines added or repriced raise the stay's front-page
category by the same amount (and the patient's share in proportion), so every stay still
reconciles with its front page and its settlement:

- duplicate_charge: 0.2 % of stays get one service line (of an item without a daily cap)
  billed twice: same item, day, quantity and price;
- price_above_catalogue: 0.2 % of stays get one service line repriced at 1.2–2 × the
  catalogue price of the institution's level;
- quantity_beyond_day: 0.1 % of stays get an oxygen or ECG-monitoring line of 30–48 hours
  on one day (the catalogue's cap is 24);
- charge_after_discharge: 0.2 % of stays (a third of them, where possible, in-hospital
  deaths) get one line dated 1–3 days after discharge;
- operating_room_add_on (术中加项): 0.5 % of operated stays get high-value consumables and a
  second surgery fee in the operating room worth at least 3.5 × their own operating-room
  charges.
"""

from __future__ import annotations

import numpy as np

from yigong.synth.catalogue import Catalogue
from yigong.synth.charges import Lines
from yigong.synth.inpatient import MODE_DEATH, Stays

RULES = (
    "duplicate_charge",
    "price_above_catalogue",
    "quantity_beyond_day",
    "charge_after_discharge",
    "operating_room_add_on",
)
RATES = {
    "duplicate_charge": 0.002,
    "price_above_catalogue": 0.002,
    "quantity_beyond_day": 0.001,
    "charge_after_discharge": 0.002,
    "operating_room_add_on": 0.005,
}


def _choose(rng: np.random.Generator, cands: np.ndarray, rate: float) -> np.ndarray:
    n = int(round(len(cands) * rate)) or (1 if len(cands) and rate * len(cands) >= 0.3 else 0)
    return np.sort(rng.choice(cands, size=min(n, len(cands)), replace=False)) if n else cands[:0]


def _one_line_per_stay(
    rng: np.random.Generator, lines: Lines, eligible: np.ndarray, stays: np.ndarray
) -> np.ndarray:
    """One random eligible line of each chosen stay (stays without one are skipped)."""
    idx = np.flatnonzero(eligible & np.isin(lines.enc, stays))
    if not len(idx):
        return idx
    order = idx[rng.permutation(len(idx))]
    _, first = np.unique(lines.enc[order], return_index=True)
    return np.sort(order[first])


def plant(
    rng: np.random.Generator, cat: Catalogue, s: Stays, tier: np.ndarray, lines: Lines
) -> tuple[Lines, np.ndarray]:
    """Plant the item anomalies into `lines` (of stays `s`, at institutions of `tier`);
    returns the new lines and the amount added to each stay's categories (n, 11), in fen."""
    n = len(s)
    delta = np.zeros((n, s.parts.shape[1]), np.int64)
    used = np.zeros(n, bool)
    service = cat.charge_kind[lines.item] == "service"
    at_price = lines.price == cat.price[lines.item, tier[lines.enc]]
    plain = service & ~lines.in_or & at_price & ~np.isin(cat.use[lines.item], ["balance"])

    def stays_for(rule: str, mask: np.ndarray) -> np.ndarray:
        chosen = _choose(rng, np.flatnonzero(mask & ~used), RATES[rule])
        used[chosen] = True
        return chosen

    extra: list[Lines] = []
    has = np.bincount(lines.enc[plain], minlength=n) > 0
    # duplicate_charge
    uncapped = plain & np.isnan(cat.max_per_day[lines.item])
    pick = _one_line_per_stay(rng, lines, uncapped, stays_for("duplicate_charge", has))
    copy = lines.take(pick)
    copy.tag = np.full(len(copy), RULES.index("duplicate_charge"))
    lines.tag[pick] = RULES.index("duplicate_charge")
    extra.append(copy)
    np.add.at(delta, (copy.enc, copy.cat), copy.amount)
    # price_above_catalogue
    pick = _one_line_per_stay(rng, lines, plain, stays_for("price_above_catalogue", has))
    new = np.round(lines.price[pick] * rng.uniform(1.2, 2.0, len(pick))).astype(np.int64)
    new_amount = np.round(lines.qty[pick] * new).astype(np.int64)
    np.add.at(delta, (lines.enc[pick], lines.cat[pick]), new_amount - lines.amount[pick])
    lines.price[pick], lines.amount[pick] = new, new_amount
    lines.tag[pick] = RULES.index("price_above_catalogue")
    # quantity_beyond_day
    chosen = stays_for("quantity_beyond_day", np.ones(n, bool))
    hourly = cat.where(use="hourly")
    item = hourly[rng.integers(0, len(hourly), len(chosen))]
    hours = rng.integers(30, 49, len(chosen)).astype(float)
    price = cat.price[item, tier[chosen]]
    day = s.admission[chosen] + (rng.random(len(chosen)) * np.maximum(s.los[chosen], 1)).astype(
        "timedelta64[D]"
    )
    add = _make(cat, chosen, day, item, hours, price, False, "quantity_beyond_day")
    extra.append(add)
    np.add.at(delta, (add.enc, add.cat), add.amount)
    # charge_after_discharge (a third among deaths)
    dead = s.mode == MODE_DEATH
    rate = RATES["charge_after_discharge"]
    n_dead = min(int(dead.sum()), max(1, int(round(n * rate / 3))))
    chosen_dead = (
        rng.choice(np.flatnonzero(dead & ~used), size=n_dead, replace=False) if n_dead else []
    )
    used[chosen_dead] = True
    chosen = np.r_[np.asarray(chosen_dead, np.int64), stays_for("charge_after_discharge", ~dead)]
    pick = _one_line_per_stay(rng, lines, ~lines.in_or, chosen)
    out_day = s.admission[lines.enc[pick]] + s.los[lines.enc[pick]].astype("timedelta64[D]")
    lines.day[pick] = out_day + rng.integers(1, 4, len(pick)).astype("timedelta64[D]")
    lines.tag[pick] = RULES.index("charge_after_discharge")
    # operating_room_add_on
    or_amount = np.bincount(lines.enc[lines.in_or], weights=lines.amount[lines.in_or], minlength=n)
    chosen = stays_for("operating_room_add_on", or_amount > 0)
    hv = cat.where(use="or_hv")
    item = hv[rng.integers(0, len(hv), len(chosen))]
    price = cat.price[item, tier[chosen]]
    qty = np.ceil(3.5 * or_amount[chosen] / np.maximum(price, 1))
    nat = np.full(len(chosen), np.datetime64("NaT", "D"))
    add = _make(cat, chosen, nat, item, qty, price, True, "operating_room_add_on")
    # a second surgery fee: the grade not already billed (never an exact copy of a line)
    major = np.isin(chosen, lines.enc[lines.item == cat.index("FW130001")])
    fee = np.where(major, cat.index("FW130002"), cat.index("FW130001"))
    add2 = _make(cat, chosen, nat, fee, np.ones(len(chosen)), cat.price[fee, tier[chosen]], True,
                 "operating_room_add_on")  # fmt: skip
    for a in (add, add2):
        extra.append(a)
        np.add.at(delta, (a.enc, a.cat), a.amount)
    return Lines.concat([lines, *extra]), delta


def _make(
    cat: Catalogue,
    enc: np.ndarray,
    day: np.ndarray,
    item: np.ndarray,
    qty: np.ndarray,
    price: np.ndarray,
    in_or: bool,
    rule: str,
) -> Lines:
    return Lines(
        enc.astype(np.int64),
        day.astype("datetime64[D]"),
        item.astype(np.int64),
        qty.astype(float),
        price.astype(np.int64),
        np.round(qty * price).astype(np.int64),
        cat.category[item].astype(np.int64),
        np.full(len(enc), in_or),
        np.full(len(enc), RULES.index(rule), np.int64),
    )
