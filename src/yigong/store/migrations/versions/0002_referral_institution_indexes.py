"""Index the referral's requesting and receiving institutions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

The referral inbox (`services.referral`) lists the referrals an institution sent or receives
(``requesting_institution = ? OR receiving_institution = ?``); without these indexes every
inbox page read the whole referral table.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wf_referral", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wf_referral_requesting_institution"),
            ["requesting_institution"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_wf_referral_receiving_institution"),
            ["receiving_institution"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("wf_referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wf_referral_receiving_institution"))
        batch_op.drop_index(batch_op.f("ix_wf_referral_requesting_institution"))
