"""What may leave ingest: every text shown or stored about a rejected value is masked.

A resident identity number (GB 11643, 18 characters; the older 15-digit form too) may arrive in
any column and in any spelling: plain, with spaces or hyphens between groups, in full-width
digits (``１３０４…``), or as a number a spreadsheet turned into ``1.3042320200716002e+17``.
Anything that could be one — a run of 15 or more digits, however separated — is replaced by
``[ID removed]`` before it reaches quarantine (`reason`, `value`), the console, a report or a
log. The same pattern is the SQL macro ``yg_mask`` of the rule engine (`rules.MACROS`), so both
sides mask alike. Masking errs on the side of removing: a 15-digit invoice number in an error
message is masked too, which costs nothing.
"""

from __future__ import annotations

import hashlib
import re

#: digits as the files write them: ASCII and full-width.
DIGIT = "0-9\uff10-\uff19"
#: separators a person may put between the groups of an ID number, and as a regex class body.
SEPARATOR_CHARS = (" ", "-", "\u3000")
SEPARATORS = "".join("\\-" if c == "-" else c for c in SEPARATOR_CHARS)
#: 15 or more digits, single separators allowed between them, an optional check letter X.
LONG_NUMBER = f"[{DIGIT}](?:[{SEPARATORS}]?[{DIGIT}]){{14,}}[Xx\uff38\uff58]?"
_LONG_NUMBER = re.compile(LONG_NUMBER)
MASK = "[ID removed]"

#: full-width digits and X as their ASCII forms (SQL `translate` arguments).
FULL_WIDTH = "０１２３４５６７８９Ｘｘ"
HALF_WIDTH = "0123456789Xx"


def mask(text: str | None) -> str | None:
    """`text` with every run of digits that could be an identity number replaced."""
    if text is None:
        return None
    return _LONG_NUMBER.sub(MASK, text)


#: between the parts of a natural key of several columns (`check.ROW_KEY`)
KEY_SEPARATOR = "\x1f"
#: how a key part stored as its salted hash begins (`check.row_key_sql`, `key_part`)
HASHED = "#"


def key_part(text: str, salt: str) -> str:
    """One part of a natural key as the batch check stores it (`check.row_key_sql`; here for a
    line the CSV reader rejected, `read.line_key`): the text, or ``#`` and its salted SHA-256
    when it holds a run of digits that could be an ID number."""
    if not _LONG_NUMBER.search(text):
        return text
    return HASHED + hashlib.sha256((salt + text).encode()).hexdigest()


def mask_key(key: str | None) -> str | None:
    """A natural key with every part masked but those stored as their hash (`key_part`)."""
    if key is None:
        return None
    parts = key.split(KEY_SEPARATOR)
    return KEY_SEPARATOR.join(p if p.startswith(HASHED) else mask(p) or "" for p in parts)
