"""The import contracts of `.importlinter` hold: web does not use the API's modules, services
import no face (so no api ↔ services cycle) and not the access layer, engines import no
services, the access layer imports no face, the API's modules form no cycle. And each
contract can fail: a forbidden import added to a copy of the tree is reported."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"


def _lint(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(exe), "--config", str(config), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(cwd / "src"), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_the_import_contracts_hold():
    done = _lint(CONFIG, ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout and done.stdout.count("KEPT") >= 9


def test_a_forbidden_import_breaks_its_contract(tmp_path):
    tree = tmp_path / "src" / "yigong"
    shutil.copytree(
        ROOT / "src" / "yigong",
        tree,
        ignore=shutil.ignore_patterns("*.pyc", "__pycache__", "vendor"),
    )
    for module, line in (
        ("web/render.py", "import yigong.api.routes  # noqa\n"),
        ("services/hierarchy.py", "import yigong.api.app  # noqa\n"),
        ("payment/ledger.py", "import yigong.services.settlement  # noqa\n"),
        ("indicators/compile.py", "import yigong.warehouse.backends.duckdb  # noqa\n"),
        ("warehouse/types.py", "import yigong.ingest.rules  # noqa\n"),
        ("schema/money.py", "import yigong.payment.ledger  # noqa\n"),
        ("ingest/rules.py", "import yigong.casemix.contract  # noqa\n"),
        ("operations/stepdown.py", "import yigong.ingest.load  # noqa\n"),
    ):
        path = tree / module
        path.write_text(path.read_text(encoding="utf-8") + line, encoding="utf-8")
    done = _lint(CONFIG, tmp_path)
    assert done.returncode != 0
    for name in (
        "web.render -> yigong.api",
        "services.hierarchy -> yigong.api",
        "payment.ledger -> yigong.services",
        "indicators.compile -> yigong.warehouse.backends",
        "warehouse.types -> yigong.ingest",
        "schema.money -> yigong.payment",
        "ingest.rules -> yigong.casemix",
        "operations.stepdown -> yigong.ingest",
    ):
        assert name in done.stdout, done.stdout
