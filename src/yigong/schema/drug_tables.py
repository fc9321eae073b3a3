"""Canonical tables of drugs, consumables and itemised charges.

One community catalogue (the drug and consumable master and the community formulary with each
member's availability), volume-based procurement (agreed volumes per institution and contract
year, purchase orders, deliveries inside the community), medication orders, the service price
catalogue and the itemised charges (费用明细) of every stay and visit. Declared here and listed
in `tables.TABLES` like every other canonical table, so ingest validation, the warehouse DDL and
`docs/schema.md` are derived from them.

Sources: 医疗保障基金结算清单 and 医保信息业务编码 (医保药品、医用耗材、医疗服务项目分类与代码,
国家医保局 2019–2020); 国家组织药品集中采购和使用 (约定采购量, 国办发〔2019〕2号 and
医保发〔2019〕56号); 抗菌药物临床应用管理办法 (卫生部令第84号); WHO ATC/DDD index for the
defined daily doses; 全国医疗服务价格项目规范 for the service items; 住院费用一日清单
(卫生部 2002 住院患者费用清单制度) for the itemised charges.
"""

from __future__ import annotations

from yigong.schema.model import Column, DateOrder, DType, Table

S, INT, D, F = DType.STRING, DType.INT, DType.DECIMAL, DType.FLOAT
DATE, B = DType.DATE, DType.BOOL

NHSA_CODES = "医保信息业务编码 (医保药品/医用耗材/医疗服务项目分类与代码)"
VBP = "国家组织药品集中采购和使用 (国办发〔2019〕2号)"
DAILY_LIST = "住院费用清单 (一日清单) / 医疗保障基金结算清单 费用明细"


def _money(name: str, zh: str, national: str = "", required: bool = False, doc: str = "") -> Column:
    return Column(name, D, zh, national, required=required, minimum=0, doc=doc)


def _inst(name: str = "institution_id", zh: str = "机构编码", required: bool = True) -> Column:
    return Column(name, S, zh, required=required, ref="institutions.institution_id")


def _item(required: bool = True, zh: str = "药品耗材编码") -> Column:
    return Column("item_code", S, zh, required=required, ref="drug_master.item_code")


DRUG_MASTER = Table(
    name="drug_master",
    zh="药品耗材目录（字典）",
    grain="one drug or consumable of the community's catalogue",
    key=("item_code",),
    source=f"{NHSA_CODES}; WHO ATC/DDD index",
    columns=(
        Column(
            "item_code",
            S,
            "药品耗材编码（本地）",
            required=True,
            doc="the community's own code; the national code, where known, is in nhsa_code",
        ),
        Column(
            "nhsa_code",
            S,
            "医保药品/耗材分类与代码",
            NHSA_CODES,
            doc="the national code the local code maps to (empty where not yet mapped)",
        ),
        Column("item_kind", S, "类别", required=True, codes="item_kind"),
        Column("generic_name", S, "通用名", required=True),
        Column("atc_code", S, "ATC 分类代码", "WHO ATC", doc="drugs only"),
        Column("dosage_form", S, "剂型"),
        Column("specification", S, "规格"),
        Column("unit", S, "最小计价单位", required=True, doc="片, 支, 袋, g, 个 …"),
        Column("route", S, "给药途径（DDD）", codes="drug_route"),
        Column(
            "strength",
            F,
            "每计价单位含量",
            minimum=0,
            doc="active ingredient per unit, in ddd_unit (e.g. 0.25 for a 250 mg tablet in g)",
        ),
        Column("ddd", F, "限定日剂量 DDD", "WHO ATC/DDD index", minimum=0),
        Column("ddd_unit", S, "DDD 单位", doc="g, mg, U or MU, as the WHO index gives it"),
        Column("is_essential", B, "国家基本药物", "国家基本药物目录（2018年版）"),
        Column("is_vbp", B, "集采中选品种", VBP),
        Column("is_antimicrobial", B, "抗菌药物", "抗菌药物临床应用管理办法"),
        Column("antimicrobial_grade", S, "抗菌药物分级", codes="antimicrobial_grade"),
        Column("is_key_monitored", B, "重点监控合理用药药品", "国卫办医函〔2019〕558号"),
        Column("is_high_value", B, "高值医用耗材", "治理高值医用耗材改革方案 (国办发〔2019〕37号)"),
    ),
)

