"""The canonical tables of yigong, declared once.

Column names are English identifiers; each column carries its 中文 name and the national field or
form it follows (WS 445 / 卫统4-1 住院病案首页, 医疗保障基金结算清单 (NHSA 2021), 卫生健康财务年报,
卫生人力基本信息, GB/T 2260 行政区划代码). Warehouse DDL, ingest validation, the synthetic generator
and `docs/schema.md` are all derived from these declarations.
"""

from __future__ import annotations

from yigong.schema.model import Column, DateOrder, DType, Table
from yigong.schema.operations_tables import OPERATIONS_TABLES

S, INT, D = DType.STRING, DType.INT, DType.DECIMAL
DATE, TS, B = DType.DATE, DType.TIMESTAMP, DType.BOOL
SL = DType.STRING_LIST

HOME_PAGE = "住院病案首页 (WS 445 / 卫统4-1)"
SETTLE_LIST = "医疗保障基金结算清单 (医保办发〔2021〕34号)"
FIN_REPORT = "卫生健康财务年报 / 医院财务报表"


def money(name: str, zh: str, national: str = "", required: bool = False, doc: str = "") -> Column:
    """A non-negative amount in yuan, to the fen."""
    return Column(name, D, zh, national, required=required, minimum=0, doc=doc)


def count(name: str, zh: str, national: str = "", required: bool = False, doc: str = "") -> Column:
    """A non-negative whole number."""
    return Column(name, INT, zh, national, required=required, minimum=0, doc=doc)


def inst_ref(name: str, zh: str, required: bool = True, national: str = "") -> Column:
    """A reference to a known institution."""
    return Column(name, S, zh, national, required=required, ref="institutions.institution_id")


def valid_from_to() -> tuple[Column, Column]:
    return (
        Column("valid_from", DATE, "生效日期", required=True, doc="first day the row holds"),
        Column("valid_to", DATE, "失效日期", doc="last day the row holds; empty = still valid"),
    )


VALIDITY = (DateOrder("valid_from", "valid_to"),)

ADMIN_DIVISIONS = Table(
    name="admin_divisions",
    zh="行政区划",
    grain="one administrative unit over one validity span",
    key=("division_code", "valid_from"),
    source="GB/T 2260 行政区划代码 (6 digits, county and above); 统计用区划代码 (9/12 digits)",
    columns=(
        Column(
            "division_code",
            S,
            "区划代码",
            "GB/T 2260",
            required=True,
            doc="6 digits (province, city, county), 9 (township) or 12 (village)",
        ),
        Column("name_zh", S, "名称", required=True),
        Column("name_en", S, "英文名称"),
        Column("level", S, "层级", required=True, codes="division_level"),
        Column(
            "parent_code",
            S,
            "上级区划代码",
            doc="the unit above in the administrative hierarchy; empty for a province",
        ),
        *valid_from_to(),
    ),
    date_orders=VALIDITY,
)

INSTITUTIONS = Table(
    name="institutions",
    zh="医疗卫生机构",
    grain="one institution",
    key=("institution_id",),
    depends_on=("admin_divisions",),
    source="医疗机构执业登记 / 卫生资源统计调查",
    columns=(
        Column(
            "institution_id", S, "机构编码", "医保定点医药机构编码 / 组织机构代码", required=True
        ),
        Column("name_zh", S, "机构名称", required=True),
        Column("name_en", S, "英文名称"),
        Column(
            "institution_type",
            S,
            "机构类别",
            "卫生机构（组织）类别代码",
            required=True,
            codes="institution_type",
        ),
        Column("level", S, "医院等级（级）", "医院级别", required=True, codes="hospital_level"),
        Column("grade", S, "医院等级（等）", "医院等次", required=True, codes="hospital_grade"),
        Column("ownership", S, "经济类型（公立/非公立）", required=True, codes="ownership"),
        Column(
            "division_code",
            S,
            "所在行政区划代码",
            "GB/T 2260",
            required=True,
            ref="admin_divisions.division_code",
        ),
        count("approved_beds", "编制床位", "卫统1-1 编制床位"),
        count("open_beds", "实际开放床位", "卫统1-1 实有床位"),
        Column(
            "emr_level",
            INT,
            "电子病历系统应用水平分级",
            "电子病历系统功能应用水平分级评价",
            minimum=0,
            maximum=8,
        ),
        Column("opened_on", DATE, "开业日期"),
        Column("closed_on", DATE, "停业日期"),
    ),
    date_orders=(DateOrder("opened_on", "closed_on"),),
)

COMMUNITIES = Table(
    name="communities",
    zh="医共体",
    grain="one county medical community (紧密型县域医共体) over its life",
    key=("community_id",),
    depends_on=("admin_divisions",),
    source="豫卫基层〔2020〕… 紧密型县域医共体建设指导意见",
    columns=(
        Column("community_id", S, "医共体编码", required=True),
        Column("name_zh", S, "医共体名称", required=True),
        Column("name_en", S, "英文名称"),
        Column(
            "county_code",
            S,
            "所在县区划代码",
            "GB/T 2260",
            required=True,
            ref="admin_divisions.division_code",
        ),
        *valid_from_to(),
    ),
    date_orders=VALIDITY,
)

