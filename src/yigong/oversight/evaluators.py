"""One set-based Ibis evaluator per kind of screening rule.

Every evaluator takes the sources, its validated parameters and the period, and returns an
Ibis expression with the columns of `FLAG_COLUMNS` plus its own numeric columns (the *numbers*
that triggered the flag, listed in `Evaluator.numbers`). ``rows`` lists the keys of the rows
behind the flag as ``table:key``. Nothing here executes a query or knows the backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field

from yigong.oversight.periods import Period
from yigong.warehouse.protocol import Tables

__all__ = ["EVALUATORS", "Evaluator", "MissingData"]

FLAG_COLUMNS = ("entity_id", "institution_id", "value", "deviation", "rows")


class MissingData(LookupError):
    """A rule's input table is absent from the warehouse (the run reports it, never skips silently)."""


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _need(src: Tables, *names: str, hint: str = "") -> None:
    missing = [n for n in names if not src.has_table(n)]
    if missing:
        raise MissingData(f"needs table(s) {', '.join(missing)}" + (f": {hint}" if hint else ""))


def _in(col: ir.Value, p: Period) -> ir.BooleanValue:
    return col.between(ibis.date(p.start), ibis.date(p.end))


def _key(table: str, col: ir.Value) -> ir.StringValue:
    return ibis.literal(f"{table}:") + col.cast("string")


def _money(col: ir.Value) -> ir.FloatingValue:
    return col.cast("float64")


def _principal(d: ir.Table) -> ir.StringValue:
    return d.diagnosis_codes[0]


@dataclass(frozen=True)
class Evaluator:
    """A kind of rule: its parameter model, its expression and how its numbers read."""

    name: str
    params: type[Params]
    build: Callable[[Tables, Any, Period], ir.Table]
    numbers: tuple[str, ...]
    reason_en: str  # str.format over numbers and params
    reason_zh: str
    tables: tuple[str, ...]


# -- 分解住院 -------------------------------------------------------------------------------------
class SplitParams(Params):
    max_gap_days: int = Field(ge=0, le=90)
    diagnosis_chars: int = Field(ge=1, le=8)
    same_institution: bool = True


def split_admission(src: Tables, p: SplitParams, period: Period) -> ir.Table:
    _need(src, "discharges")
    d = src.table("discharges")
    d = d.mutate(dx=_principal(d).substr(0, p.diagnosis_chars))
    a = d.select(
        a_id=d.discharge_id,
        a_patient=d.patient_key,
        a_inst=d.institution_id,
        a_dx=d.dx,
        a_out=d.discharge_date,
        a_mode=d.discharge_mode,
    )
    b = d.filter(_in(d.discharge_date, period))
    cond = [
        a.a_patient == b.patient_key,
        a.a_dx == b.dx,
        a.a_id != b.discharge_id,
        b.admission_date >= a.a_out,
        a.a_mode != "5",
    ]
    if p.same_institution:
        cond.append(a.a_inst == b.institution_id)
    j = b.join(a, cond)
    j = j.mutate(gap=j.admission_date.delta(j.a_out, unit="day"))
    j = j.filter(j.gap <= p.max_gap_days)
    g = j.group_by([j.discharge_id, j.institution_id, j.total_cost]).aggregate(
        gap_days=j.gap.min(), prior=j.a_id.argmin(j.gap)
    )
    return g.select(
        entity_id=g.discharge_id,
        institution_id=g.institution_id,
        value=_money(g.total_cost),
        deviation=(p.max_gap_days + 1) / (g.gap_days + 1).cast("float64"),
        rows=ibis.array([_key("discharges", g.prior), _key("discharges", g.discharge_id)]),
        gap_days=g.gap_days,
        total_cost=_money(g.total_cost),
    )


# -- 低标入院 -------------------------------------------------------------------------------------
class LowThresholdParams(Params):
    max_los: int = Field(ge=0)
    max_total_cost: float = Field(gt=0)
    admission_routes: list[str] = Field(min_length=1)
    discharge_modes: list[str] = Field(min_length=1)
    without_procedures: bool = True


