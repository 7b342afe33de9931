"""``solocrm import customers|companies|… FILE``: import a CSV or XLSX file (other apps add
kinds, such as orders and products, through ``importing.kinds``).

Exit status: 0 when every row was imported (or skipped as a duplicate), 1 when rows were
rejected (in atomic mode nothing was written), 2 for wrong arguments, 3 when the file
was refused whole (unreadable, empty, too big, a bad mapping).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from solocrm.core.context import acting_as
from solocrm.customers.importing.engine import MODES, ON_DUPLICATE
from solocrm.customers.importing.fields import IMPORT_KINDS
from solocrm.customers.importing.kinds import extra_import_kinds
from solocrm.customers.importing.limits import cli_limits_from_environment
from solocrm.customers.importing.report import report_csv
from solocrm.customers.importing.services import ImportOptions, ImportSummary, import_file
from solocrm.customers.importing.values import DATE_ORDERS

EXIT_REJECTED, EXIT_REFUSED = 1, 3
SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = "Import customers or companies from a CSV or XLSX file."
    # No system checks first: they import every URL and API module (about half a second)
    # and say nothing about a file; ``solocrm check`` is the place for them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        extra_kinds = extra_import_kinds()
        parser.add_argument(
            "kind", choices=(*IMPORT_KINDS, *extra_kinds), help="what the file holds"
        )
        parser.add_argument("file", help="a .csv or .xlsx file")
        parser.add_argument(
            "--mapping",
            help='JSON file {"column header": "field"}; laid over the suggested mapping '
            '("" leaves a column out)',
        )
        parser.add_argument(
            "--mode",
            choices=MODES,
            default="atomic",
            help="atomic: write nothing if any row is rejected (default); "
            "partial: write the good rows",
        )
        parser.add_argument(
            "--on-duplicate",
            choices=ON_DUPLICATE,
            default="skip",
            help="a row matching an existing record (external ID, email, phone): "
            "skip it (default), update the record, or create another",
        )
        parser.add_argument(
            "--date-order",
            choices=DATE_ORDERS,
            default="dmy",
            help="how to read ambiguous dates like 05/03/2024 (default dmy: 5 March)",
        )
        parser.add_argument("--report", help="write the rejected rows here (CSV)")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--user", help="import as this user (email); default: the owner")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        for kind in extra_kinds.values():  # options of the kinds other apps add
            if kind.add_arguments is not None:
                kind.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = _user(options["user"])
        path = Path(options["file"])
        mapping = _mapping(options["mapping"])
        extra_kind = extra_import_kinds().get(options["kind"])
        try:
            # A customer import reads the file itself and, if long, again from disk
            # rather than keeping its bytes (``import_file(path=…)``).
            data = path.read_bytes() if extra_kind is not None else None
            if data is None:
                path.open("rb").close()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}", returncode=EXIT_REFUSED) from exc
        import_options = ImportOptions(
            kind=options["kind"],
            mode=options["mode"],
            on_duplicate=options["on_duplicate"],
            date_order=options["date_order"],
            dry_run=options["dry_run"],
        )
        with acting_as(user, "cli"):
            if extra_kind is not None:
                summary = extra_kind.run(
                    data=data,
                    filename=path.name,
                    by=user,
                    options=import_options,
                    mapping=mapping,
                    arguments=options,
                )
            else:
                summary = import_file(
                    path=path,
                    filename=path.name,
                    by=user,
                    options=import_options,
                    mapping=mapping,
                    limits=cli_limits_from_environment(),  # larger than an upload's
                )
        report = _write_report(summary, options["report"], path)
        output = {**summary.as_dict(), "report": str(report) if report else ""}
        if options["json"]:
            self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
        else:
            self._explain(summary, report)
        if summary.refused:
            raise CommandError(summary.refused, returncode=EXIT_REFUSED)
        if output["rejected"]:
            raise CommandError(
                f"{output['rejected']} of {output['rows']} rows rejected", returncode=EXIT_REJECTED
            )

    def _explain(self, summary: ImportSummary, report: Path | None) -> None:
        if summary.refused:
            return
        counts = summary.as_dict()
        would = "" if counts["written"] else "would be "
        self.stdout.write(
            f"{summary.filename}: {counts['rows']} rows — {counts['created']} {would}created, "
            f"{counts['updated']} {would}updated, {counts['skipped']} skipped, "
            f"{counts['rejected']} rejected."
        )
        for problem in summary.problems[:SHOWN_PROBLEMS]:
            column = f", {problem.column}" if problem.column else ""
            self.stderr.write(f"  line {problem.line}{column}: {problem.reason}")
        if len(summary.problems) > SHOWN_PROBLEMS:
            self.stderr.write(f"  … and {len(summary.problems) - SHOWN_PROBLEMS} more")
        warnings = summary.warnings
        if warnings:
            self.stdout.write(
                f"{len(warnings)} {'row looks' if len(warnings) == 1 else 'rows look'} "
                "like existing customers (imported all the same; see the report):"
            )
        for warning in warnings[:SHOWN_PROBLEMS]:
            self.stdout.write(f"  line {warning.line}: {warning.reason}")
        if len(warnings) > SHOWN_PROBLEMS:
            self.stdout.write(f"  … and {len(warnings) - SHOWN_PROBLEMS} more")
        if summary.options.dry_run:
            self.stdout.write("Dry run: nothing was written.")
        elif counts["rejected"] and not counts["written"]:
            self.stdout.write(
                "Nothing was written (atomic mode). Fix the rejected rows, "
                "or use --mode partial to import the good ones."
            )
        if report:
            self.stdout.write(f"Report: {report}")


def _user(email: str | None) -> Any:
    from solocrm.accounts.models import User

    users = User.objects.filter(is_active=True)
    user = (
        users.filter(email__iexact=email).first()
        if email
        else users.filter(role=User.Role.OWNER).order_by("pk").first()
    )
    if user is None:
        raise CommandError(
            f"No active user {email}." if email else "No owner yet: run 'solocrm createowner'."
        )
    return user


def _mapping(path: str | None) -> dict[str, str] | None:
    if not path:
        return None
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"--mapping {path}: {exc}", returncode=EXIT_REFUSED) from exc
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str | None) for k, v in mapping.items()
    ):
        raise CommandError(
            f'--mapping {path}: expected {{"column header": "field", ...}}',
            returncode=EXIT_REFUSED,
        )
    return {k: v or "" for k, v in mapping.items()}


def _write_report(summary: ImportSummary, requested: str | None, source: Path) -> Path | None:
    """The report goes where --report says; without it, next to the file when rows were
    rejected or warned about (``customers.csv`` → ``customers.report.csv``)."""
    if summary.refused:
        return None
    warnings = summary.warnings
    if requested:
        path = Path(requested)
    elif summary.problems or warnings:
        path = source.with_name(f"{source.stem}.report.csv")
    else:
        return None
    path.write_bytes(report_csv(summary.problems, warnings))
    return path
