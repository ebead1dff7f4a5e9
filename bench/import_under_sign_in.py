"""Sign-ins while Multi Account Creation runs, on one SQLite file (issue 12, item 5).

8 sign-in processes sign students in, first alone, then while 2 `openccc-tui import`
processes (500 rows each) run against the same database file. Prints the sign-in actions
that failed (target: 0 — an import batch never holds the write lock while it hashes) and
the sign-in latency percentiles during the imports against the same processes alone.
The two phases follow each other within a minute, so their ratio holds on a shared
machine better than either figure; all of it runs on the machine's cores at once, so the
ratio also shows plain CPU contention, not only waiting for the database.

Usage: python bench/import_under_sign_in.py [--signers 8] [--importers 2] [--rows 500]
"""

import argparse
import csv
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from openccc_tui.config import Settings
from openccc_tui.domain.staff import Role
from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.domain.text import fold_for_matching
from openccc_tui.services.audit import command_line_actor
from openccc_tui.services.credentials import totp_secrets
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.staff.staff_members import add_staff, ensure_college
from openccc_tui.services.student.sign_in import SignInFlow, Step
from openccc_tui.store import migrate
from openccc_tui.store.engine import write_session
from openccc_tui.store.models import StudentAccount

PASSWORD = "Quiet#River2026"


PAUSE_SECONDS = 0.2
"""Between two sign-ins of one process: people, not a load generator."""
ALONE_SECONDS = 12.0


def import_password(n: int) -> str:
    """A password of its own for row `n`: one password on several rows fails them all (ACC-6b)."""
    return f"Zq{n}#Xv7!Kw3$"


def settings_for(folder: Path, totp_key: str | None = None) -> Settings:
    return Settings(
        database_url=f"sqlite:///{folder / 'shared.db'}", log_file=folder / "log", export_dir=folder, totp_key=totp_key
    )


def seed(folder: Path, signers: int) -> str:
    """The schema, a creator, and one student per sign-in process; returns the creator's user name."""
    # The creator's authenticator secret is sealed with a key; nothing here reads it back.
    runtime = Runtime.open(settings_for(folder, totp_key=totp_secrets.new_key()))
    migrate.upgrade(runtime.engine)
    stored = runtime.hasher.hash(PASSWORD)
    with write_session(runtime.engine) as session:
        college = ensure_college(session, runtime, command_line_actor("bench"), "998", "Bench College")
        importer = add_staff(
            session,
            runtime,
            command_line_actor("bench"),
            username="importer",
            full_name="Ima Porter",
            college=college,
            roles=frozenset({Role.CREATOR}),
            password="Quiet#Staff9x",
            approved=True,
        ).staff
        # As a first sign-in leaves them: `openccc-tui import --as` acts only for such a creator.
        importer.totp_enrolled_at = importer.agreement_accepted_at = runtime.clock()
        for n in range(signers):
            session.add(
                StudentAccount(
                    cccid=f"SGN{n:04d}",
                    email=f"signer{n}@bench.edu",
                    email_normalized=f"signer{n}@bench.edu",
                    email_validated=True,
                    first_name="Sign",
                    last_name=f"In{'abcdefghij'[n % 10]}",
                    first_name_key="sign",
                    last_name_key=fold_for_matching(f"In{'abcdefghij'[n % 10]}"),
                    date_of_birth=date(2000, 1, 1),
                    password_hash=stored,
                )
            )
    runtime.engine.dispose()
    return "importer"