FORMULARY = Table(
    name="formulary",
    zh="医共体统一药品耗材目录",
    grain="one item of a community's catalogue at one member institution over one validity span",
    key=("community_id", "item_code", "institution_id", "valid_from"),
    depends_on=("communities", "institutions", "drug_master"),
    source="医共体统一药品目录 (henan-2020-close-county-medical-community.txt)",
    columns=(
        Column("community_id", S, "医共体编码", required=True, ref="communities.community_id"),
        _item(),
        _inst(zh="成员机构编码"),
        Column("available", B, "本机构可供应", required=True),
        Column("valid_from", DATE, "生效日期", required=True),
        Column("valid_to", DATE, "失效日期"),
    ),
    date_orders=(DateOrder("valid_from", "valid_to"),),
)

VBP_AGREEMENTS = Table(
    name="vbp_agreements",
    zh="集中带量采购约定采购量",
    grain="one VBP drug at one institution in one contract year",
    key=("institution_id", "item_code", "contract_year"),
    depends_on=("institutions", "drug_master"),
    source=VBP,
    columns=(
        _inst(),
        _item(),
        Column("contract_year", INT, "采购周期（年度）", required=True, minimum=2018, maximum=2100),
        Column("batch", S, "集采批次", doc="e.g. 国家第七批, 省际联盟"),
        Column("period_start", DATE, "采购周期开始", required=True),
        Column("period_end", DATE, "采购周期结束", required=True),
        Column("agreed_quantity", INT, "约定采购量（计价单位）", VBP, required=True, minimum=0),
        _money("vbp_price", "中选价格（每计价单位）", VBP, required=True),
        _money(
            "pre_vbp_price",
            "集采前采购价格（每计价单位）",
            required=True,
            doc="the institution's average purchase price of the same generic before VBP",
        ),
    ),
    date_orders=(DateOrder("period_start", "period_end"),),
)

PURCHASE_ORDERS = Table(
    name="purchase_orders",
    zh="药品耗材采购订单",
    grain="one line of one purchase order of one institution",
    key=("order_line_id",),
    depends_on=("institutions", "drug_master"),
    source="省级药品集中采购平台 采购订单与配送记录",
    columns=(
        Column("order_line_id", S, "订单明细号", required=True),
        Column("order_date", DATE, "订单日期", required=True),
        _inst(zh="采购机构编码"),
        _item(),
        Column("supplier_code", S, "配送企业编码", required=True),
        Column("quantity", INT, "采购数量（计价单位）", required=True, minimum=0),
        _money("unit_price", "采购单价", required=True),
        _money("amount", "采购金额", required=True),
        Column("via_platform", B, "经省级集中采购平台采购", "qinhuangdao 80 %", required=True),
        Column("delivered_quantity", INT, "到货数量", minimum=0),
        Column("delivered_on", DATE, "到货日期"),
    ),
    date_orders=(DateOrder("order_date", "delivered_on"),),
)

DELIVERIES = Table(
    name="deliveries",
    zh="医共体内统一配送",
    grain="one delivery line from the community's distribution centre to a member",
    key=("delivery_id",),
    depends_on=("institutions", "drug_master"),
    source="医共体药品耗材统一采购配送 (henan-2020-close-county-medical-community.txt)",
    columns=(
        Column("delivery_id", S, "配送单号", required=True),
        Column("delivered_on", DATE, "配送日期", required=True),
        _inst("from_institution_id", "配送机构编码（医共体配送中心）"),
        _inst("to_institution_id", "收货成员机构编码"),
        _item(),
        Column("quantity", INT, "配送数量（计价单位）", required=True, minimum=0),
        _money("amount", "配送金额", required=True),
    ),
)

