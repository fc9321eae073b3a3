"""Code systems: small enumerations declared here, large national lists shipped as data.

Each small code system maps a code to its (中文, English) label. The large lists — ICD-10 and
ICD-9-CM-3 in their 医保版 (national healthcare security) editions, and the administrative
divisions — are package data under `codes/`, loaded on first use.
"""

from __future__ import annotations

import csv
import gzip
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from yigong.schema.codes_operations import OPERATIONS_CODE_SYSTEMS

Labels = dict[str, tuple[str, str]]

INSTITUTION_TYPE: Labels = {
    "county_general": ("县级综合医院", "county general hospital"),
    "county_tcm": ("县级中医医院", "county TCM hospital"),
    "county_mch": ("县级妇幼保健院", "county maternal and child health hospital"),
    "county_specialised": ("县级专科医院", "other county specialised hospital"),
    "city_general": ("市级综合医院", "city general hospital"),
    "township_centre": ("乡镇卫生院", "township health centre"),
    "community_centre": ("社区卫生服务中心", "community health service centre"),
    "community_station": ("社区卫生服务站", "community health service station"),
    "village_clinic": ("村卫生室", "village clinic"),
    "private_hospital": ("民营医院", "private hospital"),
    "rehabilitation": ("康复医疗机构", "rehabilitation institution"),
    "nursing_home": ("护理院/医养结合机构", "nursing home"),
    "public_health": ("专业公共卫生机构", "public-health institution"),
}

#: institution types counted as primary care (基层医疗卫生机构) in the consultation-rate indicators.
PRIMARY_CARE_TYPES = frozenset(
    {"township_centre", "community_centre", "community_station", "village_clinic"}
)

HOSPITAL_LEVEL: Labels = {
    "3": ("三级", "tertiary"),
    "2": ("二级", "secondary"),
    "1": ("一级", "primary"),
    "0": ("未定级", "not graded"),
}

HOSPITAL_GRADE: Labels = {
    "A": ("甲等", "grade A"),
    "B": ("乙等", "grade B"),
    "C": ("丙等", "grade C"),
    "N": ("未定等", "no grade"),
}

OWNERSHIP: Labels = {
    "public": ("公立", "public"),
    "private": ("非公立", "private"),
}

DIVISION_LEVEL: Labels = {
    "province": ("省", "province"),
    "city": ("市", "city"),
    "county": ("县（市、区）", "county"),
    "township": ("乡镇（街道）", "township"),
    "village": ("村（居委会）", "village"),
}

COMMUNITY_ROLE: Labels = {
    "lead": ("牵头医院", "lead hospital"),
    "member": ("成员单位", "member institution"),
    "village": ("村卫生室（乡村一体化）", "village clinic under its township centre"),
    "affiliate": ("协作单位", "affiliated (private/rehabilitation/nursing)"),
}

SEX: Labels = {"1": ("男", "male"), "2": ("女", "female"), "9": ("未说明", "unstated")}

INSURANCE_SCHEME: Labels = {
    "employee": ("城镇职工基本医疗保险", "urban employee basic medical insurance"),
    "resident": ("城乡居民基本医疗保险", "urban-rural resident basic medical insurance"),
    "none": ("未参保/自费", "uninsured / self-pay"),
}

QUALIFICATION: Labels = {
    "licensed_physician": ("执业医师", "licensed physician"),
    "assistant_physician": ("执业助理医师", "licensed assistant physician"),
    "registered_nurse": ("注册护士", "registered nurse"),
    "pharmacist": ("药师（士）", "pharmacist"),
    "technician": ("技师（士）", "technician"),
    "other_health": ("其他卫生技术人员", "other health technician"),
    "village_doctor": ("乡村医生", "village doctor"),
    "management": ("管理人员", "management"),
    "support": ("工勤技能人员", "support staff"),
}

PRACTICE_CATEGORY: Labels = {
    "clinical": ("临床", "clinical"),
    "tcm": ("中医", "traditional Chinese medicine"),
    "dental": ("口腔", "dental"),
    "public_health": ("公共卫生", "public health"),
    "none": ("无", "not applicable"),
}

TITLE: Labels = {
    "senior": ("正高", "senior"),
    "deputy_senior": ("副高", "deputy senior"),
    "intermediate": ("中级", "intermediate"),
    "junior": ("初级", "junior"),
    "none": ("无职称", "none"),
}

#: 病案首页 入院途径
ADMISSION_ROUTE: Labels = {
    "1": ("急诊", "emergency"),
    "2": ("门诊", "outpatient"),
    "3": ("其他医疗机构转入", "referred from another institution"),
    "9": ("其他", "other"),
}

