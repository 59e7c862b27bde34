"""Vietnamese text helpers for the catalogue: NFC storage, diacritic folding for search, slugs.

`đ`/`Đ` are base letters, not combining marks, so NFD-stripping keeps them; `fold` maps them to `d`
explicitly (reference/vietnam.md §9). Folding is used on both sides of every search, so "dien bien"
finds "Điện Biên" and "Hoà"/"Hòa" compare equal.
"""

from __future__ import annotations

import re
import unicodedata

_STROKE = str.maketrans({"đ": "d", "Đ": "D"})
_TOKEN = re.compile(r"[0-9a-z]+")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def fold(text: str | None) -> str:
    """Lower-case ASCII folding: "Điện Biên" → "dien bien"."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_STROKE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.lower()


def tokens(text: str | None) -> list[str]:
    """Folded word tokens in order (letters and digits; everything else separates)."""
    return _TOKEN.findall(fold(text))


def slugify(text: str, max_length: int = 100) -> str:
    """A CKAN-valid name (a-z 0-9 - _) from Vietnamese text: "Sở Y tế" → "so-y-te"."""
    slug = _SLUG_DROP.sub("-", fold(text)).strip("-")
    return slug[:max_length].strip("-") or "x"
