"""Shared diagnostic centres and family-doctor contracts (API and JSON twins): figures checked
against the workflow store itself, and the scope (a user elsewhere sees an empty set)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from yigong.services.centres import centre_activity, recognition_summary
from yigong.services.contracts import contract_overview, contract_summary
from yigong.store import Store
from yigong.store import models as m

TOWN = "H13042300100"


def _get(client, tokens, user: str, url: str, status: int = 200) -> dict:
    r = client.get(url, headers=tokens[user])
    assert r.status_code == status, (user, url, r.status_code, r.text[:300])
    return r.json()


def _year(world) -> int:
    return int(world.period[:4])


def _requests(app, year: int, who: str | None = None) -> int:
    q = (
        select(func.count())
        .select_from(m.CentreRequest)
        .where(
            m.CentreRequest.requested_at >= datetime(year, 1, 1),
            m.CentreRequest.requested_at < datetime(year + 1, 1, 1),
        )
    )
    if who is not None:
        q = q.where(
            (m.CentreRequest.requesting_institution == who)
            | (m.CentreRequest.centre_institution == who)
        )
    with app.state.yigong.workflow().transaction() as s:
        return int(s.scalar(q) or 0)


def test_centres_count_every_request_and_recognition_of_the_year(app, client, tokens, world):
    year = _year(world)
    body = _get(client, tokens, "county", f"/api/v1/centres?year={year}")
    totals = [r for r in body["items"] if r["month"] == "all"]
    months = [r for r in body["items"] if r["month"] != "all"]
    assert totals and months
    assert sum(r["requests"] for r in totals) == _requests(app, year) > 0
    assert sum(r["requests"] for r in months) == _requests(app, year)
    summary = recognition_summary(app.state.yigong.workflow(), year)
    assert sum(r["recognised"] for r in totals) == summary.recognised
    assert sum(r["repeats_flagged"] for r in totals) == summary.flagged
    assert sum(Decimal(r["avoided_savings"]) for r in totals) == summary.savings
    for r in totals:
        num, den = (int(x) for x in r["recognition_rate"].split("/"))
        assert (num, den) == (r["recognised"], r["recognised"] + r["not_recognised"])
        if r["reported"]:
            assert r["p50_minutes"] <= r["p90_minutes"]
    twin = _get(client, tokens, "county", f"/centres?year={year}&format=json")
    assert twin == body


def test_centres_are_scoped_to_the_users_institutions(app, client, tokens, world):
    year = _year(world)
    town = _get(client, tokens, "town", f"/api/v1/centres?year={year}")["items"]
    assert sum(r["requests"] for r in town if r["month"] == "all") == _requests(app, year, TOWN)
    assert {r["centre_institution"] for r in town} <= {TOWN, "(outside scope)"}
    assert _get(client, tokens, "elsewhere", f"/api/v1/centres?year={year}")["items"] == []


def test_percentiles_are_nearest_rank(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'wf.sqlite'}")
    with store.transaction() as s:
        for i in ("A", "B"):
            s.add(
                m.Institution(
                    institution_id=i,
                    institution_type="hospital",
                    level="county",
                    county_code="130423",
                )
            )
        s.flush()
        for n, minutes in enumerate([10, 20, 30, 40, 50, 60, 70, 80, 90, 1000]):
            asked = datetime(2024, 3, 1, 8, 0)
            s.add(
                m.CentreRequest(
                    request_id=f"CR{n}",
                    centre_type="laboratory",
                    service_code="LAB-CBC",
                    patient_key=f"P{n}",
                    requesting_institution="A",
                    centre_institution="B",
                    status="reported",
                    requested_at=asked,
                    reported_at=asked + timedelta(minutes=minutes),
                    price_fen=100,
                    version=1,
                )
            )
    (month, year) = centre_activity(store, frozenset({"A"}), 2024)
    assert month["month"] == "2024-03" and year["month"] == "all"
    assert (year["p50_minutes"], year["p90_minutes"], year["requests"]) == (50, 90, 10)
    assert centre_activity(store, frozenset({"C"}), 2024) == []


def test_contracts_match_the_store_and_are_scoped(app, client, tokens, world):
    year = _year(world)
    store = app.state.yigong.workflow()
    county = _get(client, tokens, "county", f"/api/v1/contracts?year={year}")
    summary = contract_summary(store, year)
    assert county["contracts"] == summary["contracts"] > 0
    assert county["fees"] == summary["fees"]
    assert county["served_contracts"] == summary["service_rate"]
    assert {k: county["by_population"][k] for k in summary["by_population"]} == summary[
        "by_population"
    ]
    assert county["coverage"]["indicator"] == "C09" and county["node"] == "division:130423"
    assert county["distribution"] and all(
        t["check"] in ("ok", "below_floor", "not_distributed") for t in county["distribution"]
    )
    town = _get(client, tokens, "town", f"/api/v1/contracts?year={year}")
    assert {t["institution_id"] for t in town["distribution"]} <= {TOWN}
    assert 0 < town["contracts"] < county["contracts"]
    elsewhere = _get(client, tokens, "elsewhere", f"/api/v1/contracts?year={year}")
    assert elsewhere["contracts"] == 0 and elsewhere["distribution"] == []
    r = client.get(
        f"/api/v1/contracts?year={year}&node=division:130423", headers=tokens["elsewhere"]
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "outside_scope"
    twin = _get(client, tokens, "town", f"/contracts?year={year}&format=json")
    assert twin == town
    long_ago = _get(client, tokens, "county", "/api/v1/contracts?year=1990")
    assert long_ago["contracts"] == 0 and long_ago["coverage"]["status"] == "not_computable"
    assert "130423" in long_ago["coverage"]["note"]  # the division did not exist then


def test_the_fee_check_flags_a_team_below_seventy_percent(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'wf.sqlite'}")
    with store.transaction() as s:
        s.add(
            m.Institution(
                institution_id="T",
                institution_type="township_health_centre",
                level="township",
                county_code="130423",
            )
        )
        s.flush()
        for team in ("OK", "LOW", "NONE"):
            s.add(m.FamilyDoctorTeam(team_id=team, institution_id="T", name=team, leader="d"))
        s.flush()
        s.add(
            m.Contract(
                contract_id="FD1",
                team_id="LOW",
                patient_key="P1",
                populations="",
                signed_on=date(2024, 1, 2),
                start_on=date(2024, 1, 2),
                end_on=date(2024, 12, 31),
                fee_fen=10000,
                status="active",
            )
        )
        for team, to_team, rest in (("OK", 7000, 3000), ("LOW", 6999, 3001)):
            s.add(
                m.FeeDistributionLine(
                    team_id=team,
                    year=2024,
                    recipient="d",
                    recipient_kind="team_member",
                    amount_fen=to_team,
                    rule="test",
                )
            )
            s.add(
                m.FeeDistributionLine(
                    team_id=team,
                    year=2024,
                    recipient="T",
                    recipient_kind="institution",
                    amount_fen=rest,
                    rule="test",
                )
            )
    out = contract_overview(store, 2024)
    checks = {t["team_id"]: (t["check"], t["team_share"]) for t in out["distribution"]}
    assert checks == {
        "OK": ("ok", "70.00 %"),
        "LOW": ("below_floor", "69.99 %"),
        "NONE": ("not_distributed", None),
    }
    assert out["by_population"]["general"] == 1 and out["contracts"] == 1
    assert contract_overview(store, 2024, frozenset({"X"}))["teams"] == 0
