"""Passwords: scrypt hashes, and the policy a new password must meet.

Hashes are ``scrypt$N$r$p$salt$hash`` (``hashlib.scrypt``, N=2¹⁴, r=8, p=1, 16-byte salt).
`DUMMY_HASH` has the same cost: a login for a user that does not exist is checked against it,
so the answer takes as long as for a user that does (no user names learnt from timing).

Policy: at least `MIN_LENGTH` characters, at most `MAX_LENGTH`; not the user name, not
inside it or containing it; not one of the common passwords bundled in
``common-passwords.txt.gz`` (the 20,000 of Django's list — compiled by Royce Williams,
BSD-licensed, see ``NOTICE.md`` — plus common Chinese ones), compared without case.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import os
from functools import cache
from pathlib import Path

__all__ = [
    "DUMMY_HASH",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "WeakPassword",
    "check_password",
    "hash_password",
    "verify_password",
]

MIN_LENGTH = 10
MAX_LENGTH = 200
_N, _R, _P = 2**14, 8, 1
#: common Chinese passwords (pinyin, dates, keyboard runs) the English list lacks
_CHINESE = (
    "woaini1314",
    "woaini520",
    "woaini123456",
    "5201314520",
    "1314520520",
    "a5201314",
    "qq123456789",
    "zhang123456",
    "wang123456",
    "li123456789",
    "abc123456789",
    "aa123456789",
    "1qaz2wsx3edc",
    "qwertyuiop",
    "asdfghjkl123",
    "zxcvbnm123",
    "yigong123456",
    "admin123456",
    "Admin@123456",
    "P@ssw0rd123",
)


class WeakPassword(ValueError):
    """A password the policy refuses (the message says why, never the password)."""


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (hex), salted with 16 random bytes."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


#: checked when the user does not exist or is disabled (same cost as a real check)
DUMMY_HASH = hash_password("no user has this password", salt=b"\0" * 16)


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


@cache
def _common() -> frozenset[str]:
    path = Path(__file__).with_name("common-passwords.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        words = {line.strip().lower() for line in f if line.strip()}
    return frozenset(words | {w.lower() for w in _CHINESE})


def check_password(password: str, username: str = "") -> None:
    """Refuse a password the policy does not allow (`WeakPassword`, saying why)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_LENGTH} characters")
    low = password.lower()
    if username and (username.lower() in low or low in username.lower()):
        raise WeakPassword("the password must not contain the user name")
    if low in _common() or len(set(low)) < 4:
        raise WeakPassword("this password is one of the most common ones: choose another")
