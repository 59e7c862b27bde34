"""Access control: the one place that decides who sees which dataset and which columns.

Every door — REST, GraphQL, CKAN Action API, DCAT, search, exports, the portal — asks these functions
and nothing else. Access levels follow the Law on Data 60/2024: open (dữ liệu mở) → everyone;
shared (dữ liệu dùng chung) → any authenticated agency; private (dữ liệu dùng riêng) → the owning
agency and agencies with an explicit grant. Personal-data columns are masked unless the consumer's
grant for that dataset includes personal data.
"""

from api.access.policy import (
    ANONYMOUS,
    Grant,
    Principal,
    can_see_dataset,
    masked_columns,
    visible_access_levels,
)

__all__ = ["ANONYMOUS", "Grant", "Principal", "can_see_dataset", "masked_columns", "visible_access_levels"]
