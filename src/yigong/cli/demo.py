"""`yigong demo`: the whole pipeline on a synthetic county."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yigong.cli.data import console, print_reports, print_status
from yigong.services.demo import run_demo


def demo(
    workdir: Annotated[Path, typer.Option("--dir", help="Working directory.")] = Path("demo-county"),
    preset: Annotated[str, typer.Option(help="tiny | county | city")] = "county",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2024,
) -> None:
    """Generate a synthetic county, ingest it, and run every engine on it."""
    result = run_demo(workdir, preset=preset, seed=seed, say=console.print)
    print_reports(result.reports)
    print_status(result.status)
    read = sum(r.rows_read for r in result.reports)
    accepted = sum(r.rows_accepted for r in result.reports)
    rejected = sum(r.rows_rejected for r in result.reports)
    console.print(f"rows read {read:,} = accepted {accepted:,} + rejected {rejected:,}; "
                  f"warehouse: {result.db}")
    for title, render in result.sections:
        console.rule(title)
        console.print(render)
