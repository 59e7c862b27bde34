"""GraphQL-safe names for datasets and columns.

GraphQL names match ``[_A-Za-z][_0-9A-Za-z]*`` and may not start with ``__``. Published datasets and
columns use ASCII snake_case, which passes unchanged: ``dossiers.received_at`` is the field
``received_at`` of the type ``DossiersRow``, so REST and GraphQL speak the same column names. Anything
else is rewritten (unsupported characters become ``_``, a leading digit or ``__`` gets a prefix) and
de-duplicated with ``_2``, ``_3``… in a deterministic order.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

_INVALID = re.compile(r"[^_0-9A-Za-z]")
_VALID = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def safe_name(text: str, prefix: str = "f") -> str:
    """``text`` as a GraphQL name (diacritics dropped, other characters → ``_``)."""
    ascii_text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in ascii_text if not unicodedata.combining(ch))
    name = _INVALID.sub("_", ascii_text) or prefix
    if name[0].isdigit() or name.startswith("__"):
        name = f"{prefix}_{name.lstrip('_')}" if name.startswith("__") else f"{prefix}{name}"
    return name


def is_valid(name: str) -> bool:
    return bool(_VALID.fullmatch(name)) and not name.startswith("__")


def pascal_case(text: str) -> str:
    """``dossier_kpis_monthly`` → ``DossierKpisMonthly`` (a type-name stem)."""
    stem = "".join(part[:1].upper() + part[1:] for part in safe_name(text, "D").split("_") if part)
    if not stem or stem[0].isdigit():
        stem = f"D{stem}"
    return stem


def unique_names(texts: Iterable[str], reserved: Iterable[str] = (), prefix: str = "f") -> dict[str, str]:
    """Map each text to a distinct safe name (first come first served; ``reserved`` names are taken)."""
    taken = set(reserved)
    names: dict[str, str] = {}
    for text in texts:
        base = safe_name(text, prefix)
        name, number = base, 2
        while name in taken:
            name, number = f"{base}_{number}", number + 1
        taken.add(name)
        names[text] = name
    return names