#: 病案首页 离院方式
DISCHARGE_MODE: Labels = {
    "1": ("医嘱离院", "discharged on medical advice"),
    "2": ("医嘱转院", "transferred to another hospital on advice"),
    "3": ("医嘱转社区卫生服务机构/乡镇卫生院", "transferred to a community or township centre"),
    "4": ("非医嘱离院", "left against medical advice"),
    "5": ("死亡", "died"),
    "9": ("其他", "other"),
}

#: 病案首页 入院病情
ADMISSION_CONDITION: Labels = {
    "1": ("有", "present"),
    "2": ("临床未确定", "clinically undetermined"),
    "3": ("情况不明", "unknown"),
    "4": ("无", "not present"),
}

#: 病案首页 医疗付费方式 (simplified to the payers a county sees)
PAYER: Labels = {
    "1": ("城镇职工基本医疗保险", "urban employee insurance"),
    "2": ("城乡居民基本医疗保险", "urban-rural resident insurance"),
    "3": ("贫困救助", "poverty relief"),
    "4": ("商业医疗保险", "commercial insurance"),
    "5": ("全公费", "fully publicly funded"),
    "6": ("全自费", "self-pay"),
    "9": ("其他", "other"),
}

PROCEDURE_GRADE: Labels = {
    "1": ("一级手术", "grade 1"),
    "2": ("二级手术", "grade 2"),
    "3": ("三级手术", "grade 3"),
    "4": ("四级手术", "grade 4"),
}

#: 病案首页 切口等级: 手术切口类别代码 (CV05.10.022)
INCISION_CLASS: Labels = {
    "0": ("0类切口", "class 0 (no incision through skin)"),
    "1": ("Ⅰ类切口", "class I (clean)"),
    "2": ("Ⅱ类切口", "class II (clean-contaminated)"),
    "3": ("Ⅲ类切口", "class III (contaminated)"),
}

#: 病案首页 切口愈合类别: 切口愈合等级代码 (CV05.10.023)
WOUND_HEALING: Labels = {
    "1": ("甲", "grade A (healed well)"),
    "2": ("乙", "grade B (healed with inflammation)"),
    "3": ("丙", "grade C (suppurated)"),
    "9": ("其他", "other"),
}

#: 病案首页 麻醉方式: 麻醉方法代码 (CV06.00.103); the first digit is the family
ANAESTHESIA: Labels = {
    "1": ("全身麻醉", "general"),
    "11": ("吸入麻醉", "inhalational"),
    "12": ("静脉麻醉", "intravenous"),
    "13": ("基础麻醉", "basal"),
    "2": ("椎管内麻醉", "neuraxial"),
    "21": ("蛛网膜下腔阻滞麻醉", "spinal"),
    "22": ("硬脊膜外腔阻滞麻醉", "epidural"),
    "3": ("局部麻醉", "local"),
    "31": ("神经丛阻滞麻醉", "plexus block"),
    "32": ("神经节阻滞麻醉", "ganglion block"),
    "33": ("神经阻滞麻醉", "nerve block"),
    "34": ("区域阻滞麻醉", "field block"),
    "35": ("局部浸润麻醉", "local infiltration"),
    "36": ("表面麻醉", "topical"),
    "4": ("复合麻醉", "combined"),
    "41": ("静吸复合麻醉", "intravenous-inhalational"),
    "42": ("针药复合麻醉", "acupuncture-drug"),
    "43": ("神经丛与硬膜外阻滞复合麻醉", "plexus and epidural"),
    "44": ("全麻复合全身降温", "general with hypothermia"),
    "45": ("全麻复合控制性降压", "general with controlled hypotension"),
    "9": ("其他麻醉方法", "other"),
}

#: 手术操作类别 of the national procedure list (类别标识): surgery = operation + interventional.
PROCEDURE_CATEGORY: Labels = {
    "operation": ("手术", "operation"),
    "interventional": ("介入治疗", "interventional treatment"),
    "diagnostic": ("诊断性操作", "diagnostic procedure"),
    "therapeutic": ("治疗性操作", "therapeutic procedure"),
}

VISIT_TYPE: Labels = {
    "outpatient": ("门诊", "outpatient"),
    "emergency": ("急诊", "emergency"),
    "health_check": ("健康体检", "health check"),
    "home_visit": ("出诊", "home visit"),
    "other": ("其他", "other"),
}

