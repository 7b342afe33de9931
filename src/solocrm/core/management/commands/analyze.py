"""``solocrm analyze FILE``: customer analytics on a transaction file, without a database.

Reads the file (:mod:`solocrm.analytics.io`), runs every analysis the data supports
(:mod:`solocrm.analytics.report`) and writes ``customers.csv`` and ``summary.json`` to
``--out``. Bad input ends with a message naming the column and lines, and exit code 1.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from solocrm.analytics.io import TransactionFileError, read_transactions
from solocrm.analytics.report import AnalysisError, AnalysisSettings, analyze_transactions
from solocrm.analytics.report_output import summary_text, write_report


class Command(BaseCommand):
    help = (
        "Analyse a transaction file (CSV, TSV or whitespace separated): summary figures, "
        "BG/NBD, Gamma-Gamma, CLV, churn, RFM, clusters and lifecycle per customer. "
        "Writes OUT/customers.csv and OUT/summary.json; needs no database."
    )
    requires_system_checks: list[str] = []  # works before 'migrate', and without a database

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the transaction file")
        columns = parser.add_argument_group(
            "columns", "a column name from the header (or --columns), or a 0-based position"
        )
        columns.add_argument("--customer-col", required=True, help="who bought")
        columns.add_argument("--date-col", required=True, help="when")
        columns.add_argument("--amount-col", required=True, help="how much (negative = refund)")
        reading = parser.add_argument_group("reading the file")
        reading.add_argument(
            "--sep",
            default="auto",
            help="auto (default), comma, tab, semicolon, whitespace, or one character",
        )
        reading.add_argument(
            "--no-header", action="store_true", help="the first line is a transaction"
        )
        reading.add_argument(
            "--columns", help="comma-separated names for the columns of a file without header"
        )
        reading.add_argument(
            "--date-format", help="strftime pattern, e.g. %%Y%%m%%d (default: ISO 8601 or guessed)"
        )
        reading.add_argument(
            "--encoding", default="auto", help="auto (UTF-8, else GB18030) or a codec name"
        )
        analysis = parser.add_argument_group("analysis")
        analysis.add_argument("--period", choices=["day", "week", "month"], default="week")
        analysis.add_argument(
            "--observation-end", help="YYYY-MM-DD, last day used (default: the last transaction)"
        )
        analysis.add_argument(
            "--holdout-start",
            help="YYYY-MM-DD: back-test; fit on the days before, compare with the days from it",
        )
        analysis.add_argument(
            "--discount-rate", type=float, default=0.01, help="per month (default 0.01)"
        )
        analysis.add_argument(
            "--margin", type=float, default=1.0, help="profit share of spend (default 1)"
        )
        analysis.add_argument(
            "--horizon-months",
            type=int,
            default=12,
            help="expected purchases and CLV over this many months (default 12)",
        )
        analysis.add_argument(
            "--churn-window",
            type=int,
            default=91,
            help="churn question: does the customer buy within N days (default 91, a quarter)",
        )
        analysis.add_argument("--seed", type=int, default=0, help="random state for sampling")
        parser.add_argument("--out", default="analysis", help="output folder (default: analysis)")

    def handle(self, *args: Any, **options: Any) -> None:
        settings = AnalysisSettings(
            period=options["period"],
            observation_end=options["observation_end"],
            holdout_start=options["holdout_start"],
            discount_rate=options["discount_rate"],
            margin=options["margin"],
            horizon_months=options["horizon_months"],
            churn_window_days=options["churn_window"],
            random_state=options["seed"],
        )
        names = options["columns"].split(",") if options["columns"] else None
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            data = read_transactions(
                options["file"],
                customer_col=options["customer_col"],
                date_col=options["date_col"],
                amount_col=options["amount_col"],
                separator=options["sep"],
                header=not options["no_header"],
                column_names=names,
                date_format=options["date_format"],
                encoding=options["encoding"],
            )
            read_wall, read_cpu = time.perf_counter() - start, time.process_time() - start_cpu
            source = {
                "file": data.path,
                "encoding": data.encoding,
                "separator": data.separator,
                "header": data.header,
                "columns_found": data.columns_found,
                "columns_used": data.columns_used,
                "date_format": data.date_format,
                "rows": data.rows,
            }
            report = analyze_transactions(
                data.transactions, settings, customer_labels=data.customer_labels, source=source
            )
        except (TransactionFileError, AnalysisError) as error:
            raise CommandError(str(error)) from None
        report.summary["timings_seconds"]["read_file"] = round(read_wall, 3)
        report.summary["cpu_seconds"]["read_file"] = round(read_cpu, 3)
        paths = write_report(report, Path(options["out"]))
        self.stdout.write(summary_text(report))
        self.stdout.write("Wrote " + " and ".join(str(path) for path in paths))
