"""`openccc-tui db backup PATH`: a consistent, owner-only copy of a live SQLite database,
taken while another process writes; never over an existing file; PostgreSQL is pointed
to pg_dump."""

import csv
import io
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from openccc_tui.cli import main
from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.store import migrate
from openccc_tui.store.engine import make_engine, read_session
from openccc_tui.store.models import StudentAccount
from tests import factories
from tests.conftest import fresh_sqlite_url, make_runtime, make_settings
from tests.services.test_bulk import row

APP = str(Path(sys.executable).parent / "openccc-tui")
ROWS = 120


def backup(monkeypatch, capsys, tmp_path: Path, url: str, target: Path) -> tuple[int, str, str]:
    monkeypatch.setenv("OPENCCC_LOG_FILE", str(tmp_path / "cli.log"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = main(["db", "backup", str(target), "--db", url])
    out, err = capsys.readouterr()
    return code, out, err


def cccids(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with read_session(engine) as session:
            return set(session.exec(select(StudentAccount.cccid)).all())
    finally:
        engine.dispose()


def test_db_backup_during_an_import_restores_every_account_committed_before_it(
    tmp_path, sqlite_template, monkeypatch, capsys
):
    url = fresh_sqlite_url(tmp_path, sqlite_template)
    runtime = make_runtime(make_settings(url, tmp_path))
    factories.staff_actor(runtime, "cory", "creator")
    factories.console_ready(runtime, "cory")  # `import --as` acts only for a creator who could sign in
    source = tmp_path / "students.csv"
    with source.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(TEMPLATE_COLUMNS)
        writer.writerows(row(n) for n in range(ROWS))
    env = os.environ | {"OPENCCC_LOG_FILE": str(tmp_path / "import.log")}
    importing = subprocess.Popen(
        [APP, "import", str(source), "--as", "cory", "--db", url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with read_session(runtime.engine) as session:
                if session.exec(select(func.count()).select_from(StudentAccount)).one() > 0:
                    break
            time.sleep(0.05)
        before = cccids(url)
        assert importing.poll() is None, "the backup must be taken while the import still writes"
        target = tmp_path / "backups" / "openccc-backup.db"
        target.parent.mkdir()
        code, out, err = backup(monkeypatch, capsys, tmp_path, url, target)
        assert (code, err) == (0, "") and f"written to {target}" in out
        _, import_errors = importing.communicate(timeout=300)
        assert importing.returncode == 0, import_errors
    finally:
        if importing.poll() is None:
            importing.kill()
            importing.wait()
    after = cccids(url)
    assert len(after) == ROWS and len(before) > 0

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["openccc-backup.db"], "no partial file is left"
    restored = tmp_path / "restored" / "openccc.db"
    restored.parent.mkdir()
    shutil.copyfile(target, restored)
    restored_url = f"sqlite:///{restored}"
    engine = make_engine(restored_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()
    in_backup = cccids(restored_url)
    assert before <= in_backup <= after
    assert len(in_backup) < len(after), "taken in the middle of the import"
    runtime.engine.dispose()


def test_db_backup_is_owner_only_whatever_the_umask_and_never_overwrites(
    tmp_path, sqlite_template, monkeypatch, capsys
):
    url = fresh_sqlite_url(tmp_path, sqlite_template)
    target = tmp_path / "copy.db"
    previous = os.umask(0)
    try:
        code, _, err = backup(monkeypatch, capsys, tmp_path, url, target)
    finally:
        os.umask(previous)
    assert (code, err) == (0, "")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.write_bytes(b"an older backup")
    code, _, err = backup(monkeypatch, capsys, tmp_path, url, target)
    assert code == 1
    assert err == (
        f"openccc-tui: error: {target} exists already: a backup never overwrites a file; choose a new name\n"
    )
    assert target.read_bytes() == b"an older backup"
    code, _, err = backup(monkeypatch, capsys, tmp_path, url, tmp_path / "missing" / "copy.db")
    assert code == 1 and "the folder" in err and "does not exist" in err


@pytest.mark.postgres
def test_db_backup_of_postgresql_says_to_use_pg_dump(postgres_schema_url, tmp_path, monkeypatch, capsys):
    code, _, err = backup(monkeypatch, capsys, tmp_path, postgres_schema_url, tmp_path / "copy.db")
    assert code == 1 and "for PostgreSQL use pg_dump: pg_dump --format=custom" in err
    assert not (tmp_path / "copy.db").exists()
