"""``yigong referral``: graded care — referrals, shared centres, recognition, family doctors.

Every command is a thin shell over one function of ``yigong.services.referral``,
``yigong.services.centres`` or ``yigong.services.contracts``; the store is ``--store`` (a SQLite
file path or an SQLAlchemy URL), else ``$YIGONG_STORE_URL``, else ``./yigong-workflow.sqlite``.
A refused action prints ``refused (<code>): <reason>`` and exits 2; the store is unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import numpy as np
import typer

from yigong.graded_care.errors import DefinitionError, WorkflowError
from yigong.graded_care.referrals.records import Actor
from yigong.services import centres as centre_svc
from yigong.services import contracts as contract_svc
from yigong.services import referral as svc
from yigong.store import Store, open_store

app = typer.Typer(
    help="Graded care: two-way referral (双向转诊), disease catalogs, shared "
    "centres and mutual recognition, family-doctor contracts.",
    no_args_is_help=True,
)
centre_app = typer.Typer(
    help="Shared centres (共享中心) and mutual recognition (结果互认).", no_args_is_help=True
)
contract_app = typer.Typer(help="Family-doctor contracts (家庭医生签约).", no_args_is_help=True)
catalog_app = typer.Typer(
    help="Three-level disease catalogs (县乡村三级疾病诊疗目录).", no_args_is_help=True
)
app.add_typer(centre_app, name="centre")
app.add_typer(contract_app, name="contract")
app.add_typer(catalog_app, name="catalog")

T = TypeVar("T")
Limit = Annotated[int, typer.Option(min=1, help="At most this many rows.")]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", "-s", help="SQLite path or SQLAlchemy URL (default: $YIGONG_STORE_URL)."
    ),
]
UserOpt = Annotated[str, typer.Option("--user", "-u", help="Acting user id.")]
InstOpt = Annotated[str, typer.Option("--institution", "-i", help="Acting institution id.")]
ReasonOpt = Annotated[str | None, typer.Option("--reason", "-r", help="Why (kept in the audit).")]
AtOpt = Annotated[str | None, typer.Option("--at", help="ISO time (UTC); default now.")]


def _run(action: Callable[[Store], T], store: str | None) -> T:
    """Open the store, run one service call, turn refusals into a message and exit code 2."""
    st = open_store(store)
    try:
        return action(st)
    except WorkflowError as exc:
        typer.echo(f"refused ({exc.code}): {exc}", err=True)
        raise typer.Exit(2) from exc
    except DefinitionError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    finally:
        st.dispose()


def _out(value: Any) -> None:
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _at(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO time such as 2025-03-01T08:30") from None


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else date.today()
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO date such as 2025-03-01") from None


# --- institutions and referrals ---


@app.command("institution")
def institution_cmd(
    institution_id: str,
    kind: Annotated[str, typer.Option("--type", help="Institution type, e.g. township_centre.")],
    county: Annotated[str, typer.Option(help="County code (6 digits).")],
    community: Annotated[str | None, typer.Option(help="Medical community id.")] = None,
    lead: Annotated[bool, typer.Option("--lead", help="Lead hospital of its community.")] = False,
    name: str = "",
    store: StoreOpt = None,
) -> None:
    """Register (or update) an institution in the workflow directory."""
    _out(
        _run(
            lambda st: svc.register_institution(
                st, institution_id, kind, county, community_id=community, is_lead=lead, name=name
            ),
            store,
        )
    )


@app.command()
def request(
    patient: Annotated[str, typer.Option(help="Patient key.")],
    to: Annotated[str, typer.Option(help="Receiving institution id.")],
    direction: Annotated[str, typer.Option(help="upward (上转) or downward (下转).")],
    dx: Annotated[str, typer.Option(help="ICD-10 diagnosis.")],
    reason: Annotated[str, typer.Option(help="Why the referral is needed.")],
    user: UserOpt,
    institution: InstOpt,
    setting: Annotated[
        str, typer.Option(help="inpatient (住院) or outpatient (门诊).")
    ] = "inpatient",
    at: AtOpt = None,
    store: StoreOpt = None,
) -> None:
    """申请: request a referral from the acting institution."""
    _out(
        _run(
            lambda st: svc.request_referral(
                st,
                Actor(user, institution),
                patient_key=patient,
                receiving_institution=to,
                direction=direction,
                diagnosis_icd10=dx,
                reason=reason,
                setting=setting,
                at=_at(at),
            ),
            store,
        )
    )


@app.command()
def review(
    referral_id: str,
    user: UserOpt,
    institution: InstOpt,
    approve: Annotated[bool, typer.Option("--approve/--reject", help="审核通过 / 不通过.")] = True,
    reason: ReasonOpt = None,
    at: AtOpt = None,
    store: StoreOpt = None,
) -> None:
    """审核: approve or reject (with --reason) a requested referral."""
    actor = Actor(user, institution)
    if approve:
        _out(
            _run(
                lambda st: svc.approve_referral(st, referral_id, actor, reason=reason, at=_at(at)),
                store,
            )
        )
    else:
        _out(
            _run(
                lambda st: svc.reject_referral(
                    st, referral_id, actor, reason=reason or "", at=_at(at)
                ),
                store,
            )
        )


def _step(name: str, fn: Callable[..., Any], doc: str, reason_required: bool) -> None:
    def command(
        referral_id: str,
        user: UserOpt,
        institution: InstOpt,
        reason: ReasonOpt = None,
        at: AtOpt = None,
        store: StoreOpt = None,
    ) -> None:
        kwargs: dict[str, Any] = {
            "reason": reason or ("" if reason_required else None),
            "at": _at(at),
        }
        _out(_run(lambda st: fn(st, referral_id, Actor(user, institution), **kwargs), store))

    command.__doc__ = doc
    app.command(name)(command)


_step("accept", svc.accept_referral, "应答·接收: the receiving institution accepts.", False)
_step(
    "decline",
    svc.decline_referral,
    "应答·拒收: the receiving institution declines (--reason).",
    True,
)
_step("arrive", svc.record_arrival, "到诊: the patient arrived.", False)
_step("return", svc.return_records, "回传: records returned to the referring side.", False)
_step("follow-up", svc.record_follow_up, "随访: follow-up by the primary-care side.", False)
_step("cancel", svc.cancel_referral, "撤销: the requester withdraws (--reason).", True)
_step("no-show", svc.record_no_show, "未到诊: the accepted patient never came (--reason).", True)


@app.command()
def show(
    referral_id: str,
    fhir: Annotated[bool, typer.Option(help="FHIR Bundle (ServiceRequest + Task).")] = False,
    store: StoreOpt = None,
) -> None:
    """A referral with its audit trail (or as FHIR-shaped JSON)."""
    if fhir:
        _out(_run(lambda st: svc.referral_fhir(st, referral_id), store))
    else:
        _out(_run(lambda st: svc.get_referral(st, referral_id), store))


@app.command("list")
def list_cmd(
    status: str | None = None,
    institution: str | None = None,
    patient: str | None = None,
    limit: Limit = 50,
    store: StoreOpt = None,
) -> None:
    """Referrals, newest first."""
    rows = _run(
        lambda st: svc.list_referrals(
            st, status=status, institution_id=institution, patient_key=patient, limit=limit
        ),
        store,
    )
    _out([{k: v for k, v in r.to_dict().items() if k != "events"} for r in rows])


@app.command()
def export(
    out: Annotated[str, typer.Option("--out", "-o", help="Directory for Parquet files.")],
    canonical: Annotated[
        bool,
        typer.Option(
            help="Canonical tables (referrals, "
            "family_doctor_contracts, examinations) "
            "instead of the wf_* feed."
        ),
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Write the warehouse feed (wf_* tables) or the canonical tables as Parquet."""
    if canonical:
        _out(_run(lambda st: svc.export_canonical(st, out), store))
    else:
        _out(_run(lambda st: svc.export_feed(st, out), store))


