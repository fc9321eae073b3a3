"""Reform-task progress entries in the workflow store: append-only, each row its own audit line.

A reform office records by hand the progress of tasks that data cannot measure (status,
percent, note, evidence reference), always with who and when. Rows are never updated or
deleted: a correction is a new entry, and the latest entry of a task, node and year is the
current one. The ORM refuses updates and deletes of these rows (`AppendOnlyError`); the table is
created when this module is imported before the store is opened (``yigong.services.tasks``
does so).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from tests.store.release_0_1.models import Base

__all__ = ["AppendOnlyError", "ReformProgressEntry"]


class AppendOnlyError(RuntimeError):
    """An attempt to change or delete a recorded progress entry."""


class ReformProgressEntry(Base):
    """One hand-entered progress record of a reform task at a node (改革任务进展填报)."""

    __tablename__ = "reform_progress_entry"
    __table_args__ = (Index("ix_reform_progress_task_node", "task_id", "node", "year"),)
    entry_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    task_id: Mapped[str] = mapped_column(String(40))
    node: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


@event.listens_for(ReformProgressEntry, "before_update")
@event.listens_for(ReformProgressEntry, "before_delete")
def _append_only(_mapper: Any, _connection: Any, target: ReformProgressEntry) -> None:
    raise AppendOnlyError(
        f"progress entry {target.entry_id} is append-only: record a new entry instead"
    )
