"""Features the DuckDB backend does not run: none (it is the reference backend)."""

from __future__ import annotations

GAPS: dict[str, str] = {}
