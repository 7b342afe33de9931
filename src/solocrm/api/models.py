from django.db import models


class IdempotencyRecord(models.Model):
    """The stored response to a POST sent with an ``Idempotency-Key`` header."""

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="api_idempotency_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
