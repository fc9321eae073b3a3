"""The configuration file: the shipped example is valid, a bad file is refused in one line
naming the file, section and key, secrets are only referenced, and every command reads the file
(--config, then $YIGONG_CONFIG) while its flags still win."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yigong.access.users import UserStore
from yigong.cli.config_opt import option_defaults
from yigong.cli.main import app
from yigong.config import CONFIG_ENV, ConfigError, load_config, session_secret, store_url

runner = CliRunner()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "yigong.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_example_is_valid_and_sets_every_section(tmp_path):
    example = resources.files("yigong.config") / "example.toml"
    path = write(tmp_path, example.read_text(encoding="utf-8"))
    config = load_config(path)
    assert config.warehouse.path == Path("/var/lib/yigong/yigong.duckdb")
    assert config.server.workers == 2 and config.server.secure_cookies is True
    assert config.secrets.session_secret_file == Path("/etc/yigong/session.key")
    assert config.log.format == "json" and config.source == path.resolve()
    shown = runner.invoke(app, ["config", "example"])
    assert shown.exit_code == 0 and "[secrets]" in shown.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server]\nprot = 8000\n", "[server] prot: unknown key"),
        ("[server]\nport = 70000\n", "[server] port: Input should be less than or equal to 65535"),
        ("[servr]\nport = 1\n", "[servr]: unknown key"),
        ("[log]\nformat = 'xml'\n", "[log] format: Input should be 'json' or 'text'"),
        ("[server\n", "not valid TOML"),
        (
            '[store]\nurl = "postgresql+psycopg://yg:secret@db/yg"\n',
            "[store] url: the URL holds a password; remove it and set password_file or "
            "password_env",
        ),
    ],
)
def test_a_bad_file_is_refused_in_one_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}: {message}" or (
        message == "not valid TOML" and str(err.value).startswith(f"{path}: not valid TOML")
    )
    assert "\n" not in str(err.value)
    result = runner.invoke(app, ["status", "--config", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_relative_paths_are_read_against_the_files_folder(tmp_path):
    (tmp_path / "etc").mkdir()
    path = tmp_path / "etc" / "y.toml"
    path.write_text(
        '[warehouse]\npath = "../data/w.duckdb"\n[store]\nurl = "wf.sqlite"\n'
        '[secrets]\nsession_secret_file = "session.key"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.warehouse.path == tmp_path / "data" / "w.duckdb"
    assert config.store.url == str(tmp_path / "etc" / "wf.sqlite")
    with pytest.raises(ConfigError, match="cannot read the session secret"):
        session_secret(config)
    (tmp_path / "etc" / "session.key").write_text("k" * 64 + "\n", encoding="utf-8")
    assert session_secret(config) == "k" * 64


def test_secrets_are_read_from_the_variable_the_file_names(tmp_path, monkeypatch):
    config = load_config(
        write(
            tmp_path,
            '[store]\nurl = "postgresql+psycopg://yg@db.internal/yg"\n'
            'password_env = "YG_TEST_PW"\n[secrets]\nsession_secret_env = "YG_TEST_SECRET"\n',
        )
    )
    monkeypatch.delenv("YG_TEST_PW", raising=False)
    with pytest.raises(ConfigError, match=r"\$YG_TEST_PW is not set"):
        store_url(config)
    monkeypatch.setenv("YG_TEST_PW", "p@ss:w/rd")
    assert store_url(config) == "postgresql+psycopg://yg:p%40ss%3Aw%2Frd@db.internal/yg"
    monkeypatch.setenv("YG_TEST_SECRET", "s3")
    assert session_secret(config) == "s3"


def test_the_store_url_of_the_file_reaches_a_referral_command(tmp_path):
    (tmp_path / "wf").mkdir()
    path = write(tmp_path, '[store]\nurl = "wf/elsewhere.sqlite"\n')
    result = runner.invoke(app, ["referral", "list", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "wf" / "elsewhere.sqlite").is_file()  # made where the file says


def test_every_command_reads_the_file_and_flags_win(tmp_path, monkeypatch):
    from tests.cli.walk import invoke  # the real command line: its one error handler too

    path = write(tmp_path, '[warehouse]\npath = "from-file/w.duckdb"\n')
    by_file = invoke(("status", "--config", str(path)), tmp_path)
    assert by_file.code == 2 and str(tmp_path / "from-file" / "w.duckdb") in by_file.output
    by_flag = invoke(
        ("status", "--config", str(path), "--db", str(tmp_path / "flag" / "w.duckdb")), tmp_path
    )
    assert by_flag.code == 2 and str(tmp_path / "flag" / "w.duckdb") in by_flag.output
    monkeypatch.setenv(CONFIG_ENV, str(path))  # no --config: the variable names the file
    by_env = invoke(
        ("indicators", "scorecard", "--node", "division:1", "--period", "2024"), tmp_path
    )
    assert by_env.code == 2 and str(tmp_path / "from-file" / "w.duckdb") in by_env.output
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "missing.toml"))
    missing = invoke(("status",), tmp_path)
    boxed = re.sub(r"[\s│╭╮╰╯─]", "", missing.output)  # Click's usage box wraps long paths
    assert missing.code == 2 and "nosuchconfigurationfile" in boxed


def test_every_command_has_the_option():
    import typer

    root = typer.main.get_command(app)
    missing = []

    def walk(cmd, path):  # noqa: ANN001
        subs = getattr(cmd, "commands", None)
        if subs is not None:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        elif not any(p.name == "config" for p in cmd.params):
            missing.append(" ".join(path))

    walk(root, [])
    assert missing == []


def test_what_the_file_fills_and_what_it_leaves_to_the_flags(tmp_path):
    config = load_config(write(tmp_path, '[warehouse]\npath = "w.duckdb"\n[server]\nport = 9000\n'))
    # `yigong settle budget` takes a bundle or --db: the file must not choose for it
    assert option_defaults(config, {"db": None, "inputs": None}) == {}
    filled = option_defaults(config, {"db": Path("yigong.duckdb"), "port": 8000, "host": "x"})
    assert {k: get() for k, get in filled.items()} == {
        "db": tmp_path / "w.duckdb",
        "port": 9000,
    }  # host not set in the file


def test_the_audit_log_is_exported_as_json_lines_and_csv(tmp_path):
    users = UserStore(tmp_path / "auth.sqlite")
    users.add("ana", "a-long-enough-passphrase-1", "auditor", ["division:130423"], actor="root")
    users.disable("ana", actor="root")
    db = ["--db", str(tmp_path / "w.duckdb"), "--users-db", str(tmp_path / "auth.sqlite")]
    jsonl = runner.invoke(app, ["users", "audit", *db])
    assert jsonl.exit_code == 0, jsonl.output
    rows = [json.loads(line) for line in jsonl.output.splitlines()]
    assert [r["actor"] for r in rows] == ["root", "root"] and isinstance(rows[0]["detail"], dict)
    csv = runner.invoke(app, ["users", "audit", *db, "--format", "csv"])
    assert (
        csv.output.splitlines()[0] == "at,actor,action,detail" and len(csv.output.splitlines()) == 3
    )
    later = runner.invoke(app, ["users", "audit", *db, "--since", "2999-01-01"])
    assert later.output == ""


def test_config_check_reads_the_secrets_the_file_names(tmp_path):
    path = write(tmp_path, '[secrets]\nsession_secret_file = "nope.key"\n')
    bad = runner.invoke(app, ["config", "check", "--config", str(path)])
    assert bad.exit_code == 2 and "nope.key: cannot read the session secret" in bad.output
    (tmp_path / "nope.key").write_text("x" * 64, encoding="utf-8")
    good = runner.invoke(app, ["config", "check", "--config", str(path)])
    assert good.exit_code == 0 and f"configuration: {path.resolve()}" in good.output


def test_the_fast_path_of_drg_group_looks_where_the_config_is_looked_for():
    from yigong.cli import entry
    from yigong.config import DEFAULT_LOCATIONS

    assert entry.CONFIG_ENV == CONFIG_ENV
    assert tuple(map(Path, entry.CONFIG_LOCATIONS)) == DEFAULT_LOCATIONS
