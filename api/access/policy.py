"""The access rules themselves, free of HTTP and storage: pure functions over a principal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "agency", "steward", "admin")
ACCESS_LEVELS = ("open", "shared", "private")


@dataclass(frozen=True)
class Grant:
    """An explicit permission of an agency on one dataset."""

    dataset: str
    personal_data: bool = False


@dataclass(frozen=True)
class Principal:
    """Who is asking: an anonymous visitor, or an agency identified by its electronic code."""

    role: str = "anonymous"
    agency_code: str | None = None
    grants: Mapping[str, Grant] = field(default_factory=dict)
    token_id: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.role != "anonymous"

    @property
    def is_privileged(self) -> bool:
        """Stewards and admins see every dataset (they run the platform and watch its quality)."""
        return self.role in ("steward", "admin")


ANONYMOUS = Principal()


def can_see_dataset(principal: Principal, dataset: Mapping[str, Any]) -> bool:
    """Whether the dataset exists for this principal. Outsiders get the same answer as for a
    dataset that does not exist, so a private dataset's existence is not revealed."""
    level = dataset["access_level"]
    if level == "open":
        return True
    if not principal.is_authenticated:
        return False
    if principal.is_privileged:
        return True
    if level == "shared":
        return True
    # private: the owning agency and explicit grants only
    return principal.agency_code == dataset.get("owner_code") or dataset["name"] in principal.grants


def visible_access_levels(principal: Principal) -> tuple[str, ...]:
    """Access levels whose datasets may appear in listings (private ones are further filtered)."""
    return ACCESS_LEVELS if principal.is_authenticated else ("open",)


def masked_columns(principal: Principal, dataset: Mapping[str, Any], columns: Iterable[Mapping[str, Any]]) -> set[str]:
    """Names of personal-data columns this principal must see masked.

    Open datasets carry no personal data by construction (checked by the quality gate); for shared and
    private datasets every column whose class is not `none` is masked unless the principal's grant on
    the dataset includes personal data. The owning agency sees its own data unmasked.
    """
    personal = {c["name"] for c in columns if c.get("pii", "none") != "none"}
    if not personal:
        return set()
    if principal.role == "admin" or principal.agency_code == dataset.get("owner_code"):
        return set()
    grant = principal.grants.get(dataset["name"])
    if grant is not None and grant.personal_data:
        return set()
    return personal
