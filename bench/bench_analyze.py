"""Benchmark: ``solocrm analyze`` end to end on 10,000,000 synthetic transactions.

The generator draws about 1.3 million customers from the BG/NBD story (purchase rate
``lambda ~ Gamma(r, alpha)`` per day while alive, drop-out probability ``p ~ Beta(a, b)``
after each repeat purchase) and their spend from the Gamma-Gamma story, over three
years (2021-2023; first purchases spread over the first two). Each purchase day is
written as 1 + Poisson(0.15) order lines with a time of day, and 1 % of purchase days
also get a partial refund (a negative line on the same day), so the file looks like a
shop export: ``customer,ordered_at,amount`` with ids such as ``C0012345``.

The pipeline runs as a subprocess, ``solocrm analyze`` itself (Django start-up
included); its peak memory is the child's maximum resident set size and its CPU
seconds come from the same resource usage (``os.wait4`` on that child, which is
``getrusage(RUSAGE_CHILDREN)`` for it alone). The CSV is generated in another child
first: Linux carries a process's peak RSS across ``fork`` and ``exec``, so a parent
that still held the generated 10 million rows would make any child look that large.
The machine is shared, so the load average before and after is recorded too: CPU
seconds are the steadier figure. Results, with the machine, go to
``bench/results/analyze.json``.

Run: ``.venv/bin/python bench/bench_analyze.py [--transactions N] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

N_TRANSACTIONS = 10_000_000
TRANSACTIONS_PER_CUSTOMER = 7.9  # about 1.27 million customers for 10 million lines
SEED = 20240601
START = np.datetime64("2021-01-01")
DAYS = 1095  # three years
ACQUISITION_DAYS = 730  # first purchases fall in the first two years
BGNBD = {"r": 0.5, "alpha": 22.0, "a": 0.8, "b": 4.0}  # rates per day
GAMMA_GAMMA = {"p": 6.0, "q": 3.7, "v": 15.0}
EXTRA_LINES_MEAN = 0.15
REFUND_SHARE = 0.01
RESULT_PATH = Path(__file__).parent / "results" / "analyze.json"
GOALS = {"seconds": 60.0, "peak_rss_gb": 3.0}


def synthetic_transactions(n_transactions: int, seed: int = SEED) -> pd.DataFrame:
    """About ``n_transactions`` order lines: ``customer``, ``ordered_at``, ``amount``.

    Exact BG/NBD draws without per-customer loops: ``N ~ Poisson(lambda T)`` purchases
    would happen in ``(0, T]`` while alive, the customer drops out after repeat purchase
    ``J ~ Geometric(p)``, so ``x = min(N, J)``. The first ``x`` of ``N`` uniform order
    statistics on ``(0, T]`` are ``T * S_k / (S_x + G)`` with ``S_k`` the running sum of
    ``x`` unit exponentials and ``G ~ Gamma(N - x + 1)`` the remaining spacings.
    """
    rng = np.random.default_rng(seed)
    n_customers = int(n_transactions / TRANSACTIONS_PER_CUSTOMER)
    first_day = rng.integers(0, ACQUISITION_DAYS, n_customers)
    age = (DAYS - 1 - first_day).astype(float)
    rate = rng.gamma(BGNBD["r"], 1.0 / BGNBD["alpha"], n_customers)
    dropout = rng.beta(BGNBD["a"], BGNBD["b"], n_customers)
    would_buy = rng.poisson(rate * age)
    repeat = np.minimum(would_buy, rng.geometric(dropout))
    owner = np.repeat(np.arange(n_customers), repeat)
    spacing = rng.exponential(1.0, owner.size)
    starts = np.r_[0, np.cumsum(repeat)[:-1]]
    running = np.cumsum(spacing)
    running -= np.repeat(running[starts] - spacing[starts], repeat)  # restart per customer
    total = np.bincount(owner, weights=spacing, minlength=n_customers)
    total += rng.gamma(would_buy - repeat + 1.0)
    repeat_day = first_day[owner] + np.floor(age[owner] * running / total[owner])

    customer = np.r_[np.arange(n_customers), owner]
    day = np.r_[first_day, repeat_day].astype(np.int64)
    scale = rng.gamma(GAMMA_GAMMA["q"], 1.0 / GAMMA_GAMMA["v"], n_customers)  # nu
    amount = rng.gamma(GAMMA_GAMMA["p"], 1.0 / scale[customer])
    lines = 1 + rng.poisson(EXTRA_LINES_MEAN, customer.size)
    line_customer = np.repeat(customer, lines)
    line_day = np.repeat(day, lines)
    line_amount = np.repeat(amount / lines, lines)
    refund = np.flatnonzero(rng.random(customer.size) < REFUND_SHARE)
    line_customer = np.r_[line_customer, customer[refund]]
    line_day = np.r_[line_day, day[refund]]
    line_amount = np.r_[line_amount, -amount[refund] * rng.uniform(0.1, 0.5, refund.size)]
    seconds = rng.integers(8 * 3600, 22 * 3600, line_day.size)
    moment = (START + line_day.astype("timedelta64[D]")).astype("datetime64[s]") + seconds
    # exports are rarely sorted by customer; keep exactly n_transactions lines
    order = rng.permutation(line_day.size)[:n_transactions]
    return pd.DataFrame(
        {
            "customer": pd.Series(line_customer[order]).map("C{:07d}".format),
            "ordered_at": np.char.replace(np.datetime_as_string(moment[order]), "T", " "),
            "amount": np.round(line_amount[order], 2),
        }
    )


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format="%.2f", chunksize=1_000_000)


def run_pipeline(csv_path: Path, out_dir: Path) -> dict[str, object]:
    """Run ``solocrm analyze`` in a child process; wall time, CPU time and peak RSS."""
    command = [
        str(Path(sys.executable).with_name("solocrm")),
        "analyze",
        str(csv_path),
        "--customer-col",
        "customer",
        "--date-col",
        "ordered_at",
        "--amount-col",
        "amount",
        "--period",
        "week",
        "--out",
        str(out_dir),
    ]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        child = subprocess.Popen(command, stdout=stdout, stderr=stderr, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        stdout.seek(0)
        stderr.seek(0)
        output, errors = stdout.read(), stderr.read()
    if child.returncode != 0:
        raise SystemExit(f"the pipeline failed:\n{output}\n{errors}")
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_gb": usage.ru_maxrss / 1024**2,  # kilobytes on Linux
        "stdout": output,
    }


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": version("numpy"),
        "pandas": version("pandas"),
        "scipy": version("scipy"),
        "scikit-learn": version("scikit-learn"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=N_TRANSACTIONS)
    parser.add_argument("--keep", type=Path, help="write the CSV and results here and keep them")
    parser.add_argument("--generate-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        frame = synthetic_transactions(args.transactions)
        write_csv(frame, args.generate_only)
        counts = {"rows": len(frame), "customers": int(frame["customer"].nunique())}
        args.generate_only.with_suffix(".json").write_text(json.dumps(counts))
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        csv_path = folder / "transactions.csv"
        start = time.perf_counter()
        generate = [sys.executable, __file__, "--generate-only", str(csv_path)]
        subprocess.run([*generate, "--transactions", str(args.transactions)], check=True)
        generated = json.loads(csv_path.with_suffix(".json").read_text())
        n_rows, n_customers = generated["rows"], generated["customers"]
        generate_seconds = time.perf_counter() - start
        file_mb = csv_path.stat().st_size / 1e6
        print(f"generated {n_rows:,} rows ({n_customers:,} customers) in {generate_seconds:.0f} s")
        load_before = os.getloadavg()
        run = run_pipeline(csv_path, folder / "out")
        load_after = os.getloadavg()
        summary = json.loads((folder / "out" / "summary.json").read_text())
    print(run["stdout"])
    result = {
        "benchmark": "solocrm analyze end to end (a subprocess, Django start-up included)",
        "transactions": n_rows,
        "customers": n_customers,
        "file_mb": round(file_mb, 1),
        "seconds": round(float(run["seconds"]), 2),
        "cpu_seconds": round(float(run["cpu_seconds"]), 2),
        "peak_rss_gb": round(float(run["peak_rss_gb"]), 3),
        "goals": GOALS,
        "within_goals": run["seconds"] < GOALS["seconds"]
        and run["peak_rss_gb"] < GOALS["peak_rss_gb"],
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in load_after],
        "step_seconds": summary.get("timings_seconds"),
        "step_cpu_seconds": summary.get("cpu_seconds"),
        "fitted": {
            "bgnbd": {k: summary["bgnbd"].get(k) for k in ("r", "alpha", "a", "b")},
            "gamma_gamma": {k: summary["gamma_gamma"].get(k) for k in ("p", "q", "v")},
            "true_bgnbd_per_day": BGNBD,
            "true_gamma_gamma": GAMMA_GAMMA,
        },
        "machine": machine(),
        "generate_seconds": round(generate_seconds, 1),
    }
    RESULT_PATH.parent.mkdir(exist_ok=True)
    RESULT_PATH.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    keys = ("transactions", "customers", "seconds", "cpu_seconds", "peak_rss_gb")
    print(json.dumps({key: result[key] for key in keys}))


if __name__ == "__main__":
    main()