def low_threshold_admission(src: Tables, p: LowThresholdParams, period: Period) -> ir.Table:
    _need(src, "discharges")
    d = src.table("discharges")
    d = d.filter(
        _in(d.discharge_date, period),
        d.length_of_stay <= p.max_los,
        d.total_cost <= p.max_total_cost,
        d.admission_route.isin(p.admission_routes),
        d.discharge_mode.isin(p.discharge_modes),
    )
    if p.without_procedures:
        d = d.filter(d.procedure_codes.isnull() | (d.procedure_codes.length() == 0))
    return d.select(
        entity_id=d.discharge_id,
        institution_id=d.institution_id,
        value=_money(d.total_cost),
        deviation=p.max_total_cost / (_money(d.total_cost) + 1.0),
        rows=ibis.array([_key("discharges", d.discharge_id)]),
        length_of_stay=d.length_of_stay,
        total_cost=_money(d.total_cost),
    )


# -- group outliers (overlong stays, high cost) ---------------------------------------------------
class GroupParams(Params):
    group_by: str = Field(pattern="^(drg|diagnosis3)$")
    scheme: str = ""
    multiple_of_median: float = Field(gt=1)
    min_group_cases: int = Field(ge=2)


def _grouped(src: Tables, p: GroupParams, period: Period) -> ir.Table:
    _need(src, "discharges")
    d = src.table("discharges")
    d = d.filter(_in(d.discharge_date, period))
    if p.group_by == "drg":
        _need(src, "drg_results", hint="run `yigong drg group --warehouse … --scheme …` first")
        r = src.table("drg_results")
        r = r.filter((r.scheme == p.scheme) & r.drg.notnull()).select("discharge_id", group=r.drg)
        return d.join(r, "discharge_id")
    return d.mutate(group=_principal(d).substr(0, 3))


def _outlier(src: Tables, p: GroupParams, period: Period, measure: str) -> ir.Table:
    d = _grouped(src, p, period)
    d = d.mutate(x=d[measure].cast("float64"))
    stats = d.group_by("group").aggregate(group_median=d.x.median(), group_cases=d.count())
    stats = stats.filter(stats.group_cases >= p.min_group_cases)
    j = d.join(stats, "group")
    j = j.mutate(threshold=j.group_median * p.multiple_of_median)
    j = j.filter(j.x > j.threshold)
    return j.select(
        entity_id=j.discharge_id,
        institution_id=j.institution_id,
        value=_money(j.total_cost),
        deviation=j.x / j.group_median,
        rows=ibis.array([_key("discharges", j.discharge_id)]),
        group=j.group,
        observed=j.x,
        group_median=j.group_median,
        threshold=j.threshold,
        group_cases=j.group_cases,
    )


def overlong_stay(src: Tables, p: GroupParams, period: Period) -> ir.Table:
    return _outlier(src, p, period, "length_of_stay")


def high_cost_outlier(src: Tables, p: GroupParams, period: Period) -> ir.Table:
    return _outlier(src, p, period, "total_cost")


# -- 高套编码 (upcoding signs) --------------------------------------------------------------------
class UpcodingParams(Params):
    scheme: str = Field(min_length=1)
    min_cases: int = Field(ge=1)
    min_rate_jump: float = Field(gt=0, lt=1)
    min_above_peers: float = Field(ge=0, lt=1)


def _this_and_last_year(
    per_institution: Callable[[Period], ir.Table], period: Period, min_cases: int
) -> tuple[ir.Table, ir.Table]:
    """A per-institution measure over ``period`` and over the same span a year before, each
    kept only where the institution had at least ``min_cases`` cases."""
    now, before = per_institution(period), per_institution(period.previous_year())
    return now.filter(now.cases >= min_cases), before.filter(before.cases >= min_cases)


def _cc_rates(d: ir.Table, r: ir.Table, period: Period) -> ir.Table:
    x = d.filter(_in(d.discharge_date, period)).join(r, "discharge_id")
    x = x.mutate(cc=(x.has_cc | x.has_mcc).cast("int64"))
    return x.group_by("institution_id").aggregate(
        cases=x.count(), cc_cases=x.cc.sum(), rate=x.cc.mean()
    )


