"""The ``yigong`` program: the whole command tree, or, for a command whose start-up time is
part of its job, just that command.

``yigong drg group IN.csv -o OUT.csv`` is run from its own small module (`drg_group.py`):
loading every command group first (the warehouse, Ibis, the web stack) would cost more than
grouping a million cases. Every other command line, and ``--help``, goes to the full tree in
`main.py`, where the same command is registered too.
"""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv[:2] == ["drg", "group"] and not {"--help", "--warehouse", "--backend"} & {
        a.split("=")[0] for a in argv
    }:
        import typer

        from yigong.cli.drg_group import group_cmd
        from yigong.cli.errors import run

        app = typer.Typer(add_completion=False)
        app.command()(group_cmd)
        run(typer.main.get_command(app), argv[2:], prog_name="yigong drg group")
    from yigong.cli.main import app as full

    full()


if __name__ == "__main__":
    main()
