"""`openccc-tui import` as a real process (SPEC BULK-7, BULK-8): whatever stops it — kill -9
at any moment, a dropped SSH connection, a full disk — every CCCID in a results file
exists, the job shows as interrupted or cancelled, and the same file then finishes with
no second account. And the results never land on the input, on a link, or over a file."""

import csv
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlmodel import func, select

from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.services.bulk import bulk_jobs
from openccc_tui.services.bulk.bulk_uploads import Limits, open_upload
from openccc_tui.services.records import stored_ids
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import BulkJob, BulkRow, StudentAccount
from tests import factories
from tests.conftest import make_runtime, make_settings
from tests.services.test_bulk import row
from tests.test_cli import run

CCCID = TEMPLATE_COLUMNS.index("cccid")
EMAIL = TEMPLATE_COLUMNS.index("email")
OPENCCC = str(Path(sys.executable).parent / "openccc-tui")
LIMITS = Limits(max_bytes=50 * 1024 * 1024, max_rows=200_000)


@pytest.fixture(autouse=True)
def log_file(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENCCC_LOG_FILE", str(tmp_path / "cli.log"))


@pytest.fixture
def creator_runtime(database_url, tmp_path):
    runtime = make_runtime(make_settings(database_url, tmp_path))
    factories.staff_actor(runtime, "cory", "creator")
    factories.console_ready(runtime, "cory")  # `import --as` acts only for a creator who signed in once
    yield runtime
    runtime.engine.dispose()


def students_file(path: Path, count: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(TEMPLATE_COLUMNS)
        writer.writerows(row(n) for n in range(count))
    return path


def import_command(source: Path, url: str, *extra: str) -> list[str]:
    return [OPENCCC, "import", str(source), "--as", "cory", "--db", url, *extra]


def stored(runtime) -> dict[str, str]:
    with read_session(runtime.engine) as session:
        return {a.email: a.cccid for a in session.exec(select(StudentAccount))}


def listed_cccids(folder: Path, source: Path) -> dict[str, str]:
    """Every CCCID that any results file in `folder` names, finished or left half-written
    by a killed process (hidden temporary files; a row cut by the kill is not a row)."""
    listed: dict[str, str] = {}
    for path in folder.iterdir():
        if path == source or not path.name.endswith((".csv", ".tmp")):
            continue
        with path.open(encoding="utf-8-sig", newline="") as file:
            for cells in list(csv.reader(file))[1:]:
                if len(cells) == len(TEMPLATE_COLUMNS) and cells[CCCID]:
                    listed[cells[EMAIL]] = cells[CCCID]
    return listed


def assert_every_listed_cccid_exists(runtime, folder: Path, source: Path) -> int:
    listed = listed_cccids(folder, source)
    accounts = stored(runtime)
    assert {email: accounts.get(email) for email in listed} == listed
    return len(listed)


def assert_no_job_left_running(runtime) -> None:
    with read_session(runtime.engine) as session:
        jobs = session.exec(select(BulkJob.id)).all()
    assert all(bulk_jobs.job_status(runtime, job_id) != "running" for job_id in stored_ids(jobs))


def test_bulk_8_ten_kill_9_at_random_moments_then_the_same_file_finishes(creator_runtime, database_url, tmp_path):
    """BULK-7/8: ten `kill -9`s at random moments of a CLI import; after each, every CCCID
    in any results file exists and the killed job shows as interrupted; the same file then
    finishes with one account per row."""
    runtime = creator_runtime
    rows = 120
    source = students_file(tmp_path / "students.csv", rows)
    command = import_command(source, database_url, "--force")
    moments = random.Random(uuid.uuid4().int)
    for _ in range(10):
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # A random moment of the run, whatever the machine's load: once a random number of
        # rows is committed (none: during start-up), then a random bit more.
        wait_for_rows(runtime, child, outcomes(runtime) + moments.randrange(0, rows))
        time.sleep(moments.uniform(0, 0.5))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert_every_listed_cccid_exists(runtime, tmp_path, source)
        assert_no_job_left_running(runtime)
    before = stored(runtime)
    assert len(before) > 0, "no kill came after a committed batch"
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith(f"Processed {rows} of {rows} rows: {rows} Success, 0 Failure.")
    after = stored(runtime)
    assert len(after) == rows and all(after[email] == cccid for email, cccid in before.items())
    results = tmp_path / "students-results.csv"
    with results.open(encoding="utf-8-sig", newline="") as file:
        assert {r[EMAIL]: r[CCCID] for r in list(csv.reader(file))[1:]} == after
    assert [path.name for path in tmp_path.iterdir() if path.suffix == ".tmp"] == []  # the killed runs' are removed


def test_bulk_8_a_dropped_ssh_connection_stops_after_the_batch_with_its_results(
    creator_runtime, database_url, tmp_path
):
    """SIGHUP (the SSH connection dropped): the job finishes the batch being saved, writes
    the results of every committed row, and is recorded as cancelled."""
    runtime = creator_runtime
    source = students_file(tmp_path / "students.csv", 300)
    child = subprocess.Popen(import_command(source, database_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for_rows(runtime, child, 1)
    child.send_signal(signal.SIGHUP)
    assert child.wait(timeout=30) == 0
    results = tmp_path / "students-results.csv"
    listed = listed_cccids(tmp_path, source)
    assert results.exists() and 0 < len(listed) < 300 and listed == stored(runtime)
    with read_session(runtime.engine) as session:
        assert session.exec(select(BulkJob.status)).all() == ["cancelled"]
    finished = subprocess.run(import_command(source, database_url, "--force"), capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert "Processed 300 of 300 rows: 300 Success" in finished.stdout
    assert f"{len(listed)} of the accounts were created by an earlier run of this file" in finished.stdout
    assert len(stored(runtime)) == 300


def test_bulk_8_two_creators_with_different_files_at_once_get_add_3_whatever_the_timing(
    creator_runtime, database_url, tmp_path
):
    """Two different files naming the same students, imported at the same time by two
    processes: each student gets one account, from one file; the other file's row says
    the ADD-3 message — never Success with someone else's CCCID."""
    runtime = creator_runtime
    factories.staff_actor(runtime, "olga", "creator")
    factories.console_ready(runtime, "olga")
    first = students_file(tmp_path / "first.csv", 120)
    second = tmp_path / "second.csv"
    with second.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(TEMPLATE_COLUMNS)
        writer.writerows(row(n, password=f"Other#{n}#Pass77") for n in range(120))
    commands = [import_command(first, database_url), import_command(second, database_url)]
    commands[1][commands[1].index("cory")] = "olga"
    children = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    for child in children:
        _, err = child.communicate(timeout=100)
        assert child.returncode == 0, err
    outcome: dict[str, list[tuple[str, str, str]]] = {}
    for name in ("first-results.csv", "second-results.csv"):
        with (tmp_path / name).open(encoding="utf-8-sig", newline="") as file:
            for cells in list(csv.reader(file))[1:]:
                outcome.setdefault(cells[EMAIL], []).append((cells[-3], cells[CCCID], cells[-1]))
    accounts = stored(runtime)
    assert len(accounts) == 120
    for email, results in outcome.items():
        assert sorted(status for status, _, _ in results) == ["Failure", "Success"], email
        (cccid,) = [cccid for status, cccid, _ in results if status == "Success"]
        assert accounts[email] == cccid
        assert [message for status, _, message in results if status == "Failure"] == [
            f"A user already exists with email: {email}"
        ]


def test_bulk_8_the_same_file_twice_at_once_creates_each_account_once(creator_runtime, database_url, tmp_path):
    """Two processes importing one file at the same time: whichever saves a row first
    creates it, the other reports that account (BULK-8 resume), so both results agree."""
    runtime = creator_runtime
    source = students_file(tmp_path / "students.csv", 120)
    children = [
        subprocess.Popen(
            import_command(source, database_url, "--out", str(tmp_path / f"run{n}.csv")),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    ]
    for child in children:
        out, err = child.communicate(timeout=100)
        assert child.returncode == 0 and "120 Success, 0 Failure" in out, err
    accounts = stored(runtime)
    assert len(accounts) == 120
    for n in (1, 2):
        with (tmp_path / f"run{n}.csv").open(encoding="utf-8-sig", newline="") as file:
            assert {r[EMAIL]: r[CCCID] for r in list(csv.reader(file))[1:]} == accounts


def test_bulk_7_out_equal_to_the_input_is_refused(creator_runtime, database_url, tmp_path, monkeypatch, capsys):
    source = students_file(tmp_path / "students.csv", 2)
    original = source.read_bytes()
    hard_link = tmp_path / "same.csv"
    os.link(source, hard_link)
    (tmp_path / "sub").mkdir()
    for out in (source, tmp_path / "sub" / ".." / "students.csv", hard_link):
        code, _, err = run(
            monkeypatch,
            capsys,
            "import",
            str(source),
            "--as",
            "cory",
            "--db",
            database_url,
            "--out",
            str(out),
            "--force",
        )
        assert code == 1 and "is the input file itself" in err
    assert source.read_bytes() == original and stored(creator_runtime) == {}


def test_bulk_7_an_existing_results_file_is_not_overwritten_silently(
    creator_runtime, database_url, tmp_path, monkeypatch, capsys
):
    source = students_file(tmp_path / "students.csv", 2)
    results = tmp_path / "students-results.csv"
    results.write_text("yesterday's results")
    argv = ["import", str(source), "--as", "cory", "--db", database_url]
    code, _, err = run(monkeypatch, capsys, *argv)
    assert code == 1 and "exists: choose another --out, or add --force to replace it" in err
    assert results.read_text() == "yesterday's results" and stored(creator_runtime) == {}
    code, out, _ = run(monkeypatch, capsys, *argv, "--force")
    assert code == 0 and out.startswith("Processed 2 of 2 rows: 2 Success")
    assert "yesterday" not in results.read_text(encoding="utf-8-sig")


def test_bulk_7_a_symlink_at_the_results_path_is_not_followed(
    creator_runtime, database_url, tmp_path, monkeypatch, capsys
):
    source = students_file(tmp_path / "students.csv", 2)
    victim = tmp_path / "victim.txt"
    victim.write_text("not results")
    link = tmp_path / "students-results.csv"
    link.symlink_to(victim)
    for extra in ([], ["--force"]):
        code, _, err = run(monkeypatch, capsys, "import", str(source), "--as", "cory", "--db", database_url, *extra)
        assert code == 1 and "symbolic link" in err
    assert victim.read_text() == "not results" and link.is_symlink() and stored(creator_runtime) == {}


def outcomes(runtime) -> int:
    with read_session(runtime.engine) as session:
        return session.exec(select(func.count()).select_from(BulkRow)).one()


def wait_for_rows(runtime, child: subprocess.Popen, count: int, seconds: float = 60) -> None:
    """Until `count` row outcomes are committed, or the child has ended."""
    deadline = time.monotonic() + seconds
    while outcomes(runtime) < count and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MiB tmpfs of its own (the tests run as root); skipped where mounting is not allowed."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(folder: Path, leave: int) -> Path:
    """Fill `folder`'s file system but for about `leave` bytes."""
    filler = folder / "filler"
    stats = os.statvfs(folder)
    filler.write_bytes(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave))
    return filler


def test_bulk_7_a_full_disk_under_the_results_file_leaves_no_results_and_the_file_finishes(
    creator_runtime, tmp_path, small_disk, monkeypatch
):
    """The results file's disk fills up during the job: the job stops at that batch and
    says so, no torn results file is left, and the same file finishes once there is room."""
    runtime = creator_runtime
    monkeypatch.setattr(bulk_jobs, "BATCH_ROWS", 10)
    source = students_file(tmp_path / "students.csv", 200)
    filler = fill(small_disk, leave=6 * 1024)
    results = small_disk / "students-results.csv"
    actor = factories.staff_actor(runtime, "carl", "creator")
    with pytest.raises(bulk_jobs.JobInterrupted, match="the results file could not be written") as stopped:
        bulk_jobs.run_job(runtime, actor, open_upload(source, LIMITS), results)
    summary = stopped.value.summary
    assert 0 < summary.successes < 200 and not results.exists()
    assert [p.name for p in small_disk.iterdir()] == ["filler"]
    assert bulk_jobs.job_status(runtime, summary.job_id) == "interrupted"
    filler.unlink()
    finished = bulk_jobs.run_job(runtime, actor, open_upload(source, LIMITS), results)
    assert finished.successes == 200 and finished.resumed >= summary.successes
    assert listed_cccids(small_disk, source) == stored(runtime) and len(stored(runtime)) == 200


def test_bulk_7_a_full_disk_under_the_sqlite_database_lists_only_committed_rows(
    tmp_path, sqlite_template, small_disk, monkeypatch
):
    """SQLite's disk fills up mid-job ("database or disk is full"): the open batch rolls
    back, the results file lists the committed rows only, and the same file finishes."""
    import shutil

    monkeypatch.setattr(bulk_jobs, "BATCH_ROWS", 10)
    database = small_disk / "openccc.db"
    shutil.copy(sqlite_template, database)
    runtime = make_runtime(make_settings(f"sqlite:///{database}", tmp_path))
    actor = factories.staff_actor(runtime, "cory", "creator")
    source = students_file(tmp_path / "students.csv", 400)
    filler = fill(small_disk, leave=256 * 1024)
    results = tmp_path / "students-results.csv"
    with pytest.raises(bulk_jobs.JobInterrupted, match="database or disk is full") as stopped:
        bulk_jobs.run_job(runtime, actor, open_upload(source, LIMITS), results)
    summary = stopped.value.summary
    assert 0 < summary.successes < 400
    assert listed_cccids(tmp_path, source) == stored(runtime)
    assert len(stored(runtime)) == summary.successes
    filler.unlink()
    finished = bulk_jobs.run_job(runtime, actor, open_upload(source, LIMITS), tmp_path / "finished-results.csv")
    assert (finished.successes, finished.resumed) == (400, summary.successes)
    assert len(stored(runtime)) == 400
    runtime.engine.dispose()