@app.command()
def summary(
    year: Annotated[int | None, typer.Option(help="Calendar year (default: all).")] = None,
    store: StoreOpt = None,
) -> None:
    """Headline graded-care figures, each with numerator and denominator."""
    _out(_run(lambda st: svc.graded_care_summary(st, year), store))


@app.command()
def synth(
    residents: Annotated[
        int, typer.Option(min=1, max=2_000_000, help="Residents of the county (at most 2 million).")
    ] = 20000,
    years: Annotated[str, typer.Option(help="e.g. 2024,2025")] = "2025",
    seed: int = 42,
    county: str = "410122",
    store: StoreOpt = None,
) -> None:
    """Generate synthetic graded-care activity for a small stand-alone county into the store."""

    from yigong.synth.graded_care import demo_county, generate_graded_care  # lazy: start-up

    rng = np.random.default_rng(seed)
    insts, people = demo_county(residents, rng, county)
    year_list = [int(y) for y in years.split(",") if y.strip()]
    _out(
        _run(
            lambda st: generate_graded_care(
                st, insts, people, year_list, rng, county_code=county
            ).as_dict(),
            store,
        )
    )


# --- disease catalogs ---


@catalog_app.command("validate")
def catalog_validate(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Catalog files (default: shipped).")
    ] = None,
) -> None:
    """Validate catalog files; print every issue with file:line [field]. Exit 1 when a catalog
    has errors, 2 when a path names no catalog file or pack."""
    issues = svc.validate_catalogs(paths or [])
    for issue in issues:
        typer.echo(str(issue), err=True)
    if any(i.code == "pack.unknown" for i in issues):  # the input itself is wrong: usage
        raise typer.Exit(2)
    if any(i.is_error for i in issues):
        raise typer.Exit(1)
    typer.echo("ok")