def upcoding(src: Tables, p: UpcodingParams, period: Period) -> ir.Table:
    _need(src, "discharges", "drg_results", hint="run `yigong drg group --warehouse …` first")
    d = src.table("discharges")
    r = src.table("drg_results")
    r = r.filter(r.scheme == p.scheme).select("discharge_id", "has_cc", "has_mcc")
    now, before = _this_and_last_year(lambda span: _cc_rates(d, r, span), period, p.min_cases)
    before = before.select("institution_id", prior_rate=before.rate, prior_cases=before.cases)
    peers = now.aggregate(peer_median=now.rate.median())
    j = now.join(before, "institution_id").cross_join(peers)
    j = j.mutate(rate_jump=j.rate - j.prior_rate, above_peers=j.rate - j.peer_median)
    j = j.filter((j.rate_jump >= p.min_rate_jump) & (j.above_peers >= p.min_above_peers))
    return j.select(
        entity_id=j.institution_id,
        institution_id=j.institution_id,
        value=ibis.literal(0.0),
        deviation=j.rate_jump / p.min_rate_jump,
        rows=ibis.array([_key("institutions", j.institution_id)]),
        cc_rate=j.rate,
        prior_rate=j.prior_rate,
        rate_jump=j.rate_jump,
        peer_median=j.peer_median,
        cases=j.cases,
        cc_cases=j.cc_cases,
    )


class CmiParams(Params):
    scheme: str = Field(min_length=1)
    min_cases: int = Field(ge=1)
    min_cmi_jump: float = Field(gt=0)  # relative rise against the same span a year before
    min_above_peers: float = Field(ge=0)  # relative to the median CMI of same-level peers


def _cmi(d: ir.Table, f: ir.Table, period: Period) -> ir.Table:
    x = (
        d.filter(_in(d.discharge_date, period))
        .select("discharge_id", "institution_id")
        .join(f, "discharge_id")
    )
    return x.group_by("institution_id").aggregate(cases=x.count(), cmi=x.weight.mean())


def cmi_jump(src: Tables, p: CmiParams, period: Period) -> ir.Table:
    _need(
        src,
        "discharges",
        "drg_case_facts",
        hint="run `yigong drg metrics`/the case-facts step (drg_case_facts) first",
    )
    d = src.table("discharges")
    f = src.table("drg_case_facts")
    f = f.filter((f.scheme == p.scheme) & f.weighted).select(
        "discharge_id", weight=f.weight.cast("float64")
    )
    now, before = _this_and_last_year(lambda span: _cmi(d, f, span), period, p.min_cases)
    before = before.select("institution_id", prior_cmi=before.cmi, prior_cases=before.cases)
    if src.has_table("institutions"):
        inst = src.table("institutions").select("institution_id", peer_level="level")
        now = now.left_join(inst, "institution_id").select(now, "peer_level")
    else:
        now = now.mutate(peer_level=ibis.literal("all"))
    now = now.mutate(peer_level=now.peer_level.fill_null("unknown"))
    peers = now.group_by("peer_level").aggregate(peer_median=now.cmi.median(), peers=now.count())
    j = now.join(before, "institution_id").join(peers, "peer_level")
    j = j.mutate(cmi_change=j.cmi / j.prior_cmi - 1, above_peers=j.cmi / j.peer_median - 1)
    j = j.filter((j.cmi_change >= p.min_cmi_jump) & (j.above_peers >= p.min_above_peers))
    return j.select(
        entity_id=j.institution_id,
        institution_id=j.institution_id,
        value=ibis.literal(0.0),
        deviation=j.cmi_change / p.min_cmi_jump,
        rows=ibis.array([_key("institutions", j.institution_id)]),
        cmi=j.cmi,
        prior_cmi=j.prior_cmi,
        cmi_change=j.cmi_change,
        peer_median=j.peer_median,
        peers=j.peers,
        cases=j.cases,
    )


# -- services after death / after discharge ------------------------------------------------------
class AfterDeathParams(Params):
    grace_days: int = Field(ge=0, le=30)


def _events(src: Tables) -> ir.Table:
    parts = []
    if src.has_table("outpatient_visits"):
        v = src.table("outpatient_visits")
        parts.append(
            v.select(
                table=ibis.literal("outpatient_visits"),
                event_id=v.visit_id,
                patient=v.patient_key,
                day=v.visit_date,
                inst=v.institution_id,
                cost=_money(v.total_cost),
            )
        )
    if src.has_table("examinations"):
        e = src.table("examinations")
        parts.append(
            e.select(
                table=ibis.literal("examinations"),
                event_id=e.exam_id,
                patient=e.patient_key,
                day=e.exam_date,
                inst=e.performing_institution_id,
                cost=_money(e.cost),
            )
        )
    d = src.table("discharges")
    parts.append(
        d.select(
            table=ibis.literal("discharges"),
            event_id=d.discharge_id,
            patient=d.patient_key,
            day=d.admission_date,
            inst=d.institution_id,
            cost=_money(d.total_cost),
        )
    )
    if src.has_table("settlements"):
        s = src.table("settlements")
        s = s.filter(s.discharge_id.isnull() & s.admission_date.notnull())  # not a front page's
        parts.append(
            s.select(
                table=ibis.literal("settlements"),
                event_id=s.settlement_id,
                patient=s.person_key,
                day=s.admission_date,
                inst=s.provider_code,
                cost=_money(s.total_cost),
            )
        )
    return ibis.union(*parts)


