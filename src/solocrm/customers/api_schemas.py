"""Request and response shapes of the customers API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator


class RowSchema(Schema):
    """A response Schema that validates a plain dict holding every field as it is.

    A ninja Schema reads its input through a ``DjangoGetter`` (attribute look-ups,
    resolvers); a list page's rows come as dicts with every value ready
    (``selectors.customers_api_rows``), and reading fifty of them field by field that way
    took longer than the page's queries. Model instances still go the ninja way."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if type(values) is dict:
            return handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class EmailOut(RowSchema):
    email: str
    is_primary: bool


class PhoneOut(RowSchema):
    raw: str = Field(description="As it was entered")
    e164: str = Field(description="Normalised, e.g. +8613800138000")
    is_primary: bool


class CustomerOut(RowSchema):
    id: int
    name: str
    company_id: int | None
    company_name: str = ""
    emails: list[EmailOut]
    phones: list[PhoneOut]
    wechat_id: str
    address: str
    city: str
    country: str
    birthday: dt.date | None
    gender: str
    source: str
    owner_id: int | None
    lifecycle_stage: str
    tier: str
    tags: list[str]
    custom_fields: dict[str, Any]
    consent_status: str
    consent_source: str
    consent_at: dt.datetime | None
    external_id: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    version: int

    # A dict (a list page's row from ``selectors.customers_api_rows``) holds these ready.

    @staticmethod
    def resolve_company_name(obj: Any) -> str:
        if isinstance(obj, dict):
            return obj["company_name"]
        return obj.company.name if obj.company_id else ""

    @staticmethod
    def resolve_emails(obj: Any) -> list[Any]:
        return obj["emails"] if isinstance(obj, dict) else list(obj.emails.all())

    @staticmethod
    def resolve_phones(obj: Any) -> list[Any]:
        return obj["phones"] if isinstance(obj, dict) else list(obj.phones.all())

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return obj["tags"] if isinstance(obj, dict) else [tag.name for tag in obj.tags.all()]


CUSTOMER_FIELD_DOCS = {
    "emails": "Email addresses; the first is primary. Replaces the stored list.",
    "phones": "Phone numbers as written; the first is primary. Replaces the stored list.",
    "phone_region": "ISO region for numbers without +country code (default: workspace).",
    "tags": "Tag names; missing tags are created. Replaces the stored tags.",
    "custom_fields": "Values by custom-field key; null or '' removes a value.",
}


class CustomerIn(Schema):
    name: str = Field(..., max_length=200)
    emails: list[str] = Field([], description=CUSTOMER_FIELD_DOCS["emails"])
    phones: list[str] = Field([], description=CUSTOMER_FIELD_DOCS["phones"])
    phone_region: str | None = Field(None, description=CUSTOMER_FIELD_DOCS["phone_region"])
    company_id: int | None = None
    wechat_id: str = ""
    address: str = ""
    city: str = ""
    country: str = ""
    birthday: dt.date | None = None
    gender: str = ""
    source: str = "other"
    owner_id: int | None = Field(None, description="Defaults to you")
    lifecycle_stage: str = "lead"
    tier: str = "potential"
    tags: list[str] = Field([], description=CUSTOMER_FIELD_DOCS["tags"])
    custom_fields: dict[str, Any] = Field({}, description=CUSTOMER_FIELD_DOCS["custom_fields"])
    consent_status: str = "unknown"
    consent_source: str = ""
    consent_at: dt.datetime | None = None
    external_id: str | None = None


class CustomerPatch(Schema):
    version: int = Field(..., description="The version you read; a stale one answers 409")
    name: str | None = Field(None, max_length=200)
    emails: list[str] | None = Field(None, description=CUSTOMER_FIELD_DOCS["emails"])
    phones: list[str] | None = Field(None, description=CUSTOMER_FIELD_DOCS["phones"])
    phone_region: str | None = Field(None, description=CUSTOMER_FIELD_DOCS["phone_region"])
    company_id: int | None = None
    wechat_id: str | None = None
    address: str | None = None
    city: str | None = None
    country: str | None = None
    birthday: dt.date | None = None
    gender: str | None = None
    source: str | None = None
    owner_id: int | None = None
    lifecycle_stage: str | None = None
    tier: str | None = None
    tags: list[str] | None = Field(None, description=CUSTOMER_FIELD_DOCS["tags"])
    custom_fields: dict[str, Any] | None = Field(
        None, description=CUSTOMER_FIELD_DOCS["custom_fields"]
    )
    consent_status: str | None = None
    consent_source: str | None = None
    consent_at: dt.datetime | None = None
    external_id: str | None = None