@catalog_app.command("check")
def catalog_check(
    dx: str,
    level: Annotated[str, typer.Option(help="village|township|county|beyond_county")],
    setting: str = "outpatient",
    county: str | None = None,
) -> None:
    """Was a diagnosis treated at its catalog level? (above / below / at level)"""
    try:
        result = svc.check_level(dx, level, setting, county)
    except WorkflowError as exc:
        typer.echo(f"refused ({exc.code}): {exc}", err=True)
        raise typer.Exit(2) from exc
    _out(
        {
            "verdict": result.verdict.value,
            "verdict_zh": result.verdict.name_zh,
            "catalog_level": result.catalog_level.key if result.catalog_level else None,
            "treated_level": result.treated_level.key,
            "explanation": result.explanation,
        }
    )


# --- shared centres ---


@centre_app.command("order")
def centre_order(
    patient: str,
    service: str,
    centre: Annotated[str, typer.Option(help="Centre institution id.")],
    user: UserOpt,
    institution: InstOpt,
    at: AtOpt = None,
    store: StoreOpt = None,
) -> None:
    """Order a centre service; flags a repeat inside its recognition window."""
    _out(
        _run(
            lambda st: centre_svc.order_centre_service(
                st,
                Actor(user, institution),
                patient_key=patient,
                service_code=service,
                centre_institution=centre,
                at=_at(at),
            ),
            store,
        )
    )


@centre_app.command("report")
def centre_report(
    request_id: str,
    text: Annotated[str, typer.Option(help="Report text.")],
    user: UserOpt,
    institution: InstOpt,
    at: AtOpt = None,
    store: StoreOpt = None,
) -> None:
    """The centre reports back."""
    _out(
        _run(
            lambda st: centre_svc.report_centre_request(
                st, request_id, Actor(user, institution), report_text=text, at=_at(at)
            ),
            store,
        )
    )


@centre_app.command("cancel")
def centre_cancel(
    request_id: str,
    reason: Annotated[str, typer.Option()],
    user: UserOpt,
    institution: InstOpt,
    at: AtOpt = None,
    store: StoreOpt = None,
) -> None:
    """The requester withdraws an unreported request."""
    _out(
        _run(
            lambda st: centre_svc.cancel_centre_request(
                st, request_id, Actor(user, institution), reason=reason, at=_at(at)
            ),
            store,
        )
    )


@centre_app.command("recognise")
def centre_recognise(
    recognition_id: str,
    user: UserOpt,
    institution: InstOpt,
    recognised: Annotated[
        bool, typer.Option("--recognised/--repeat", help="互认 or repeat.")
    ] = True,
    reason: ReasonOpt = None,
    at: AtOpt = None,
    store: StoreOpt = None,
) -> None:
    """Decide a flagged repeat: recognise the earlier result, or repeat (needs --reason)."""
    _out(
        _run(
            lambda st: centre_svc.decide_recognition(
                st,
                recognition_id,
                Actor(user, institution),
                recognised=recognised,
                reason=reason,
                at=_at(at),
            ),
            store,
        )
    )


@centre_app.command("list")
def centre_list(
    status: str | None = None,
    institution: str | None = None,
    patient: str | None = None,
    limit: Limit = 50,
    store: StoreOpt = None,
) -> None:
    """Centre requests, newest first."""
    _out(
        [
            r.to_dict()
            for r in _run(
                lambda st: centre_svc.list_centre_requests(
                    st, status=status, institution_id=institution, patient_key=patient, limit=limit
                ),
                store,
            )
        ]
    )


@centre_app.command("show")
def centre_show(request_id: str, store: StoreOpt = None) -> None:
    """One centre request with its turnaround."""
    _out(_run(lambda st: centre_svc.get_centre_request(st, request_id), store))


@centre_app.command("recognitions")
def centre_recognitions(
    status: str | None = None, limit: Limit = 50, store: StoreOpt = None
) -> None:
    """Flagged repeats (pending, recognised, not_recognised), newest first."""
    _out(
        [
            r.to_dict()
            for r in _run(
                lambda st: centre_svc.list_recognitions(st, status=status, limit=limit), store
            )
        ]
    )


@centre_app.command("turnaround")
def centre_turnaround(store: StoreOpt = None) -> None:
    """Turnaround per centre type: median, 90th percentile, share within target."""
    _out(_run(centre_svc.turnaround_summary, store))


