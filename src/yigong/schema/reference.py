"""Reference tables: national code data shipped with yigong, not ingested.

They are declared like the canonical tables so the indicator language can look rows up in them
(a measure's ``joins``), but their rows come from package data under `codes/`, the same for
every warehouse. The indicator engine serves them next to the warehouse's tables.
"""

from __future__ import annotations

from yigong.schema.model import Column, DType, Table

PROCEDURE_CATEGORIES = Table(
    name="procedure_categories",
    zh="手术操作类别（ICD-9-CM-3 医保版）",
    grain="one ICD-9-CM-3 医保版 procedure code",
    key=("code",),
    source="CHS-DRG 1.1 (national and Handan 2022) operating-room lists; codes/README.md",
    columns=(
        Column("code", DType.STRING, "手术及操作编码", "ICD-9-CM-3 医保版", required=True),
        Column(
            "category",
            DType.STRING,
            "手术操作类别",
            "类别标识: 手术 / 介入治疗 / 诊断性操作 / 治疗性操作",
            required=True,
            codes="procedure_category",
        ),
        Column(
            "is_surgery",
            DType.BOOL,
            "计为手术（手术或介入治疗）",
            required=True,
            doc="what the appraisal manuals count as surgery: 手术 + 介入治疗",
        ),
        Column("or_national", DType.BOOL, "国家版手术室手术", "CHS-DRG 1.1 is_or_procedure"),
        Column("or_regional", DType.BOOL, "邯郸版手术室手术", "Handan 2022 is_or_procedure"),
        Column("basis", DType.STRING, "分类依据", doc="the derivation rule that gave the category"),
    ),
)

#: reference tables by name.
REFERENCE_TABLES: dict[str, Table] = {PROCEDURE_CATEGORIES.name: PROCEDURE_CATEGORIES}