COMMUNITY_MEMBERSHIPS = Table(
    name="community_memberships",
    zh="医共体成员关系",
    grain="one institution's membership of a medical community over one validity span",
    key=("institution_id", "valid_from"),
    depends_on=("institutions", "communities"),
    columns=(
        inst_ref("institution_id", "成员机构编码"),
        Column("community_id", S, "医共体编码", required=True, ref="communities.community_id"),
        Column("role", S, "角色", required=True, codes="community_role"),
        inst_ref("parent_institution_id", "上级机构编码（村卫生室所属乡镇卫生院）", required=False),
        *valid_from_to(),
    ),
    date_orders=VALIDITY,
)

POPULATION = Table(
    name="population",
    zh="人口",
    grain="one administrative unit in one year",
    key=("division_code", "year"),
    depends_on=("admin_divisions",),
    source="统计年鉴 年末常住人口 / 公安户籍人口",
    columns=(
        Column("division_code", S, "区划代码", required=True, ref="admin_divisions.division_code"),
        Column("year", INT, "年份", required=True, minimum=1949, maximum=2100),
        count("resident_population", "年末常住人口", required=True),
        count("registered_population", "户籍人口"),
    ),
)

INSURED_POPULATION = Table(
    name="insured_population",
    zh="参保人数",
    grain="insured persons of one scheme in one insured area and year",
    key=("division_code", "year", "scheme"),
    depends_on=("admin_divisions",),
    source="医疗保障统计快报 参保人数",
    columns=(
        Column(
            "division_code", S, "参保地区划代码", required=True, ref="admin_divisions.division_code"
        ),
        Column("year", INT, "年份", required=True, minimum=1949, maximum=2100),
        Column("scheme", S, "险种", "险种类型", required=True, codes="insurance_scheme"),
        count("insured_count", "参保人数", required=True),
    ),
)

PERSONS = Table(
    name="persons",
    zh="居民（参保人）",
    grain="one resident, pseudonymised",
    key=("person_key",),
    depends_on=("admin_divisions",),
    source="居民健康档案 / 参保登记 (identity pseudonymised on ingest)",
    columns=(
        Column(
            "person_key",
            S,
            "个人标识（假名）",
            "身份证件号码 → 密钥散列",
            required=True,
            pseudonymise="id_number",
        ),
        Column("sex", S, "性别", "GB/T 2261.1", required=True, codes="sex"),
        Column("birth_date", DATE, "出生日期", required=True),
        Column(
            "division_code", S, "常住地区划代码", required=True, ref="admin_divisions.division_code"
        ),
        Column("scheme", S, "参保险种", codes="insurance_scheme"),
        Column("insured_area", S, "参保地区划代码", ref="admin_divisions.division_code"),
    ),
)

STAFF = Table(
    name="staff",
    zh="卫生人员",
    grain="one person's post at one institution at one snapshot date (year end)",
    key=("snapshot_date", "institution_id", "staff_key"),
    depends_on=("institutions",),
    source="卫生人力基本信息调查表 (卫统1-2)",
    columns=(
        Column("snapshot_date", DATE, "统计时点", required=True),
        inst_ref("institution_id", "机构编码"),
        Column("staff_key", S, "人员标识（假名）", required=True, pseudonymise="staff_id_number"),
        Column("sex", S, "性别", codes="sex"),
        Column(
            "qualification",
            S,
            "执业资格类别",
            "卫统1-2 执业（助理）医师/注册护士/药师…",
            required=True,
            codes="qualification",
        ),
        Column("practice_category", S, "执业类别", codes="practice_category"),
        Column(
            "specialty",
            S,
            "执业范围/科室",
            doc="practice scope, e.g. 儿科, 麻醉, 重症医学, 病理, 全科",
        ),
        Column("title", S, "专业技术职称", codes="title"),
        Column("on_duty", B, "是否在岗", required=True),
        Column("is_general_practitioner", B, "全科医生"),
        Column("family_doctor_team_id", S, "家庭医生团队编码"),
    ),
)

BED_STATS = Table(
    name="bed_stats",
    zh="床位与床日",
    grain="one institution in one year",
    key=("institution_id", "year"),
    depends_on=("institutions",),
    source="卫统1-1 床位与床日",
    columns=(
        inst_ref("institution_id", "机构编码"),
        Column("year", INT, "年份", required=True, minimum=1949, maximum=2100),
        count("approved_beds", "编制床位"),
        count("open_beds", "实有床位（年末）", required=True),
        count("open_bed_days", "实际开放总床日数"),
        count("occupied_bed_days", "实际占用总床日数"),
    ),
)

