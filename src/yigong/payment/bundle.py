"""The settlement input bundle: a directory of files a person can read and edit.

Layout (all CSV with a header row, UTF-8; the byte-order mark Excel writes is accepted; a GBK
file is refused with a message saying so, never decoded by guess)::

    bundle.yaml        county, year, annual_fund ("12000000.00")
    communities.csv    community_id, name, insured_headcount
    institutions.csv   institution_id, community_id, name, level
    history.csv        community_id, year, fund_paid
    claims.csv         community_id, institution_id, month, setting, referral, fund_paid
    assessments.csv    community_id, quarter, score
    prior_scores.csv   community_id, year, annual_score (last year's; when the policy adjusts quotas by it)
    dip_history.csv    (DIP only) year, institution_id, level, diagnosis, procedure, procedure_kind, cost
    dip_cases.csv      (DIP only) case_id, institution_id, level, diagnosis, procedure, procedure_kind, cost, fund_paid
    drg_cases.csv      (DRG only) case_id, institution_id, level, drg, weight, cost, los

Money columns must be decimal text with at most two decimals (no silent rounding of input).
Every bad cell is reported with file, line and field; nothing is dropped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from yigong.payment.errors import PaymentInputError
from yigong.payment.records import (
    AssessmentScore,
    BudgetInputs,
    Claim,
    ClaimSetting,
    Community,
    FundHistory,
    Institution,
    PriorScore,
    ReferralStatus,
)
from yigong.rulepacks import Issue, Level, SourceFile
from yigong.schema.money import Money

__all__ = [
    "BundleReader",
    "money_cell",
    "decimal_cell",
    "int_cell",
    "text_cell",
    "enum_cell",
    "optional_money_cell",
    "budget_parts",
    "read_budget_bundle",
    "read_bundle_meta",
]

T = TypeVar("T")


class _Bad(ValueError):
    pass


def money_cell(text: str) -> Money:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise _Bad(f"not a decimal amount: {text!r}") from exc
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _Bad(f"amount {text!r} has more than two decimals (fen)")
    return Money.of(value)


def optional_money_cell(text: str) -> Money | None:
    return None if not text.strip() else money_cell(text)


def decimal_cell(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise _Bad(f"not a decimal number: {text!r}") from exc
    if not value.is_finite():
        raise _Bad(f"not a finite number: {text!r}")
    return value


def int_cell(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError as exc:
        raise _Bad(f"not an integer: {text!r}") from exc


def text_cell(text: str) -> str:
    if not text.strip():
        raise _Bad("empty")
    return text.strip()


def enum_cell(kind: type[Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return kind(text.strip())
        except ValueError as exc:
            raise _Bad(f"{text!r} is not one of {[k.value for k in kind]}") from exc

    return parse


class BundleReader:
    """Reads typed rows from the CSV files of a bundle, collecting every issue."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.issues: list[Issue] = []

    def rows(
        self,
        name: str,
        spec: dict[str, Callable[[str], Any]],
        build: Callable[..., T],
        *,
        required: bool = True,
    ) -> tuple[T, ...]:
        path = self.root.joinpath(name)
        if not path.is_file():
            if required:
                self.issues.append(Issue(Level.ERROR, "bundle.missing", "file missing", str(path)))
            return ()
        text = self._decode(path)
        if text is None:
            return ()
        out: list[T] = []
        with io.StringIO(text, newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in spec if c not in (reader.fieldnames or [])]
            if missing:
                self.issues.append(
                    Issue(
                        Level.ERROR,
                        "bundle.columns",
                        f"missing columns {missing}",
                        str(path),
                        1,
                    )
                )
                return ()
            for record in reader:
                line = reader.line_num
                values: dict[str, Any] = {}
                for column, parse in spec.items():
                    try:
                        values[column] = parse(record[column] or "")
                    except _Bad as exc:
                        self.issues.append(
                            Issue(Level.ERROR, "bundle.cell", str(exc), str(path), line, column)
                        )
                if len(values) == len(spec):
                    out.append(build(**values))
        return tuple(out)

    def _decode(self, path: Path) -> str | None:
        """The file's text (UTF-8, a leading BOM dropped), or ``None`` with an issue naming the
        line of the first byte that is not UTF-8 and, when the file reads as GBK, saying so."""
        data = path.read_bytes()
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            hint = ""
            try:
                data.decode("gb18030")
                hint = " It reads as GBK/GB18030 (a Chinese Windows encoding):"
            except UnicodeDecodeError:
                pass
            self.issues.append(
                Issue(
                    Level.ERROR,
                    "bundle.encoding",
                    f"not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}).{hint} save "
                    "the file as UTF-8 (in Excel: 'CSV UTF-8')",
                    str(path),
                    line,
                )
            )
            return None

    def raise_if_issues(self) -> None:
        if self.issues:
            raise PaymentInputError(self.issues)