def service_after_death(src: Tables, p: AfterDeathParams, period: Period) -> ir.Table:
    _need(src, "discharges")
    d = src.table("discharges")
    deaths = (
        d.filter(d.discharge_mode == "5")
        .group_by(patient=d.patient_key)
        .aggregate(
            death_date=d.discharge_date.min(), death_case=d.discharge_id.argmin(d.discharge_date)
        )
    )
    ev = _events(src)
    ev = ev.filter(_in(ev.day, period))
    j = ev.join(deaths, "patient")
    j = j.mutate(days_after=j.day.delta(j.death_date, unit="day"))
    j = j.filter(j.days_after > p.grace_days)
    return j.select(
        entity_id=j.event_id,
        institution_id=j.inst,
        value=j.cost,
        deviation=j.days_after.cast("float64"),
        rows=ibis.array([_key("discharges", j.death_case), j.table + ":" + j.event_id]),
        days_after_death=j.days_after,
        cost=j.cost,
    )


class AfterDischargeParams(Params):
    grace_days: int = Field(ge=0, le=30)


def service_after_discharge(src: Tables, p: AfterDischargeParams, period: Period) -> ir.Table:
    _need(src, "discharges", "discharge_procedures")
    d = src.table("discharges").filter(lambda t: _in(t.discharge_date, period))
    pr = src.table("discharge_procedures")
    j = pr.join(d, "discharge_id")
    j = j.mutate(days_after=j.procedure_date.delta(j.discharge_date, unit="day"))
    j = j.filter(j.days_after > p.grace_days)
    g = j.group_by(["discharge_id", "institution_id", "total_cost"]).aggregate(
        days_after_discharge=j.days_after.max(),
        procedures=j.count(),
        first_seq=j.seq.argmax(j.days_after),
    )
    return g.select(
        entity_id=g.discharge_id,
        institution_id=g.institution_id,
        value=_money(g.total_cost),
        deviation=g.days_after_discharge.cast("float64"),
        rows=ibis.array(
            [
                _key("discharges", g.discharge_id),
                "discharge_procedures:" + g.discharge_id + "#" + g.first_seq.cast("string"),
            ]
        ),
        days_after_discharge=g.days_after_discharge,
        procedures=g.procedures,
    )


# -- 重复收费 (duplicate billing of the same settlement) ------------------------------------------
class DuplicateParams(Params):
    min_copies: int = Field(ge=2)


def duplicate_billing(src: Tables, p: DuplicateParams, period: Period) -> ir.Table:
    _need(src, "settlements")
    s = src.table("settlements")
    s = s.filter(_in(s.settle_date, period))
    keys = [
        "person_key",
        "provider_code",
        "care_type",
        "admission_date",
        "discharge_date",
        "total_cost",
    ]
    g = s.group_by(keys).aggregate(
        copies=s.count(),
        first=s.settlement_id.min(),
        ids=s.settlement_id.collect(),
        fund=_money(s.fund_paid).sum(),
    )
    g = g.filter(g.copies >= p.min_copies)
    return g.select(
        entity_id=g.first,
        institution_id=g.provider_code,
        value=_money(g.total_cost) * (g.copies - 1).cast("float64"),
        deviation=g.copies.cast("float64"),
        rows=g.ids.map(lambda x: "settlements:" + x).sort(),
        copies=g.copies,
        total_cost=_money(g.total_cost),
        fund_paid_total=g.fund,
    )


# -- 小病大治 (minor illness above its catalog level) ---------------------------------------------
class LevelParams(Params):
    catalog_levels: list[str] = Field(min_length=1)
    max_los: int = Field(ge=0)
    exclude_routes: list[str] = Field(default_factory=list)
    max_secondary_diagnoses: int = Field(ge=0)