_COST_CATEGORIES = (
    ("cost_general_service", "综合医疗服务类", "一般医疗服务费、一般治疗操作费、护理费等"),
    ("cost_diagnosis", "诊断类", "病理、实验室、影像学、临床诊断项目费"),
    ("cost_treatment", "治疗类", "非手术治疗项目费、手术治疗费"),
    ("cost_rehabilitation", "康复类", ""),
    ("cost_tcm", "中医类", "中医治疗"),
    ("cost_western_drugs", "西药费", "含抗菌药物费"),
    ("cost_patent_drugs", "中成药费", ""),
    ("cost_herbal_drugs", "中草药费", "中药饮片"),
    ("cost_blood", "血液和血液制品类", ""),
    ("cost_consumables", "耗材类", "检查用、治疗用、手术用一次性医用材料"),
    ("cost_other", "其他类", ""),
)

#: names of the national cost-category columns of the front page (they add up to total_cost).
DISCHARGE_COST_COLUMNS = tuple(c[0] for c in _COST_CATEGORIES)

DISCHARGES = Table(
    name="discharges",
    zh="住院病案首页",
    grain="one inpatient discharge",
    key=("discharge_id",),
    depends_on=("institutions",),
    source=HOME_PAGE,
    children={
        "discharge_diagnoses": ("diagnosis_codes", "diagnosis_conditions"),
        "discharge_procedures": (
            "procedure_codes",
            "procedure_dates",
            "procedure_grades",
            "procedure_emergency",
            "procedure_minimally_invasive",
            "procedure_incision_classes",
            "procedure_healing_grades",
            "procedure_anaesthesia",
        ),
    },
    columns=(
        Column(
            "discharge_id",
            S,
            "住院记录标识",
            required=True,
            doc="unique per discharge: institution code + 病案号 + 住院次数",
        ),
        inst_ref("institution_id", "组织机构代码", national=f"{HOME_PAGE} 组织机构代码"),
        Column("case_no", S, "病案号", HOME_PAGE, required=True),
        count("admission_seq", "住院次数", HOME_PAGE, required=True),
        Column(
            "patient_key",
            S,
            "患者标识（假名）",
            f"{HOME_PAGE} 身份证号 → 密钥散列",
            required=True,
            pseudonymise="patient_id_number",
        ),
        Column("sex", S, "性别", HOME_PAGE, required=True, codes="sex"),
        Column("age_years", INT, "年龄（岁）", HOME_PAGE, required=True, minimum=0, maximum=130),
        Column("age_days", INT, "年龄不足1周岁的年龄（天）", HOME_PAGE, minimum=0, maximum=365),
        Column(
            "birth_weight_g", INT, "新生儿出生体重（克）", HOME_PAGE, minimum=100, maximum=10000
        ),
        Column("residence_code", S, "现住址区划代码", HOME_PAGE),
        Column("admission_route", S, "入院途径", HOME_PAGE, required=True, codes="admission_route"),
        Column("admission_date", DATE, "入院时间", HOME_PAGE, required=True),
        Column("discharge_date", DATE, "出院时间", HOME_PAGE, required=True),
        count("length_of_stay", "实际住院（天）", HOME_PAGE, required=True),
        Column("department", S, "出院科别", HOME_PAGE, required=True),
        Column("attending_doctor_key", S, "主治医师（假名）", HOME_PAGE),
        Column("discharge_mode", S, "离院方式", HOME_PAGE, required=True, codes="discharge_mode"),
        Column(
            "receiving_institution",
            S,
            "拟接收医疗机构名称/编码",
            HOME_PAGE,
            doc="filled when discharge_mode is 2 or 3",
        ),
        Column("payer", S, "医疗付费方式", HOME_PAGE, required=True, codes="payer"),
        Column(
            "diagnosis_codes",
            SL,
            "出院诊断编码（主要诊断在前）",
            f"{HOME_PAGE} ICD-10 医保版",
            required=True,
            codes="icd10",
        ),
        Column(
            "diagnosis_conditions",
            SL,
            "入院病情",
            HOME_PAGE,
            codes="admission_condition",
            aligned_with="diagnosis_codes",
        ),
        Column(
            "procedure_codes",
            SL,
            "手术及操作编码（主要手术在前）",
            f"{HOME_PAGE} ICD-9-CM-3 医保版",
            codes="icd9cm3",
        ),
        Column("procedure_dates", SL, "手术及操作日期", HOME_PAGE, aligned_with="procedure_codes"),
        Column(
            "procedure_grades",
            SL,
            "手术级别",
            HOME_PAGE,
            codes="procedure_grade",
            aligned_with="procedure_codes",
        ),
        Column(
            "procedure_emergency",
            SL,
            "急诊手术（1是 0择期）",
            HOME_PAGE,
            aligned_with="procedure_codes",
        ),
        Column(
            "procedure_minimally_invasive",
            SL,
            "微创手术（1是 0否）",
            HOME_PAGE,
            aligned_with="procedure_codes",
        ),
        Column(
            "procedure_incision_classes",
            SL,
            "切口等级",
            f"{HOME_PAGE} 切口愈合等级 (CV05.10.022)",
            codes="incision_class",
            aligned_with="procedure_codes",
            doc="empty for a procedure without an incision",
        ),
        Column(
            "procedure_healing_grades",
            SL,
            "切口愈合类别",
            f"{HOME_PAGE} 切口愈合等级 (CV05.10.023)",
            codes="wound_healing",
            aligned_with="procedure_codes",
            doc="empty for a procedure without an incision",
        ),
        Column(
            "procedure_anaesthesia",
            SL,
            "麻醉方式",
            f"{HOME_PAGE} 麻醉方式 (CV06.00.103)",
            codes="anaesthesia",
            aligned_with="procedure_codes",
            doc="empty for a procedure without anaesthesia",
        ),
        Column("is_day_surgery", B, "日间手术", HOME_PAGE),
        money("total_cost", "住院总费用", HOME_PAGE, required=True),
        money("self_paid", "自付金额", HOME_PAGE),
        *(money(n, zh, HOME_PAGE, doc=doc) for n, zh, doc in _COST_CATEGORIES),
    ),
    date_orders=(DateOrder("admission_date", "discharge_date"),),
)

