"""Per-case interpreter of the grouping algorithm, producing a full rule trace.

This is a direct, readable transcription of README sections 5–7: validation, complications,
MDC entry, ADRG selection (one rule at a time, :mod:`.adrg_selection`), QY and the DRG. It serves the
``explain`` command and the API's single-case calls, and it is an independent second
implementation that the tests compare with the set-based batch engine on every sample.
"""

from __future__ import annotations

from yigong.casemix.adrg_selection import adrg_rule_step
from yigong.casemix.case import Case, GroupStatus
from yigong.casemix.model import Mdc, PackModel, Rule, pack_model
from yigong.casemix.trace import ComplicationCheck, DrgStep, MdcStep, Trace


def validate(case: Case, newborn_max: int) -> list[str]:
    """README step 1: the reasons a record is ``invalid_input`` (empty = valid)."""
    errs = [f"malformed input: {e}" for e in case.input_errors]
    if case.sex not in (1, 2):
        errs.append(f"sex must be 1 or 2, got {case.sex!r}")
    if case.age_years is None:
        errs.append("age_years is missing")
    elif case.age_years == 0:
        if case.age_days is None:
            errs.append("age_days is missing although age_years = 0")
        elif case.age_days <= newborn_max and case.birth_weight_g is None:
            errs.append(f"birth_weight_g is missing for a newborn (age_days ≤ {newborn_max})")
    if not case.diagnoses:
        errs.append("diagnoses is empty")
    return errs


def _entry(m: Mdc, model: PackModel, case: Case) -> tuple[bool, str]:
    pdx, ppx = case.diagnoses[0], (case.procedures[0] if case.procedures else None)
    rule = m.entry_rule
    if rule in ("principal_or_procedure", "principal_or_procedure_or_listed"):
        if ppx is None:
            return False, "no principal procedure"
        if ppx in model.or_codes:
            return True, f"principal procedure {ppx} is an OR procedure"
        if rule.endswith("_listed") and ppx in model.mdc_px.get(m.mdc, ()):
            return True, f"principal procedure {ppx} is listed for {m.mdc}"
        return False, f"principal procedure {ppx} is not an OR procedure"
    in_list = pdx in model.mdc_dx.get(m.mdc, ())
    if not in_list:
        return False, f"principal diagnosis {pdx} not in the {m.mdc} list"
    if rule == "principal_dx":
        return True, f"principal diagnosis {pdx} in the {m.mdc} list"
    if rule == "principal_dx_age0":
        return (case.age_years == 0), f"principal diagnosis listed; age_years = {case.age_years}"
    if rule == "principal_dx_male":
        return (case.sex == 1), f"principal diagnosis listed; sex = {case.sex}"
    if rule == "principal_dx_female":
        return (case.sex == 2), f"principal diagnosis listed; sex = {case.sex}"
    if rule == "principal_dx_multi_trauma":
        regions = model.trauma.get(m.mdc, {})
        hit = sorted({regions[c] for c in case.diagnoses if c in regions})
        return len(hit) >= 2, f"trauma regions {hit} ({len(hit)} distinct; 2 needed)"
    raise ValueError(f"unknown entry rule {rule!r}")


def _complications(model: PackModel, case: Case, tr: Trace) -> None:
    pdx = case.diagnoses[0]
    pt = model.principal_exclusions.get(pdx)
    tr.principal_exclusion_table = pt
    for pos, code in enumerate(case.diagnoses[1:], start=2):
        entry = model.complications.get(code)
        if entry is None:
            tr.complications.append(
                ComplicationCheck(pos, code, None, None, "not_listed", "not on the MCC/CC list")
            )
            continue
        sev, table = entry
        if pt is not None and table == pt:
            tr.complications.append(
                ComplicationCheck(
                    pos,
                    code,
                    sev,
                    table,
                    "excluded",
                    f"{sev} of exclusion table {table}, the principal diagnosis's table",
                )
            )
            continue
        tr.complications.append(
            ComplicationCheck(
                pos,
                code,
                sev,
                table,
                sev.lower(),
                f"{sev} of table {table}; principal table {pt if pt is not None else 'none'}",
            )
        )
        tr.has_mcc |= sev == "MCC"
        tr.has_cc |= sev == "CC"


