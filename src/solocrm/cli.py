"""The ``solocrm`` command: Solo CRM's own commands plus every Django management command."""

from __future__ import annotations

import os
import sys

OWN_COMMANDS = {
    "serve": "Apply migrations, then run the web server and the background worker",
    "worker": "Run the background worker only",
    "demo": "Load demo data (deterministic for a seed)",
    "createowner": "Make sure an owner account exists",
    "check": "Check configuration and database health",
    "import": "Import customers, companies, products or orders from CSV or XLSX",
    "analyze": "Analyse any transaction file (CLV, churn, RFM, segments) without a database",
}
ALIASES = {"check": "healthcheck", "worker": "db_worker"}


def _usage() -> str:
    lines = ["usage: solocrm <command> [options]", "", "Solo CRM commands:"]
    lines += [f"  {name:<12} {text}" for name, text in OWN_COMMANDS.items()]
    lines += [
        "",
        "Every Django management command works too (migrate, shell, ...).",
        "Run 'solocrm <command> --help' for a command's options.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solocrm.settings")
    if len(argv) < 2 or argv[1] in ("-h", "--help", "help"):
        print(_usage())
        return
    argv[1] = ALIASES.get(argv[1], argv[1])
    from django.core.management import execute_from_command_line

    from solocrm.core.context import acting_as

    with acting_as(None, "cli"):
        execute_from_command_line(argv)


if __name__ == "__main__":
    main()