DISCHARGE_DIAGNOSES = Table(
    name="discharge_diagnoses",
    zh="出院诊断",
    grain="one diagnosis of one discharge (seq 1 = principal)",
    key=("discharge_id", "seq"),
    source=HOME_PAGE,
    columns=(
        Column("discharge_id", S, "住院记录标识", required=True),
        Column("seq", INT, "序号（1为主要诊断）", required=True, minimum=1),
        Column("code", S, "诊断编码", "ICD-10 医保版", required=True, codes="icd10"),
        Column("admission_condition", S, "入院病情", codes="admission_condition"),
    ),
)

DISCHARGE_PROCEDURES = Table(
    name="discharge_procedures",
    zh="手术及操作",
    grain="one procedure of one discharge (seq 1 = principal)",
    key=("discharge_id", "seq"),
    source=HOME_PAGE,
    columns=(
        Column("discharge_id", S, "住院记录标识", required=True),
        Column("seq", INT, "序号（1为主要手术）", required=True, minimum=1),
        Column("code", S, "手术及操作编码", "ICD-9-CM-3 医保版", required=True, codes="icd9cm3"),
        Column("procedure_date", DATE, "手术及操作日期"),
        Column("grade", S, "手术级别", codes="procedure_grade"),
        Column("is_emergency", B, "急诊手术"),
        Column("is_minimally_invasive", B, "微创手术"),
        Column("incision_class", S, "切口等级", codes="incision_class"),
        Column("healing_grade", S, "切口愈合类别", codes="wound_healing"),
        Column("anaesthesia", S, "麻醉方式", codes="anaesthesia"),
    ),
)

OUTPATIENT_VISITS = Table(
    name="outpatient_visits",
    zh="门急诊就诊",
    grain="one outpatient or emergency visit",
    key=("visit_id",),
    depends_on=("institutions",),
    source="门（急）诊诊疗信息 (HIS) / 卫统1-1 诊疗人次",
    columns=(
        Column("visit_id", S, "就诊流水号", required=True),
        inst_ref("institution_id", "机构编码"),
        Column(
            "patient_key", S, "患者标识（假名）", required=True, pseudonymise="patient_id_number"
        ),
        Column("visit_date", DATE, "就诊日期", required=True),
        Column("visit_type", S, "就诊类型", required=True, codes="visit_type"),
        Column("department", S, "就诊科室", required=True),
        Column("diagnosis_code", S, "门诊主要诊断", "ICD-10 医保版", codes="icd10"),
        Column("is_appointment", B, "预约就诊", required=True),
        Column("appointment_slot_start", TS, "预约时段开始"),
        Column("has_prescription", B, "开具处方", required=True),
        Column("is_special_needs", B, "特需服务", required=True),
        Column("payer", S, "医疗付费方式", required=True, codes="payer"),
        money("total_cost", "门诊总费用", required=True),
        money("cost_drugs", "药品费"),
        money("cost_consumables", "卫生材料费"),
        money("cost_examination", "检查费"),
        money("cost_laboratory", "化验费"),
        money("cost_treatment", "治疗费"),
        money("cost_other", "其他费用"),
    ),
)

