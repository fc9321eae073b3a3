"""Helpers shared by the graded-care services: clock, ids, store errors → workflow refusals."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from yigong.graded_care.errors import ConcurrentUpdate, InvalidRequest, NotFound
from yigong.store import Store
from yigong.store.models import Institution


def utcnow() -> datetime:
    """Current time as naive UTC (the store's convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_naive_utc(at: datetime | None) -> datetime:
    """Normalise a user-given time: aware → UTC naive; naive is taken as UTC; None → now."""
    if at is None:
        return utcnow()
    if at.tzinfo is not None:
        return at.astimezone(UTC).replace(tzinfo=None)
    return at


def new_id(prefix: str) -> str:
    """A fresh record id such as ``RF-3f9a0c1d2b4e``."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@contextmanager
def action(store: Store, what: str) -> Iterator[Session]:
    """One user action = one transaction; a lost race becomes ``ConcurrentUpdate``."""
    try:
        with store.transaction() as session:
            yield session
    except StaleDataError as exc:
        raise ConcurrentUpdate(
            f"{what}: the record was changed by someone else at the same time; "
            "nothing was saved, reload and retry"
        ) from exc
    except IntegrityError as exc:
        raise ConcurrentUpdate(
            f"{what}: a conflicting write was committed first ({exc.orig.__class__.__name__}); "
            "nothing was saved"
        ) from exc


def institution(session: Session, institution_id: str) -> Institution:
    """Load a registered institution or refuse with a clear error."""
    row = session.get(Institution, institution_id)
    if row is None:
        raise NotFound(f"institution {institution_id!r} is not registered in the workflow store")
    return row


def need_text(value: str | None, field: str) -> str:
    """A required free-text field, stripped."""
    if value is None or not value.strip():
        raise InvalidRequest(f"{field} is required")
    return value.strip()
