"""Access control: the one place that decides who sees which dataset and which columns.

Every door — REST, GraphQL, CKAN Action API, DCAT, search, exports, the portal — asks these functions
and nothing else. Access levels follow the Law on Data 60/2024: open (dữ liệu mở) → everyone;
shared (dữ liệu dùng chung) → any authenticated agency; private (dữ liệu dùng riêng) → the owning
agency and agencies with an explicit grant. Personal-data columns are masked unless the consumer's
grant for that dataset includes personal data.

Modules: `policy` (the rules), `models` (tables), `agencies`, `tokens`, `grants`, `audit` (hash-chained
log), `ratelimit`, `masking` (applying masks), `middleware` (`install_access`, `principal_of`,
`audit_access`). See docs/access.md.
"""

from api.access.policy import (
    ANONYMOUS,
    Grant,
    Principal,
    can_see_dataset,
    masked_columns,
    visible_access_levels,
)
from api.access.masking import MaskedColumnError, check_not_masked, mask_rows, mask_tuples, masked_select_list

_LAZY = {"audit_access", "audit_access_async", "install_access", "principal_of"}


def __getattr__(name: str):
    # The HTTP layer (FastAPI) is imported on first use, so the CLI and the pipeline stay light.
    if name in _LAZY:
        from api.access import middleware

        return getattr(middleware, name)
    raise AttributeError(f"module 'api.access' has no attribute {name!r}")

__all__ = [
    "ANONYMOUS", "Grant", "Principal", "can_see_dataset", "masked_columns", "visible_access_levels",
    "MaskedColumnError", "check_not_masked", "mask_rows", "mask_tuples", "masked_select_list",
    "audit_access", "audit_access_async", "install_access", "principal_of",
]