def read_bundle_meta(root: Path) -> dict[str, Any]:
    path = root.joinpath("bundle.yaml")
    if not path.is_file():
        raise PaymentInputError(
            [Issue(Level.ERROR, "bundle.missing", "bundle.yaml missing", str(path))]
        )
    data = SourceFile.read(path, str(path), decimals=True).data
    issues = []
    if not isinstance(data, dict):
        raise PaymentInputError(
            [Issue(Level.ERROR, "bundle.shape", "bundle.yaml must be a mapping", str(path), 1)]
        )
    for key in ("county", "year"):
        if key not in data:
            issues.append(Issue(Level.ERROR, "bundle.field", "required", str(path), None, key))
    if issues:
        raise PaymentInputError(issues)
    return data


def budget_parts(inputs: BudgetInputs) -> dict[str, Any]:
    """The budget's inputs by the bundle file each comes from (for the run's input hashes)."""
    return {
        "bundle.yaml": {
            "county": inputs.county,
            "year": inputs.year,
            "annual_fund": inputs.annual_fund,
        },
        "communities.csv": inputs.communities,
        "institutions.csv": inputs.institutions,
        "history.csv": inputs.history,
        "claims.csv": inputs.claims,
        "assessments.csv": inputs.assessments,
        "prior_scores.csv": inputs.prior_scores,
    }


def read_budget_bundle(root: Path) -> BudgetInputs:
    """Read a bundle directory into :class:`BudgetInputs`; raise listing every bad cell."""
    meta = read_bundle_meta(root)
    reader = BundleReader(root)
    try:
        fund = money_cell(str(meta.get("annual_fund", "")))
    except _Bad as exc:
        reader.issues.append(
            Issue(
                Level.ERROR,
                "bundle.cell",
                str(exc),
                str(root.joinpath("bundle.yaml")),
                None,
                "annual_fund",
            )
        )
        fund = Money.zero()
    communities = reader.rows(
        "communities.csv",
        {"community_id": text_cell, "name": text_cell, "insured_headcount": int_cell},
        Community,
    )
    institutions = reader.rows(
        "institutions.csv",
        {
            "institution_id": text_cell,
            "community_id": text_cell,
            "name": text_cell,
            "level": text_cell,
        },
        Institution,
    )
    history = reader.rows(
        "history.csv",
        {"community_id": text_cell, "year": int_cell, "fund_paid": money_cell},
        FundHistory,
        required=False,
    )
    claims = reader.rows(
        "claims.csv",
        {
            "community_id": text_cell,
            "institution_id": text_cell,
            "month": int_cell,
            "setting": enum_cell(ClaimSetting),
            "referral": enum_cell(ReferralStatus),
            "fund_paid": money_cell,
        },
        Claim,
    )
    scores = reader.rows(
        "assessments.csv",
        {"community_id": text_cell, "quarter": int_cell, "score": decimal_cell},
        AssessmentScore,
    )
    prior = reader.rows(
        "prior_scores.csv",
        {"community_id": text_cell, "year": int_cell, "annual_score": decimal_cell},
        PriorScore,
        required=False,
    )
    reader.raise_if_issues()
    return BudgetInputs(
        str(meta["county"]),
        int(meta["year"]),
        fund,
        communities,
        institutions,
        history,
        claims,
        scores,
        prior,
    )
