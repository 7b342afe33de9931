from django.db import migrations, models

from solocrm.customers import contact_triggers


def install(apps, schema_editor):
    # PostgreSQL: triggers and the column's first values; SQLite: post_migrate does both.
    contact_triggers.install(schema_editor)


def uninstall(apps, schema_editor):
    contact_triggers.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customermerge")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="last_contacted_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="last contacted"
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["deleted_at", "last_contacted_at"], name="customer_alive_last_contact"
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
