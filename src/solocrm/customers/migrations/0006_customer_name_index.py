"""SQLite only: an (id, name, deleted_at, owner_id) index, which sorts a search's
candidates by name without reading their rows (``search_index.NAME_INDEX``, ``search_index.names_from_index``)."""

from django.db import migrations


def install(apps, schema_editor):
    from solocrm.customers.search_index import install_name_index

    install_name_index(schema_editor)


def uninstall(apps, schema_editor):
    from solocrm.customers.search_index import uninstall_name_index

    uninstall_name_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_customer_list_indexes")]

    operations = [migrations.RunPython(install, uninstall)]
