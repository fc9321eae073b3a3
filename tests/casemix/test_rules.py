"""Targeted cases for every rule row and rule type, built from the README's rules.

Each rule row of both packs gets a case that must be decided by that row, and a near
miss (one condition broken) that it must not decide. Both grouping paths are checked.
"""

from __future__ import annotations

import functools
from collections import Counter

import pytest

from tests.casemix.drg_helpers import HANDAN, NATIONAL, batch, per_case
from tests.casemix.rule_cases import NoCase, build
from yigong.casemix.model import pack_model
from yigong.casemix.tables import ADRG_RULES

# Rows that cannot decide any case by construction (README 11.1: Handan JA2_2 and NA1_2
# are shadowed by JA2_1 / NA1_1, whose diagnosis lists are supersets).
UNREACHABLE = {HANDAN: {"JA2_2", "NA1_2"}, NATIONAL: set()}


@functools.lru_cache(maxsize=2)
def _cases(scheme):
    model = pack_model(scheme)
    built, skipped = [], []
    for r in model.rules_in_order():
        if r.rule_id in UNREACHABLE[scheme]:
            continue
        try:
            built.append((r, *build(model, r)))
        except NoCase:
            skipped.append(r.rule_id)
    return model, built, skipped


@pytest.mark.parametrize("scheme", [NATIONAL, HANDAN])
@pytest.mark.parametrize("engine", [batch, per_case], ids=["batch", "explain"])
def test_each_rule_row_decides_its_own_case(scheme, engine):
    model, built, skipped = _cases(scheme)
    n_rows = sum(len(v) for v in model.rules.values()) - len(UNREACHABLE[scheme])
    assert len(skipped) <= 0.05 * n_rows, skipped
    got = engine([c for _, c, _ in built], scheme)
    wrong = [
        (r.rule_id, g)
        for (r, _, _), g in zip(built, got, strict=True)
        if g[0] != "grouped" or g[1] != r.mdc or g[2] != r.adrg or g[4] != r.rule_id
    ]
    assert wrong == []
    kinds = Counter(r.kind for r, _, _ in built)
    used = {r.kind for rs in model.rules.values() for r in rs}
    assert set(kinds) == used  # every rule type in the pack is exercised


@pytest.mark.parametrize("scheme", [NATIONAL, HANDAN])
@pytest.mark.parametrize("engine", [batch, per_case], ids=["batch", "explain"])
def test_near_misses_are_not_decided_by_the_rule(scheme, engine):
    _, built, _ = _cases(scheme)
    pairs = [(r, miss) for r, _, miss in built if miss is not None]
    assert len(pairs) >= 0.8 * len(built)
    got = engine([m for _, m in pairs], scheme)
    wrong = [r.rule_id for (r, _), g in zip(pairs, got, strict=True) if g[4] == r.rule_id]
    assert wrong == []


def test_both_packs_together_use_the_whole_vocabulary():
    used = {r.kind for s in (NATIONAL, HANDAN) for rs in pack_model(s).rules.values() for r in rs}
    assert used == set(ADRG_RULES)
