"""The record of one customer merge: enough to show it in a list and to undo it exactly."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerMerge(models.Model):
    """``merged`` was folded into ``survivor``; ``moved`` names every row that moved.

    ``moved`` holds ``{"relations": [{"relation": "app.model.field", "ids": [...]}],
    "emails": [{"id", "is_primary"}], "phones": [{"id", "is_primary"}], "tags": [ids]}``
    (tags are the ones added to the survivor). The versions are the records' versions
    right after the merge: an undo is refused once either record has moved past them.
    """

    survivor = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="merges_survived",
        verbose_name=_("surviving customer"),
    )
    merged = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="merges_absorbed",
        verbose_name=_("merged customer"),
    )
    field_choices = models.JSONField(_("field choices"), default=dict, blank=True)
    survivor_before = models.JSONField(_("survivor before"), default=dict)
    survivor_after = models.JSONField(_("survivor after"), default=dict)
    merged_before = models.JSONField(_("merged customer before"), default=dict)
    moved = models.JSONField(_("moved records"), default=dict)
    survivor_version = models.PositiveIntegerField(_("survivor version after the merge"))
    merged_version = models.PositiveIntegerField(_("merged customer version after the merge"))
    created_at = models.DateTimeField(_("merged at"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged by"),
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        app_label = "customers"
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(survivor=models.F("merged")),
                name="customers_merge_two_records",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.merged_id} → #{self.survivor_id}"

    @property
    def undone(self) -> bool:
        return self.undone_at is not None

    @property
    def undo_refusal(self) -> str:
        """Why an undo would be refused now, or "" (reads ``survivor`` and ``merged``)."""
        from solocrm.customers.merge import merge_undo_refusal

        return merge_undo_refusal(self, self.survivor, self.merged)

    @property
    def moved_counts(self) -> list[tuple[str, int]]:
        """``[(what, how many)]`` that moved to the survivor, in words, for lists."""
        from solocrm.customers.relations import customer_relations

        relation_models = {relation.label: relation.model for relation in customer_relations()}
        counts = []
        for entry in self.moved.get("relations", []):
            if not entry.get("ids"):
                continue
            model = relation_models.get(entry["relation"])
            what = str(model._meta.verbose_name_plural) if model else entry["relation"]
            counts.append((what, len(entry["ids"])))
        for key, what in (("emails", _("email addresses")), ("phones", _("phone numbers"))):
            if self.moved.get(key):
                counts.append((str(what), len(self.moved[key])))
        return counts
