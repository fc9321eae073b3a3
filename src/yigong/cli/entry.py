"""The ``yigong`` program: the whole command tree, or, for a command whose start-up time is
part of its job, just that command.

``yigong drg group IN.csv -o OUT.csv`` is run from its own small module (`drg_group.py`):
loading every command group first (the warehouse, Ibis, the web stack) would cost more than
grouping a million cases. Its plain command lines run without Typer at all (`drg_fast.py`). Every other command line, ``--help``, and any run where a
configuration file would be read, goes to the full tree in `main.py`, where the same command is
registered too.
"""

from __future__ import annotations

import os
import sys

#: where `yigong.config.locate` looks (kept here too: importing the config model costs more
#: than the fast path saves; tests/config/test_config.py checks the two agree)
CONFIG_ENV = "YIGONG_CONFIG"
CONFIG_LOCATIONS = ("yigong.toml", "/etc/yigong/yigong.toml")


def config_in_sight() -> bool:
    """A configuration file would be read: the full tree must run (it applies the file)."""
    return bool(os.environ.get(CONFIG_ENV)) or any(os.path.isfile(p) for p in CONFIG_LOCATIONS)


def main() -> None:
    try:
        _main(sys.argv[1:])
    except KeyboardInterrupt:  # Ctrl-C while the command tree is still being imported
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None  # 128 + SIGINT, as `errors.run` exits


def _main(argv: list[str]) -> None:
    if (
        argv[:2] == ["drg", "group"]
        and not {"--help", "--warehouse", "--backend", "--config"} & {a.split("=")[0] for a in argv}
        and not config_in_sight()
    ):
        # NumPy asks the kernel for transparent huge pages for every array from 4 MB; a run of
        # a second or two gains nothing from them and pays for the compaction that finds them
        # (0.7-1 s of system time on the 2-core benchmark machine); documented in NumPy's
        # "Global state" page, read when NumPy is imported; the user's own setting wins
        os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
        from yigong.cli import drg_fast  # lazy: start-up (drg group fast path)

        plain = drg_fast.parse(argv[2:], os.environ)
        if plain is not None:  # IN.csv -o OUT.csv [--scheme …]: no Typer needed
            drg_fast.run(plain)
        import typer  # lazy: start-up (drg group fast path)

        from yigong.cli.drg_group import group_cmd
        from yigong.cli.errors import run

        app = typer.Typer(add_completion=False)
        app.command()(group_cmd)
        run(typer.main.get_command(app), argv[2:], prog_name="yigong drg group")
    from yigong.cli.main import app as full  # lazy: start-up (not on the fast path)

    full()


if __name__ == "__main__":
    main()