def minor_illness_above_level(src: Tables, p: LevelParams, period: Period) -> ir.Table:
    _need(
        src,
        "discharges",
        "level_check",
        hint="the service derives it from the three-level disease catalog",
    )
    d = src.table("discharges").filter(lambda t: _in(t.discharge_date, period))
    lc = src.table("level_check")
    lc = lc.filter(
        (lc.setting == "inpatient")
        & (lc.verdict == "above")
        & lc.catalog_level.isin(p.catalog_levels)
    )
    j = d.join(
        lc.select(
            discharge_id=lc.encounter_id,
            treated=lc.treated_level,
            catalog=lc.catalog_level,
            matched=lc.matched,
        ),
        "discharge_id",
    )
    j = j.mutate(n_secondary=(j.diagnosis_codes.length() - 1))
    j = j.filter((j.length_of_stay <= p.max_los) & (j.n_secondary <= p.max_secondary_diagnoses))
    if p.exclude_routes:
        j = j.filter(~j.admission_route.isin(p.exclude_routes))
    return j.select(
        entity_id=j.discharge_id,
        institution_id=j.institution_id,
        value=_money(j.total_cost),
        deviation=ibis.literal(1.0),
        rows=ibis.array([_key("discharges", j.discharge_id)]),
        length_of_stay=j.length_of_stay,
        n_secondary=j.n_secondary,
        total_cost=_money(j.total_cost),
    )


# -- 重复检查 (exam repeated inside the recognition window) ---------------------------------------
class RepeatParams(Params):
    window_days: dict[str, int] = Field(min_length=1)  # exam_type -> recognition window
    min_gap_days: int = Field(ge=0)


def exam_repeat(src: Tables, p: RepeatParams, period: Period) -> ir.Table:
    _need(src, "examinations")
    e = src.table("examinations")
    windows = ibis.memtable(
        {"exam_type": list(p.window_days), "window": [int(v) for v in p.window_days.values()]}
    )
    a = e.select(a_id=e.exam_id, a_patient=e.patient_key, a_item=e.exam_item, a_day=e.exam_date)
    b = e.filter(_in(e.exam_date, period) & e.recognised_exam_id.isnull()).join(
        windows, "exam_type"
    )
    j = b.join(
        a,
        [
            a.a_patient == b.patient_key,
            a.a_item == b.exam_item,
            a.a_id != b.exam_id,
            a.a_day <= b.exam_date,
        ],
    )
    j = j.mutate(gap=j.exam_date.delta(j.a_day, unit="day"))
    j = j.filter((j.gap >= p.min_gap_days) & (j.gap <= j.window))
    g = j.group_by(["exam_id", "performing_institution_id", "cost", "window"]).aggregate(
        gap_days=j.gap.min(), prior=j.a_id.argmin(j.gap)
    )
    return g.select(
        entity_id=g.exam_id,
        institution_id=g.performing_institution_id,
        value=_money(g.cost),
        deviation=(g.window + 1) / (g.gap_days + 1).cast("float64"),
        rows=ibis.array([_key("examinations", g.prior), _key("examinations", g.exam_id)]),
        gap_days=g.gap_days,
        window_days=g.window,
        cost=_money(g.cost),
    )


def _ev(
    name: str,
    params: type[Params],
    build: Callable[..., ir.Table],
    numbers: tuple[str, ...],
    en: str,
    zh: str,
    tables: tuple[str, ...],
) -> tuple[str, Evaluator]:
    return name, Evaluator(name, params, build, numbers, en, zh, tables)


