"""Write an analysis: ``customers.csv``, ``summary.json`` and a short text for people.

``customers.csv`` is UTF-8 with a byte-order mark (so spreadsheet software shows the
Chinese labels), one row per customer, floats rounded to ``CSV_DECIMALS`` decimals and
empty cells where a figure could not be computed. It is written with a column-wise
formatter: each block of rows is factorised column by column and only the distinct
values are turned into text, which is several times faster than ``DataFrame.to_csv``
for a million customers (whose per-value Python formatter dominated the run).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solocrm.analytics.report import AnalysisReport

CSV_DECIMALS = 6
CSV_BLOCK_ROWS = 200_000


def write_report(report: AnalysisReport, out_dir: str | Path) -> list[Path]:
    """Write ``customers.csv`` and ``summary.json`` into ``out_dir`` (created if
    needed); return the two paths."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    customers_path = folder / "customers.csv"
    summary_path = folder / "summary.json"
    start, start_cpu = time.perf_counter(), time.process_time()
    write_csv(report.customers, customers_path)
    for key, seconds in (
        ("timings_seconds", time.perf_counter() - start),
        ("cpu_seconds", time.process_time() - start_cpu),
    ):
        report.summary.setdefault(key, {})["write_customers_csv"] = round(seconds, 3)
    text = json.dumps(_json_ready(report.summary), indent=2, ensure_ascii=False, allow_nan=False)
    summary_path.write_text(text + "\n", encoding="utf-8")
    return [customers_path, summary_path]


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """The table with its index as the first column (see the module docstring)."""
    columns = [table.index.name or "index", *map(str, table.columns)]
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        stream.write(",".join(_csv_field(name) for name in columns) + "\n")
        for start in range(0, len(table), CSV_BLOCK_ROWS):
            block = table.iloc[start : start + CSV_BLOCK_ROWS]
            fields = [_column_text(block.index.to_series())]
            fields += [_column_text(block[column]) for column in block.columns]
            stream.write("\n".join(map(",".join, zip(*fields, strict=True))))
            stream.write("\n")


def _column_text(values: pd.Series) -> list[str]:
    """Each value as a CSV field; only the distinct values are formatted."""
    if pd.api.types.is_float_dtype(values.dtype):
        values = values.round(CSV_DECIMALS)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lookup = np.append(_texts(pd.Index(uniques)), "").astype(object)  # code -1 → empty
    return lookup[codes].tolist()


def _texts(values: pd.Index) -> np.ndarray:
    """Distinct non-missing values as text, vectorised by type."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return np.where(values.to_numpy(dtype=bool), "true", "false")
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.to_numpy(dtype=np.int64).astype(str)
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy(dtype=np.float64)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) < 1e15)
        text = numbers.astype(str)
        text[whole] = numbers[whole].astype(np.int64).astype(str)
        return np.where(np.isfinite(numbers), text, "")
    if isinstance(values, pd.DatetimeIndex):
        midnight = bool((values == values.normalize()).all())
        return np.asarray(values.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S"))
    text = values.astype(str)
    needs_quotes = np.asarray(text.str.contains(r'[,"\n\r]', regex=True), dtype=bool)
    result = np.asarray(text, dtype=object)
    result[needs_quotes] = [_csv_field(value) for value in result[needs_quotes]]
    return result


def _csv_field(text: str) -> str:
    if any(character in text for character in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def summary_text(report: AnalysisReport) -> str:
    """A few lines for a person: what was read, the fitted models and what was skipped."""
    summary = report.summary
    counts, parameters = summary["counts"], summary["parameters"]
    refunds = counts["refunds"]
    lines = [
        f"{counts['transactions']:,} transactions, {counts['customers']:,} customers "
        f"({counts['repeat_customers']:,} bought again), analysed as of {parameters['as_of']} "
        f"in {parameters['period']}s.",
        f"Refunds: {refunds['transactions']:,} lines netted with same-day purchases; "
        f"customers with only refunds: {refunds['customers_with_only_refunds']:,}.",
    ]
    for name, title in (
        ("bgnbd", "BG/NBD"),
        ("gamma_gamma", "Gamma-Gamma"),
        ("clv", "CLV"),
        ("churn", "Churn"),
        ("clusters", "Clusters"),
    ):
        block = summary.get(name, {})
        if not block.get("fitted"):
            lines.append(f"{title}: not computed — {block.get('reason', 'skipped')}")
            continue
        lines.append(f"{title}: {_describe(name, block)}")
    holdout = summary.get("holdout")
    if holdout:
        predicted = holdout["predicted_repeat_transactions"]
        auc = holdout["churn_auc"]
        lines.append(
            f"Hold-out {holdout['holdout_start']} to {holdout['holdout_end']}: "
            f"{holdout['actual_repeat_transactions']:,} repeat purchases, "
            + (f"{predicted:,.0f} predicted" if predicted is not None else "no forecast")
            + (f"; churn ROC AUC {auc:.3f}" if auc is not None else "")
        )
    lines.append(f"Done in {summary['timings_seconds']['total']:.1f} s.")
    return "\n".join(lines)


def _describe(name: str, block: dict[str, Any]) -> str:
    if name == "bgnbd":
        return (
            f"r={block['r']:.3f} alpha={block['alpha']:.3f} a={block['a']:.3f} "
            f"b={block['b']:.3f}, log-likelihood {block['log_likelihood']:.1f}"
            + ("" if block["converged"] else " (did not fully converge)")
        )
    if name == "gamma_gamma":
        return (
            f"p={block['p']:.3f} q={block['q']:.3f} v={block['v']:.3f} on "
            f"{block['customers']:,} repeat customers"
        )
    if name == "clv":
        return (
            f"{block['horizon_months']} months at {block['discount_rate_per_month']:.2%} a month, "
            f"margin {block['margin']:.0%}: total {block['total']:,.2f} over "
            f"{block['customers']:,} customers"
        )
    if name == "churn":
        return (
            f"mean probability of no purchase in the next {block['window_days']} days "
            f"{block['mean_churn_probability']:.2f}"
        )
    profiles = "; ".join(
        f"{p['cluster']}: {p['customers']:,} ({p['description_en']})" for p in block["profiles"]
    )
    return f"{block['n_clusters']} — {profiles}"
