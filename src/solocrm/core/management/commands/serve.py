"""``solocrm serve``: migrations, owner, demo data when empty, then web server + worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from solocrm.accounts.services import owner_ensure
from solocrm.core.demo import demo_is_loaded, demo_load


class Command(BaseCommand):
    help = (
        "Apply migrations, make sure an owner exists, load demo data into an empty "
        "database, then serve the CRM with gunicorn and run the background worker. "
        "Ctrl-C stops both."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background worker"
        )

    def handle(self, *args: object, **options: object) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        email = os.environ.get("SOLOCRM_OWNER_EMAIL", "owner@example.com")
        owner, password = owner_ensure(
            email=email, password=os.environ.get("SOLOCRM_OWNER_PASSWORD")
        )
        if not options["no_demo"] and not demo_is_loaded():
            counts = demo_load(customers=300, seed=42, owner=owner)
            self.stdout.write(f"Loaded demo data: {counts}")
        host, port = options["host"], options["port"]
        self.stdout.write(self.style.SUCCESS(f"Solo CRM is at http://{host}:{port}/"))
        if password:
            self.stdout.write(
                f"Log in as {owner.email} with password {password} "
                "(shown once; change it under Password)."
            )
        else:
            self.stdout.write(f"Log in as {owner.email}.")
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="solocrm.settings")
        processes = [
            subprocess.Popen(  # noqa: S603 - fixed argument list
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "solocrm.wsgi:application",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(options["workers"]),
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "5",
                ],
                env=env,
            )
        ]
        if not options["no_worker"]:
            processes.append(
                subprocess.Popen([sys.executable, "-m", "solocrm.cli", "db_worker"], env=env)
            )
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in processes):
                time.sleep(0.5)
        finally:
            for p in processes:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in processes:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
            self.stdout.write("Stopped web server and worker.")