SETTLEMENTS = Table(
    name="settlements",
    zh="医保结算清单",
    grain="one insurance settlement",
    key=("settlement_id",),
    depends_on=("admin_divisions",),
    source=SETTLE_LIST,
    columns=(
        Column("settlement_id", S, "结算ID", SETTLE_LIST, required=True),
        Column(
            "provider_code",
            S,
            "定点医药机构编码",
            SETTLE_LIST,
            required=True,
            doc="may be outside the county, so it is not checked against institutions",
        ),
        Column("provider_name", S, "定点医药机构名称", SETTLE_LIST),
        Column("provider_level", S, "医疗机构等级", codes="hospital_level"),
        Column(
            "service_area",
            S,
            "就医地区划代码",
            SETTLE_LIST,
            required=True,
            ref="admin_divisions.division_code",
        ),
        Column(
            "insured_area",
            S,
            "参保地区划代码",
            SETTLE_LIST,
            required=True,
            ref="admin_divisions.division_code",
        ),
        Column(
            "person_key",
            S,
            "参保人标识（假名）",
            f"{SETTLE_LIST} 人员编号 → 密钥散列",
            required=True,
            pseudonymise="person_id_number",
        ),
        Column("scheme", S, "险种类型", SETTLE_LIST, required=True, codes="insurance_scheme"),
        Column("care_type", S, "医疗类别", SETTLE_LIST, required=True, codes="care_type"),
        Column("admission_date", DATE, "入院日期/就诊日期", SETTLE_LIST),
        Column("discharge_date", DATE, "出院日期", SETTLE_LIST),
        Column("settle_date", DATE, "结算日期", SETTLE_LIST, required=True),
        Column(
            "principal_diagnosis", S, "主要诊断编码", f"{SETTLE_LIST} ICD-10 医保版", codes="icd10"
        ),
        Column(
            "principal_procedure",
            S,
            "主要手术及操作编码",
            f"{SETTLE_LIST} ICD-9-CM-3 医保版",
            codes="icd9cm3",
        ),
        count("length_of_stay", "住院天数", SETTLE_LIST),
        money("total_cost", "医疗费总额", SETTLE_LIST, required=True),
        money("fund_paid", "基金支付", f"{SETTLE_LIST} 统筹基金+大病+救助", required=True),
        money("personal_paid", "个人负担", f"{SETTLE_LIST} 个人自付+自费+账户", required=True),
        Column(
            "payment_method", S, "医保支付方式", SETTLE_LIST, required=True, codes="payment_method"
        ),
        Column("drg_dip_code", S, "DRG/DIP组编码", SETTLE_LIST),
        Column(
            "is_referred", B, "转诊备案", doc="out-of-area care with a referral on file (转外备案)"
        ),
        Column(
            "discharge_id",
            S,
            "对应住院记录标识",
            doc="the front page behind an in-county settlement",
        ),
    ),
    date_orders=(
        DateOrder("admission_date", "discharge_date"),
        DateOrder("admission_date", "settle_date"),
    ),
)

REFERRALS = Table(
    name="referrals",
    zh="转诊记录",
    grain="one referral",
    key=("referral_id",),
    depends_on=("institutions",),
    source="双向转诊单",
    columns=(
        Column("referral_id", S, "转诊单号", required=True),
        Column(
            "patient_key", S, "患者标识（假名）", required=True, pseudonymise="patient_id_number"
        ),
        inst_ref("from_institution_id", "转出机构编码"),
        inst_ref("to_institution_id", "转入机构编码", required=False),
        Column("to_provider_code", S, "县外转入机构编码", doc="for out-of-county referrals"),
        Column("direction", S, "转诊方向", required=True, codes="referral_direction"),
        Column("setting", S, "门诊/住院", required=True, codes="referral_setting"),
        Column("is_out_of_county", B, "转县外", required=True),
        Column("within_community", B, "医共体内转诊", required=True),
        Column("status", S, "状态", required=True, codes="referral_status"),
        Column("diagnosis_code", S, "转诊诊断", "ICD-10 医保版", codes="icd10"),
        Column("request_date", DATE, "申请日期", required=True),
        Column("arrival_date", DATE, "到诊日期"),
        Column("completed_date", DATE, "完成（回传）日期"),
    ),
    date_orders=(
        DateOrder("request_date", "arrival_date"),
        DateOrder("arrival_date", "completed_date"),
    ),
)

FAMILY_DOCTOR_CONTRACTS = Table(
    name="family_doctor_contracts",
    zh="家庭医生签约",
    grain="one signed contract of one resident with a family-doctor team for one term",
    key=("contract_id",),
    depends_on=("institutions",),
    source="家庭医生签约服务 (国卫基层发〔2016〕1号)",
    columns=(
        Column("contract_id", S, "签约编号", required=True),
        Column("person_key", S, "居民标识（假名）", required=True, pseudonymise="person_id_number"),
        Column("team_id", S, "家庭医生团队编码", required=True),
        inst_ref("institution_id", "签约机构编码"),
        Column("key_population", S, "重点人群类别", required=True, codes="key_population"),
        Column("signed_date", DATE, "签约日期", required=True),
        Column("end_date", DATE, "到期日期", required=True),
        money("fee_amount", "签约服务费", required=True),
        count("services_agreed", "约定服务次数"),
        count("services_delivered", "已履约服务次数"),
    ),
    date_orders=(DateOrder("signed_date", "end_date"),),
)

