"""Baseline: the workflow store as the last release without migrations made it.

Revision ID: 0001
Revises:
Create Date: 2026-12-05

Each table is created only if it does not exist yet: a store made before migrations (by
``create_all``, which made a table only when its module had been imported) is adopted by this
revision as it is, and gets the tables it lacked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _missing("reform_progress_entry"):
        op.create_table(
            "reform_progress_entry",
            sa.Column(
                "entry_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("task_id", sa.String(length=40), nullable=False),
            sa.Column("node", sa.String(length=64), nullable=False),
            sa.Column("year", sa.Integer(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("percent", sa.Integer(), nullable=True),
            sa.Column("note", sa.Text(), nullable=False),
            sa.Column("evidence", sa.Text(), nullable=False),
            sa.Column("recorded_by", sa.String(length=64), nullable=False),
            sa.Column("recorded_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("entry_id"),
        )
        with op.batch_alter_table("reform_progress_entry", schema=None) as batch_op:
            batch_op.create_index(
                "ix_reform_progress_task_node", ["task_id", "node", "year"], unique=False
            )

    if _missing("wf_flag_review"):
        op.create_table(
            "wf_flag_review",
            sa.Column("flag_id", sa.String(length=40), nullable=False),
            sa.Column("rule_id", sa.String(length=64), nullable=False),
            sa.Column("period", sa.String(length=16), nullable=False),
            sa.Column("institution_id", sa.String(length=64), nullable=True),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("sampled_by", sa.String(length=32), nullable=True),
            sa.Column("decided_by", sa.String(length=64), nullable=True),
            sa.Column("decided_at", sa.DateTime(), nullable=True),
            sa.Column("reason", sa.Text(), nullable=True),
            sa.Column("opened_at", sa.DateTime(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("flag_id"),
        )
        with op.batch_alter_table("wf_flag_review", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_wf_flag_review_rule_id"), ["rule_id"], unique=False
            )
            batch_op.create_index(batch_op.f("ix_wf_flag_review_status"), ["status"], unique=False)

    if _missing("wf_institution"):
        op.create_table(
            "wf_institution",
            sa.Column("institution_id", sa.String(length=64), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("institution_type", sa.String(length=40), nullable=False),
            sa.Column("level", sa.String(length=20), nullable=False),
            sa.Column("county_code", sa.String(length=12), nullable=False),
            sa.Column("community_id", sa.String(length=64), nullable=True),
            sa.Column("is_lead", sa.Boolean(), nullable=False),
            sa.PrimaryKeyConstraint("institution_id"),
        )
        op.create_table(
            "wf_centre_request",
            sa.Column("request_id", sa.String(length=40), nullable=False),
            sa.Column("centre_type", sa.String(length=24), nullable=False),
            sa.Column("service_code", sa.String(length=40), nullable=False),
            sa.Column("patient_key", sa.String(length=64), nullable=False),
            sa.Column("requesting_institution", sa.String(length=64), nullable=False),
            sa.Column("centre_institution", sa.String(length=64), nullable=False),
            sa.Column("status", sa.String(length=24), nullable=False),
            sa.Column("requested_at", sa.DateTime(), nullable=False),
            sa.Column("reported_at", sa.DateTime(), nullable=True),
            sa.Column("report_text", sa.Text(), nullable=True),
            sa.Column("price_fen", sa.BigInteger(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["centre_institution"],
                ["wf_institution.institution_id"],
            ),
            sa.ForeignKeyConstraint(
                ["requesting_institution"],
                ["wf_institution.institution_id"],
            ),
            sa.PrimaryKeyConstraint("request_id"),
        )
        with op.batch_alter_table("wf_centre_request", schema=None) as batch_op:
            batch_op.create_index(
                "ix_wf_centre_request_patient", ["patient_key", "service_code"], unique=False
            )

    if _missing("wf_fd_team"):
        op.create_table(
            "wf_fd_team",
            sa.Column("team_id", sa.String(length=40), nullable=False),
            sa.Column("institution_id", sa.String(length=64), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("leader", sa.String(length=64), nullable=False),
            sa.ForeignKeyConstraint(
                ["institution_id"],
                ["wf_institution.institution_id"],
            ),
            sa.PrimaryKeyConstraint("team_id"),
        )
        op.create_table(
            "wf_flag_review_event",
            sa.Column(
                "event_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("flag_id", sa.String(length=40), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("action", sa.String(length=16), nullable=False),
            sa.Column("from_status", sa.String(length=16), nullable=True),
            sa.Column("to_status", sa.String(length=16), nullable=False),
            sa.Column("user_id", sa.String(length=64), nullable=False),
            sa.Column("at", sa.DateTime(), nullable=False),
            sa.Column("reason", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(
                ["flag_id"],
                ["wf_flag_review.flag_id"],
            ),
            sa.PrimaryKeyConstraint("event_id"),
            sa.UniqueConstraint("flag_id", "seq"),
        )
        with op.batch_alter_table("wf_flag_review_event", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_wf_flag_review_event_flag_id"), ["flag_id"], unique=False
            )

    if _missing("wf_referral"):
        op.create_table(
            "wf_referral",
            sa.Column("referral_id", sa.String(length=40), nullable=False),
            sa.Column("patient_key", sa.String(length=64), nullable=False),
            sa.Column("direction", sa.String(length=16), nullable=False),
            sa.Column("scope", sa.String(length=24), nullable=False),
            sa.Column("setting", sa.String(length=12), nullable=False),
            sa.Column("status", sa.String(length=24), nullable=False),
            sa.Column("requesting_institution", sa.String(length=64), nullable=False),
            sa.Column("receiving_institution", sa.String(length=64), nullable=False),
            sa.Column("reviewers", sa.String(length=200), nullable=False),
            sa.Column("home_county", sa.String(length=12), nullable=False),
            sa.Column("community_id", sa.String(length=64), nullable=True),
            sa.Column("diagnosis_icd10", sa.String(length=16), nullable=False),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("requested_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["receiving_institution"],
                ["wf_institution.institution_id"],
            ),
            sa.ForeignKeyConstraint(
                ["requesting_institution"],
                ["wf_institution.institution_id"],
            ),
            sa.PrimaryKeyConstraint("referral_id"),
        )
        with op.batch_alter_table("wf_referral", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_wf_referral_patient_key"), ["patient_key"], unique=False
            )
            batch_op.create_index(batch_op.f("ix_wf_referral_status"), ["status"], unique=False)

    if _missing("wf_fd_contract"):
        op.create_table(
            "wf_fd_contract",
            sa.Column("contract_id", sa.String(length=40), nullable=False),
            sa.Column("team_id", sa.String(length=40), nullable=False),
            sa.Column("patient_key", sa.String(length=64), nullable=False),
            sa.Column("populations", sa.String(length=120), nullable=False),
            sa.Column("signed_on", sa.Date(), nullable=False),
            sa.Column("start_on", sa.Date(), nullable=False),
            sa.Column("end_on", sa.Date(), nullable=False),
            sa.Column("fee_fen", sa.BigInteger(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.ForeignKeyConstraint(
                ["team_id"],
                ["wf_fd_team.team_id"],
            ),
            sa.PrimaryKeyConstraint("contract_id"),
        )
        with op.batch_alter_table("wf_fd_contract", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_wf_fd_contract_patient_key"), ["patient_key"], unique=False
            )
            batch_op.create_index(
                batch_op.f("ix_wf_fd_contract_team_id"), ["team_id"], unique=False
            )

    if _missing("wf_fd_fee_line"):
        op.create_table(
            "wf_fd_fee_line",
            sa.Column(
                "line_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("team_id", sa.String(length=40), nullable=False),
            sa.Column("year", sa.Integer(), nullable=False),
            sa.Column("recipient", sa.String(length=64), nullable=False),
            sa.Column("recipient_kind", sa.String(length=16), nullable=False),
            sa.Column("amount_fen", sa.BigInteger(), nullable=False),
            sa.Column("rule", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(
                ["team_id"],
                ["wf_fd_team.team_id"],
            ),
            sa.PrimaryKeyConstraint("line_id"),
            sa.UniqueConstraint("team_id", "year", "recipient"),
        )
        op.create_table(
            "wf_fd_team_member",
            sa.Column("team_id", sa.String(length=40), nullable=False),
            sa.Column("member_id", sa.String(length=64), nullable=False),
            sa.Column("role", sa.String(length=32), nullable=False),
            sa.Column("weight", sa.String(length=16), nullable=False),
            sa.ForeignKeyConstraint(
                ["team_id"],
                ["wf_fd_team.team_id"],
            ),
            sa.PrimaryKeyConstraint("team_id", "member_id"),
        )
        op.create_table(
            "wf_recognition",
            sa.Column("recognition_id", sa.String(length=40), nullable=False),
            sa.Column("patient_key", sa.String(length=64), nullable=False),
            sa.Column("service_code", sa.String(length=40), nullable=False),
            sa.Column("earlier_request_id", sa.String(length=40), nullable=False),
            sa.Column("new_request_id", sa.String(length=40), nullable=False),
            sa.Column("window_days", sa.Integer(), nullable=False),
            sa.Column("days_between", sa.Integer(), nullable=False),
            sa.Column("status", sa.String(length=24), nullable=False),
            sa.Column("decided_by", sa.String(length=64), nullable=True),
            sa.Column("decided_institution", sa.String(length=64), nullable=True),
            sa.Column("decided_at", sa.DateTime(), nullable=True),
            sa.Column("reason", sa.Text(), nullable=True),
            sa.Column("avoided_fen", sa.BigInteger(), nullable=False),
            sa.Column("flagged_at", sa.DateTime(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["earlier_request_id"],
                ["wf_centre_request.request_id"],
            ),
            sa.ForeignKeyConstraint(
                ["new_request_id"],
                ["wf_centre_request.request_id"],
            ),
            sa.PrimaryKeyConstraint("recognition_id"),
        )
        op.create_table(
            "wf_referral_event",
            sa.Column(
                "event_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("referral_id", sa.String(length=40), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("action", sa.String(length=16), nullable=False),
            sa.Column("from_status", sa.String(length=24), nullable=True),
            sa.Column("to_status", sa.String(length=24), nullable=False),
            sa.Column("user_id", sa.String(length=64), nullable=False),
            sa.Column("institution_id", sa.String(length=64), nullable=False),
            sa.Column("at", sa.DateTime(), nullable=False),
            sa.Column("reason", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(
                ["referral_id"],
                ["wf_referral.referral_id"],
            ),
            sa.PrimaryKeyConstraint("event_id"),
            sa.UniqueConstraint("referral_id", "seq"),
        )
        with op.batch_alter_table("wf_referral_event", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_wf_referral_event_referral_id"), ["referral_id"], unique=False
            )

    if _missing("wf_fd_service"):
        op.create_table(
            "wf_fd_service",
            sa.Column(
                "service_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("contract_id", sa.String(length=40), nullable=False),
            sa.Column("service_type", sa.String(length=32), nullable=False),
            sa.Column("delivered_on", sa.Date(), nullable=False),
            sa.Column("delivered_by", sa.String(length=64), nullable=False),
            sa.ForeignKeyConstraint(
                ["contract_id"],
                ["wf_fd_contract.contract_id"],
            ),
            sa.PrimaryKeyConstraint("service_id"),
        )
        with op.batch_alter_table("wf_fd_service", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_wf_fd_service_contract_id"), ["contract_id"], unique=False
            )


def downgrade() -> None:
    with op.batch_alter_table("wf_fd_service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wf_fd_service_contract_id"))

    op.drop_table("wf_fd_service")
    with op.batch_alter_table("wf_referral_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wf_referral_event_referral_id"))

    op.drop_table("wf_referral_event")
    op.drop_table("wf_recognition")
    op.drop_table("wf_fd_team_member")
    op.drop_table("wf_fd_fee_line")
    with op.batch_alter_table("wf_fd_contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wf_fd_contract_team_id"))
        batch_op.drop_index(batch_op.f("ix_wf_fd_contract_patient_key"))

    op.drop_table("wf_fd_contract")
    with op.batch_alter_table("wf_referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wf_referral_status"))
        batch_op.drop_index(batch_op.f("ix_wf_referral_patient_key"))

    op.drop_table("wf_referral")
    with op.batch_alter_table("wf_flag_review_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wf_flag_review_event_flag_id"))

    op.drop_table("wf_flag_review_event")
    op.drop_table("wf_fd_team")
    with op.batch_alter_table("wf_centre_request", schema=None) as batch_op:
        batch_op.drop_index("ix_wf_centre_request_patient")

    op.drop_table("wf_centre_request")
    op.drop_table("wf_institution")
    with op.batch_alter_table("wf_flag_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wf_flag_review_status"))
        batch_op.drop_index(batch_op.f("ix_wf_flag_review_rule_id"))

    op.drop_table("wf_flag_review")
    with op.batch_alter_table("reform_progress_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_reform_progress_task_node")

    op.drop_table("reform_progress_entry")
