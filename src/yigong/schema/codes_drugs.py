"""Code systems of drugs, consumables and itemised charges.

The cost categories are the eleven of the inpatient front page (住院病案首页 费用分类, WS 445 /
卫统4-1), in the order of `tables.DISCHARGE_COST_COLUMNS`: every itemised charge names the
category it is added to, so the items of a stay reconcile with its front page. Antimicrobial
grades follow 抗菌药物临床应用管理办法 (卫生部令第84号, 2012) 第六条 (分级管理).
"""

from __future__ import annotations

Labels = dict[str, tuple[str, str]]

#: what a row of the drug and consumable master is (药品分类: 西药, 中成药, 中药饮片; 医用耗材).
ITEM_KIND: Labels = {
    "western_drug": ("西药", "western drug"),
    "patent_drug": ("中成药", "Chinese patent medicine"),
    "herbal_drug": ("中药饮片", "herbal pieces"),
    "consumable": ("医用耗材", "medical consumable"),
}

#: what an itemised charge bills (费用明细 项目类别).
CHARGE_KIND: Labels = {
    "drug": ("药品", "drug"),
    "consumable": ("医用耗材", "consumable"),
    "service": ("医疗服务项目", "medical service item"),
}

#: the front page's eleven cost categories (病案首页 费用分类), keyed like its columns
#: (`cost_<key>`).
COST_CATEGORY: Labels = {
    "general_service": ("综合医疗服务类", "general medical services"),
    "diagnosis": ("诊断类", "diagnosis"),
    "treatment": ("治疗类", "treatment"),
    "rehabilitation": ("康复类", "rehabilitation"),
    "tcm": ("中医类", "traditional Chinese medicine"),
    "western_drugs": ("西药费", "western drugs"),
    "patent_drugs": ("中成药费", "Chinese patent medicines"),
    "herbal_drugs": ("中草药费", "herbal medicines"),
    "blood": ("血液和血液制品类", "blood and blood products"),
    "consumables": ("耗材类", "consumables"),
    "other": ("其他类", "other"),
}

#: where an encounter happened (门诊 / 住院): the table its `encounter_id` points into.
SETTING: Labels = {
    "outpatient": ("门急诊", "outpatient and emergency"),
    "inpatient": ("住院", "inpatient"),
}

#: 给药途径 as the WHO ATC/DDD index distinguishes it for DDDs (O oral, P parenteral …).
DRUG_ROUTE: Labels = {
    "O": ("口服", "oral"),
    "P": ("注射", "parenteral"),
    "R": ("直肠", "rectal"),
    "V": ("阴道", "vaginal"),
    "N": ("鼻腔", "nasal"),
    "T": ("经皮/外用", "transdermal or topical"),
    "Inhal": ("吸入", "inhalation"),
}

#: 抗菌药物分级管理 (卫生部令第84号 第六条).
ANTIMICROBIAL_GRADE: Labels = {
    "unrestricted": ("非限制使用级", "unrestricted"),
    "restricted": ("限制使用级", "restricted"),
    "special": ("特殊使用级", "special use"),
}

DRUG_CODE_SYSTEMS: dict[str, Labels] = {
    "item_kind": ITEM_KIND,
    "charge_kind": CHARGE_KIND,
    "cost_category": COST_CATEGORY,
    "setting": SETTING,
    "drug_route": DRUG_ROUTE,
    "antimicrobial_grade": ANTIMICROBIAL_GRADE,
}
