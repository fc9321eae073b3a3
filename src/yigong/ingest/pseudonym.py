"""Pseudonymisation: raw identity numbers become keyed hashes on ingest and are never stored.

The key is HMAC-SHA256 (RFC 2104) of the raw identifier under a secret key, hex-encoded and
cut to 32 characters (128 bits). The secret comes from the environment variable
`YIGONG_PSEUDONYM_KEY` or a key file; without it, files that carry raw identifiers are refused.
The same key must be used for every ingest into one warehouse, or a patient's rows would no
longer link: the warehouse records a fingerprint of the key and refuses another.

A key is at least 32 bytes of key material (`MIN_KEY_BYTES`, the output size of SHA-256, so the
key is not the weak point of HMAC-SHA256; RFC 2104 section 3): a key written in hexadecimal
counts half its characters. An empty, short or repetitive key is refused: with a guessable key
anyone can hash the ID numbers of a county and re-identify every patient. `generate_key` (the
command `yigong keys generate PATH`) writes a proper one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import string
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "YIGONG_PSEUDONYM_KEY"
KEY_HEX_CHARS = 32
_BLOCK = 64  # SHA-256 block size in bytes
MIN_KEY_BYTES = 32
_MIN_DISTINCT = 8  # a key of fewer distinct bytes is a pattern, not key material


class PseudonymKeyMissing(RuntimeError):
    """Raised when raw identifiers arrive and no pseudonymisation key is configured."""


class PseudonymKeyError(ValueError):
    """The configured pseudonymisation key is unusable (unreadable, short or repetitive)."""


def key_material(secret: bytes) -> int:
    """Bytes of key material in `secret`: half its length when written in hexadecimal."""
    text = secret.decode("ascii", "replace")
    if secret and len(text) % 2 == 0 and all(c in string.hexdigits for c in text):
        return len(text) // 2
    return len(secret)


@dataclass(frozen=True)
class PseudonymKey:
    """A secret pseudonymisation key (refused unless at least 32 bytes of key material)."""

    secret: bytes

    def __post_init__(self) -> None:
        problem = weakness(self.secret)
        if problem:
            raise PseudonymKeyError(problem)

    @classmethod
    def from_env_or_file(cls, key_file: str | Path | None = None) -> PseudonymKey | None:
        """The key of `key_file`, else of $YIGONG_PSEUDONYM_KEY, else None; PseudonymKeyError,
        naming the file or the variable, when it cannot be read or is too weak."""
        if key_file is not None:
            try:
                secret = Path(key_file).read_bytes().strip()
            except OSError as exc:
                raise PseudonymKeyError(
                    f"{key_file}: cannot read the key file ({exc.strerror or exc})"
                ) from None
            where = f"{key_file}"
        else:
            value = os.environ.get(ENV_VAR)
            if value is None:
                return None
            secret, where = value.strip().encode("utf-8"), f"${ENV_VAR}"
        problem = weakness(secret)
        if problem:
            raise PseudonymKeyError(f"{where}: {problem}")
        return cls(secret)

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


def weakness(secret: bytes) -> str | None:
    """Why `secret` is no pseudonymisation key, or None when it is one."""
    have = key_material(secret)
    hint = "generate one with `yigong keys generate PATH`"
    if have < MIN_KEY_BYTES:
        return (
            f"the pseudonymisation key has {have} bytes of key material, at least "
            f"{MIN_KEY_BYTES} are needed ({hint})"
        )
    if len(set(secret)) < _MIN_DISTINCT:
        return f"the pseudonymisation key is a repeated pattern, not a secret ({hint})"
    return None


def generate_key(path: str | Path) -> Path:
    """Write a new key (32 random bytes, hexadecimal) to `path`, readable by its owner only;
    FileExistsError when `path` exists (a warehouse's key is never overwritten)."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(secrets.token_hex(MIN_KEY_BYTES) + "\n")
    return path


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
