"""Build, from README section 6 alone, a case that must be decided by a given rule row.

For a rule ``r`` of MDC ``m`` the builder chooses codes so that (i) ``m`` is entered
and no earlier MDC can decide the case, (ii) no earlier rule of ``m`` can hold, and
(iii) every condition of ``r``'s kind holds. It also builds a *near miss* that breaks
exactly one condition of ``r``. Codes are picked from the pack tables; nothing here
calls the grouper.
"""

from __future__ import annotations

from dataclasses import replace

from yigong.casemix import Case
from yigong.casemix.model import PackModel, Rule

UNKNOWN_DX, UNKNOWN_PX = "X99.999x999", "99.9999x999"
PDX_KINDS = {
    "principal_dx",
    "principal_dx_and_principal_proc",
    "principal_dx_and_any_proc_in_both_lists",
    "principal_dx_and_any_proc_in_three_lists",
    "principal_dx_newborn",
    "tagged_procedures",
}


DX_ONLY_KINDS = {
    "principal_dx",
    "principal_dx_newborn",
    "any_dx",
    "any_dx_newborn_weight",
    "secondary_dx",
    "always",
}


class NoCase(Exception):
    """The tables offer no codes that isolate this rule."""


def _first(codes, *avoid) -> str:
    bad = set().union(*avoid) if avoid else set()
    for c in sorted(codes):
        if c not in bad:
            return c
    raise NoCase


def _all_lists(rules: list[Rule], prefix: str) -> set[str]:
    return {c for r in rules for k, v in r.lists.items() if k.startswith(prefix) for c in v}


def _breaking_list(x: Rule) -> frozenset[str]:
    """Procedure codes whose absence keeps an earlier rule ``x`` from holding."""
    if x.kind in (
        "principal_proc",
        "principal_dx_and_principal_proc",
        "principal_proc_newborn",
        "tagged_procedures",
    ):
        return x.lists.get("proc", frozenset())
    if x.kind in ("any_proc_in_both_lists", "principal_dx_and_any_proc_in_both_lists"):
        return x.lists.get("proc2", frozenset())
    if x.kind == "principal_dx_and_any_proc_in_three_lists":
        return x.lists.get("proc3", frozenset())
    return frozenset()


def _tag_choice(r: Rule) -> set[int]:
    assert r.tag_expr is not None
    tags = sorted(r.tag_expr.tags())
    for size in range(1, len(tags) + 1):  # smallest satisfying tag set, in order
        from itertools import combinations

        for combo in combinations(tags, size):
            if r.tag_expr.holds(set(combo)):
                return set(combo)
    raise NoCase


