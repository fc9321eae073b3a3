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

import re

#: digits as the files write them: ASCII and full-width.
DIGIT = "0-9\uff10-\uff19"
#: separators a person may put between the groups of an ID number.
SEPARATORS = " \\-\u3000"
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
