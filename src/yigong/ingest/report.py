"""What an ingest tells its user: rows read, accepted, rejected, and why, per file.

Every rejected row is counted once whatever number of rules it broke (accepted + rejected =
read), and named by file, row, field and reason (`RowError`, masked: no identity number).
Rules a data manager meets beside the declared ones: ``duplicate_key`` — within a file the first
row keeps the key; across the files of one run the first file (in the order the report lists
the files) keeps it and a later file's row is rejected naming the key, the first file and its
row (`yigong.ingest.load`); ``malformed`` and ``type`` — lines the CSV reader could not read;
``formula_without_value`` — an Excel formula cell with no saved value (`yigong.ingest.excel`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from yigong.ingest.privacy import mask, mask_key


class IngestError(RuntimeError):
    """A whole file cannot be ingested (unreadable, unknown table, wrong key…). Nothing is written."""

    def __init__(self, file: str, reason: str) -> None:
        reason = mask(reason) or ""  # a reader's message may quote a line of the file
        # one line: a reader's message may go on with hints and the lines it read
        reason = next((line.strip() for line in reason.splitlines() if line.strip()), reason)
        file = mask(file) or ""  # a folder or file may be named after a person's ID number
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class RowError:
    """One broken rule in one row: the row is quarantined, not loaded."""

    file: str
    row_no: int  # 1-based data row (the header is row 0)
    field: str
    rule: str
    reason: str
    value: str | None = None
    #: the row's natural key as `quarantine_keys` holds it (`privacy.key_part`), when the line
    #: shows it
    key: str | None = None

    def __post_init__(self) -> None:  # a reader's message may quote the value: masked
        object.__setattr__(self, "reason", mask(self.reason))
        object.__setattr__(self, "value", mask(self.value))
        object.__setattr__(self, "key", mask_key(self.key))


@dataclass
class IngestReport:
    """The outcome of ingesting one file into one table. Invariant: accepted + rejected = read."""

    run_id: str
    table: str
    file: str
    file_sha256: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_replaced: int
    errors_by_rule: dict[str, int] = field(default_factory=dict)
    samples: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    seconds: float = 0.0
    profile: str | None = None  # the layout profile the file was read with (None: canonical)

    def __post_init__(self) -> None:
        if self.rows_accepted + self.rows_rejected != self.rows_read:
            raise AssertionError(
                f"{self.file}: accepted {self.rows_accepted} + rejected {self.rows_rejected} "
                f"!= read {self.rows_read}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
