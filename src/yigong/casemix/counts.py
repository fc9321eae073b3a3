"""Domain counts of a resolved pack (MDCs, ADRGs, DRGs, OR procedures, MCC/CC codes…).

Recorded in the manifest at build time and re-derived by the validator.
"""

from __future__ import annotations

from yigong.casemix.rawtable import RawTable


def domain_counts(tables: dict[str, RawTable]) -> dict[str, int]:
    adrg = tables["adrg"]
    comp = tables["complications"].dicts()
    return {
        "mdcs": len(tables["mdc"].rows),
        "adrgs": len(set(adrg.column("adrg"))),
        "adrg_rules": len(adrg.rows),
        "drgs": len(tables["drg"].rows),
        "or_procedures": sum(1 for v in tables["procedures"].column("is_or_procedure") if v == "1"),
        "mcc_codes": sum(1 for r in comp if r["severity"] == "MCC"),
        "cc_codes": sum(1 for r in comp if r["severity"] == "CC"),
        "mcc_exclusion_tables": len({r["exclusion_table"] for r in comp if r["severity"] == "MCC"}),
        "cc_exclusion_tables": len({r["exclusion_table"] for r in comp if r["severity"] == "CC"}),
        "principal_exclusion_tables": len(
            set(tables["principal_exclusions"].column("exclusion_table"))
        ),
    }
