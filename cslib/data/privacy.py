"""Privacy and safety of what leaves the workbook.

- :func:`pseudonymise` replaces identifiers (customer ids, e-mail addresses, phone
  numbers) by a keyed hash: the same input gives the same pseudonym within one key,
  so repeat customers can still be counted, but the raw value cannot be recovered
  without the key.
- :func:`mask_text` removes e-mail addresses and phone numbers from free text
  (verbatim comments) before it reaches a report.
- :func:`neutralise_cell` defuses spreadsheet formulas (CSV injection) in any text
  the workbook writes to CSV or Excel.

The key comes from the ``CSLIB_PSEUDONYM_KEY`` environment variable, else the
cycle file's ``privacy.key``, else a fixed default (pseudonyms are then stable but
not secret: set a key for real data).

Examples
--------
>>> pseudonymise(["C0001", "C0001", None], key="k")
['P-21b31c4a9d', 'P-21b31c4a9d', None]
>>> mask_text("Call me on 07700 900123 or mail jane.doe@example.com")
'Call me on [phone] or mail [e-mail]'
>>> neutralise_cell("=cmd|' /C calc'!A0")
"'=cmd|' /C calc'!A0"
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable

import pandas as pd

ENV_KEY = "CSLIB_PSEUDONYM_KEY"
DEFAULT_KEY = "cslib-default-pseudonym-key"

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# international or national numbers of 9+ digits, with spaces, dots, dashes or brackets
PHONE = re.compile(r"(?<![\w])(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{2,5}\)?[\s.-]?){2,4}\d{3,4}(?![\w])")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def pseudonym_key(configured: str | None = None) -> bytes:
    """The key for pseudonyms: environment, then the cycle file, then the default."""
    return (os.environ.get(ENV_KEY) or configured or DEFAULT_KEY).encode("utf-8")


def pseudonymise(values: Iterable, *, key: str | bytes | None = None, prefix: str = "P-") -> list:
    """Keyed-hash pseudonyms (HMAC-SHA256, 10 hex digits); missing values stay missing."""
    secret = key.encode("utf-8") if isinstance(key, str) else key or pseudonym_key()
    out = []
    for v in values:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            out.append(None)
        else:
            out.append(
                prefix + hmac.new(secret, str(v).encode("utf-8"), hashlib.sha256).hexdigest()[:10]
            )
    return out


def pseudonymise_columns(
    frame: pd.DataFrame,
    columns: Iterable[str] = ("customer_id",),
    *,
    key: str | bytes | None = None,
) -> pd.DataFrame:
    """A copy of ``frame`` with the named identifier columns pseudonymised (absent ones are skipped)."""
    out = frame.copy()
    for col in columns:
        if col in out:
            out[col] = pseudonymise(out[col], key=key)
    return out


def mask_text(text: str | None) -> str | None:
    """Text with e-mail addresses and phone numbers replaced by ``[e-mail]`` / ``[phone]``."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return text
    text = EMAIL.sub("[e-mail]", str(text))
    return PHONE.sub(
        lambda m: "[phone]" if sum(ch.isdigit() for ch in m.group()) >= 9 else m.group(), text
    )


def neutralise_cell(value):
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to open in a spreadsheet: text cells never start a formula."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out
