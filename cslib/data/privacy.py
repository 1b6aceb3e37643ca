"""Privacy and safety of what leaves the workbook.

- :func:`pseudonymise` replaces identifiers (customer ids, e-mail addresses, phone
  numbers) by a keyed hash: the same input gives the same pseudonym within one key,
  so repeat customers can still be counted, but the raw value cannot be recovered
  without the key.
- :func:`mask_text` / :func:`mask_texts` remove e-mail addresses, phone numbers and
  known identifiers (customer ids written inside a comment) from free text before it
  reaches a report. Phone numbers are recognised with Google's libphonenumber
  (the ``phonenumbers`` package): international numbers of any country, and national
  numbers of the countries in :data:`PHONE_REGIONS`, with any common separator and
  an extension; dates, times, amounts and ticket numbers are left alone.
- :func:`neutralise_cell` defuses spreadsheet formulas (CSV injection) in any text
  the workbook writes to CSV or Excel.

The key comes from the ``CSLIB_PSEUDONYM_KEY`` environment variable, else the
cycle file's ``privacy.key``, else a random secret of this installation, created
on first use in the user's configuration folder (``$CSLIB_CONFIG_DIR`` when set;
readable by the user only; a warning names it once). Nothing in the package itself can reproduce a pseudonym.
Machines that must give the same pseudonyms (cluster workers) share the key
through the environment variable.

Examples
--------
>>> pseudonymise(["C0001", "C0001", None], key="k")
['P-wj1jw7fvyg', 'P-wj1jw7fvyg', None]
>>> mask_text("Call me on 07700 900123 or mail jane.doe@example.com")
'Call me on [phone] or mail [e-mail]'
>>> mask_text("ring me +33 6 12 34 56 78 about C0042", identifiers={"C0042"})
'ring me [phone] about [identifier]'
>>> mask_text("INC0012345 of 2026-04-01 at 14:30 cost £1,234.50 (12.5%)")
'INC0012345 of 2026-04-01 at 14:30 cost £1,234.50 (12.5%)'
>>> neutralise_cell("=cmd|' /C calc'!A0")
"'=cmd|' /C calc'!A0"
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import secrets
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._lazy import lazy
from cslib.errors import ConfigError, Problem

if TYPE_CHECKING:
    import phonenumbers
else:
    phonenumbers = lazy("phonenumbers")

ENV_KEY = "CSLIB_PSEUDONYM_KEY"
#: a folder for cslib's own settings instead of the user's configuration folder
ENV_CONFIG_DIR = "CSLIB_CONFIG_DIR"
KEY_FILE = "pseudonym.key"

#: countries whose national phone formats (without +country code) are recognised
PHONE_REGIONS = ("GB", "US", "FR", "DE", "ES", "IT", "NL", "BE", "CH", "IE", "JP", "AU", "IN", "BR")

EMAIL = re.compile(r"(?<![\w.%+'-])[\w.%+'-]+@[^\W_](?:[\w-]*\w)?(?:\.[^\W_](?:[\w-]*\w)?)+")
_SEP = r"[\s.\-/\u2010-\u2015\u2212()]"  # space, dot, hyphens and dashes, slash, brackets
#: a cheap first pass: a run of 7+ digits with separators, not inside a word, id or amount
PHONE_CANDIDATE = re.compile(
    r"(?<![\w+@£$€¥₹.,:/\-\u2010-\u2015])"
    rf"(?P<intl>\+\s?|00)?\(?\d(?:{_SEP}{{0,3}}\d){{6,18}}"
    r"(?P<ext>\s*(?:x|ext\.?|extn\.?|extension|poste|#)\s*\d{1,6})?"
    r"(?!\w|[.,:]\d|\s?%)",
    re.IGNORECASE,
)
DATE = re.compile(r"(\d{4}([-/.])\d{1,2}\2\d{1,2}|\d{1,2}([-/.])\d{1,2}\3(\d{4}|\d{2}))")
#: a word of free text that could be an identifier (split at spaces and punctuation)
ID_SEPARATORS = r"[,;:!?()\[\]{}<>\"'«»]|\.(\s|$)"
ID_TOKEN = re.compile(r"[^\s,;:!?()\[\]{}<>\"'«»]*[^\s,;:!?()\[\]{}<>\"'«».]")
#: the vectorised first pass for phone numbers: 7 digits with at most 3 separators between
PHONE_DIGITS = r"(?:^|[^\pL\pN_])[+(]?(?:\d[\s\x{a0}\x{2000}-\x{200b}\x{202f}.\-/()\x{2010}-\x{2015}\x{2212}]{0,3}){7}"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_WARNED: set[Path] = set()


# ------------------------------------------------------------------ pseudonym key


def config_dir() -> Path:
    """cslib's settings folder: ``$CSLIB_CONFIG_DIR``, else the user's configuration folder."""
    import platformdirs

    return Path(os.environ.get(ENV_CONFIG_DIR) or platformdirs.user_config_dir("cslib"))


def pseudonym_key(configured: str | None = None) -> bytes:
    """The key for pseudonyms: environment, then the cycle file, then this installation's secret."""
    return (os.environ.get(ENV_KEY) or configured or "").encode("utf-8") or installation_key()