EVALUATORS: dict[str, Evaluator] = dict(
    [
        _ev(
            "split_admission",
            SplitParams,
            split_admission,
            ("gap_days", "total_cost"),
            "readmitted {gap_days} d after a discharge with the same principal diagnosis "
            "(≤ {max_gap_days} d)",
            "同一诊断出院后 {gap_days} 天再入院（≤ {max_gap_days} 天）",
            ("discharges",),
        ),
        _ev(
            "low_threshold_admission",
            LowThresholdParams,
            low_threshold_admission,
            ("length_of_stay", "total_cost"),
            "stay of {length_of_stay} d costing {total_cost:,.2f} yuan without procedures "
            "(≤ {max_los} d, ≤ {max_total_cost:,.2f} yuan): fits outpatient care",
            "住院 {length_of_stay} 天、费用 {total_cost:,.2f} 元、无手术操作，符合门诊治疗特征",
            ("discharges",),
        ),
        _ev(
            "overlong_stay",
            GroupParams,
            overlong_stay,
            ("observed", "group_median", "threshold", "group_cases"),
            "stay of {observed:.0f} d > {multiple_of_median} × median {group_median:.1f} d of group "
            "{group} ({group_cases} cases)",
            "住院 {observed:.0f} 天，超过本组（{group}，{group_cases} 例）中位数 {group_median:.1f} 天的 "
            "{multiple_of_median} 倍",
            ("discharges", "drg_results"),
        ),
        _ev(
            "high_cost_outlier",
            GroupParams,
            high_cost_outlier,
            ("observed", "group_median", "threshold", "group_cases"),
            "cost {observed:,.2f} yuan > {multiple_of_median} × median {group_median:,.2f} of group "
            "{group} ({group_cases} cases)",
            "费用 {observed:,.2f} 元，超过本组（{group}，{group_cases} 例）中位数 {group_median:,.2f} 元的 "
            "{multiple_of_median} 倍",
            ("discharges", "drg_results"),
        ),
        _ev(
            "upcoding",
            UpcodingParams,
            upcoding,
            ("cc_rate", "prior_rate", "rate_jump", "peer_median", "cases", "cc_cases"),
            "CC/MCC rate {cc_rate:.1%} ({cc_cases} of {cases} cases), up {rate_jump:.1%} from "
            "{prior_rate:.1%} a year before (≥ {min_rate_jump:.0%}); peers' median {peer_median:.1%}",
            "并发症/合并症（CC/MCC）比例 {cc_rate:.1%}（{cases} 例中 {cc_cases} 例），较上年 {prior_rate:.1%} "
            "上升 {rate_jump:.1%}；同级机构中位数 {peer_median:.1%}",
            ("discharges", "drg_results"),
        ),
        _ev(
            "cmi_jump",
            CmiParams,
            cmi_jump,
            ("cmi", "prior_cmi", "cmi_change", "peer_median", "peers", "cases"),
            "CMI {cmi:.3f} over {cases} cases, {cmi_change:+.1%} on {prior_cmi:.3f} a year before "
            "(≥ {min_cmi_jump:.0%}); median of {peers} same-level peers {peer_median:.3f}",
            "病例组合指数（CMI）{cmi:.3f}（{cases} 例），较上年 {prior_cmi:.3f} 变化 {cmi_change:+.1%}；"
            "同级 {peers} 家机构中位数 {peer_median:.3f}",
            ("discharges", "drg_case_facts", "institutions"),
        ),
        _ev(
            "service_after_death",
            AfterDeathParams,
            service_after_death,
            ("days_after_death", "cost"),
            "service dated {days_after_death} d after the patient died in hospital, {cost:,.2f} yuan",
            "患者院内死亡 {days_after_death} 天后仍有服务记录，费用 {cost:,.2f} 元",
            ("discharges", "outpatient_visits", "examinations", "settlements"),
        ),
        _ev(
            "service_after_discharge",
            AfterDischargeParams,
            service_after_discharge,
            ("days_after_discharge", "procedures"),
            "{procedures} procedure(s) dated up to {days_after_discharge} d after discharge",
            "{procedures} 项手术操作日期晚于出院日期，最多 {days_after_discharge} 天",
            ("discharges", "discharge_procedures"),
        ),
        _ev(
            "duplicate_billing",
            DuplicateParams,
            duplicate_billing,
            ("copies", "total_cost", "fund_paid_total"),
            "{copies} settlements with the same person, provider, dates and total {total_cost:,.2f} yuan",
            "同一参保人、机构、日期与金额（{total_cost:,.2f} 元）的结算 {copies} 笔",
            ("settlements",),
        ),
        _ev(
            "minor_illness_above_level",
            LevelParams,
            minor_illness_above_level,
            ("length_of_stay", "n_secondary", "total_cost"),
            "diagnosis catalogued for a lower level, treated in hospital here for {length_of_stay} d "
            "with {n_secondary} comorbidities, {total_cost:,.2f} yuan",
            "病种目录规定在下级机构诊治，在本机构住院 {length_of_stay} 天，合并症 {n_secondary} 个，"
            "费用 {total_cost:,.2f} 元",
            ("discharges", "level_check"),
        ),
        _ev(
            "exam_repeat",
            RepeatParams,
            exam_repeat,
            ("gap_days", "window_days", "cost"),
            "same examination repeated after {gap_days} d inside the {window_days}-d recognition "
            "window, not recognised",
            "互认期 {window_days} 天内 {gap_days} 天后重复同一检查，未互认",
            ("examinations",),
        ),
    ]
)

# the item-level rules (费用明细) live in their own module and join the same registry
from yigong.oversight.item_evaluators import ITEM_EVALUATORS  # noqa: E402

EVALUATORS.update(ITEM_EVALUATORS)
