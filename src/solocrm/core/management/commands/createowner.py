import os

from django.core.management.base import BaseCommand, CommandParser

from solocrm.accounts.services import owner_ensure


class Command(BaseCommand):
    help = (
        "Make sure an owner account exists. Without --password (or SOLOCRM_OWNER_PASSWORD) "
        "a random password is generated and printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--email", default=os.environ.get("SOLOCRM_OWNER_EMAIL", "owner@example.com")
        )
        parser.add_argument("--password", default=os.environ.get("SOLOCRM_OWNER_PASSWORD"))

    def handle(self, *args: object, **options: object) -> None:
        user, generated = owner_ensure(email=str(options["email"]), password=options["password"])  # type: ignore[arg-type]
        if generated:
            self.stdout.write(f"Owner: {user.email}  password: {generated}  (shown once)")
        else:
            self.stdout.write(f"Owner: {user.email}")
