from django.db import migrations

from solocrm.customers import search_index


def install(apps, schema_editor):
    search_index.install(schema_editor)


def uninstall(apps, schema_editor):
    search_index.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
