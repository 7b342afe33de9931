"""Every write of the customers domain. Views, the API, imports and merges call these."""

from solocrm.customers.services._base import customer_search_text_refresh
from solocrm.customers.services.companies import (
    COMPANY_FIELDS,
    company_create,
    company_delete,
    company_restore,
    company_update,
)
from solocrm.customers.services.customers import (
    CUSTOMER_FIELDS,
    customer_create,
    customer_delete,
    customer_restore,
    customer_update,
    emails_clean,
    phones_clean,
)
from solocrm.customers.services.interactions import (
    INTERACTION_FIELDS,
    interaction_create,
    interaction_delete,
    interaction_update,
)
from solocrm.customers.services.trash import trash_empty

__all__ = [
    "COMPANY_FIELDS",
    "CUSTOMER_FIELDS",
    "INTERACTION_FIELDS",
    "company_create",
    "company_delete",
    "company_restore",
    "company_update",
    "customer_create",
    "customer_delete",
    "customer_restore",
    "customer_search_text_refresh",
    "customer_update",
    "emails_clean",
    "interaction_create",
    "interaction_delete",
    "interaction_update",
    "phones_clean",
    "trash_empty",
]