EXAMINATIONS = Table(
    name="examinations",
    zh="检查检验",
    grain="one examination or laboratory test of one patient",
    key=("exam_id",),
    depends_on=("institutions",),
    source="检查检验结果互认 (国卫医发〔2022〕6号)",
    columns=(
        Column("exam_id", S, "检查检验单号", required=True),
        Column(
            "patient_key", S, "患者标识（假名）", required=True, pseudonymise="patient_id_number"
        ),
        inst_ref("ordering_institution_id", "开单机构编码"),
        inst_ref("performing_institution_id", "执行机构编码"),
        Column("exam_type", S, "检查检验类别", required=True, codes="exam_type"),
        Column("exam_item", S, "项目名称/编码", required=True),
        Column("exam_date", DATE, "检查日期", required=True),
        Column("report_date", DATE, "报告日期"),
        money("cost", "费用", required=True),
        Column(
            "recognised_exam_id",
            S,
            "互认的既往检查单号",
            doc="set when this order was satisfied by recognising an earlier result",
        ),
    ),
    date_orders=(DateOrder("exam_date", "report_date"),),
)

PUBLIC_HEALTH_TASKS = Table(
    name="public_health_tasks",
    zh="基本公共卫生服务任务",
    grain="one programme at one institution in one year",
    key=("institution_id", "year", "program"),
    depends_on=("institutions",),
    source="国家基本公共卫生服务规范（第三版）",
    columns=(
        inst_ref("institution_id", "机构编码"),
        Column("year", INT, "年份", required=True, minimum=1949, maximum=2100),
        Column("program", S, "服务项目", required=True, codes="public_health_program"),
        count("tasks_assigned", "任务量", required=True),
        count("tasks_done", "完成量", required=True),
        money("funds", "补助资金"),
        Column(
            "unit",
            S,
            "任务量单位",
            codes="ph_task_unit",
            doc="the programme's own unit (persons managed, records, doses …); the assessment "
            "rules name the unit each programme is counted in and refuse another",
        ),
    ),
)

PH_SERVICE = "国家基本公共卫生服务规范（第三版）服务记录表"

PUBLIC_HEALTH_SERVICES = Table(
    name="public_health_services",
    zh="基本公共卫生服务记录",
    grain="one service of one national basic public-health programme to one resident",
    key=("service_id",),
    depends_on=("institutions",),
    source=f"{PH_SERVICE} (随访服务记录表、健康体检表、预防接种卡 …)",
    columns=(
        Column("service_id", S, "服务记录编号", required=True),
        Column("person_key", S, "居民标识（假名）", required=True, pseudonymise="person_id_number"),
        Column("program", S, "服务项目", PH_SERVICE, required=True, codes="public_health_program"),
        Column("service_type", S, "服务类型", PH_SERVICE, required=True, codes="ph_service_type"),
        Column(
            "disease",
            S,
            "管理病种",
            PH_SERVICE,
            codes="ph_disease",
            doc="the disease a follow-up manages (hypertension, diabetes, …); empty otherwise",
        ),
        Column("service_date", DATE, "服务日期", PH_SERVICE, required=True),
        inst_ref("institution_id", "服务机构编码"),
        Column(
            "provider_key",
            S,
            "服务医生（假名）",
            PH_SERVICE,
            pseudonymise="staff_id_number",
            doc="the village doctor or team member who gave the service (staff pseudonym)",
        ),
        Column("team_id", S, "家庭医生团队编码"),
        Column("sbp", INT, "收缩压（mmHg）", f"{PH_SERVICE} 体征", minimum=50, maximum=300),
        Column("dbp", INT, "舒张压（mmHg）", f"{PH_SERVICE} 体征", minimum=30, maximum=200),
        Column(
            "fasting_glucose",
            DType.FLOAT,
            "空腹血糖（mmol/L）",
            f"{PH_SERVICE} 辅助检查",
            minimum=1,
            maximum=40,
        ),
        Column(
            "hba1c",
            DType.FLOAT,
            "糖化血红蛋白（%）",
            f"{PH_SERVICE} 辅助检查",
            minimum=3,
            maximum=20,
        ),
        Column(
            "bmi", DType.FLOAT, "体质指数（kg/m²）", f"{PH_SERVICE} 体征", minimum=10, maximum=70
        ),
        Column(
            "adherence",
            S,
            "服药依从性",
            f"{PH_SERVICE} 服药依从性（规律/间断/不服药）",
            codes="medication_adherence",
        ),
        Column(
            "prescription_days",
            INT,
            "处方用药天数",
            "长期处方管理规范（试行）国卫办医发〔2021〕17号",
            minimum=0,
            maximum=366,
            doc="days of medication prescribed at this service; above 28 days is a long "
            "prescription (长处方, up to 12 weeks)",
        ),
    ),
)

