"""The workflow store's models as release 0.1 (the last without migrations) shipped them,
frozen: a store made by ``create_all`` of these is what an upgrade starts from. Copied from
``src/yigong/store/{models,reviews,reform_models}.py`` at that release; never edited."""

from __future__ import annotations

from tests.store.release_0_1 import reform_models, reviews  # noqa: F401  (register the tables)
from tests.store.release_0_1.models import Base

__all__ = ["Base"]
