"""Every write of the customers domain. Views, the API, imports and merges call these."""

from solocrm.customers.services._base import customer_search_text_refresh
from solocrm.customers.services.bulk import (
    BULK_ACTIONS,
    customers_bulk_action,
    customers_bulk_assign_owner,
    customers_bulk_change_stage,
    customers_bulk_delete,
    customers_bulk_tag,
)
from solocrm.customers.services.companies import (
    COMPANY_FIELDS,
    company_create,
    company_delete,
    company_restore,
    company_update,
)
from solocrm.customers.services.contacts import emails_clean, emails_known_valid, phones_clean
from solocrm.customers.services.customer_checks import CUSTOMER_FIELDS
from solocrm.customers.services.customers import (
    customer_create,
    customer_delete,
    customer_restore,
    customer_update,
)
from solocrm.customers.services.customers_batch import CustomerBatch, CustomerDraft, NoteDraft
from solocrm.customers.services.interactions import (
    INTERACTION_FIELDS,
    interaction_create,
    interaction_delete,
    interaction_update,
)
from solocrm.customers.services.saved_views import saved_view_create, saved_view_delete
from solocrm.customers.services.trash import trash_empty

__all__ = [
    "BULK_ACTIONS",
    "COMPANY_FIELDS",
    "CUSTOMER_FIELDS",
    "INTERACTION_FIELDS",
    "CustomerBatch",
    "CustomerDraft",
    "NoteDraft",
    "company_create",
    "company_delete",
    "company_restore",
    "company_update",
    "customer_create",
    "customer_delete",
    "customer_restore",
    "customer_search_text_refresh",
    "customer_update",
    "customers_bulk_action",
    "customers_bulk_assign_owner",
    "customers_bulk_change_stage",
    "customers_bulk_delete",
    "customers_bulk_tag",
    "emails_clean",
    "emails_known_valid",
    "interaction_create",
    "interaction_delete",
    "interaction_update",
    "phones_clean",
    "saved_view_create",
    "saved_view_delete",
    "trash_empty",
]
