"""The rule trace of one grouped case: why it landed where it did.

Every field is plain data (str/int/bool/list/dict), so ``Trace.to_dict()`` is JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ComplicationCheck:
    """A secondary diagnosis judged against the MCC/CC list and the exclusion tables."""

    position: int  # 2..n
    code: str
    severity: str | None  # MCC / CC / None
    exclusion_table: str | None
    outcome: str  # mcc | cc | excluded | not_listed
    reason: str


@dataclass
class RuleStep:
    """One ADRG rule row tried inside an entered MDC."""

    rule_id: str
    adrg: str
    rule: str
    held: bool
    reason: str
    matched: dict[str, list[str]] = field(default_factory=dict)  # list name -> matching codes


@dataclass
class MdcStep:
    """One MDC visited in evaluation order: entry test and, if entered, the rules tried."""

    mdc: str
    entry_rule: str
    entered: bool
    reason: str
    rules: list[RuleStep] = field(default_factory=list)
    qy: str = ""


@dataclass
class DrgStep:
    drg: str
    condition: str
    held: bool


@dataclass
class Trace:
    """Result and full explanation of grouping one case under one scheme."""

    scheme: str
    pack_version: str
    case_id: str
    status: str = ""
    mdc: str | None = None
    adrg: str | None = None
    drg: str | None = None
    drg_name: str | None = None
    rule_id: str | None = None
    validation_errors: list[str] = field(default_factory=list)
    translation: list[str] = field(default_factory=list)
    principal_exclusion_table: str | None = None
    complications: list[ComplicationCheck] = field(default_factory=list)
    has_mcc: bool = False
    has_cc: bool = False
    mdc_steps: list[MdcStep] = field(default_factory=list)
    drg_steps: list[DrgStep] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """A few lines a coder can read (the CLI prints this)."""
        out = [
            f"{self.case_id}: {self.status} {self.mdc or ''} {self.adrg or ''} {self.drg or ''}"
            f" {self.drg_name or ''}".rstrip()
        ]
        out += [f"  invalid: {e}" for e in self.validation_errors]
        out += [f"  map: {t}" for t in self.translation]
        for c in self.complications:
            out.append(f"  dx{c.position} {c.code}: {c.outcome} ({c.reason})")
        out.append(f"  has_mcc={self.has_mcc} has_cc={self.has_cc}")
        for m in self.mdc_steps:
            if not m.entered:
                continue
            out.append(f"  {m.mdc} entered ({m.entry_rule}: {m.reason})")
            for r in m.rules:
                if r.held:
                    codes = "; ".join(f"{k}={','.join(v)}" for k, v in r.matched.items())
                    out.append(f"    {r.rule_id} {r.rule} HELD {r.reason} {codes}".rstrip())
            failed = [r.rule_id for r in m.rules if not r.held]
            if failed:
                out.append(f"    failed: {' '.join(failed)}")
            if m.qy:
                out.append(f"    QY: {m.qy}")
        for d in self.drg_steps:
            out.append(f"  {d.drg} [{d.condition}] {'held' if d.held else 'no'}")
        return "\n".join(out)
