"""ADRG selection: which ADRG rule of an MDC holds for a case (README §5, step 3).

Inside the MDC a case entered, the pack's ADRG rules (``adrg.csv``, one row per rule in
``seq`` order, with the code lists of ``adrg_codes.csv``) are tried in order; the first rule
that holds gives the ADRG (and then the DRG by its condition). Each rule has a *kind* from the
vocabulary of README §6 (``principal_dx``, ``principal_dx_and_principal_proc``,
``any_proc_in_both_lists``, ``tagged_procedures`` …) saying which of the case's codes must be
in which list. This is the per-case, explained form used by ``yigong drg explain`` and the
tests; the batch grouper evaluates the same rules set-wise (``compile.py`` builds one slot per
rule, ``batch.py`` takes the first slot that holds).
"""

from __future__ import annotations

from yigong.casemix.case import Case
from yigong.casemix.model import PackModel, Rule
from yigong.casemix.trace import RuleStep

__all__ = ["adrg_rule_step", "is_newborn"]


def is_newborn(case: Case, limit: int | None) -> bool:
    """A case is a newborn when its age in days is known and at most ``limit``."""
    return case.age_days is not None and limit is not None and case.age_days <= limit


def adrg_rule_step(r: Rule, model: PackModel, case: Case) -> RuleStep:
    """Whether ADRG rule ``r`` holds for ``case``, with every check it made and the codes
    that matched (the case's diagnoses and procedures against the rule's code lists)."""
    dx, px = case.diagnoses, case.procedures
    pdx, ppx = dx[0], (px[0] if px else None)
    L = r.lists
    matched: dict[str, list[str]] = {}
    checks: list[tuple[bool, str]] = []

    def pdx_in(name: str) -> None:
        ok = pdx in L.get(name, ())
        checks.append((ok, f"PDX {pdx} {'in' if ok else 'not in'} {name}"))
        if ok:
            matched[name] = [pdx]

    def ppx_in(name: str) -> None:
        ok = ppx is not None and ppx in L.get(name, ())
        checks.append((ok, f"PPX {ppx} {'in' if ok else 'not in'} {name}"))
        if ok:
            matched[name] = [ppx]  # type: ignore[list-item]

    def some_in(codes: tuple[str, ...] | list[str], name: str, what: str) -> None:
        hits = sorted({c for c in codes if c in L.get(name, ())})
        checks.append((bool(hits), f"{'some' if hits else 'no'} {what} in {name}"))
        if hits:
            matched[name] = hits

    def ppx_or() -> None:
        ok = ppx is not None and ppx in model.or_codes
        checks.append((ok, f"PPX {ppx} {'is' if ok else 'is not'} an OR procedure"))

    def newborn() -> None:
        ok = is_newborn(case, r.newborn_max_age_days)
        checks.append(
            (ok, f"age_days {case.age_days} {'≤' if ok else 'not ≤'} {r.newborn_max_age_days}")
        )

    k = r.kind
    if k == "principal_dx":
        pdx_in("dx")
    elif k == "principal_proc":
        ppx_in("proc")
    elif k == "principal_dx_and_principal_proc":
        pdx_in("dx")
        ppx_in("proc")
    elif k in (
        "any_proc_in_both_lists",
        "principal_dx_and_any_proc_in_both_lists",
        "principal_dx_and_any_proc_in_three_lists",
    ):
        if k != "any_proc_in_both_lists":
            pdx_in("dx")
        names = ("proc", "proc2", "proc3") if k.endswith("three_lists") else ("proc", "proc2")
        for name in names:
            some_in(px, name, "PX")
    elif k == "principal_proc_newborn":
        ppx_in("proc")
        newborn()
    elif k == "principal_dx_newborn":
        pdx_in("dx")
        newborn()
    elif k == "any_dx_newborn_weight":
        some_in(dx, "dx", "DX")
        w = case.birth_weight_g
        ok = (
            w is not None
            and w != 0
            and (r.weight_min_g is None or w >= r.weight_min_g)
            and (r.weight_max_g is None or w < r.weight_max_g)
        )
        checks.append(
            (
                ok,
                f"birth weight {w} g {'in' if ok else 'not in'} [{r.weight_min_g}, {r.weight_max_g})",
            )
        )
        newborn()
    elif k == "principal_proc_is_or":
        ppx_or()
    elif k == "any_dx_and_principal_proc_is_or":
        some_in(dx, "dx", "DX")
        ppx_or()
    elif k == "no_or_procedure":
        hits = [c for c in px if c in model.or_codes]
        checks.append((not hits, f"OR procedures present: {hits}" if hits else "no OR procedure"))
    elif k == "any_dx":
        some_in(dx, "dx", "DX")
    elif k == "secondary_dx":
        some_in(dx[1:], "dx2", "SDX")
    elif k == "tagged_procedures":
        pdx_in("dx")
        present = {r.tags[c] for c in px if c in r.tags}
        ok = r.tag_expr is not None and r.tag_expr.holds(present)
        expr = r.tag_expr.to_text() if r.tag_expr else "(missing)"
        checks.append(
            (ok, f"tags {sorted(present)} {'satisfy' if ok else 'do not satisfy'} {expr}")
        )
        if present:
            matched["proc"] = sorted({c for c in px if c in r.tags})
    elif k == "always":
        checks.append((True, "always"))
    else:
        raise ValueError(f"unknown rule {k!r}")
    held = all(ok for ok, _ in checks)
    reason = "; ".join(text for _, text in checks)
    return RuleStep(r.rule_id, r.adrg, k, held, reason, matched if held else {})
