"""`yigong referral …`: every action has a command; refusals exit 2 and change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from yigong.cli.main import app

runner = CliRunner()


def _call(store: Path, *args: str, code: int = 0) -> object:
    result = runner.invoke(
        app,
        ["referral", *args, "--store", str(store)]
        if args[0] not in ("catalog",)
        else ["referral", *args],
    )
    assert result.exit_code == code, (args, result.output, result.stderr if code == 0 else "")
    return (
        json.loads(result.stdout)
        if code == 0 and result.stdout.strip().startswith(("{", "["))
        else result
    )


def test_referral_lifecycle_through_the_cli(tmp_path: Path) -> None:
    db = tmp_path / "wf.sqlite"
    for args in (
        ["H1", "--type", "county_general", "--community", "C1", "--lead"],
        ["T1", "--type", "township_centre", "--community", "C1"],
    ):
        _call(db, "institution", *args, "--county", "410100")
    rec = _call(
        db,
        "request",
        "--patient",
        "P1",
        "--to",
        "H1",
        "--direction",
        "upward",
        "--dx",
        "I63.9",
        "--reason",
        "疑似脑梗",
        "-u",
        "dr-t",
        "-i",
        "T1",
    )
    rid = rec["referral_id"]  # type: ignore[index]
    bad_time = runner.invoke(
        app,
        ["referral", "arrive", rid, "-u", "h", "-i", "H1", "--at", "yesterday", "--store", str(db)],
    )
    assert bad_time.exit_code == 2 and "not an ISO time" in bad_time.stderr
    refused = _call(db, "arrive", rid, "-u", "dr-h", "-i", "H1", code=2)
    assert "refused (illegal_transition)" in refused.stderr  # type: ignore[union-attr]
    _call(db, "review", rid, "--approve", "-u", "dr-t", "-i", "T1")
    assert "needs a reason" in _call(db, "decline", rid, "-u", "h", "-i", "H1", code=2).stderr  # type: ignore[union-attr]
    _call(db, "accept", rid, "-u", "dr-h", "-i", "H1")
    _call(db, "arrive", rid, "-u", "dr-h", "-i", "H1")
    _call(db, "return", rid, "-u", "dr-h", "-i", "H1", "-r", "出院小结")
    _call(db, "follow-up", rid, "-u", "dr-t", "-i", "T1")
    shown = _call(db, "show", rid)
    assert [e["action"] for e in shown["events"]] == [  # type: ignore[index]
        "request",
        "approve",
        "accept",
        "arrive",
        "return",
        "follow_up",
    ]
    bundle = _call(db, "show", rid, "--fhir")
    assert bundle["entry"][1]["resource"]["status"] == "completed"  # type: ignore[index]
    assert len(_call(db, "list", "--status", "records_returned")) == 1  # type: ignore[arg-type]
    # the other branches
    rid2 = _call(
        db,
        "request",
        "--patient",
        "P2",
        "--to",
        "H1",
        "--direction",
        "upward",
        "--dx",
        "J18.9",
        "--reason",
        "r",
        "-u",
        "a",
        "-i",
        "T1",
    )["referral_id"]  # type: ignore[index]
    _call(db, "review", rid2, "--reject", "-r", "本院可治", "-u", "a", "-i", "H1")
    rid3 = _call(
        db,
        "request",
        "--patient",
        "P3",
        "--to",
        "H1",
        "--direction",
        "upward",
        "--dx",
        "J18.9",
        "--reason",
        "r",
        "-u",
        "a",
        "-i",
        "T1",
    )["referral_id"]  # type: ignore[index]
    _call(db, "cancel", rid3, "-r", "患者放弃", "-u", "a", "-i", "T1")
    rid4 = _call(
        db,
        "request",
        "--patient",
        "P4",
        "--to",
        "H1",
        "--direction",
        "upward",
        "--dx",
        "J18.9",
        "--reason",
        "r",
        "-u",
        "a",
        "-i",
        "T1",
    )["referral_id"]  # type: ignore[index]
    _call(db, "review", rid4, "-u", "a", "-i", "T1")
    _call(db, "accept", rid4, "-u", "a", "-i", "H1")
    _call(db, "no-show", rid4, "-r", "未到", "-u", "a", "-i", "H1")
    # centres and contracts
    order = _call(db, "centre", "order", "P1", "LAB-CBC", "--centre", "H1", "-u", "a", "-i", "T1")
    req = order["request"]["request_id"]  # type: ignore[index]
    _call(db, "centre", "report", req, "--text", "正常", "-u", "c", "-i", "H1")
    again = _call(db, "centre", "order", "P1", "LAB-CBC", "--centre", "H1", "-u", "a", "-i", "T1")
    flag = again["recognition"]["recognition_id"]  # type: ignore[index]
    _call(db, "centre", "recognise", flag, "--recognised", "-u", "a", "-i", "T1")
    third = _call(db, "centre", "order", "P9", "ECG-12", "--centre", "H1", "-u", "a", "-i", "T1")
    _call(
        db,
        "centre",
        "cancel",
        third["request"]["request_id"],
        "--reason",
        "x",  # type: ignore[index]
        "-u",
        "a",
        "-i",
        "T1",
    )
    assert _call(db, "centre", "summary")["savings"] == "20.00"  # type: ignore[index]
    assert _call(db, "centre", "show", req)["turnaround_hours"] is not None  # type: ignore[index]
    assert _call(db, "centre", "recognitions")[0]["status"] == "recognised"  # type: ignore[index]
    assert _call(db, "centre", "turnaround")[0]["reported"] == 1  # type: ignore[index]
    assert len(_call(db, "centre", "list")) == 3  # type: ignore[arg-type]
    _call(
        db,
        "contract",
        "team",
        "TM1",
        "-i",
        "T1",
        "--leader",
        "gp",
        "--member",
        "gp:gp:2",
        "--member",
        "nu:nurse:1",
    )
    c = _call(
        db,
        "contract",
        "sign",
        "TM1",
        "P1",
        "120",
        "--populations",
        "elderly",
        "--signed-on",
        "2025-01-02",
        "-u",
        "gp",
        "-i",
        "T1",
    )
    cid = c["contract_id"]  # type: ignore[index]
    _call(
        db,
        "contract",
        "service",
        cid,
        "--type",
        "home_visit",
        "--on",
        "2025-02-01",
        "-u",
        "gp",
        "-i",
        "T1",
    )
    assert _call(db, "contract", "show", cid)["services"] == 1  # type: ignore[index]
    dist = _call(db, "contract", "distribute", "TM1", "2025")
    assert dist["team_amount"] == "84.00" and dist["institution_amount"] == "36.00"  # type: ignore[index]
    assert _call(db, "contract", "summary", "2025")["served_contracts"] == 1  # type: ignore[index]
    _call(
        db,
        "contract",
        "terminate",
        cid,
        "--reason",
        "迁出",
        "--on",
        "2025-03-01",
        "-u",
        "gp",
        "-i",
        "T1",
    )
    assert _call(db, "contract", "list")[0]["status"] == "terminated"  # type: ignore[index]
    headline = _call(db, "summary")
    assert headline["referrals"] == 4  # type: ignore[index]
    counts = _call(db, "export", "--out", str(tmp_path / "feed"))
    assert counts["wf_referrals"] == 4  # type: ignore[index]
    assert pq.read_table(tmp_path / "feed" / "wf_referral_events.parquet").num_rows == 6 + 2 + 2 + 4
    canon = _call(db, "export", "--canonical", "--out", str(tmp_path / "canon"))
    assert canon["rows"]["referrals"] == 4 and canon["rows"]["examinations"] == 2  # type: ignore[index]
    assert [x["reason"] for x in canon["left_out"]] == ["cancelled request"]  # type: ignore[index]


def test_catalog_commands(tmp_path: Path) -> None:
    assert runner.invoke(app, ["referral", "catalog", "validate"]).exit_code == 0
    bad = tmp_path / "x-1.yaml"
    bad.write_text(
        "county: x\nversion: '1'\nname_zh: a\nsource: b\nentries:\n"
        "  - {codes: [Q9], level: village, name_zh: c}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["referral", "catalog", "validate", str(bad)])
    assert result.exit_code == 1 and f"{bad}:6 [codes]" in result.stderr
    assert isinstance(result.exception, SystemExit)  # a refusal, not a crash
    result = runner.invoke(app, ["referral", "catalog", "validate", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)  # usage
    assert "none.yaml: error pack.unknown" in result.stderr
    out = runner.invoke(app, ["referral", "catalog", "check", "I10", "--level", "county"])
    assert out.exit_code == 0 and json.loads(out.stdout)["verdict"] == "above"


def test_synth_command(tmp_path: Path) -> None:
    out = _call(tmp_path / "s.sqlite", "synth", "--residents", "3000", "--years", "2025")
    assert out["referrals"] > 0 and out["contracts"] > 0  # type: ignore[index]
