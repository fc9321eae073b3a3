"""JSON endpoints of the county's stored global-budget run: ledger lines, one line explained,
the communities' monthly statements and a statement as CSV or XLSX
(`yigong.access.views.settlement`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from yigong.access.http import CurrentUser
from yigong.access.views import settlement
from yigong.api.errors import ERROR_RESPONSES
from yigong.api.models import (
    CSV_FILE,
    XLSX_FILE,
    LedgerLineExplained,
    LedgerPage,
    StatementsAnswer,
)
from yigong.api.routes_care import County, Year

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
Account = Annotated[
    str | None,
    Query(max_length=120, description="account name prefix, e.g. community:C1304231 or fund:"),
]
Community = Annotated[str | None, Query(max_length=64, description="a community's own accounts")]
Month = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}-(0[1-9]|1[0-2]|YE)$",
        description="period: YYYY-MM, or YYYY-YE for year-end",
    ),
]
Page = Annotated[int, Query(ge=1, le=10**6)]
LineId = Annotated[str, Path(pattern=r"^L\d{7}$", description="ledger line id, e.g. L0000042")]
StatementOf = Annotated[str, Query(max_length=64, description="community id")]


@router.get("/settlement/ledger", tags=["settlement"], response_model=LedgerPage)
def ledger(
    p: CurrentUser,
    county: County,
    year: Year,
    account: Account = None,
    community: Community = None,
    month: Month = None,
    page: Page = 1,
) -> dict[str, Any]:
    """Ledger lines of the county-year's stored run that the user may see, 50 a page;
    institutions outside the scope are redacted; ``status``/``error`` as for the budget."""
    return settlement.ledger_page(
        p, county, year, account=account, community=community, month=month, page=page
    )


@router.get("/settlement/ledger/{line_id}", tags=["settlement"], response_model=LedgerLineExplained)
def ledger_line(p: CurrentUser, line_id: LineId, county: County, year: Year) -> dict[str, Any]:
    """One ledger line explained — rule, formula, policy clause, inputs, run hashes — as
    `yigong settle explain` prints it; a line outside the scope (or none) is 403."""
    return settlement.explain(p, county, year, line_id)


@router.get("/settlement/statements", tags=["settlement"], response_model=StatementsAnswer)
def statements(
    p: CurrentUser, county: County, year: Year, community: Community = None
) -> dict[str, Any]:
    """Monthly statements of the communities in scope: opening, movements by rule, closing,
    quota remaining, and a totals row (yuan, as strings)."""
    return settlement.statements(p, county, year, community)


def _download(p: CurrentUser, county: str, year: int, community: str, fmt: str) -> Response:
    data, media, name = settlement.statement_file(p, county, year, community, fmt)
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/settlement/statements.csv", tags=["settlement"], responses=CSV_FILE)
def statement_csv(p: CurrentUser, county: County, year: Year, community: StatementOf) -> Response:
    """One community's statement as CSV (UTF-8 with BOM, for Excel), totals row last."""
    return _download(p, county, year, community, "csv")


@router.get("/settlement/statements.xlsx", tags=["settlement"], responses=XLSX_FILE)
def statement_xlsx(p: CurrentUser, county: County, year: Year, community: StatementOf) -> Response:
    """The same statement as an Excel workbook (amounts as exact decimals)."""
    return _download(p, county, year, community, "xlsx")