FINANCE = Table(
    name="finance",
    zh="机构财务年报",
    grain="one institution in one year",
    key=("institution_id", "year"),
    depends_on=("institutions",),
    source=FIN_REPORT,
    columns=(
        inst_ref("institution_id", "机构编码"),
        Column("year", INT, "年份", required=True, minimum=1949, maximum=2100),
        money("medical_revenue", "医疗收入", FIN_REPORT, required=True),
        money("outpatient_revenue", "门急诊收入", FIN_REPORT),
        money("inpatient_revenue", "住院收入", FIN_REPORT),
        money(
            "service_revenue",
            "医疗服务收入",
            FIN_REPORT,
            doc="medical revenue less drugs, consumables, examinations and laboratory tests",
        ),
        money("drug_revenue", "药品收入", FIN_REPORT),
        money("consumable_revenue", "卫生材料收入", FIN_REPORT),
        money("examination_revenue", "检查收入", FIN_REPORT),
        money("laboratory_revenue", "化验收入", FIN_REPORT),
        money("special_needs_revenue", "特需服务收入", FIN_REPORT),
        money("fund_settlement_revenue", "医保基金结算收入", FIN_REPORT),
        money("fiscal_subsidy", "财政补助收入", FIN_REPORT),
        money(
            "basic_fiscal_subsidy",
            "财政基本支出补助收入",
            FIN_REPORT,
            doc="the part of the fiscal subsidy for basic expenditure (not project subsidies)",
        ),
        money("total_revenue", "总收入", FIN_REPORT, required=True),
        money("business_expenditure", "业务活动费用", FIN_REPORT, required=True),
        money("admin_expenditure", "单位管理费用", FIN_REPORT),
        money("personnel_expenditure", "人员经费", FIN_REPORT, required=True),
        money("energy_cost", "能耗支出", FIN_REPORT, doc="water, electricity, gas and fuel"),
        money("total_expenditure", "总费用", FIN_REPORT),
        money("total_assets", "资产总额", FIN_REPORT),
        money("total_liabilities", "负债总额", FIN_REPORT),
    ),
)

MEDICAL_INSURANCE = "医疗保障经办 (定点管理 / 基金财务)"

CONTRIBUTION_STANDARDS = Table(
    name="contribution_standards",
    zh="医保筹资标准",
    grain="the per-capita contribution standard of one scheme in one insured area and year",
    key=("division_code", "year", "scheme"),
    depends_on=("admin_divisions",),
    source="年度城乡居民医保筹资通知 (国家医保局 财政部 税务总局) / 职工医保缴费基数与费率",
    columns=(
        Column(
            "division_code",
            S,
            "统筹地区区划代码",
            required=True,
            ref="admin_divisions.division_code",
        ),
        Column("year", INT, "年份", required=True, minimum=1949, maximum=2100),
        Column("scheme", S, "险种", "险种类型", required=True, codes="insurance_scheme"),
        money(
            "individual",
            "个人缴费（元/人·年）",
            required=True,
            doc="what an insured person pays a year (residents) or the employee's share (employees)",
        ),
        money(
            "subsidy",
            "财政补助或单位缴费（元/人·年）",
            required=True,
            doc="the fiscal subsidy per insured resident, or the employer's share per employee",
        ),
        Column("source", S, "依据文件", required=True, doc="the notice or decision setting it"),
    ),
)

FUND_ACCOUNTS = Table(
    name="fund_accounts",
    zh="医保基金收支",
    grain="the basic medical-insurance fund of one scheme in one pooling area and year",
    key=("division_code", "year", "scheme"),
    depends_on=("admin_divisions",),
    source="医疗保障基金财务报表 / 基金决算",
    columns=(
        Column(
            "division_code",
            S,
            "统筹地区区划代码",
            required=True,
            ref="admin_divisions.division_code",
        ),
        Column("year", INT, "年份", required=True, minimum=1949, maximum=2100),
        Column("scheme", S, "险种", "险种类型", required=True, codes="insurance_scheme"),
        Column(
            "opening_balance",
            D,
            "年初累计结存",
            required=True,
            doc="the fund's accumulated balance at 1 January (may be negative)",
        ),
        money(
            "income",
            "基金收入",
            doc="the year's actual income when known; empty = insured × contribution standard",
        ),
        money("other_income", "利息及其他收入", doc="interest and other income of the year"),
        money(
            "other_expenditure",
            "其他支出（大病保险保费等）",
            doc="spending not in the settlements: the major-illness insurance premium and others",
        ),
        Column("source", S, "数据来源", required=True),
    ),
)

DESIGNATED_PROVIDERS = Table(
    name="designated_providers",
    zh="定点医药机构",
    grain="one designated medical institution or retail pharmacy over its designation",
    key=("provider_code",),
    depends_on=("admin_divisions", "institutions"),
    source="医疗机构医疗保障定点管理暂行办法 (国家医疗保障局令第2号) / 零售药店定点管理 (第3号)",
    columns=(
        Column("provider_code", S, "定点医药机构编码", SETTLE_LIST, required=True),
        Column("name_zh", S, "机构名称", required=True),
        Column("provider_kind", S, "定点类别", required=True, codes="provider_kind"),
        inst_ref("institution_id", "对应医疗卫生机构编码", required=False),
        Column(
            "division_code", S, "所在区划代码", required=True, ref="admin_divisions.division_code"
        ),
        Column("level", S, "医疗机构等级", codes="hospital_level"),
        Column("designated_from", DATE, "定点日期", required=True),
        Column("designated_to", DATE, "解除定点日期", doc="empty = still designated"),
        Column("termination_reason", S, "解除原因", codes="termination_reason"),
    ),
    date_orders=(DateOrder("designated_from", "designated_to"),),
)