CARE_TYPE: Labels = {
    "inpatient": ("住院", "inpatient"),
    "outpatient": ("普通门诊", "outpatient"),
    "outpatient_chronic": ("门诊慢特病", "outpatient chronic and special disease"),
    "pharmacy": ("定点药店购药", "pharmacy purchase"),
}

PAYMENT_METHOD: Labels = {
    "fee_for_service": ("按项目付费", "fee for service"),
    "drg": ("按DRG付费", "DRG"),
    "dip": ("按病种分值付费(DIP)", "DIP"),
    "per_bed_day": ("按床日付费", "per bed-day"),
    "per_head": ("按人头付费", "per head"),
    "day_surgery": ("日间手术付费", "day surgery"),
    "global_budget": ("医共体总额付费", "medical-community global budget"),
}

PROVIDER_KIND: Labels = {
    "medical_institution": ("定点医疗机构", "designated medical institution"),
    "retail_pharmacy": ("定点零售药店", "designated retail pharmacy"),
}

#: why a designation ended (解除定点/协议的原因)
TERMINATION_REASON: Labels = {
    "eliminated": ("考核末位淘汰", "eliminated as the last in the annual assessment"),
    "violation": ("违法违规解除协议", "agreement ended for violations"),
    "voluntary": ("主动申请退出", "left at its own request"),
    "closed": ("停业或注销", "closed"),
}

REFERRAL_DIRECTION: Labels = {
    "up": ("上转", "upward"),
    "down": ("下转", "downward"),
    "lateral": ("平转", "lateral"),
}

REFERRAL_SETTING: Labels = {
    "outpatient": ("门诊", "outpatient"),
    "inpatient": ("住院", "inpatient"),
}

REFERRAL_STATUS: Labels = {
    "requested": ("申请", "requested"),
    "reviewed": ("审核", "reviewed"),
    "accepted": ("应答-接收", "accepted"),
    "declined": ("应答-拒绝", "declined"),
    "arrived": ("到诊", "arrived"),
    "completed": ("回传", "records returned"),
    "cancelled": ("撤销", "cancelled"),
}

KEY_POPULATION: Labels = {
    "elderly": ("65岁及以上老年人", "elderly (65+)"),
    "hypertension": ("高血压患者", "hypertension patient"),
    "diabetes": ("2型糖尿病患者", "type 2 diabetes patient"),
    "maternal": ("孕产妇", "pregnant or postpartum woman"),
    "child": ("0-6岁儿童", "child 0-6"),
    "disabled": ("残疾人", "person with disability"),
    "low_income": ("脱贫人口", "low-income"),
    "general": ("一般人群", "general population"),
}

EXAM_TYPE: Labels = {
    "ct": ("CT", "CT"),
    "mri": ("磁共振", "MRI"),
    "xray": ("X线摄影", "X-ray"),
    "ultrasound": ("超声", "ultrasound"),
    "ecg": ("心电图", "ECG"),
    "lab_panel": ("检验项目", "laboratory test"),
    "pathology": ("病理", "pathology"),
}

PUBLIC_HEALTH_PROGRAM: Labels = {
    "health_records": ("居民健康档案管理", "health records"),
    "health_education": ("健康教育", "health education"),
    "vaccination": ("预防接种", "vaccination"),
    "child_health": ("0-6岁儿童健康管理", "child health"),
    "maternal_health": ("孕产妇健康管理", "maternal health"),
    "elderly_health": ("老年人健康管理", "elderly health"),
    "chronic_disease": ("慢性病患者健康管理", "chronic disease (hypertension, diabetes)"),
    "hypertension": ("高血压患者健康管理", "hypertension management"),
    "diabetes": ("2型糖尿病患者健康管理", "type 2 diabetes management"),
    "mental_health": ("严重精神障碍患者管理", "severe mental illness"),
    "tb": ("肺结核患者健康管理", "tuberculosis"),
    "tcm_health": ("中医药健康管理", "TCM health management"),
}

PH_SERVICE_TYPE: Labels = {
    "record_opened": ("建立健康档案", "health record opened"),
    "record_updated": ("健康档案更新", "health record updated"),
    "followup": ("随访", "follow-up"),
    "health_check": ("健康体检", "health check"),
    "home_visit": ("访视", "home visit"),
    "vaccination": ("预防接种", "vaccination"),
    "education": ("健康教育（个体化）", "individual health education"),
    "tcm_guidance": ("中医药健康指导", "TCM health guidance"),
}

PH_DISEASE: Labels = {
    "hypertension": ("高血压", "hypertension"),
    "diabetes": ("2型糖尿病", "type 2 diabetes"),
    "severe_mental": ("严重精神障碍", "severe mental disorder"),
    "tb": ("肺结核", "tuberculosis"),
}

