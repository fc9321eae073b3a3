"""Itemised charges (费用明细) of stays and visits that add up to their front page, to the fen.

Each encounter arrives with its cost by front-page category (a stay's eleven `cost_*` columns,
a visit's six mapped onto them). The lines of one category are drawn in this order, each from
what is left of the category's amount, so they can never exceed it (assumptions,
docs/synthetic-data.md):

1. per-day items of a stay (bed, grade-II nursing, ward round) for each day the amount covers;
2. a monitoring course (oxygen or ECG monitoring, hours a day) for 15 % of stays (60 % of
   deaths);
3. an antimicrobial course: one antimicrobial, about one DDD a day (0.6–1.3), 3–7 days, for
   30–80 % of stays by department and surgery; 12–25 % of visits with drugs (three days);
4. operating-room items of operated stays (grade ≥ 2): surgery and anaesthesia fees, sutures,
   gown packs, propofol and lidocaine, a high-value consumable in 25 % of grade 3–4 operations;
5. 0–12 random items of the category at the institution's tier, quantities from shares of
   three quarters of what is left;
6. balancing lines: the category's balance items, most expensive first, whole quantities at
   the catalogue price, and the last fen in one line of the cheapest at a lower unit price
   (prices are ceilings: 政府指导价, a lower price is allowed).

Per-hour items never exceed their daily cap; every price is the catalogue's for the tier
except the one balancing line per category, which is lower.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from yigong.synth.catalogue import CATEGORIES, Catalogue

GENERAL, WESTERN = CATEGORIES.index("general_service"), CATEGORIES.index("western_drugs")
TREATMENT, CONSUMABLES = CATEGORIES.index("treatment"), CATEGORIES.index("consumables")
#: mean number of random lines per category for one day of care (× √days for a stay).
RANDOM_LINES = np.array([0.6, 1.0, 0.3, 0.3, 0.3, 1.0, 0.5, 0.5, 0.1, 0.8, 0.1])
NO_DAY = np.datetime64("NaT", "D")


@dataclass
class Lines:
    """Charge lines of a set of encounters (arrays of equal length)."""

    enc: np.ndarray  # encounter index
    day: np.ndarray  # datetime64[D]; NaT until an operating-room line is dated
    item: np.ndarray  # catalogue index
    qty: np.ndarray  # float
    price: np.ndarray  # fen
    amount: np.ndarray  # fen
    cat: np.ndarray  # category index
    in_or: np.ndarray  # bool
    tag: np.ndarray  # planted anomaly (index into charge_anomalies.RULES), -1 for none

    def __len__(self) -> int:
        return len(self.enc)

    def take(self, idx: np.ndarray) -> Lines:
        return Lines(*(getattr(self, f.name)[idx] for f in fields(self)))

    @staticmethod
    def concat(parts: list[Lines]) -> Lines:
        return Lines(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Lines)))

    def sorted(self) -> Lines:
        """By encounter, then day, then item (operating-room lines dated first)."""
        return self.take(np.lexsort((self.item, self.day, self.enc)))


def _lines(
    enc: np.ndarray,
    day: np.ndarray,
    item: np.ndarray,
    qty: np.ndarray,
    price: np.ndarray,
    cat: Catalogue,
    in_or: bool = False,
) -> Lines:
    qty = np.asarray(qty, dtype=float)
    price = np.asarray(price, dtype=np.int64)
    return Lines(
        enc.astype(np.int64),
        day.astype("datetime64[D]"),
        item.astype(np.int64),
        qty,
        price,
        np.round(qty * price).astype(np.int64),
        cat.category[item].astype(np.int64),
        np.full(len(enc), in_or),
        np.full(len(enc), -1, np.int64),
    )


def _within(start: np.ndarray, days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return start + (rng.random(len(start)) * days).astype("timedelta64[D]")


def _run(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position within owner) for `counts` items per owner."""
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.arange(len(owner)) - first


