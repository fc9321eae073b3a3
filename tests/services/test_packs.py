"""Every built-in rule pack checks clean; a user pack folder is checked by its kind; the rules
document is generated from the packs and docs/rules.md is current."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from yigong.cli.main import app
from yigong.rulepacks import Level
from yigong.services import packs

ROOT = Path(__file__).parents[2]
runner = CliRunner()


def test_every_builtin_pack_of_every_kind_checks_clean() -> None:
    results = packs.check_packs()
    assert set(results) == set(packs.KINDS)
    errors = [str(i) for issues in results.values() for i in issues if i.level is Level.ERROR]
    assert errors == []
    rows = packs.list_packs()
    assert {r.kind for r in rows} == set(packs.KINDS)
    assert all((r.folder / "README.md").is_file() for r in rows)


def test_docs_rules_md_is_current() -> None:
    """Regenerate with `yigong packs docs -o docs/rules.md` when this fails."""
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == packs.rules_document(), (
        "docs/rules.md is stale: yigong packs docs -o docs/rules.md"
    )


def test_rules_document_points_at_real_lines() -> None:
    quotes = packs.policy_quotes()
    # layout profiles follow data standards (卫统4-1, NHSA 4101), not policy texts: no quotes
    assert {q.kind for q in quotes} == set(packs.KINDS) - {"layout-profile"}
    for q in quotes:
        lines = (ROOT / q.file).read_text(encoding="utf-8").splitlines()
        assert q.line is not None and 1 <= q.line <= len(lines), q
    # the quarterly score's clause sits on its line of the policy pack
    clause = next(q for q in quotes if q.item == "assessment.score section")
    line = (ROOT / clause.file).read_text(encoding="utf-8").splitlines()[clause.line - 1]
    assert line.strip().startswith("clause:") and "90 %" in line


def test_a_user_copy_is_checked_by_the_kind_its_manifest_names(tmp_path: Path) -> None:
    source = next(r for r in packs.list_packs() if r.id == "hebei-2025-targets").folder
    copy = tmp_path / "county-targets"
    shutil.copytree(source, copy)
    tasks = copy / "hebei-2025-targets.yaml"
    text = tasks.read_text(encoding="utf-8")
    tasks.write_text(text.replace("indicators: [P01]", "indicators: [NOPE9]", 1), encoding="utf-8")
    result = runner.invoke(app, ["packs", "check", str(copy)])
    assert result.exit_code == 1
    assert "reform-tasks: 1 error(s), 1 warning(s)" in result.output
    assert "unknown-indicator" in result.output and "pack.checksum" in result.output
    result = runner.invoke(app, ["packs", "seal", str(copy)])
    assert result.exit_code == 0 and "sealed" in result.output
    result = runner.invoke(app, ["packs", "check", str(copy)])
    assert result.exit_code == 1 and "warning" not in result.output


def test_cli_check_all_and_unknown_pack() -> None:
    result = runner.invoke(app, ["packs", "check"])
    assert result.exit_code == 0, result.output
    assert "payment-policy: OK" in result.output and "drg-grouper: OK" in result.output
    result = runner.invoke(app, ["packs", "check", "no-such-pack"])
    assert result.exit_code == 2 and "pack.unknown" in result.output
    result = runner.invoke(app, ["packs", "docs"])
    assert result.exit_code == 0 and result.output == packs.rules_document()
