"""Review of screening flags (基金监管筛查 复核): one row per flag under review, audited events.

A flag enters review as ``open``; a reviewer decides ``confirmed`` or ``dismissed`` with a
reason. Each action is one transaction; ``version`` (optimistic concurrency) makes a second,
concurrent decision fail instead of overwriting the first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tests.store.release_0_1.models import Base


class FlagReview(Base):
    """The review state of one screening flag (the flag itself lives in the warehouse)."""

    __tablename__ = "wf_flag_review"
    flag_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64), index=True)
    period: Mapped[str] = mapped_column(String(16))
    institution_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    sampled_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class FlagReviewEvent(Base):
    """Audit trail of a flag review: who, when, from which status to which, why."""

    __tablename__ = "wf_flag_review_event"
    __table_args__ = (UniqueConstraint("flag_id", "seq"),)
    event_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    flag_id: Mapped[str] = mapped_column(ForeignKey("wf_flag_review.flag_id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
