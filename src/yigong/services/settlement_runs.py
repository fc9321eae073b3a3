"""What every settlement run shares: the warehouse opened for one action, the run record
(``run.json``), the atomic write of the run directory and the summary a face prints.

Each run writes its outputs atomically (:mod:`yigong.payment.run_output`) with a ``run.json``
recording the SHA-256 of the inputs (one per input file, :func:`yigong.payment.hashing.
input_digests`), the policy and every output file. Runs are reproducible: same inputs + same
policy → byte-identical files (no wall-clock time is stored).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yigong
from yigong.payment.errors import PolicyError
from yigong.payment.export import json_bytes
from yigong.payment.hashing import input_digests, policy_sha256
from yigong.payment.policy import Policy
from yigong.payment.policy_inputs import InstitutionLevels
from yigong.payment.run_output import write_run_atomically
from yigong.rulepacks import Issue, Level

if TYPE_CHECKING:  # the warehouse (ibis, duckdb) is only imported when a run reads it
    from yigong.warehouse import Tables

__all__ = [
    "ENGINE",
    "RunSummary",
    "db_source",
    "finish_run",
    "need_levels",
    "need_section",
    "provenance_bytes",
    "run_record",
    "with_tables",
]

ENGINE = f"yigong-payment {yigong.__version__}"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a run produced: where, the hashes, and the headline figures."""

    out_dir: Path
    inputs_sha256: str
    policy_sha256: str
    files: dict[str, str]
    headline: list[dict[str, str]]
    warnings: list[str]


def with_tables(db: Path | Tables, action: Callable[[Tables], T]) -> T:
    """Open the warehouse (if a path) for one action, and close it again."""
    from yigong.services.warehouse import opened  # lazy: heavy (ibis, duckdb), a run reading it

    with opened(db, needs=("settlement",), read_only=True) as tables:
        return action(tables)


def db_source(db: Path | Tables, **extra: str) -> dict[str, str]:
    """The ``source`` record of a warehouse run."""
    return {"kind": "warehouse", "db": str(db) if isinstance(db, Path) else "<tables>", **extra}


def provenance_bytes(items: Any) -> bytes:
    """``provenance.json``: how each input was derived (rule in words and figures)."""
    return json_bytes({p.item: {"rule": p.rule, "figures": p.figures} for p in items})


def run_record(
    kind: str,
    parts: Mapping[str, Any],
    policy: Policy,
    files: dict[str, bytes],
    extra: dict[str, Any],
) -> tuple[bytes, str]:
    """``run.json`` bytes and the inputs' digest: kind, engine, one digest per input file and
    one over them, the policy, the rounding rule, a digest per output file, ``extra``."""
    inputs_hash, per_file = input_digests(parts)
    record = {
        "kind": kind,
        "engine": ENGINE,
        "inputs_sha256": inputs_hash,
        "input_files": per_file,
        "policy": {"id": policy.id, "version": policy.version, "sha256": policy_sha256(policy)},
        "rounding": policy.rounding.rule().describe(),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
        **extra,
    }
    return json_bytes(record), inputs_hash


def finish_run(
    kind: str,
    files: dict[str, bytes],
    parts: Mapping[str, Any],
    policy: Policy,
    out_dir: Path,
    extra: dict[str, Any],
    source: dict[str, str] | None,
    headline: list[dict[str, str]],
    warnings: list[str],
    *,
    replace: bool,
) -> RunSummary:
    """Record the run (``run.json``), write every file of it atomically, and summarise it."""
    record, inputs_hash = run_record(
        kind, parts, policy, files, {**extra, **({"source": source} if source else {})}
    )
    files["run.json"] = record
    write_run_atomically(out_dir, files, replace=replace)
    digests = json.loads(record)["files"]
    return RunSummary(out_dir, inputs_hash, policy_sha256(policy), digests, headline, warnings)


def need_section(section: object, policy: Policy, name: str) -> None:
    """Refuse a policy without the section a run needs, naming it."""
    if section is None:
        raise PolicyError(
            [
                Issue(
                    Level.ERROR,
                    "policy.section",
                    f"policy {policy.id} has no '{name}' section",
                    policy.id,
                    None,
                    name,
                )
            ]
        )


def need_levels(policy: Policy) -> InstitutionLevels:
    """The policy's institution levels (level keys of coefficients and rates), or its error."""
    need_section(policy.institution_levels, policy, "institution_levels")
    assert policy.institution_levels is not None
    return policy.institution_levels
