"""Customers (people), companies, their contact details and the interaction timeline.

Every write goes through ``solocrm.customers.services``; ``search_text`` is refreshed
there and the database keeps its full-text index in step (see ``search_index.py``).
Trashed records carry ``deleted_at``; lists and search use ``alive()``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solocrm.core.models import Tag, TrackedModel


class TrashQuerySet(models.QuerySet):
    def alive(self) -> TrashQuerySet:
        return self.filter(deleted_at__isnull=True)

    def trashed(self) -> TrashQuerySet:
        return self.filter(deleted_at__isnull=False)


class Company(TrackedModel):
    class Size(models.TextChoices):
        SOLO = "1", _("1")
        SMALL = "2-10", _("2–10")
        MEDIUM = "11-50", _("11–50")
        LARGE = "51-200", _("51–200")
        BIGGER = "201-1000", _("201–1000")
        ENTERPRISE = "1000+", _("more than 1000")

    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("web domain"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="companies", verbose_name=_("tags"))
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    deleted_at = models.DateTimeField(_("moved to trash"), null=True, blank=True, db_index=True)

    objects = TrashQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


ALIVE = Q(deleted_at__isnull=True)
# index name -> leading fields (then id): one per sort of the customer list, and the
# default sort of a member limited to their own customers.
LIST_ORDER_INDEXES = {
    "customer_alive_name": ["name"],
    "customer_alive_created": ["created_at"],
    "customer_alive_updated": ["updated_at"],
    "customer_alive_stage": ["lifecycle_stage", "name"],
    "customer_alive_tier": ["tier", "name"],
    "customer_alive_source": ["source", "name"],
    "customer_alive_owner_name": ["owner", "name"],
}


class Customer(TrackedModel):
    class Gender(models.TextChoices):
        FEMALE = "female", _("female")
        MALE = "male", _("male")
        OTHER = "other", _("other")

    class Source(models.TextChoices):
        WEBSITE = "website", _("website")
        REFERRAL = "referral", _("referral")
        SOCIAL = "social", _("social media")
        WECHAT = "wechat", _("WeChat")
        EVENT = "event", _("event")
        IMPORT = "import", _("import")
        OTHER = "other", _("other")

    class LifecycleStage(models.TextChoices):
        LEAD = "lead", _("lead")
        PROSPECT = "prospect", _("prospect")
        CUSTOMER = "customer", _("customer")
        REPEAT_CUSTOMER = "repeat_customer", _("repeat customer")
        AT_RISK = "at_risk", _("at risk")
        CHURNED = "churned", _("churned")

    class Tier(models.TextChoices):
        POTENTIAL = "potential", _("potential")
        REGULAR = "regular", _("regular")
        VIP = "vip", _("VIP")

    class Consent(models.TextChoices):
        GRANTED = "granted", _("granted")
        DENIED = "denied", _("denied")
        UNKNOWN = "unknown", _("unknown")

    name = models.CharField(_("name"), max_length=200, db_index=True)
    company = models.ForeignKey(
        Company,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("company"),
    )
    wechat_id = models.CharField(_("WeChat ID"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.OTHER
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=20,
        choices=LifecycleStage.choices,
        default=LifecycleStage.LEAD,
        db_index=True,
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.POTENTIAL)
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    consent_status = models.CharField(
        _("marketing consent"), max_length=10, choices=Consent.choices, default=Consent.UNKNOWN
    )
    consent_source = models.CharField(_("consent source"), max_length=200, blank=True)
    consent_at = models.DateTimeField(_("consent given or refused at"), null=True, blank=True)
    # Indexed only where set (``customer_trashed``): an index on every row's deleted_at
    # would look selective for ``deleted_at IS NULL`` to SQLite and beat the list's indexes.
    deleted_at = models.DateTimeField(_("moved to trash"), null=True, blank=True)
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    # Derived: the latest non-deleted interaction's time, kept by database triggers
    # (customers.contact_triggers), whatever the path; never written by the application.
    last_contacted_at = models.DateTimeField(
        _("last contacted"), null=True, blank=True, editable=False
    )
    external_id = models.CharField(
        _("external ID"), max_length=100, null=True, blank=True, unique=True
    )

    objects = TrashQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("customer")
        # Live customers' indexes are partial (``deleted_at IS NULL``), none leads with
        # deleted_at: see ``deleted_at`` above.
        indexes = [
            models.Index(
                fields=["last_contacted_at", "id"],
                name="customer_alive_last_contact",
                condition=ALIVE,
            ),
            models.Index(
                fields=["deleted_at", "id"],
                name="customer_trashed",
                condition=Q(deleted_at__isnull=False),
            ),
            # The list's sort orders among live customers (keyset pages walk these).
            *(
                models.Index(fields=[*fields, "id"], name=name, condition=ALIVE)
                for name, fields in LIST_ORDER_INDEXES.items()
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def primary_email(self) -> str:
        for email in self.emails.all():
            if email.is_primary:
                return email.email
        return ""

    @property
    def primary_phone(self) -> str:
        for phone in self.phones.all():
            if phone.is_primary:
                return phone.e164 or phone.raw
        return ""


class CustomerEmail(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField(_("email"), max_length=254, db_index=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("email address")
        constraints = [
            models.UniqueConstraint(fields=["customer", "email"], name="customers_email_once"),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="customers_email_primary"
            ),
        ]

    def __str__(self) -> str:
        return self.email


class CustomerPhone(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    raw = models.CharField(_("phone as entered"), max_length=50)
    e164 = models.CharField(_("phone (E.164)"), max_length=20, db_index=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("phone number")
        constraints = [
            models.UniqueConstraint(fields=["customer", "e164"], name="customers_phone_once"),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="customers_phone_primary"
            ),
        ]

    def __str__(self) -> str:
        return self.e164 or self.raw


class Interaction(TrackedModel):
    class Kind(models.TextChoices):
        NOTE = "note", _("note")
        CALL = "call", _("call")
        EMAIL = "email", _("email")
        MEETING = "meeting", _("meeting")
        MESSAGE = "message", _("message")
        VISIT = "visit", _("visit")

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("inbound")
        OUTBOUND = "outbound", _("outbound")
        NONE = "none", _("none")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("customer")
    )
    company = models.ForeignKey(
        Company,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("company"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.NONE
    )
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("notes"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    deleted_at = models.DateTimeField(_("moved to trash"), null=True, blank=True, db_index=True)

    objects = TrashQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        indexes = [models.Index(fields=["customer", "occurred_at"])]

    def __str__(self) -> str:
        return self.subject or f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class SavedView(models.Model):
    """A user's named customer list: its filters, sort and columns as a query string."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=100)
    query_string = models.CharField(_("query"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="customers_savedview_name")
        ]

    def __str__(self) -> str:
        return self.name


from solocrm.customers.merge_models import CustomerMerge  # noqa: E402, F401 - merge records