class BulkIn(Schema):
    action: str = Field(..., description="tag, untag, assign_owner, change_stage or delete")
    ids: list[int] = Field(..., description="Customer ids")
    value: str = Field("", description="Tag name, owner user id or lifecycle stage")


class BulkOut(Schema):
    changed: int


class CompanyOut(Schema):
    id: int
    name: str
    domain: str
    industry: str
    size: str
    address: str
    owner_id: int | None
    tags: list[str]
    custom_fields: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class CompanyIn(Schema):
    name: str = Field(..., max_length=200)
    domain: str = ""
    industry: str = ""
    size: str = ""
    address: str = ""
    owner_id: int | None = None
    tags: list[str] = []
    custom_fields: dict[str, Any] = {}


class CompanyPatch(Schema):
    version: int = Field(..., description="The version you read; a stale one answers 409")
    name: str | None = Field(None, max_length=200)
    domain: str | None = None
    industry: str | None = None
    size: str | None = None
    address: str | None = None
    owner_id: int | None = None
    tags: list[str] | None = None
    custom_fields: dict[str, Any] | None = None


class InteractionOut(Schema):
    id: int
    customer_id: int
    company_id: int | None
    kind: str
    direction: str
    occurred_at: dt.datetime
    subject: str
    body: str = Field(description="Markdown as written (sanitise before showing as HTML)")
    author_id: int | None
    created_at: dt.datetime
    version: int


class InteractionIn(Schema):
    kind: str = "note"
    direction: str = "none"
    occurred_at: dt.datetime | None = Field(None, description="Defaults to now")
    subject: str = Field("", max_length=200)
    body: str = ""


class InteractionPatch(Schema):
    version: int
    kind: str | None = None
    direction: str | None = None
    occurred_at: dt.datetime | None = None
    subject: str | None = Field(None, max_length=200)
    body: str | None = None


class TrashOut(Schema):
    customers: list[CustomerOut]
    companies: list[CompanyOut]


class TrashEmptyOut(Schema):
    customers: int
    companies: int
    interactions: int


class TagOut(Schema):
    id: int
    name: str
    color: str
    version: int


class TagIn(Schema):
    name: str = Field(..., max_length=50)
    color: str = "#57606a"


class TagPatch(Schema):
    version: int
    name: str | None = Field(None, max_length=50)
    color: str | None = None


class CustomFieldOut(Schema):
    id: int
    target: str
    key: str
    label: str
    field_type: str
    required: bool
    choices: list[str]
    min_value: float | None
    max_value: float | None
    regex: str
    order: int
    version: int


class CustomFieldIn(Schema):
    target: str = Field(..., description="customer or company")
    key: str = Field(..., max_length=50)
    label: str = Field(..., max_length=100)
    field_type: str = Field(
        "text",
        description="text, long_text, number, decimal, date, choice, multiple_choice, "
        "yes_no or url",
    )
    required: bool = False
    choices: list[str] = []
    min_value: float | None = None
    max_value: float | None = None
    regex: str = ""
    order: int = 0


class CustomFieldPatch(Schema):
    version: int
    label: str | None = Field(None, max_length=100)
    field_type: str | None = None
    required: bool | None = None
    choices: list[str] | None = None
    min_value: float | None = None
    max_value: float | None = None
    regex: str | None = None
    order: int | None = None


class SavedViewOut(Schema):
    id: int
    name: str
    query_string: str


class SavedViewIn(Schema):
    name: str = Field(..., max_length=100)
    query_string: str = Field("", max_length=2000)