def _translate(model: PackModel, case: Case, tr: Trace) -> Case | None:
    for name, codes, mapping, status in (
        ("diagnoses", case.diagnoses, model.dx_map, GroupStatus.DX_NOT_MAPPABLE),
        ("procedures", case.procedures, model.px_map, GroupStatus.PROC_NOT_MAPPABLE),
    ):
        missing = [c for c in codes if c not in mapping]
        if missing:
            tr.status = status.value
            tr.translation.append(f"{name} not in the code map: {missing}")
            return None
    dx = tuple(model.dx_map[c] for c in case.diagnoses)
    px = tuple(model.px_map[c] for c in case.procedures)
    tr.translation += [
        f"{a} -> {b}"
        for a, b in zip(case.diagnoses + case.procedures, dx + px, strict=True)
        if a != b
    ]
    return Case(
        case.case_id,
        case.sex,
        case.age_years,
        case.age_days,
        case.birth_weight_g,
        dx,
        px,
        case.length_of_stay,
        case.discharge_mode,
        case.input_errors,
    )


def explain_case(case: Case, scheme: str, translate_codes: bool = False) -> Trace:
    """Group one case under ``scheme`` (a pack id) and return the full trace."""
    model = pack_model(scheme)
    return explain_with(model, case, translate_codes)


def explain_with(model: PackModel, case: Case, translate_codes: bool = False) -> Trace:
    tr = Trace(model.pack_id, model.version, case.case_id)
    if translate_codes:
        mapped = _translate(model, case, tr)
        if mapped is None:
            return tr
        case = mapped
    tr.validation_errors = validate(case, model.newborn_max_age_days)
    if tr.validation_errors:
        tr.status = GroupStatus.INVALID_INPUT.value
        return tr
    _complications(model, case, tr)
    for m in model.mdcs:
        entered, why = _entry(m, model, case)
        step = MdcStep(m.mdc, m.entry_rule, entered, why)
        tr.mdc_steps.append(step)
        if not entered:
            continue
        rules = model.rules.get(m.mdc, [])
        for i, r in enumerate(rules):
            if _qy_due(m, i, len(rules)) and _qy(model, case, step):
                return _ambiguous(tr, m)
            rs = adrg_rule_step(r, model, case)
            step.rules.append(rs)
            if rs.held:
                return _finish(tr, model, m, r)
        if _qy_due(m, len(rules), len(rules)) and _qy(model, case, step):
            return _ambiguous(tr, m)
    tr.status = GroupStatus.UNGROUPABLE.value
    return tr


def _qy_due(m: Mdc, index: int, n_rules: int) -> bool:
    """QY is tested once, before rule ``index`` when ``index == qy_after_seq`` (0-based)."""
    if not m.qy_enabled or m.qy_after_seq is None:
        return False
    return index == min(m.qy_after_seq, n_rules)


def _qy(model: PackModel, case: Case, step: MdcStep) -> bool:
    hits = [c for c in case.procedures if c in model.or_codes]
    step.qy = f"any_or_procedure: {hits}" if hits else "any_or_procedure: none"
    return bool(hits)


def _ambiguous(tr: Trace, m: Mdc) -> Trace:
    tr.status, tr.mdc, tr.adrg, tr.drg = GroupStatus.AMBIGUOUS.value, m.mdc, "QY", m.mdc[-1] + "QY"
    return tr


def _finish(tr: Trace, model: PackModel, m: Mdc, r: Rule) -> Trace:
    for d in model.drgs[r.adrg]:
        held = (
            d.condition == "always"
            or (d.condition == "mcc" and tr.has_mcc)
            or (d.condition == "mcc_or_cc" and (tr.has_mcc or tr.has_cc))
        )
        tr.drg_steps.append(DrgStep(d.drg, d.condition, held))
        if held:
            tr.status, tr.mdc, tr.adrg, tr.drg, tr.drg_name = (
                "grouped",
                m.mdc,
                r.adrg,
                d.drg,
                d.name,
            )
            tr.rule_id = r.rule_id
            return tr
    raise ValueError(f"ADRG {r.adrg} has no DRG whose condition holds")
