from django.core.management.base import BaseCommand, CommandParser

from solocrm.core.demo import demo_load


class Command(BaseCommand):
    help = "Load demo data: customers with Chinese and English names, and what later apps add."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customers", type=int, default=300, help="how many demo customers (default 300)"
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=42,
            help="random seed; the same seed gives the same data (default 42)",
        )

    def handle(self, *args: object, **options: object) -> None:
        from solocrm.accounts.models import User

        owner = User.objects.filter(role=User.Role.OWNER).order_by("pk").first()
        counts = demo_load(
            customers=int(options["customers"]), seed=int(options["seed"]), owner=owner
        )
        summary = ", ".join(f"{n} {label}" for label, n in counts.items()) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
