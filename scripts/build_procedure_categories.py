"""Build `src/yigong/schema/codes/icd9cm3_categories.csv.gz`: the operation category of every
ICD-9-CM-3 医保版 code (手术 / 介入治疗 / 诊断性操作 / 治疗性操作), derived offline.

The appraisal manuals count as surgery "手术和介入治疗" by the category flag (类别标识) of the
national procedure list. That flag is not shipped with the CHS-DRG reference packs; what they
carry is the grouper's operating-room list (``procedures.csv``, ``is_or_procedure``). This
script derives the category from that list, the chapter structure of ICD-9-CM-3 and a few
name patterns, each rule written out below and counted in the output's ``basis`` column:

1. Chapter 16 (codes 87–99, "miscellaneous diagnostic and therapeutic procedures") holds no
   operations: catheter-directed vascular treatment (thrombolysis, chemo-embolisation) is
   介入治疗, 87–89 are 诊断性操作, 90–99 治疗性操作 (radiotherapy, infusions, ventilation…),
   even where a DRG operating-room list names them.
2. Codes 00–86 on the operating-room list of the national pack or of the regional pack are
   operations (手术), or 介入治疗 when the name is catheter-based vascular treatment, except
   named diagnostic endoscopies (…镜检查), closed/needle biopsies, stand-alone
   cholangiography, and punctures and dialysis, which are 诊断性/治疗性操作.
3. Codes 00–86 off the list are 介入治疗 when their name is catheter-based vascular treatment
   (e.g. extra stents, IABP), else 诊断性操作 when the name says examination, biopsy,
   angiography, measurement or imaging, else 治疗性操作.

Run: ``.venv/bin/python scripts/build_procedure_categories.py`` (deterministic; the packs are
the package data of `yigong.casemix`).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter
from pathlib import Path

from yigong.casemix import read_pack

OUT = Path(__file__).resolve().parents[1] / "src/yigong/schema/codes/icd9cm3_categories.csv.gz"
NATIONAL, REGIONAL = "chs-drg-1.1", "chs-drg-1.1-handan-2022"

VASCULAR = re.compile(r"动脉|静脉|血管|冠状|腔静脉")
CATHETER = re.compile(
    r"经导管|栓塞|溶栓|血栓溶解剂灌注|动脉化疗|取栓|腔静脉滤器|主动脉球囊反搏置入"
    r"|(支架|球囊).*(置入|植入|扩张|成形)|(血管|动脉|静脉).*成形|血管内去除"
)
NOT_TREATMENT = re.compile(r"测定|测量|装置去除|取出|放射治疗|内膜切除|内镜|镜下")
DIAG_ENDOSCOPY = re.compile(r"镜(?!.*活组织).{0,6}检查(术)?$")
CLOSED_BIOPSY = re.compile(r"(穿刺|闭合性|经皮|内镜|超声引导|针吸).*(活检|活组织检查)")
ANGIOGRAPHY = re.compile(r"造影(术)?$")
PUNCTURE = re.compile(r"(腰椎|胸腔|腹腔|骨髓|心包)穿刺")
DIALYSIS = re.compile(r"^血液透析|^腹膜透析$|^血液滤过|^血液灌流")
DIAGNOSTIC_NAME = re.compile(r"造影|活检|活组织检查|检查|诊断性|测定|测量|监测|显像|扫描|照相|描记")


def _catheter_treatment(name: str, *, strict: bool) -> bool:
    """Catheter-based vascular treatment (介入治疗); `strict` also asks for a vessel word."""
    if not CATHETER.search(name) or NOT_TREATMENT.search(name):
        return False
    return not strict or bool(VASCULAR.search(name)) or "栓塞" in name or "溶栓" in name


def classify(code: str, name: str, on_or_list: bool) -> tuple[str, str]:
    """(category, basis) of one code; see the module docstring for the rules."""
    chapter = int(code[:2])
    if chapter >= 87:
        if _catheter_treatment(name, strict=True):
            return "interventional", "chapter 87-99, catheter-based vascular treatment"
        if chapter <= 89:
            return "diagnostic", "chapter 87-89"
        return "therapeutic", "chapter 90-99"
    if on_or_list:
        if DIAG_ENDOSCOPY.search(name):
            return "diagnostic", "OR list, diagnostic endoscopy"
        if CLOSED_BIOPSY.search(name):
            return "diagnostic", "OR list, closed or needle biopsy"
        if ANGIOGRAPHY.search(name):
            return "diagnostic", "OR list, angiography"
        if PUNCTURE.search(name):
            return "therapeutic", "OR list, puncture"
        if DIALYSIS.search(name):
            return "therapeutic", "OR list, dialysis"
        if _catheter_treatment(name, strict=True):
            return "interventional", "OR list, catheter-based vascular treatment"
        return "operation", "OR list"
    if _catheter_treatment(name, strict=True):
        return "interventional", "not on OR list, catheter-based vascular treatment"
    if DIAGNOSTIC_NAME.search(name):
        return "diagnostic", "not on OR list, diagnostic name"
    return "therapeutic", "not on OR list"


def _or_flags(pack: str) -> dict[str, tuple[str, bool]]:
    t = read_pack(pack).table("procedures")
    return {row[0]: (row[1], row[2] == "1") for row in t.rows}


def build_rows() -> list[tuple[str, str, int, int, int, str]]:
    """(code, category, is_surgery, or_national, or_regional, basis) of every code."""
    national, regional = _or_flags(NATIONAL), _or_flags(REGIONAL)
    rows = []
    for code in sorted(set(national) | set(regional)):
        name = (national.get(code) or regional[code])[0]
        on_nat = national.get(code, ("", False))[1]
        on_reg = regional.get(code, ("", False))[1]
        category, basis = classify(code, name, on_nat or on_reg)
        surgery = category in ("operation", "interventional")
        rows.append((code, category, int(surgery), int(on_nat), int(on_reg), basis))
    return rows


def main() -> None:
    rows = build_rows()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("code", "category", "is_surgery", "or_national", "or_regional", "basis"))
    w.writerows(rows)
    OUT.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), mtime=0))
    print(f"{len(rows)} codes -> {OUT}")
    for (cat, basis), n in sorted(Counter((r[1], r[5]) for r in rows).items()):
        print(f"  {n:6,}  {cat:15} {basis}")


if __name__ == "__main__":
    main()