PROVIDER_AGREEMENTS = Table(
    name="provider_agreements",
    zh="医保服务协议",
    grain="one service agreement of the insurance agency with one designated provider for one term",
    key=("agreement_id",),
    depends_on=("designated_providers",),
    source="医疗保障定点医疗机构服务协议范本 (国家医保局) / 协议管理",
    columns=(
        Column("agreement_id", S, "协议编号", required=True),
        Column(
            "provider_code",
            S,
            "定点医药机构编码",
            required=True,
            ref="designated_providers.provider_code",
        ),
        Column("valid_from", DATE, "协议起始日期", required=True),
        Column("valid_to", DATE, "协议终止日期", required=True),
        Column("services", SL, "服务范围（医疗类别）", required=True, codes="care_type"),
        Column("payment_methods", SL, "支付方式", required=True, codes="payment_method"),
        money("annual_quota", "年度额度（总额控制指标）", doc="empty = no quota in the agreement"),
        money("deposit", "质量保证金", doc="withheld over the year, returned by the assessment"),
        count("settlement_days", "结算时限（天）", doc="agreed days from claim to payment"),
    ),
    date_orders=(DateOrder("valid_from", "valid_to"),),
)

CLAIM_SUBMISSIONS = Table(
    name="claim_submissions",
    zh="医保费用申报与拨付",
    grain="one provider's monthly claim to the insurance agency and its payment",
    key=("submission_id",),
    depends_on=("designated_providers",),
    source="定点医药机构医保费用月度申报、审核与拨付 (经办规程)",
    columns=(
        Column("submission_id", S, "申报单号", required=True),
        Column(
            "provider_code",
            S,
            "定点医药机构编码",
            required=True,
            ref="designated_providers.provider_code",
        ),
        Column("year", INT, "费用所属年份", required=True, minimum=1949, maximum=2100),
        Column("month", INT, "费用所属月份", required=True, minimum=1, maximum=12),
        Column("submitted_date", DATE, "申报日期", required=True),
        money("amount_claimed", "申报金额", required=True),
        money("amount_approved", "审核通过金额"),
        Column("paid_date", DATE, "拨付日期", doc="empty = not yet paid"),
        money("amount_paid", "拨付金额"),
    ),
    date_orders=(DateOrder("submitted_date", "paid_date"),),
)

AGREEMENT_INSPECTIONS = Table(
    name="agreement_inspections",
    zh="协议考核检查记录",
    grain="one assessed item of one provider in one year (on-site inspection, survey, audit)",
    key=("provider_code", "year", "item"),
    depends_on=("designated_providers",),
    source="定点医药机构年度考核 (协议管理)",
    columns=(
        Column(
            "provider_code",
            S,
            "定点医药机构编码",
            required=True,
            ref="designated_providers.provider_code",
        ),
        Column("year", INT, "考核年度", required=True, minimum=1949, maximum=2100),
        Column(
            "item",
            S,
            "考核项目",
            required=True,
            doc="an item id of the policy's agreement assessment (e.g. violations, satisfaction)",
        ),
        Column(
            "value", D, "结果", required=True, minimum=0, doc="a count or a score, as the item says"
        ),
        Column("note", S, "说明"),
    ),
)

#: every ingestable table, in dependency order.
TABLES: tuple[Table, ...] = (
    ADMIN_DIVISIONS,
    INSTITUTIONS,
    COMMUNITIES,
    COMMUNITY_MEMBERSHIPS,
    POPULATION,
    INSURED_POPULATION,
    PERSONS,
    STAFF,
    BED_STATS,
    DISCHARGES,
    OUTPATIENT_VISITS,
    SETTLEMENTS,
    REFERRALS,
    FAMILY_DOCTOR_CONTRACTS,
    EXAMINATIONS,
    PUBLIC_HEALTH_TASKS,
    PUBLIC_HEALTH_SERVICES,
    FINANCE,
    CONTRIBUTION_STANDARDS,
    FUND_ACCOUNTS,
    DESIGNATED_PROVIDERS,
    PROVIDER_AGREEMENTS,
    CLAIM_SUBMISSIONS,
    AGREEMENT_INSPECTIONS,
    *OPERATIONS_TABLES,
)

#: child tables the warehouse derives from list columns (not ingested directly).
CHILD_TABLES: tuple[Table, ...] = (DISCHARGE_DIAGNOSES, DISCHARGE_PROCEDURES)

BY_NAME: dict[str, Table] = {t.name: t for t in (*TABLES, *CHILD_TABLES)}


def table(name: str) -> Table:
    """The canonical table called `name`."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no canonical table {name!r}; known: {', '.join(BY_NAME)}") from None