SERVICE_PRICES = Table(
    name="service_prices",
    zh="医疗服务价格项目",
    grain="one priced item (service, or a drug or consumable billed at a set price) over one span",
    key=("item_code", "valid_from"),
    source="全国医疗服务价格项目规范; 省级医疗服务价格 (按医院级别)",
    columns=(
        Column("item_code", S, "项目编码", required=True),
        Column("national_code", S, "医疗服务项目分类与代码", NHSA_CODES),
        Column("name_zh", S, "项目名称", required=True),
        Column("cost_category", S, "病案首页费用分类", required=True, codes="cost_category"),
        Column("unit", S, "计价单位", required=True, doc="次, 日, 小时, 项 …"),
        _money("price_level3", "三级医院价格", required=True),
        _money("price_level2", "二级医院价格", required=True),
        _money("price_level1", "一级及以下医疗机构价格", required=True),
        Column(
            "max_per_day",
            F,
            "每日最大计价数量",
            minimum=0,
            doc="the most one day can hold (24 for a per-hour item, 1 for a per-day item)",
        ),
        Column("valid_from", DATE, "生效日期", required=True),
        Column("valid_to", DATE, "失效日期"),
    ),
    date_orders=(DateOrder("valid_from", "valid_to"),),
)

PRESCRIPTIONS = Table(
    name="prescriptions",
    zh="处方与用药医嘱明细",
    grain="one drug line of one prescription (outpatient) or medication order (inpatient)",
    key=("line_id",),
    depends_on=("institutions", "drug_master"),
    source="处方管理办法 (卫生部令第53号); 医嘱",
    columns=(
        Column("line_id", S, "处方/医嘱明细号", required=True),
        Column("prescription_id", S, "处方/医嘱号", required=True),
        Column("setting", S, "门诊/住院", required=True, codes="setting"),
        Column(
            "encounter_id",
            S,
            "就诊标识",
            required=True,
            doc="visit_id (outpatient) or discharge_id (inpatient)",
        ),
        _inst(),
        Column(
            "patient_key", S, "患者标识（假名）", required=True, pseudonymise="patient_id_number"
        ),
        Column("prescriber_key", S, "处方医师（假名）", required=True),
        Column("department", S, "科室"),
        Column("order_date", DATE, "开具日期", required=True),
        _item(zh="药品编码"),
        Column("quantity", F, "数量（计价单位）", required=True, minimum=0),
        _money("amount", "金额"),
        Column("ddd_count", F, "DDD 数", minimum=0, doc="quantity × strength ÷ DDD"),
        Column("is_antimicrobial", B, "抗菌药物", required=True),
    ),
)

CHARGE_ITEMS = Table(
    name="charge_items",
    zh="费用明细",
    grain="one billed line of one inpatient stay or outpatient visit",
    key=("charge_id",),
    depends_on=("institutions", "discharges", "outpatient_visits"),
    source=DAILY_LIST,
    columns=(
        Column("charge_id", S, "费用明细流水号", required=True),
        Column("setting", S, "门诊/住院", required=True, codes="setting"),
        Column(
            "encounter_id",
            S,
            "就诊标识",
            required=True,
            doc="discharge_id of the stay or visit_id of the visit",
        ),
        _inst(),
        Column(
            "patient_key", S, "患者标识（假名）", required=True, pseudonymise="patient_id_number"
        ),
        Column("charge_date", DATE, "费用发生日期", DAILY_LIST, required=True),
        Column("item_code", S, "项目编码", DAILY_LIST, required=True),
        Column("item_name", S, "项目名称", DAILY_LIST),
        Column("charge_kind", S, "项目类别", required=True, codes="charge_kind"),
        Column(
            "cost_category",
            S,
            "病案首页费用分类",
            required=True,
            codes="cost_category",
            doc="the front-page category the amount adds up to",
        ),
        Column("quantity", F, "数量", DAILY_LIST, required=True, minimum=0),
        _money("unit_price", "单价", DAILY_LIST, required=True),
        _money("amount", "金额", DAILY_LIST, required=True),
        Column("department", S, "执行科室"),
        Column("in_operating_room", B, "手术室内发生", required=True),
        Column("ordered_by", S, "开单医师（假名）"),
    ),
)

#: tables of this module, in dependency order (they follow the encounter tables in TABLES).
DRUG_TABLES: tuple[Table, ...] = (
    DRUG_MASTER,
    FORMULARY,
    VBP_AGREEMENTS,
    PURCHASE_ORDERS,
    DELIVERIES,
    SERVICE_PRICES,
    PRESCRIPTIONS,
    CHARGE_ITEMS,
)
