"""Workflow store of graded care (referrals, shared centres, recognitions, family-doctor contracts)."""

from __future__ import annotations

from yigong.store.session import ENV_VAR, Store, open_store, store_url

__all__ = ["ENV_VAR", "Store", "open_store", "store_url"]
