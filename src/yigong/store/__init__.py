"""Workflow store of graded care (referrals, shared centres, recognitions, family-doctor contracts),
its schema under Alembic (`migrate`)."""

from __future__ import annotations

from yigong.store.session import ENV_VAR, Store, StoreOutdated, open_store, store_url

__all__ = ["ENV_VAR", "Store", "StoreOutdated", "open_store", "store_url"]