def _pick(cat: Catalogue, cands: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    w = cat.weight[cands]
    return cands[rng.choice(len(cands), size=n, p=w / w.sum())] if n else cands[:0]


@dataclass
class Encounters:
    """What the line generator needs of each encounter."""

    budget: np.ndarray  # (n, 11) fen by front-page category
    tier: np.ndarray  # 0 village, 1 township, 2 county
    start: np.ndarray  # first day (datetime64[D])
    days: np.ndarray  # days billed (≥ 1)
    abx_p: np.ndarray  # chance of an antimicrobial course
    grade: np.ndarray  # operation grade (0: no operation)
    inpatient: bool
    monitor_p: np.ndarray | None = None


def generate_lines(cat: Catalogue, e: Encounters, rng: np.random.Generator) -> Lines:
    """Every charge line of the encounters; per encounter and category they sum to `budget`."""
    budget = e.budget.astype(np.int64).copy()
    out: list[Lines] = []

    def price_of(items: np.ndarray, encs: np.ndarray) -> np.ndarray:
        return cat.price[items, e.tier[encs]]

    def spend(lines: Lines) -> None:
        np.subtract.at(budget, (lines.enc, lines.cat), lines.amount)
        out.append(lines)

    if e.inpatient:
        spend(_daily(cat, e, budget, rng))
        if e.monitor_p is not None:
            spend(_monitoring(cat, e, budget, rng))
    spend(_antimicrobials(cat, e, budget, rng))
    if e.inpatient:
        for lines in _operating_room(cat, e, budget, rng):
            spend(lines)
    else:
        fee = np.full(len(e.tier), cat.where(use="outpatient")[0])
        enc = np.flatnonzero(budget[:, GENERAL] >= price_of(fee, np.arange(len(e.tier))))
        spend(_lines(enc, e.start[enc], fee[enc], np.ones(len(enc)), price_of(fee[enc], enc), cat))
    for k in range(len(CATEGORIES)):
        spend(_random(cat, e, budget, k, rng))
    for k in range(len(CATEGORIES)):
        spend(_balance(cat, e, budget, k, rng))
    assert (budget == 0).all(), "charge lines do not add up to the encounter's categories"
    return Lines.concat(out)


def _daily(cat: Catalogue, e: Encounters, budget: np.ndarray, rng: np.random.Generator) -> Lines:
    daily = cat.where(use="daily")
    per_day = cat.price[daily][:, e.tier].sum(axis=0)  # (n,)
    covered = np.minimum(e.days, budget[:, GENERAL] // np.maximum(per_day, 1))
    enc, pos = _run(covered)
    parts = [
        _lines(
            enc,
            e.start[enc] + pos.astype("timedelta64[D]"),
            np.full(len(enc), j),
            np.ones(len(enc)),
            cat.price[j, e.tier[enc]],
            cat,
        )
        for j in daily
    ]
    return Lines.concat(parts)


def _monitoring(
    cat: Catalogue, e: Encounters, budget: np.ndarray, rng: np.random.Generator
) -> Lines:
    assert e.monitor_p is not None
    hourly = cat.where(use="hourly")
    n = len(e.tier)
    chosen = rng.random(n) < e.monitor_p
    item = hourly[rng.integers(0, len(hourly), n)]
    p = cat.price[item, e.tier]
    want = np.minimum(e.days, 1 + rng.poisson(2, n)) * chosen
    hours = rng.integers(4, 25, n)
    afford = budget[:, GENERAL] // 2 // np.maximum(p * hours, 1)
    d = np.minimum(want, afford)
    enc, pos = _run(d)
    return _lines(
        enc,
        e.start[enc] + pos.astype("timedelta64[D]"),
        item[enc],
        hours[enc].astype(float),
        p[enc],
        cat,
    )


def _antimicrobials(
    cat: Catalogue, e: Encounters, budget: np.ndarray, rng: np.random.Generator
) -> Lines:
    n = len(e.tier)
    abx = cat.where(use="abx")
    chosen = (rng.random(n) < e.abx_p) & (budget[:, WESTERN] > 0)
    item = np.full(n, -1)
    for t in range(3):
        cands = abx[cat.min_tier[abx] <= t]
        if e.inpatient and t == 2:  # county wards mostly inject
            cands = cands[(cat.route[cands] == "P") | (rng.random(len(cands)) < 0.3)]
        here = np.flatnonzero(chosen & (e.tier == t))
        if len(cands) and len(here):
            item[here] = _pick(cat, cands, len(here), rng)
    chosen &= item >= 0
    safe = np.maximum(item, 0)
    units = np.maximum(1, np.round(cat.ddd[safe] / cat.strength[safe] * rng.uniform(0.6, 1.3, n)))
    p = cat.price[safe, e.tier]
    if e.inpatient:
        course = np.minimum(e.days, 3 + rng.poisson(2, n))
        afford = (budget[:, WESTERN] * 6 // 10) // np.maximum((units * p).astype(np.int64), 1)
        course = np.where(chosen, np.minimum(course, afford), 0)
        enc, pos = _run(course)
        return _lines(
            enc, e.start[enc] + pos.astype("timedelta64[D]"), item[enc], units[enc], p[enc], cat
        )
    qty = units * 3
    keep = chosen & (qty * p <= budget[:, WESTERN] * 8 // 10)
    enc = np.flatnonzero(keep)
    return _lines(enc, e.start[enc], item[enc], qty[enc], p[enc], cat)


def _operating_room(
    cat: Catalogue, e: Encounters, budget: np.ndarray, rng: np.random.Generator
) -> list[Lines]:
    """Lines billed in the operating room (dated later, on the operation's day)."""
    n = len(e.tier)
    operated = e.grade >= 2
    major = e.grade >= 3
    sets = [
        (np.where(major, cat.index("FW130001"), cat.index("FW130002")), np.ones(n)),
        (np.where(major, cat.index("FW130003"), cat.index("FW130004")), np.ones(n)),
        (np.full(n, cat.index("HC0010")), rng.integers(1, 4, n).astype(float)),
        (np.full(n, cat.index("HC0011")), np.ones(n)),
        (np.full(n, cat.index("YP0120")), rng.integers(1, 3, n).astype(float)),
        (np.full(n, cat.index("YP0112")), np.where(major, rng.integers(1, 3, n), 0).astype(float)),
    ]
    hv = cat.where(use="or_hv")
    with_hv = major & (rng.random(n) < 0.25)
    sets.append((hv[rng.integers(0, len(hv), n)], with_hv.astype(float)))
    out = []
    for item, qty in sets:
        p = cat.price[item, e.tier]
        k = cat.category[item]
        amount = np.round(qty * p).astype(np.int64)
        ok = operated & (qty > 0) & (p > 0) & (amount <= budget[np.arange(n), k] * 9 // 10)
        enc = np.flatnonzero(ok)
        lines = _lines(enc, np.full(len(enc), NO_DAY), item[enc], qty[enc], p[enc], cat, True)
        np.subtract.at(budget, (lines.enc, lines.cat), lines.amount)
        out.append(lines)
    # the caller subtracts again: give back what was taken here
    for lines in out:
        np.add.at(budget, (lines.enc, lines.cat), lines.amount)
    return out


def _random(
    cat: Catalogue, e: Encounters, budget: np.ndarray, k: int, rng: np.random.Generator
) -> Lines:
    n = len(e.tier)
    mean = RANDOM_LINES[k] * (np.sqrt(e.days) if e.inpatient else 0.4)
    count = np.where(budget[:, k] > 0, np.minimum(rng.poisson(mean), 12), 0)
    enc, _ = _run(count)
    item = np.full(len(enc), -1)
    for t in range(3):
        cands = cat.where(category=k, use="random")
        cands = cands[(cat.min_tier[cands] <= t) & (cat.price[cands, t] > 0)]
        here = np.flatnonzero(e.tier[enc] == t)
        if len(cands) and len(here):
            item[here] = _pick(cat, cands, len(here), rng)
    keep = item >= 0
    enc, item = enc[keep], item[keep]
    share = rng.uniform(0.2, 1.0, len(enc))
    total = np.bincount(enc, weights=share, minlength=n)
    p = cat.price[item, e.tier[enc]]
    qty = np.floor(share / total[enc] * budget[enc, k] * 0.75 / p)
    cap = cat.max_per_day[item]
    capped = ~np.isnan(cap)
    qty = np.where(capped, np.minimum(qty, np.nan_to_num(cap)), qty)
    # a line holds what a ward or a prescription plausibly gives: goods up to 6 units a day
    # of the stay (60 for a visit's prescription), services up to 2 a day (2 for a visit)
    goods = cat.charge_kind[item] != "service"
    most = np.where(goods, 6, 2) * e.days[enc] if e.inpatient else np.where(goods, 60, 2)
    qty = np.minimum(qty, most)
    day = _within(e.start[enc], e.days[enc], rng)
    lines = _lines(enc, day, item, qty, p, cat).take(np.flatnonzero(qty > 0))
    return _cap_per_day(cat, _merge_same_day(lines))


def _merge_same_day(lines: Lines) -> Lines:
    """One line per encounter, item and day: draws of the same item on the same day are added
    (a HIS bills an item once a day with its quantity)."""
    if not len(lines):
        return lines
    s = lines.take(np.lexsort((lines.day, lines.item, lines.enc)))
    first = np.r_[
        True, (s.enc[1:] != s.enc[:-1]) | (s.item[1:] != s.item[:-1]) | (s.day[1:] != s.day[:-1])
    ]
    group = np.cumsum(first) - 1
    out = s.take(np.flatnonzero(first))
    out.qty = np.bincount(group, weights=s.qty)
    out.amount = np.bincount(group, weights=s.amount).astype(np.int64)
    return out


def _cap_per_day(cat: Catalogue, lines: Lines) -> Lines:
    """Drop lines that would take an item past its daily cap on one day of one encounter."""
    if not len(lines):
        return lines
    cap = cat.max_per_day[lines.item]
    order = np.lexsort((lines.day, lines.item, lines.enc))
    s = lines.take(order)
    key_change = np.r_[
        True,
        (s.enc[1:] != s.enc[:-1]) | (s.item[1:] != s.item[:-1]) | (s.day[1:] != s.day[:-1]),
    ]
    group = np.cumsum(key_change) - 1
    cum = np.cumsum(s.qty)
    start = cum[np.flatnonzero(key_change)] - s.qty[np.flatnonzero(key_change)]
    running = cum - start[group]
    ok = np.isnan(cap[order]) | (running <= np.nan_to_num(cap[order], nan=np.inf))
    return s.take(np.flatnonzero(ok))


def _balance(
    cat: Catalogue, e: Encounters, budget: np.ndarray, k: int, rng: np.random.Generator
) -> Lines:
    """What is left of category `k`: whole quantities of its dearest balance item while more
    than its price is left, then one line of the cheapest balance item whose price covers the
    rest, at the rest (1–2 lines per encounter and category)."""
    out = []
    for t in range(3):
        cands = cat.where(category=k, use="balance")
        cands = cands[(cat.min_tier[cands] <= t) & (cat.price[cands, t] > 0)]
        cands = cands[np.argsort(cat.price[cands, t], kind="stable")]  # cheapest first
        enc = np.flatnonzero((e.tier == t) & (budget[:, k] > 0))
        if not len(enc):
            continue
        if not len(cands):
            raise ValueError(f"no balance item of category {CATEGORIES[k]} at tier {t}")
        prices = cat.price[cands, t]
        left = budget[enc, k].copy()
        day = _within(e.start[enc], e.days[enc], rng)
        top = prices[-1]
        q = np.where(left > top, left // top, 0)
        m = q > 0
        out.append(
            _lines(enc[m], day[m], np.full(m.sum(), cands[-1]), q[m], np.full(m.sum(), top), cat)
        )
        left -= q * top
        m = left > 0
        j = cands[np.minimum(np.searchsorted(prices, left[m]), len(cands) - 1)]
        out.append(_lines(enc[m], day[m], j, np.ones(m.sum()), left[m], cat))
    return Lines.concat(out) if out else _empty(cat)


def _empty(cat: Catalogue) -> Lines:
    none = np.empty(0, np.int64)
    return _lines(none, np.empty(0, "datetime64[D]"), none, np.empty(0), none, cat)