def upload(path: Path, rows: int, first: int) -> Path:
    letters = "abcdefghijklmnopqrstuvwxyz"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(TEMPLATE_COLUMNS)
        for n in range(first, first + rows):
            last = "".join(letters[(n // 26**k) % 26] for k in range(4)).capitalize()
            values = {
                "email": f"load{n}@bench.edu",
                "first": "Load",
                "last": last,
                "dob": "2001-02-03",
                "accepted-terms": "TRUE",
                "homeless": "FALSE",
                "street1": "1 Main St",
                "city": "Davis",
                "state": "CA",
                "postal": "95616",
                "country": "US",
                "password": import_password(n),
            }
            writer.writerow([values.get(column, "") for column in TEMPLATE_COLUMNS])
    return path


def signer(folder: str, email: str, ready, start, stop, results) -> None:
    """One sign-in process: signs its student in until told to stop; reports latencies and failures."""
    runtime = Runtime.open(settings_for(Path(folder)))
    latencies: list[float] = []
    failures: list[str] = []
    ready.wait()
    start.wait()
    while not stop.is_set():
        began = time.perf_counter()
        try:
            flow = SignInFlow(runtime)
            flow.submit_identifier(email)
            step = flow.submit_password(PASSWORD)
            if step is not Step.DONE:
                failures.append(f"ended at {step}: {flow.message}")
        except Exception as error:  # a failed sign-in action is what this benchmark counts
            failures.append(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
        latencies.append(time.perf_counter() - began)
        time.sleep(PAUSE_SECONDS)
    runtime.engine.dispose()
    results.put((latencies, failures))


def phase(folder: Path, signers: int, importers: list[list[str]] | None) -> tuple[list[float], list[str], float]:
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(signers + 1)
    start, stop = context.Event(), context.Event()
    results = context.Queue()
    processes = [
        context.Process(target=signer, args=(str(folder), f"signer{n}@bench.edu", ready, start, stop, results))
        for n in range(signers)
    ]
    for process in processes:
        process.start()
    ready.wait()
    began = time.perf_counter()
    start.set()
    if importers is None:
        time.sleep(ALONE_SECONDS)
    else:
        environment = os.environ | {"OPENCCC_LOG_FILE": str(folder / "log")}
        running = [
            subprocess.Popen(c, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for c in importers
        ]
        for child in running:
            out, err = child.communicate()
            if child.returncode != 0 or " 0 Failure" not in out:
                stop.set()
                raise SystemExit(f"an import failed: {out}{err}")
    stop.set()
    elapsed = time.perf_counter() - began
    latencies: list[float] = []
    failures: list[str] = []
    for _ in processes:
        got_latencies, got_failures = results.get(timeout=120)
        latencies += got_latencies
        failures += got_failures
    for process in processes:
        process.join(timeout=30)
    return latencies, failures, elapsed


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98], "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signers", type=int, default=8)
    parser.add_argument("--importers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        staff_user = seed(folder, args.signers)
        url = settings_for(folder).database_url
        openccc = str(Path(sys.executable).parent / "openccc-tui")
        commands = [
            [
                openccc,
                "import",
                str(upload(folder / f"load{k}.csv", args.rows, k * args.rows)),
                "--as",
                staff_user,
                "--db",
                url,
            ]
            for k in range(args.importers)
        ]
        alone, alone_failures, alone_seconds = phase(folder, args.signers, None)
        loaded, loaded_failures, loaded_seconds = phase(folder, args.signers, commands)
    quiet, busy = percentiles(alone), percentiles(loaded)
    print(
        f"sign-ins alone: {len(alone)} in {alone_seconds:.0f} s by {args.signers} processes, "
        f"{len(alone_failures)} failed"
    )
    print(
        f"sign-ins during {args.importers} imports of {args.rows} rows: {len(loaded)} in {loaded_seconds:.0f} s, "
        f"{len(loaded_failures)} failed  (target 0)"
    )
    for failure in sorted(set(alone_failures + loaded_failures))[:5]:
        print(f"  failure: {failure}")
    print(
        "sign-in latency (ms)    "
        + "  ".join(f"{key}: {quiet[key] * 1000:.0f} alone, {busy[key] * 1000:.0f} during" for key in quiet)
    )
    print(
        f"sign-in latency ratio during imports / alone: p50 {busy['p50'] / quiet['p50']:.2f}, "
        f"p99 {busy['p99'] / quiet['p99']:.2f}"
    )


if __name__ == "__main__":
    main()
