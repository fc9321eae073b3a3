"""`yigong indicators compute` and the cockpit's scorecard give the same numbers and the same
applicability, node by node (county, community, institutions of three types)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from yigong.cli.main import app as cli

NODES = [
    "division:130423",
    "community:C1304231",
    "inst:H13042300001",
    "inst:H13042300100",
    "inst:H13042301003",
]


@pytest.mark.parametrize("node", NODES)
def test_cli_compute_and_cockpit_agree(client, tokens, world, tmp_path, node):
    out = tmp_path / "cli.json"
    res = CliRunner().invoke(
        cli,
        [
            "indicators",
            "compute",
            "--node",
            node,
            "--period",
            world.period,
            "--db",
            str(world.settings.warehouse),
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    by_cli = {r["indicator"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    page = client.get(
        f"/indicators?node={node}&period={world.period}&format=json", headers=tokens["county"]
    )
    assert page.status_code == 200, page.text
    body = page.json()
    rows = [*body["items"], *(i for g in body["groups"] for i in g["items"])]
    shown = {r["indicator"]: r for r in rows}
    na = {r["indicator"]: r for r in body["not_applicable"]}
    assert set(shown) | set(na) == set(by_cli) and not set(shown) & set(na)
    for ident, c in by_cli.items():
        w = shown.get(ident) or na[ident]
        assert (w["status"], w["numerator"], w["denominator"]) == (
            c["status"],
            c["numerator"],
            c["denominator"],
        ), ident
        assert w["value"] == c["value"], ident
        assert (ident in na) == (c["status"] == "not_applicable"), ident
        if ident in na:
            assert w["light"] == "grey" and w["value"] is None and w["note_zh"]