MEDICATION_ADHERENCE: Labels = {
    "regular": ("规律", "regular"),
    "intermittent": ("间断", "intermittent"),
    "none": ("不服药", "not taking"),
}

PH_TASK_UNIT: Labels = {
    "persons": ("人", "persons"),
    "records": ("份", "records"),
    "visits": ("人次", "visits"),
    "doses": ("剂次", "doses"),
    "sessions": ("次（场）", "sessions"),
}

SMALL_CODE_SYSTEMS: dict[str, Labels] = {
    "institution_type": INSTITUTION_TYPE,
    "hospital_level": HOSPITAL_LEVEL,
    "hospital_grade": HOSPITAL_GRADE,
    "ownership": OWNERSHIP,
    "division_level": DIVISION_LEVEL,
    "community_role": COMMUNITY_ROLE,
    "sex": SEX,
    "insurance_scheme": INSURANCE_SCHEME,
    "qualification": QUALIFICATION,
    "practice_category": PRACTICE_CATEGORY,
    "title": TITLE,
    "admission_route": ADMISSION_ROUTE,
    "discharge_mode": DISCHARGE_MODE,
    "admission_condition": ADMISSION_CONDITION,
    "payer": PAYER,
    "procedure_grade": PROCEDURE_GRADE,
    "incision_class": INCISION_CLASS,
    "wound_healing": WOUND_HEALING,
    "anaesthesia": ANAESTHESIA,
    "procedure_category": PROCEDURE_CATEGORY,
    "visit_type": VISIT_TYPE,
    "care_type": CARE_TYPE,
    "payment_method": PAYMENT_METHOD,
    "provider_kind": PROVIDER_KIND,
    "termination_reason": TERMINATION_REASON,
    "referral_direction": REFERRAL_DIRECTION,
    "referral_setting": REFERRAL_SETTING,
    "referral_status": REFERRAL_STATUS,
    "key_population": KEY_POPULATION,
    "exam_type": EXAM_TYPE,
    "public_health_program": PUBLIC_HEALTH_PROGRAM,
    "ph_service_type": PH_SERVICE_TYPE,
    "ph_disease": PH_DISEASE,
    "medication_adherence": MEDICATION_ADHERENCE,
    "ph_task_unit": PH_TASK_UNIT,
    **OPERATIONS_CODE_SYSTEMS,
}

#: large national code lists shipped under `codes/` (file name, title).
NATIONAL_CODE_LISTS: dict[str, tuple[str, str]] = {
    "icd10": ("icd10_chs.csv.gz", "ICD-10 医保版 (NHSA edition, as in CHS-DRG 1.1)"),
    "icd9cm3": ("icd9cm3_chs.csv.gz", "ICD-9-CM-3 医保版 (NHSA edition, as in CHS-DRG 1.1)"),
}


def national_code_file(system: str) -> Traversable:
    """The packaged file of a national list (gzip CSV with columns code, name)."""
    filename, _title = NATIONAL_CODE_LISTS[system]
    return resources.files("yigong.schema") / "codes" / filename


@cache
def national_codes(system: str) -> dict[str, str]:
    """Code → Chinese name for a national list (``icd10`` or ``icd9cm3``)."""
    with (
        national_code_file(system).open("rb") as raw,
        gzip.open(raw, "rt", encoding="utf-8", newline="") as fh,
    ):
        return {row["code"]: row["name"] for row in csv.DictReader(fh)}


def code_values(system: str) -> list[str]:
    """All valid codes of a code system, small or national."""
    if system in SMALL_CODE_SYSTEMS:
        return list(SMALL_CODE_SYSTEMS[system])
    return list(national_codes(system))


#: the operation category of every ICD-9-CM-3 医保版 code (see `codes/README.md` for how it is
#: derived from the CHS-DRG operating-room lists).
PROCEDURE_CATEGORY_FILE = "icd9cm3_categories.csv.gz"


@cache
def procedure_categories() -> dict[str, str]:
    """ICD-9-CM-3 医保版 code → operation category (``operation`` … ``therapeutic``)."""
    path = resources.files("yigong.schema") / "codes" / PROCEDURE_CATEGORY_FILE
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8", newline="") as fh:
        return {row["code"]: row["category"] for row in csv.DictReader(fh)}


def procedure_category_rows() -> list[dict[str, str]]:
    """Every row of the category file (code, category, is_surgery, OR flags, basis)."""
    path = resources.files("yigong.schema") / "codes" / PROCEDURE_CATEGORY_FILE
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
