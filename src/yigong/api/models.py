"""Response models of the JSON API: what each route answers, typed for the OpenAPI document
(``/openapi.json``, browsable offline at ``/docs`` and ``/redoc``).

Every model names the fields a client can rely on and their types; the views may add fields
(``extra="allow"``: an answer is never cut short by its model). Money is text (exact
decimals, yuan); numerators and denominators are integers or exact decimal text; dates and
times ISO 8601 text.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CSV_FILE",
    "XLSX_FILE",
    "BudgetAnswer",
    "BureauAgreementsAnswer",
    "BureauFundAnswer",
    "BureauMethodsAnswer",
    "BureauMethodsRun",
    "CasemixAnswer",
    "CentresAnswer",
    "ContractsAnswer",
    "DataValueSet",
    "ExplainAnswer",
    "ExportTables",
    "FlagExplained",
    "FlagsPage",
    "GroupedScorecard",
    "InstitutionsPage",
    "LedgerLineExplained",
    "LedgerPage",
    "LoggedOut",
    "MapAnswer",
    "Me",
    "OperationsAnswer",
    "OverviewAnswer",
    "PublicHealthAnswer",
    "QuarantinePage",
    "ReferralDetail",
    "ReferralInbox",
    "ReferralRow",
    "ReviewAnswer",
    "RunAnswer",
    "ScorecardAnswer",
    "SelfCheckAnswer",
    "StatementsAnswer",
    "TaskEntryAnswer",
    "TaskProgressAnswer",
    "TodoAnswer",
    "Token",
]

Number = int | float | str | None  # an exact count or sum (int, or Decimal as text)


class Open(BaseModel):
    """A documented answer that may carry more fields than it names."""

    model_config = ConfigDict(extra="allow")


# -- sessions ------------------------------------------------------------------------------------


class Token(Open):
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int = Field(description="seconds until the session ends at the latest")
    idle_timeout: int = Field(description="seconds of inactivity that end the session")


class LoggedOut(Open):
    logged_out: bool


class SessionInfo(Open):
    expires_at: str | float | None = None
    idle_minutes: int


class Me(Open):
    username: str
    role: str
    role_zh: str
    role_en: str
    nodes: list[str]
    institutions: int = Field(description="institutions in the user's scope")
    session: SessionInfo | None = None


# -- hierarchy and indicators --------------------------------------------------------------------


class InstitutionRow(Open):
    institution_id: str
    name_zh: str | None = None
    institution_type: str | None = None
    division_code: str | None = None


class InstitutionsPage(Open):
    total: int
    limit: int
    offset: int
    items: list[InstitutionRow]


class TargetCheck(Open):
    value: float | None
    comparator: str
    deadline: int
    gap: float | None
    met: bool | None
    source: str
    source_text: str
    benchmark: str = ""


class Trajectory(Open):
    points: list[list[float]]
    slope: float | None
    projected: float | None
    deadline: int
    will_meet: bool | None
    note: str
    left_out: list[int] = []


class IndicatorResult(Open):
    indicator: str
    code: str
    name_zh: str
    name_en: str
    catalog: str
    node: str
    node_name: str
    period: str
    status: Literal["ok", "no_value", "not_applicable", "not_computable"]
    value: float | None = None
    numerator: Number = None
    denominator: Number = None
    factor: float = 1
    unit: str = ""
    decimals: int = 2
    previous_period: str | None = None
    previous_value: float | None = None
    change: float | None = None
    target: TargetCheck | None = None
    trajectory: Trajectory | None = None
    note: str = ""
    note_zh: str = ""
    proxy: str = ""
    proxy_zh: str = ""
    source: str = ""
    clause: str = ""


class ScorecardAnswer(Open):
    node: str
    period: str
    items: list[IndicatorResult]


class ScorecardGroup(Open):
    key: str
    title_zh: str
    title_en: str
    items: list[IndicatorResult]


class GroupedScorecard(Open):
    node: str
    period: str
    query: str
    counts: dict[str, int]
    groups: list[ScorecardGroup]
    not_applicable: list[IndicatorResult]


class MeasureRows(Open):
    role: str
    measure: str
    name_zh: str
    note: str
    rows: list[dict[str, Any]]


class ExplainAnswer(Open):
    result: IndicatorResult
    measures: list[MeasureRows]


class CasemixRow(Open):
    institution_id: str
    name_zh: str = ""
    cases: int | None = None
    cmi: float | None = None


class CasemixAnswer(Open):
    node: str
    period: str | None
    items: list[CasemixRow]


class DataValue(Open):
    dataElement: str  # noqa: N815 - DHIS2's field names
    period: str
    orgUnit: str  # noqa: N815
    value: str
    comment: str | None = None  # DHIS2: only where the value has one (an indicator value)


class DataValueSet(Open):
    dataValues: list[DataValue]  # noqa: N815
    skipped: list[dict[str, Any]] = []  # the interop writer reports none (DHIS2 has no such key)


class QuarantinePage(Open):
    total: int
    limit: int
    offset: int
    detailed: bool
    items: list[dict[str, Any]]


class ExportTables(Open):
    items: list[str]


# -- overview ------------------------------------------------------------------------------------


class Arrow(Open):
    change: float
    way: Literal["up", "down", "flat"]
    good: bool | None
    previous: float | None = None
    period: str | None = None


class Tile(IndicatorResult):
    light: Literal["green", "amber", "red", "grey"]
    yoy: Arrow | None = Field(None, description="同比: against the same period a year earlier")
    mom: Arrow | None = Field(None, description="环比: against the previous period")


class TrajectoryLine(Open):
    indicator: str
    points: list[list[float]]
    trend: list[list[float]]
    target: float | None
    deadline: int
    projected: float | None
    will_meet: bool | None


class Child(Open):
    node: str
    name: str
    level: str
    value: float
    numerator: Number = None
    denominator: Number = None
    light: str
    rank: int
    bin: int = Field(description="colour class 0 (lowest) … 4 (highest)")


class MapAnswer(Open):
    node: str
    period: str
    mode: Literal["geo", "grid"]
    boundary: str | None = Field(description="URL of the GeoJSON boundaries (geo mode)")
    indicator: str
    name_zh: str
    name_en: str
    unit: str
    by: Literal["admin", "community"]
    items: list[Child]
    skipped: list[dict[str, Any]]
    edges: list[float]


class FlowLink(Open):
    direction: str
    from_level: str | None
    to_level: str | None
    in_county: bool
    from_here: bool
    to_here: bool
    n: int


class Flows(Open):
    links: list[FlowLink]
    totals: dict[str, int]


class OverviewAnswer(Open):
    node: str
    node_name: str
    level: str
    period: str
    tiles: list[Tile]
    trajectories: list[TrajectoryLine]
    map: MapAnswer
    flows: Flows
    indicator: str
    by: str


class TodoItem(Open):
    kind: Literal[
        "referral",
        "referral_watch",
        "overdue_return",
        "flags_to_review",
        "flags_to_check",
        "fund_ahead",
        "off_track",
    ]
    urgency: Literal["high", "medium", "low"]
    href: str
    count: int | None = None


class TodoAnswer(Open):
    node: str
    period: str
    items: list[TodoItem]


# -- settlement ----------------------------------------------------------------------------------


class RunHead(Open):
    county: str
    year: int
    whole_county: bool
    status: Literal["no_run", "refused", "ready"]
    error: str | None
    run: dict[str, Any]
    communities: list[dict[str, Any]]


class BudgetAnswer(RunHead):
    items: list[dict[str, Any]] = Field(description="per community, amounts in yuan as text")


class RunAnswer(Open):
    county: str
    year: int
    status: Literal["refused", "ready"]
    error: str | None
    run: dict[str, Any]


class LedgerPage(RunHead):
    filters: dict[str, str | None]
    total: int
    page: int
    page_size: int
    periods: list[str]
    items: list[dict[str, Any]]


class LedgerLineExplained(Open):
    county: str
    year: int
    line_id: str


class StatementsAnswer(RunHead):
    statements: list[dict[str, Any]]
    columns: list[str]
    community: str | None


# -- referrals, screening, care, tasks -----------------------------------------------------------


class ReferralRow(Open):
    referral_id: str
    direction: str
    scope: str
    status: str
    requesting_institution: str
    receiving_institution: str
    requesting_name: str
    receiving_name: str
    requested_at: str
    updated_at: str


class ReferralInbox(Open):
    total: int
    limit: int
    offset: int
    page: int
    status: str | None
    items: list[ReferralRow]


class ReferralStep(Open):
    action: str
    to: str
    party: str
    needs_reason: bool
    allowed: bool


class ReferralDetail(ReferralRow):
    events: list[dict[str, Any]]
    steps: list[ReferralStep]


class FlagsPage(Open):
    page: int
    per_page: int
    total: int
    items: list[dict[str, Any]]


class ReviewAnswer(Open):
    flag_id: str
    status: str
    decided_by: str | None = None
    reason: str | None = None


class FlagExplained(Open):
    flag_id: str
    rule_id: str
    period: str
    institution_id: str
    severity: str
    reason_en: str
    reason_zh: str
    rows: list[str]
    row_details: list[dict[str, Any]]
    rows_outside_scope: int


class SelfCheckAnswer(Open):
    flag_id: str
    status: str
    self_check: dict[str, Any]


class CentresAnswer(Open):
    year: int
    items: list[dict[str, Any]]


class ContractsAnswer(Open):
    node: str
    contracts: int
    coverage: dict[str, Any]
    distribution: list[dict[str, Any]]


class BureauFundAnswer(Open):
    """The insurance bureau's fund desk: coverage, fund running and time-elapsed progress."""


class BureauAgreementsAnswer(Open):
    """Designated providers with their agreement, assessment and overdue claims."""


class BureauMethodsAnswer(Open):
    county: str
    year: int
    whole_county: bool
    methods: list[dict[str, Any]]


class BureauMethodsRun(Open):
    county: str
    year: int
    status: dict[str, str]


class OperationsAnswer(Open):
    """A hospital-operations report (budget execution, department costs, DRG profit and
    loss, pay checks) of a node and year; its tables are documented in docs/operations.md."""


class PublicHealthAnswer(Open):
    year: int
    status: str
    teams: list[dict[str, Any]]


class TaskProgressAnswer(Open):
    node: str
    node_name: str
    level: str
    year: int
    items: list[dict[str, Any]]
    counts: dict[str, int]


class TaskEntryAnswer(Open):
    task_id: str
    node: str
    year: int
    status: str


#: the OpenAPI description of a file answer
CSV_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "CSV (UTF-8 with BOM, for Excel)"}
}
XLSX_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
        "description": "an Excel workbook",
    }
}
