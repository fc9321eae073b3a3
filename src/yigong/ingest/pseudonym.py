"""Pseudonymisation: raw identity numbers become keyed hashes on ingest and are never stored.

The key is HMAC-SHA256 (RFC 2104) of the raw identifier under a secret key, hex-encoded and
cut to 32 characters (128 bits). The secret comes from the environment variable
`YIGONG_PSEUDONYM_KEY` or a key file; without it, files that carry raw identifiers are refused.
The same key must be used for every ingest into one warehouse, or a patient's rows would no
longer link: the warehouse records a fingerprint of the key and refuses another.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "YIGONG_PSEUDONYM_KEY"
KEY_HEX_CHARS = 32
_BLOCK = 64  # SHA-256 block size in bytes


class PseudonymKeyMissing(RuntimeError):
    """Raised when raw identifiers arrive and no pseudonymisation key is configured."""


@dataclass(frozen=True)
class PseudonymKey:
    """A secret pseudonymisation key."""

    secret: bytes

    @classmethod
    def from_env_or_file(cls, key_file: str | Path | None = None) -> PseudonymKey | None:
        if key_file is not None:
            return cls(Path(key_file).read_bytes().strip())
        value = os.environ.get(ENV_VAR)
        return cls(value.encode("utf-8")) if value else None

    @property
    def fingerprint(self) -> str:
        """A public fingerprint of the key (not the key): detects a change of key."""
        return hashlib.sha256(b"yigong-key-fingerprint:" + self.secret).hexdigest()[:16]

    def pads(self) -> tuple[bytes, bytes]:
        """The HMAC inner and outer padded keys (so the warehouse can compute HMAC in SQL)."""
        key = self.secret
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        inner = bytes(b ^ 0x36 for b in key)
        outer = bytes(b ^ 0x5C for b in key)
        return inner, outer

    def pseudonymise(self, raw: str) -> str:
        """The reference implementation: the key stored for identifier `raw`."""
        digest = hmac.new(self.secret, raw.encode("utf-8"), hashlib.sha256).hexdigest()
        return digest[:KEY_HEX_CHARS]


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def is_resident_id_number(value: str) -> bool:
    """True if `value` is a well-formed 18-character resident identity number (GB 11643).

    Checks the digits, a plausible birth date and the ISO 7064 MOD 11-2 check character.
    """
    if len(value) != 18 or not value[:17].isdigit():
        return False
    year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return value[17].upper() == _ID_CHECK[total % 11]
