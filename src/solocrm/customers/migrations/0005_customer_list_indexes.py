"""The customer list's indexes: one per sort order among live customers (partial,
``deleted_at IS NULL``), the trash's, and keep-in-touch's made partial; no index leads
with ``deleted_at`` any more (SQLite took one for ``deleted_at IS NULL`` and sorted every
customer). ``search_text`` is recomputed so it carries the marked CJK pairs the SQLite
index finds 2-character names by (``search_index.search_text_for``)."""

from django.conf import settings
from django.db import migrations, models


BATCH = 2000


def refresh_search_text(apps, schema_editor):
    from solocrm.customers.search_index import search_text_for

    customer_model = apps.get_model("customers", "Customer")
    customers = customer_model.objects.using(schema_editor.connection.alias).order_by("pk")
    last = 0
    while True:
        batch = list(
            customers.filter(pk__gt=last)
            .select_related("company")
            .prefetch_related("emails", "phones", "interactions")[:BATCH]
        )
        if not batch:
            return
        changed = []
        for customer in batch:
            text = search_text_for(
                name=customer.name,
                emails=[e.email for e in customer.emails.all()],
                phones=[(p.raw, p.e164) for p in customer.phones.all()],
                wechat_id=customer.wechat_id,
                company_name=customer.company.name if customer.company else "",
                external_id=customer.external_id or "",
                notes=[f"{i.subject}\n{i.body}" for i in customer.interactions.all()],
            )
            if text != customer.search_text:
                customer.search_text = text
                changed.append(customer)
        customer_model.objects.using(schema_editor.connection.alias).bulk_update(
            changed, ["search_text"], batch_size=500
        )
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_tags_custom_fields"),
        ("customers", "0004_customer_last_contacted_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="customer",
            name="customers_c_owner_i_7e2ffb_idx",
        ),
        migrations.RemoveIndex(
            model_name="customer",
            name="customer_alive_last_contact",
        ),
        # Only the index goes (by its name, the same on SQLite and PostgreSQL): Django
        # would rebuild the whole table on SQLite for this change.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="deleted_at",
                    field=models.DateTimeField(
                        blank=True, null=True, verbose_name="moved to trash"
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "customers_customer_deleted_at_3fde6325"',
                    'CREATE INDEX "customers_customer_deleted_at_3fde6325" '
                    'ON "customers_customer" ("deleted_at")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["last_contacted_at", "id"],
                name="customer_alive_last_contact",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", False)),
                fields=["deleted_at", "id"],
                name="customer_trashed",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["name", "id"],
                name="customer_alive_name",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["created_at", "id"],
                name="customer_alive_created",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["updated_at", "id"],
                name="customer_alive_updated",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["lifecycle_stage", "name", "id"],
                name="customer_alive_stage",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["tier", "name", "id"],
                name="customer_alive_tier",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["source", "name", "id"],
                name="customer_alive_source",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["owner", "name", "id"],
                name="customer_alive_owner_name",
            ),
        ),
        migrations.RunPython(refresh_search_text, migrations.RunPython.noop),
    ]
