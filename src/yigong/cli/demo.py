"""`yigong demo`: the whole pipeline on a synthetic county."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from yigong.cli.data import console, print_reports, print_status
from yigong.cli.indicators import results_table
from yigong.services.demo import run_demo


def demo(
    workdir: Annotated[Path, typer.Option("--dir", help="Working directory.")] = Path(
        "demo-county"
    ),
    preset: Annotated[str, typer.Option(help="tiny | county | city")] = "county",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2024,
) -> None:
    """Generate a synthetic county, ingest it, and run every engine on it."""
    from yigong.access.demo import cockpit_login  # lazy: start-up

    result = run_demo(
        workdir, preset=preset, seed=seed, say=console.print, cockpit_login=cockpit_login
    )
    print_reports(result.reports)
    print_status(result.status)
    read = sum(r.rows_read for r in result.reports)
    accepted = sum(r.rows_accepted for r in result.reports)
    rejected = sum(r.rows_rejected for r in result.reports)
    console.print(
        f"rows read {read:,} = accepted {accepted:,} + rejected {rejected:,}; "
        f"warehouse: {result.db}"
    )
    for title, data in result.sections:
        console.rule(title)
        console.print(render_section(data))
    console.rule(f"targets: {result.scorecard_node} {result.scorecard_period}")
    console.print(
        results_table(
            result.scorecard,
            "目标 scorecard: indicators against the policy "
            "targets (value, gap, on track by the deadline?)",
        )
    )
    console.print(
        f"\nNext: yigong status --db {result.db}; yigong indicators explain ID --db "
        f"{result.db} --node {result.scorecard_node} --period {result.scorecard_period}; "
        "yigong --help for every engine."
    )
    if result.login:
        user, password, _ = result.login
        console.rule("cockpit (驾驶舱)")
        console.print(
            f"Start it:  .venv/bin/yigong serve --db {result.db}\n"
            f"Open:      http://127.0.0.1:8000/  (API and OpenAPI: /docs)\n"
            f"Log in:    {user} / {password}   (also in {result.db.parent / 'demo-login.txt'}; "
            "county health commission, sees the whole demo county)"
        )


def render_section(data: Any) -> Any:
    """Dicts of figures as indented lines (a ratio as numerator/denominator = value)."""
    if not isinstance(data, dict):
        return data
    lines: list[str] = []

    def walk(depth: int, key: str, value: Any) -> None:
        pad = "  " * depth
        if isinstance(value, dict) and {"numerator", "denominator"} <= set(value):
            lines.append(
                f"{pad}{key}: {value['numerator']:,}/{value['denominator']:,} = "
                f"{value.get('value')}"
            )
        elif isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            for k, v in value.items():
                walk(depth + 1, str(k), v)
        else:
            plain = not isinstance(value, int) or key.endswith("year")
            lines.append(f"{pad}{key}: {value}" if plain else f"{pad}{key}: {value:,}")

    for k, v in data.items():
        walk(0, str(k), v)
    return "\n".join(lines)
