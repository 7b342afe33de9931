"""The whole test suite, as `make test` runs it.

1. static checks: ruff lint and format, missing migrations, `check --deploy` with
   production settings;
2. pytest on SQLite (browser tests included);
3. pytest again on PostgreSQL when SOLOCRM_TEST_POSTGRES_URL is set or a server answers
   on 127.0.0.1:5432 (browser tests are not repeated there).

It says which databases it ran on and exits non-zero on any failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/solocrm"


def run(title: str, command: list[str], env: dict[str, str]) -> bool:
    print(f"\n=== {title}: {' '.join(command)}", flush=True)
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode == 0  # noqa: S603


def postgres_url() -> str | None:
    if url := os.environ.get("SOLOCRM_TEST_POSTGRES_URL"):
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return PG_DEFAULT
    except OSError:
        return None


def main() -> int:
    home = tempfile.mkdtemp(prefix="solocrm-test-")
    base_env = dict(
        os.environ,
        SOLOCRM_HOME=home,
        SOLOCRM_FAST_HASHER="1",
        DJANGO_SETTINGS_MODULE="solocrm.settings",
    )
    base_env.pop("SOLOCRM_DATABASE_URL", None)
    extra = sys.argv[1:]
    results: dict[str, bool] = {}
    results["ruff check"] = run("lint", [str(BIN / "ruff"), "check", "."], base_env)
    results["ruff format"] = run("format", [str(BIN / "ruff"), "format", "--check", "."], base_env)
    results["migrations"] = run(
        "migrations", [str(BIN / "solocrm"), "makemigrations", "--check", "--dry-run"], base_env
    )
    deploy_env = dict(
        base_env,
        SOLOCRM_SITE_URL="https://crm.example.com",
        SOLOCRM_SECRET_KEY="x" * 60 + "production-check-key-not-used",
    )
    results["check --deploy"] = run(
        "deploy check",
        [str(BIN / "python"), "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        deploy_env,
    )
    pytest = [str(BIN / "pytest"), "-q", "-p", "no:randomly", *extra]
    results["pytest on SQLite"] = run("tests on SQLite", pytest, base_env)
    url = postgres_url()
    if url:
        pg_env = dict(base_env, SOLOCRM_DATABASE_URL=url)
        results["pytest on PostgreSQL"] = run(
            "tests on PostgreSQL", [*pytest, "-m", "not e2e"], pg_env
        )
    print("\n=== summary")
    for name, ok in results.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    if not url:
        print("note: PostgreSQL not reachable; tests ran on SQLite only")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
