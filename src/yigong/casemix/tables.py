"""The tables of a grouper pack: columns, keys and allowed values.

A pack is a folder of CSV tables plus ``manifest.toml``. This module is the single
declaration of what each table holds; the loader, the overlay resolver and the
validator all read it. The vocabulary (entry rules, ADRG rules, DRG conditions)
is the one of the CHS-DRG 1.1 reference packs' README, sections 3 and 6.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENTRY_RULES = (
    "principal_or_procedure",
    "principal_or_procedure_or_listed",
    "principal_dx",
    "principal_dx_age0",
    "principal_dx_male",
    "principal_dx_female",
    "principal_dx_multi_trauma",
)

#: ADRG rule kind -> the code lists it consults (README section 6.2).
ADRG_RULE_LISTS: dict[str, tuple[str, ...]] = {
    "principal_dx": ("dx",),
    "principal_proc": ("proc",),
    "principal_dx_and_principal_proc": ("dx", "proc"),
    "any_proc_in_both_lists": ("proc", "proc2"),
    "principal_dx_and_any_proc_in_both_lists": ("dx", "proc", "proc2"),
    "principal_dx_and_any_proc_in_three_lists": ("dx", "proc", "proc2", "proc3"),
    "principal_proc_newborn": ("proc",),
    "principal_dx_newborn": ("dx",),
    "any_dx_newborn_weight": ("dx",),
    "principal_proc_is_or": (),
    "any_dx_and_principal_proc_is_or": ("dx",),
    "no_or_procedure": (),
    "any_dx": ("dx",),
    "secondary_dx": ("dx2",),
    "tagged_procedures": ("dx", "proc"),
    "always": (),
}
ADRG_RULES = tuple(ADRG_RULE_LISTS)
NEWBORN_RULES = ("principal_proc_newborn", "principal_dx_newborn", "any_dx_newborn_weight")
CODE_LISTS = ("dx", "dx2", "proc", "proc2", "proc3")
DIAGNOSIS_LISTS = ("dx", "dx2")
DRG_CONDITIONS = ("mcc", "mcc_or_cc", "always")
SEVERITIES = ("MCC", "CC")
QY_RULES = ("any_or_procedure",)


@dataclass(frozen=True)
class Column:
    """One CSV column: its name, type (``str``, ``int``, ``bool``), nullability, enum."""

    name: str
    kind: str = "str"
    nullable: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A pack table: file name, columns in order, the unique key, whether it is required."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    used_for_grouping: bool = True
    doc: str = ""
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    @property
    def file(self) -> str:
        return f"{self.name}.csv"


def _c(
    name: str, kind: str = "str", nullable: bool = False, choices: tuple[str, ...] = ()
) -> Column:
    return Column(name, kind, nullable, choices)


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "diagnoses",
            (_c("code"), _c("name", nullable=True)),
            ("code",),
            used_for_grouping=False,
            doc="diagnosis dictionary (names; informational)",
        ),
        TableSpec(
            "procedures",
            (
                _c("code"),
                _c("name", nullable=True),
                _c("is_or_procedure", "bool"),
                _c("in_dictionary", "bool"),
            ),
            ("code",),
            doc="procedure dictionary and the operating-room (OR) flag",
        ),
        TableSpec(
            "diagnosis_map",
            (_c("from_code"), _c("to_code")),
            ("from_code",),
            doc="optional diagnosis code translation (step 0)",
        ),
        TableSpec(
            "procedure_map",
            (_c("from_code"), _c("to_code")),
            ("from_code",),
            doc="optional procedure code translation (step 0)",
        ),
        TableSpec(
            "complications",
            (_c("code"), _c("severity", choices=SEVERITIES), _c("exclusion_table")),
            ("code",),
            doc="MCC/CC list with each code's exclusion table",
        ),
        TableSpec(
            "principal_exclusions",
            (_c("principal_code"), _c("exclusion_table")),
            ("principal_code",),
            doc="principal diagnosis -> exclusion table",
        ),
        TableSpec(
            "mdc",
            (
                _c("mdc"),
                _c("order", "int"),
                _c("name", nullable=True),
                _c("entry_rule", choices=ENTRY_RULES),
                _c("qy_enabled", "bool"),
                _c("qy_rule", nullable=True, choices=QY_RULES),
                _c("qy_after_seq", "int", nullable=True),
            ),
            ("mdc",),
            doc="major diagnostic categories, evaluation order, entry rule",
        ),
        TableSpec(
            "mdc_diagnoses",
            (_c("mdc"), _c("code"), _c("trauma_region", nullable=True)),
            ("mdc", "code"),
            doc="principal-diagnosis lists of the MDCs",
        ),
        TableSpec(
            "mdc_procedures",
            (_c("mdc"), _c("code")),
            ("mdc", "code"),
            doc="extra entry procedures (principal_or_procedure_or_listed)",
        ),
        TableSpec(
            "trauma_regions",
            (_c("region"), _c("label_zh"), _c("order", "int")),
            ("region",),
            doc="MDCZ body regions",
        ),
        TableSpec(
            "adrg",
            (
                _c("rule_id"),
                _c("adrg"),
                _c("mdc"),
                _c("seq", "int"),
                _c("name", nullable=True),
                _c("rule", choices=ADRG_RULES),
                _c("tag_expr", nullable=True),
                _c("newborn_max_age_days", "int", nullable=True),
                _c("weight_min_g", "int", nullable=True),
                _c("weight_max_g", "int", nullable=True),
            ),
            ("rule_id",),
            doc="ADRG entry rules, in order within each MDC",
        ),
        TableSpec(
            "adrg_codes",
            (
                _c("rule_id"),
                _c("adrg"),
                _c("list", choices=CODE_LISTS),
                _c("code"),
                _c("tag", "int", nullable=True),
            ),
            ("rule_id", "list", "code"),
            doc="code lists of the ADRG rules",
        ),
        TableSpec(
            "unused_rule_codes",
            (_c("rule_id"), _c("adrg"), _c("list", choices=CODE_LISTS), _c("code")),
            ("rule_id", "list", "code"),
            required=False,
            used_for_grouping=False,
            doc="codes the source carries but never consults (informational only)",
        ),
        TableSpec(
            "drg",
            (
                _c("drg"),
                _c("adrg"),
                _c("name", nullable=True),
                _c("seq", "int"),
                _c("condition", choices=DRG_CONDITIONS),
            ),
            ("drg",),
            doc="DRGs of each ADRG and their complication condition",
        ),
    )
}