def installation_key() -> bytes:
    """This installation's random secret, created (mode 0600) on first use; a warning names it once."""
    path = config_dir() / KEY_FILE
    try:
        key = path.read_bytes().strip() if path.exists() else _new_key(path)
    except OSError as exc:
        raise ConfigError(
            Problem(
                f"no pseudonym key is set and this installation's key cannot be kept ({exc.strerror})",
                file=str(path),
                fix=f"set the {ENV_KEY} environment variable (or privacy.key in the cycle file)",
            )
        ) from None
    if path not in _WARNED:
        _WARNED.add(path)
        warnings.warn(
            f"no pseudonym key is set: pseudonyms use this installation's secret in {path}; "
            f"set {ENV_KEY} (or privacy.key) to give the same pseudonyms on other machines",
            UserWarning,
            stacklevel=3,
        )
    return key


def _new_key(path: Path) -> bytes:
    """Write a new random key readable by the user only (another process may win the race)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_hex(32).encode("ascii"))
    return path.read_bytes().strip()


def worker_environment(configured: str | None = None) -> dict[str, str]:
    """Environment variables that give a worker process (or machine) this machine's pseudonyms.

    >>> sorted(worker_environment("cycle-key"))
    ['CSLIB_PSEUDONYM_KEY']
    """
    return {ENV_KEY: pseudonym_key(configured).decode("utf-8")}


# ------------------------------------------------------------------- pseudonyms


#: the letters of a pseudonym: none is ``e`` (so no pseudonym reads as a number in scientific
#: notation, like ``6843222e52``) nor ``i``, ``l``, ``o``, ``u`` (mistaken for 1, 0 or v)
PSEUDONYM_LETTERS = "abcdfghjkmnpqrstvwxyz"
#: the characters after a pseudonym's first, always a letter (so none is all digits either)
PSEUDONYM_ALPHABET = "0123456789" + PSEUDONYM_LETTERS
#: how many characters a pseudonym has (about 49 bits of the keyed hash)
PSEUDONYM_LENGTH = 10


def _pseudonym(secret: bytes, value: object) -> str:
    """The keyed hash of one value: a letter, then characters of :data:`PSEUDONYM_ALPHABET`."""
    digest = hmac.new(secret, str(value).encode("utf-8"), hashlib.sha256).digest()
    n, first = divmod(int.from_bytes(digest[:8], "big"), len(PSEUDONYM_LETTERS))
    chars = [PSEUDONYM_LETTERS[first]]
    for _ in range(PSEUDONYM_LENGTH - 1):
        n, r = divmod(n, len(PSEUDONYM_ALPHABET))
        chars.append(PSEUDONYM_ALPHABET[r])
    return "".join(chars)


def pseudonymise(values: Iterable, *, key: str | bytes | None = None, prefix: str = "P-") -> list:
    """Keyed-hash pseudonyms (HMAC-SHA256 in 10 digits and letters); missing values stay missing.

    A pseudonym never reads as a number: it starts with a letter and its letters
    leave out ``e`` (scientific notation) and ``i``, ``l``, ``o``, ``u``.

    >>> pseudonymise(["C0001", None], key="k", prefix="A-")
    ['A-wj1jw7fvyg', None]
    """
    secret = key.encode("utf-8") if isinstance(key, str) else key or pseudonym_key()
    named: dict[str, str] = {}  # an id repeats (an agent's many evaluations): hashed once
    out: list = []
    for v in values:
        if _missing(v):
            out.append(None)
            continue
        text = str(v)
        if text not in named:
            named[text] = prefix + _pseudonym(secret, text)
        out.append(named[text])
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


# ------------------------------------------------------------ free-text masking


def identifiers_in(frame: pd.DataFrame, columns: Iterable[str] = ("customer_id",)) -> frozenset:
    """The values of the identifier columns (the cycle's ``privacy.identifiers``) in ``frame``.

    >>> sorted(identifiers_in(pd.DataFrame({"customer_id": ["C1", None, "C2"]})))
    ['C1', 'C2']
    """
    return frozenset(
        str(v) for col in columns if col in frame for v in frame[col].dropna().unique()
    )


def mask_text(
    text: str | None, *, identifiers: Iterable[str] = (), regions: tuple[str, ...] = PHONE_REGIONS
) -> str | None:
    """Text with e-mail addresses, phone numbers and the given identifiers masked.

    They become ``[e-mail]``, ``[phone]`` and ``[identifier]``; identifiers match
    whole words, ignoring case. Missing values are returned as they are.
    """
    if _missing(text):
        return text
    return _mask(str(text), frozenset(str(i).lower() for i in identifiers), regions)


def mask_texts(
    texts: Iterable, *, identifiers: Iterable[str] = (), regions: tuple[str, ...] = PHONE_REGIONS
) -> list:
    """:func:`mask_text` of every text (a column of comments), quickly for large columns.

    A vectorised first pass (Arrow's compute functions) finds the texts that may hold
    an e-mail address, a phone number or an identifier; only those are masked one by one.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = list(texts)
    known = frozenset(str(i).lower() for i in identifiers)
    column = pa.array([t if isinstance(t, str) else None for t in texts], type=pa.large_string())
    contacts = pc.or_(
        pc.match_substring(column, "@"), pc.match_substring_regex(column, PHONE_DIGITS)
    )
    named = np.zeros(len(texts), dtype=bool)
    if known:  # rows with a word that is an identifier
        spaced = pc.replace_substring_regex(pc.utf8_lower(column), ID_SEPARATORS, " ")
        words = pc.utf8_split_whitespace(spaced)
        hits = pc.is_in(pc.list_flatten(words), pa.array(known))
        named[pc.filter(pc.list_parent_indices(words), hits).to_numpy()] = True
    contacts = contacts.fill_null(False).to_numpy(zero_copy_only=False)
    return [
        t
        if _missing(t) or (isinstance(t, str) and not (contact or name))
        else _mask(str(t), known if name or not isinstance(t, str) else frozenset(), regions)
        for t, contact, name in zip(texts, contacts, named, strict=True)
    ]


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _mask(text: str, identifiers: frozenset, regions: tuple[str, ...]) -> str:
    if "@" in text:
        text = EMAIL.sub("[e-mail]", text)
    if identifiers:
        text = ID_TOKEN.sub(
            lambda m: "[identifier]" if m.group().lower() in identifiers else m.group(), text
        )
    return PHONE_CANDIDATE.sub(
        lambda m: "[phone]" if _is_phone(m.group(), bool(m.group("intl")), regions) else m.group(),
        text,
    )


@functools.lru_cache(maxsize=65536)
def _is_phone(candidate: str, international: bool, regions: tuple[str, ...]) -> bool:
    """Whether a candidate run of digits is a phone number (libphonenumber decides)."""
    number = re.split(r"\s*(?:x|ext|extn|extension|poste|#)", candidate, flags=re.I)[0].strip()
    digits = re.sub(r"\D", "", number)
    if DATE.fullmatch(number) or len(digits) > 17:
        return False
    if international:
        return 7 <= len(digits.removeprefix("00")) <= 15 and _possible(
            "+" + digits.removeprefix("00"), None
        )
    if len(digits) < 8:
        return False
    grouped = digits != number or digits.startswith("0")
    return any(_possible(number, r) if grouped else _valid(number, r) for r in regions)


def _parse(number: str, region: str | None):
    try:
        return phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None


def _possible(number: str, region: str | None) -> bool:
    parsed = _parse(number, region)
    return parsed is not None and phonenumbers.is_possible_number(parsed)


def _valid(number: str, region: str) -> bool:
    parsed = _parse(number, region)
    return parsed is not None and phonenumbers.is_valid_number(parsed)


# ------------------------------------------------------------ spreadsheet safety


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