def build(model: PackModel, r: Rule) -> tuple[Case, Case]:
    """(case decided by ``r``, near miss that ``r`` must not decide)."""
    mdc = next(m for m in model.mdcs if m.mdc == r.mdc)
    earlier_mdcs = [m.mdc for m in model.mdcs if m.order < mdc.order]
    earlier = [x for x in model.rules[r.mdc] if x.seq < r.seq]
    mdca_px = _all_lists(model.rules.get("MDCA", []), "proc") | set().union(*model.mdc_px.values())
    # earlier MDCs entered on the principal diagnosis alone; MDCP/M/N/Z need age 0, a sex
    # or a second trauma region, which the case avoids (sex is chosen below)
    plain = [m.mdc for m in model.mdcs if m.mdc in earlier_mdcs and m.entry_rule == "principal_dx"]
    other_mdc_dx = set().union(*(model.mdc_dx.get(m, frozenset()) for m in plain))
    male_dx = set().union(
        *(
            model.mdc_dx[m.mdc]
            for m in model.mdcs
            if m.mdc in earlier_mdcs and m.entry_rule == "principal_dx_male"
        )
    )
    female_dx = set().union(
        *(
            model.mdc_dx[m.mdc]
            for m in model.mdcs
            if m.mdc in earlier_mdcs and m.entry_rule == "principal_dx_female"
        )
    )
    other_mdc_dx |= male_dx & female_dx
    # earlier rules that need no procedure could hold on the principal diagnosis alone;
    # those that need one are kept off by choosing procedures outside their lists
    early_dx = _all_lists([x for x in earlier if x.kind in DX_ONLY_KINDS], "dx")
    early_or = any(
        x.kind in ("principal_proc_is_or", "any_dx_and_principal_proc_is_or") for x in earlier
    )
    early_px = {c for x in earlier for c in _breaking_list(x)}
    procedure_entry = mdc.entry_rule.startswith("principal_or_procedure")
    avoid_px = early_px if procedure_entry else mdca_px | early_px
    if early_or:
        avoid_px = avoid_px | model.or_codes
    k = r.kind
    sex, age, days, weight = 1, 40, 40 * 365, None
    if mdc.entry_rule == "principal_dx_female":
        sex = 2
    if mdc.entry_rule == "principal_dx_age0":
        age, days, weight = 0, 10, 3000
    # principal diagnosis
    if procedure_entry:
        pdx = UNKNOWN_DX
    else:
        pool = model.mdc_dx[r.mdc] - other_mdc_dx
        if k in PDX_KINDS:
            pool = pool & r.lists["dx"]
        pdx = _first(pool, early_dx)
    dx = [pdx]
    if pdx in male_dx:
        sex = 2
    elif pdx in female_dx:
        sex = 1
    px: list[str] = []
    if mdc.entry_rule == "principal_dx_multi_trauma":
        regions = model.trauma[r.mdc]
        second = _first(
            {c for c, g in regions.items() if g != regions.get(pdx)}, model.complications
        )
        dx.append(second)
    near: dict[str, object] = {}
    if k in ("principal_proc", "principal_dx_and_principal_proc", "principal_proc_newborn"):
        px = [_first(r.lists["proc"], avoid_px)]
        near["procedures"] = (UNKNOWN_PX,)
    elif k in (
        "any_proc_in_both_lists",
        "principal_dx_and_any_proc_in_both_lists",
        "principal_dx_and_any_proc_in_three_lists",
    ):
        names = ["proc", "proc2", "proc3"] if k.endswith("three_lists") else ["proc", "proc2"]
        px = [_first(r.lists[n], avoid_px if i == 0 else early_px) for i, n in enumerate(names)]
        near["procedures"] = tuple(px[:-1])
    elif k in ("principal_proc_is_or", "any_dx_and_principal_proc_is_or"):
        px = [_first(model.or_codes, avoid_px)]
        near["procedures"] = (UNKNOWN_PX,)
    elif k == "tagged_procedures":
        chosen = _tag_choice(r)
        px = [
            _first({c for c, t in r.tags.items() if t == tag}, avoid_px) for tag in sorted(chosen)
        ]
        if r.tag_expr is not None and not r.tag_expr.holds(set()):
            near["procedures"] = ()
    if k in ("principal_dx", "principal_dx_and_principal_proc", "principal_dx_newborn"):
        other = model.mdc_dx.get(r.mdc, frozenset()) - r.lists["dx"] - other_mdc_dx
        if other and "procedures" not in near:
            near["diagnoses"] = (_first(other, early_dx), *dx[1:])
    if k in ("any_dx_newborn_weight", "any_dx_and_principal_proc_is_or", "any_dx"):
        code = _first(r.lists["dx"])
        if code != pdx:
            dx.append(code)
        near.setdefault(
            "diagnoses", tuple(c for c in dx if c not in r.lists["dx"]) or (UNKNOWN_DX,)
        )
    if k == "any_dx_newborn_weight":
        lo, hi = r.weight_min_g, r.weight_max_g
        weight = lo if lo is not None else hi - 1  # type: ignore[operator]
        near = {"birth_weight_g": hi if hi is not None else lo - 1}  # type: ignore[operator]
    if k == "secondary_dx":
        dx.append(_first(r.lists["dx2"]))
        near["diagnoses"] = (pdx,)
    if k in ("principal_proc_newborn", "principal_dx_newborn") and "procedures" not in near:
        near = {"age_days": (r.newborn_max_age_days or 28) + 1}
    if k == "no_or_procedure":
        near["procedures"] = (_first(model.or_codes, mdca_px),)
    case = Case(f"{r.rule_id}", sex, age, days, weight, tuple(dx), tuple(px))
    miss = replace(case, case_id=f"{r.rule_id}-miss", **near) if near else None  # type: ignore[arg-type]
    return case, miss  # type: ignore[return-value]
