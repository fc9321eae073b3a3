"""Roles, password hashing (scrypt) and signed, expiring bearer tokens (HMAC-SHA256).

Only the standard library is used: ``hashlib.scrypt`` for passwords, ``hmac`` for tokens.
A token is ``base64url(json payload) + "." + base64url(hmac)``; the payload names the user and
the expiry (Unix seconds).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from enum import StrEnum

__all__ = ["Role", "TokenError", "hash_password", "issue_token", "read_token", "verify_password"]


class Role(StrEnum):
    """Who a user is in the system; what they see is set by their nodes, not by the role."""

    PROVINCE_COMMISSION = "province_commission"  # 省卫生健康委
    CITY_COMMISSION = "city_commission"  # 市卫生健康委
    COUNTY_COMMISSION = "county_commission"  # 县卫生健康局
    COMMUNITY_OFFICE = "community_office"  # 医共体管理办公室
    INSTITUTION = "institution"  # 医疗机构
    INSURANCE_BUREAU = "insurance_bureau"  # 医疗保障局
    AUDITOR = "auditor"  # 审计


_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (hex), salted with 16 random bytes."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if algo != "scrypt":
        return False
    got = hashlib.scrypt(
        password.encode(),
        salt=bytes.fromhex(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(digest) // 2,
    )
    return hmac.compare_digest(got.hex(), digest)


class TokenError(ValueError):
    """A bearer token that is malformed, forged or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(username: str, secret: str, minutes: int, now: float | None = None) -> str:
    payload = {"sub": username, "exp": int((now or time.time()) + minutes * 60)}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    sig = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(sig)}"


def read_token(token: str, secret: str, now: float | None = None) -> str:
    """The user name a valid token was issued to; raises `TokenError` otherwise."""
    body, _, sig = token.partition(".")
    try:
        good = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
        if not sig or not hmac.compare_digest(good, _unb64(sig)):
            raise TokenError("bad signature")
        payload = json.loads(_unb64(body))
    except (ValueError, TypeError) as exc:
        raise TokenError(f"malformed token: {exc}") from exc
    if int(payload.get("exp", 0)) < (now or time.time()):
        raise TokenError("token expired")
    return str(payload["sub"])