@centre_app.command("summary")
def centre_summary(store: StoreOpt = None) -> None:
    """Recognition rate (numerator/denominator) and avoided-duplicate savings."""
    s = _run(centre_svc.recognition_summary, store)
    _out(
        {
            "flagged": s.flagged,
            "pending": s.pending,
            "recognised": s.recognised,
            "not_recognised": s.not_recognised,
            "rate": None if s.rate is None else str(s.rate),
            "savings": str(s.savings),
            "explain": s.explain(),
        }
    )


# --- family-doctor contracts ---


@contract_app.command("team")
def contract_team(
    team_id: str,
    institution: InstOpt,
    leader: Annotated[str, typer.Option()],
    member: Annotated[list[str], typer.Option(help="id:role:weight, repeatable.")],
    name: str = "",
    store: StoreOpt = None,
) -> None:
    """Create a family-doctor team at a primary institution."""
    members = []
    for text in member:
        parts = text.split(":")
        if len(parts) != 3:
            typer.echo(
                f"refused (invalid_request): member {text!r} must be id:role:weight", err=True
            )
            raise typer.Exit(2)
        members.append((parts[0], parts[1], parts[2]))
    _out(
        _run(
            lambda st: contract_svc.create_team(
                st, team_id, institution, leader=leader, members=members, name=name
            ),
            store,
        )
    )


@contract_app.command("sign")
def contract_sign(
    team: str,
    patient: str,
    fee: str,
    user: UserOpt,
    institution: InstOpt,
    populations: Annotated[
        str,
        typer.Option(
            help="Comma-separated: maternal, "
            "child, hypertension, diabetes, "
            "elderly, disabled, low_income."
        ),
    ] = "",
    signed_on: str | None = None,
    store: StoreOpt = None,
) -> None:
    """签约: sign a resident with a team (one year from the signing day)."""
    rec = _run(
        lambda st: contract_svc.sign_contract(
            st,
            Actor(user, institution),
            team_id=team,
            patient_key=patient,
            populations=populations,
            fee=Decimal(fee),
            signed_on=_day(signed_on),
        ),
        store,
    )
    _out(rec.__dict__)


@contract_app.command("service")
def contract_service(
    contract_id: str,
    kind: Annotated[str, typer.Option("--type")],
    user: UserOpt,
    institution: InstOpt,
    on: str | None = None,
    store: StoreOpt = None,
) -> None:
    """履约: record a service delivered under a contract."""
    _out(
        _run(
            lambda st: contract_svc.record_contract_service(
                st,
                Actor(user, institution),
                contract_id=contract_id,
                service_type=kind,
                delivered_on=_day(on),
            ),
            store,
        )
    )


@contract_app.command("terminate")
def contract_terminate(
    contract_id: str,
    reason: Annotated[str, typer.Option()],
    user: UserOpt,
    institution: InstOpt,
    on: str | None = None,
    store: StoreOpt = None,
) -> None:
    """解约: end a contract early, with a reason."""
    rec = _run(
        lambda st: contract_svc.terminate_contract(
            st, Actor(user, institution), contract_id=contract_id, reason=reason, on=_day(on)
        ),
        store,
    )
    _out(rec.__dict__)


@contract_app.command("distribute")
def contract_distribute(
    team_id: str, year: int, share: str = "0.70", store: StoreOpt = None
) -> None:
    """Distribute a team's contract income of a year (≥ 70 % to the team); prints ledger lines."""
    d = _run(lambda st: contract_svc.distribute_team_fees(st, team_id, year, share), store)
    _out(
        {
            "total": str(d.total),
            "team_share": str(d.team_share),
            "team_amount": str(d.team_amount),
            "institution_amount": str(d.institution_amount),
            "lines": [ln.__dict__ for ln in d.lines],
        }
    )


@contract_app.command("show")
def contract_show(contract_id: str, store: StoreOpt = None) -> None:
    """One contract with the number of services delivered."""
    _out(_run(lambda st: contract_svc.get_contract(st, contract_id), store).__dict__)


@contract_app.command("list")
def contract_list(
    team: str | None = None, patient: str | None = None, limit: Limit = 50, store: StoreOpt = None
) -> None:
    """Contracts, newest first."""
    _out(
        [
            r.__dict__
            for r in _run(
                lambda st: contract_svc.list_contracts(
                    st, team_id=team, patient_key=patient, limit=limit
                ),
                store,
            )
        ]
    )


@contract_app.command("summary")
def contract_summary(year: int, store: StoreOpt = None) -> None:
    """Contracts of a year by key population, served contracts and fees."""
    _out(_run(lambda st: contract_svc.contract_summary(st, year), store))
