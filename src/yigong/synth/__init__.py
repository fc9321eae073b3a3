"""Seeded synthetic county, city and province generator (`yigong synth`).

Writes the files a county's institutions, health commission and insurance bureau would
export — one file per canonical table — from a world simulated with documented assumptions
(`docs/synthetic-data.md`). `write_faults` writes deliberately broken files for ingest tests.
"""

from yigong.synth.faults import write_faults
from yigong.synth.generate import generate, generate_tables
from yigong.synth.params import PRESETS

__all__ = ["PRESETS", "generate", "generate_tables", "write_faults"]
