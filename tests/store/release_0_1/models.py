"""SQLAlchemy 2.0 models of the graded-care workflow store.

Money is stored as integer fen (``*_fen`` columns) so SQLite and PostgreSQL keep it exact; the
domain converts to ``Decimal`` yuan. Times are naive UTC. Mutable workflow rows carry a
``version`` column used for optimistic concurrency (SQLAlchemy ``version_id_col``): an update
whose version no longer matches fails and the whole action is rolled back.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the workflow store."""


class Institution(Base):
    """Directory of institutions the workflow knows (members and out-of-county hospitals)."""

    __tablename__ = "wf_institution"
    institution_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    institution_type: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    county_code: Mapped[str] = mapped_column(String(12))
    community_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)


class Referral(Base):
    """双向转诊: one referral (FHIR ServiceRequest + Task)."""

    __tablename__ = "wf_referral"
    referral_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    patient_key: Mapped[str] = mapped_column(String(64), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(24))
    setting: Mapped[str] = mapped_column(String(12), default="inpatient")  # 门诊 / 住院转诊
    status: Mapped[str] = mapped_column(String(24), index=True)
    requesting_institution: Mapped[str] = mapped_column(ForeignKey("wf_institution.institution_id"))
    receiving_institution: Mapped[str] = mapped_column(ForeignKey("wf_institution.institution_id"))
    reviewers: Mapped[str] = mapped_column(String(200))  # comma-separated institution ids
    home_county: Mapped[str] = mapped_column(String(12))
    community_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    diagnosis_icd10: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class ReferralEvent(Base):
    """Audit trail of a referral: who, when, why, from which status to which."""

    __tablename__ = "wf_referral_event"
    __table_args__ = (UniqueConstraint("referral_id", "seq"),)
    event_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    referral_id: Mapped[str] = mapped_column(ForeignKey("wf_referral.referral_id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[str] = mapped_column(String(64))
    institution_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class CentreRequest(Base):
    """A request from a member institution to a shared centre (exam, reading, consultation)."""

    __tablename__ = "wf_centre_request"
    request_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    centre_type: Mapped[str] = mapped_column(String(24))
    service_code: Mapped[str] = mapped_column(String(40))
    patient_key: Mapped[str] = mapped_column(String(64))
    requesting_institution: Mapped[str] = mapped_column(ForeignKey("wf_institution.institution_id"))
    centre_institution: Mapped[str] = mapped_column(ForeignKey("wf_institution.institution_id"))
    status: Mapped[str] = mapped_column(String(24))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    report_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_wf_centre_request_patient", "patient_key", "service_code"),)


class Recognition(Base):
    """检查检验结果互认: a repeat inside the window, and whether the earlier result was recognised."""

    __tablename__ = "wf_recognition"
    recognition_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    patient_key: Mapped[str] = mapped_column(String(64))
    service_code: Mapped[str] = mapped_column(String(40))
    earlier_request_id: Mapped[str] = mapped_column(ForeignKey("wf_centre_request.request_id"))
    new_request_id: Mapped[str] = mapped_column(ForeignKey("wf_centre_request.request_id"))
    window_days: Mapped[int] = mapped_column(Integer)
    days_between: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24))
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_institution: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    avoided_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    flagged_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class FamilyDoctorTeam(Base):
    """家庭医生团队: a GP-led team at a primary institution."""

    __tablename__ = "wf_fd_team"
    team_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    institution_id: Mapped[str] = mapped_column(ForeignKey("wf_institution.institution_id"))
    name: Mapped[str] = mapped_column(String(200), default="")
    leader: Mapped[str] = mapped_column(String(64))


class FamilyDoctorTeamMember(Base):
    """A team member and their weight in the team's fee distribution."""

    __tablename__ = "wf_fd_team_member"
    team_id: Mapped[str] = mapped_column(ForeignKey("wf_fd_team.team_id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    weight: Mapped[str] = mapped_column(String(16))  # Decimal as text, exact


class Contract(Base):
    """家庭医生签约: one resident's annual contract with a team."""

    __tablename__ = "wf_fd_contract"
    contract_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("wf_fd_team.team_id"), index=True)
    patient_key: Mapped[str] = mapped_column(String(64), index=True)
    populations: Mapped[str] = mapped_column(String(120), default="")  # comma-separated keys
    signed_on: Mapped[date] = mapped_column(Date)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    fee_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))


class ContractService(Base):
    """A service delivered under a contract (follow-up, health check, home visit…)."""

    __tablename__ = "wf_fd_service"
    service_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    contract_id: Mapped[str] = mapped_column(ForeignKey("wf_fd_contract.contract_id"), index=True)
    service_type: Mapped[str] = mapped_column(String(32))
    delivered_on: Mapped[date] = mapped_column(Date)
    delivered_by: Mapped[str] = mapped_column(String(64))


class FeeDistributionLine(Base):
    """A ledger line of a team's contract-fee distribution for one year."""

    __tablename__ = "wf_fd_fee_line"
    line_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    team_id: Mapped[str] = mapped_column(ForeignKey("wf_fd_team.team_id"))
    year: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(64))
    recipient_kind: Mapped[str] = mapped_column(String(16))  # institution | team_member
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    rule: Mapped[str] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("team_id", "year", "recipient"),)
