from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from solocrm.sqlite import MINIMUM_SQLITE, version_tuple


class Command(BaseCommand):
    help = "Check Solo CRM's configuration and database health (solocrm check)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--deploy", action="store_true", help="also run Django's deployment checks"
        )
        parser.add_argument(
            "--fail-level",
            default="ERROR",
            choices=["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"],
            help="the message level that makes the check fail",
        )

    def handle(self, *args: object, **options: object) -> None:
        problems: list[str] = []
        call_command(
            "check",
            deploy=options["deploy"],
            fail_level=options["fail_level"],
            stdout=self.stdout,
            stderr=self.stderr,
        )
        self.stdout.write(f"data folder: {settings.SOLOCRM_HOME}")
        self.stdout.write(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("select sqlite_version()")
                version = cursor.fetchone()[0]
                self.stdout.write(f"SQLite version: {version}")
                if version_tuple(version) < MINIMUM_SQLITE:
                    problems.append(
                        f"SQLite {version} is older than "
                        f"{'.'.join(map(str, MINIMUM_SQLITE))}, which the web server and the "
                        "worker need to write to one file safely; install pysqlite3."
                    )
                cursor.execute("pragma journal_mode")
                mode = cursor.fetchone()[0]
                self.stdout.write(f"journal mode: {mode}")
                if mode.lower() != "wal":
                    problems.append(f"journal mode is {mode}, expected wal")
                cursor.execute("pragma foreign_keys")
                if cursor.fetchone()[0] != 1:
                    problems.append("foreign keys are not enforced")
            else:
                cursor.execute("select version()")
                self.stdout.write(f"server: {cursor.fetchone()[0]}")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            problems.append(f"{len(pending)} migrations not applied: run 'solocrm migrate'")
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write(self.style.SUCCESS("All good."))
