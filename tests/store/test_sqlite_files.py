"""A SQLite database and its -wal and -shm files are owner-only (0600) in an owner-only
folder (0700), or 0660 in a setgid 2770 folder with `database_group`, whatever the umask;
wider modes on an existing database are warned about once, on screen and in the log."""

import grp
import io
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from openccc_tui.cli import main
from openccc_tui.store import migrate
from openccc_tui.store.engine import make_engine, write_session
from openccc_tui.store.sqlite_files import DatabaseFileError, make_folder, mode_warnings
from tests import factories


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request) -> Iterator[int]:
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def all_three(database: Path) -> list[Path]:
    return [database, Path(f"{database}-wal"), Path(f"{database}-shm")]


def use(engine) -> None:
    """Real use: the schema, a write and a read, so that WAL makes its -wal and -shm."""
    migrate.upgrade(engine)
    with write_session(engine) as session:
        session.add(factories.college("861"))


def a_group_to_share() -> str:
    """Root may give files to any group (here one that is not its own); another user only
    to a group of its own."""
    if os.geteuid() == 0:
        return next(g.gr_name for g in grp.getgrall() if g.gr_gid != 0)
    return grp.getgrgid(os.getgid()).gr_name


def test_term_5_database_wal_and_shm_are_owner_only_in_an_owner_only_folder(tmp_path, umask):
    database = tmp_path / "new" / "openccc.db"
    engine = make_engine(f"sqlite:///{database}")
    use(engine)
    with engine.connect() as connection:  # the -wal and -shm exist while a connection is open
        connection.execute(text("SELECT count(*) FROM college")).scalar()
        assert [mode(path) for path in all_three(database)] == [0o600, 0o600, 0o600]
    assert mode(database.parent) == 0o700
    engine.dispose()


def test_term_5_with_database_group_the_files_are_0660_of_that_group_in_a_setgid_folder(tmp_path, umask):
    group = a_group_to_share()
    gid = grp.getgrnam(group).gr_gid
    database = tmp_path / "shared" / "openccc.db"
    engine = make_engine(f"sqlite:///{database}", group=group)
    use(engine)
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM college")).scalar()
        assert [mode(path) for path in all_three(database)] == [0o660, 0o660, 0o660]
        assert {path.stat().st_gid for path in all_three(database)} == {gid}
    folder = database.parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o2770 and folder.stat().st_gid == gid
    assert mode_warnings(database, group) == []
    engine.dispose()


def test_term_5_an_unknown_database_group_is_refused_in_one_line(tmp_path):
    with pytest.raises(DatabaseFileError, match="'no-such-group-x' is not a group on this machine"):
        make_folder(tmp_path / "x", "no-such-group-x")


def test_term_5_wider_modes_of_an_existing_database_are_warned_once_and_logged(
    tmp_path, sqlite_template, monkeypatch, capsys
):
    folder = tmp_path / "wide"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    database = folder / "openccc.db"
    database.write_bytes(sqlite_template.read_bytes())
    database.chmod(0o644)
    log = tmp_path / "cli.log"
    monkeypatch.setenv("OPENCCC_LOG_FILE", str(log))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["outbox", "--db", f"sqlite:///{database}"]) == 0
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines == [
        f"openccc-tui: warning: the database file {database} has mode 0644, wider than 0600: chmod 600 {database}",
        f"openccc-tui: warning: the database folder {folder} has mode 0755: other users can reach it: "
        f"chmod 700 {folder}",
    ]
    logged = log.read_text()
    assert "has mode 0644, wider than 0600" in logged and "has mode 0755" in logged
    assert mode(database) == 0o644, "reported, not changed"


def test_term_5_cli_init_and_use_leave_owner_only_files(tmp_path, umask, monkeypatch, capsys):
    monkeypatch.setenv("OPENCCC_LOG_FILE", str(tmp_path / "log" / "cli.log"))
    database = tmp_path / "college.db"
    url = f"sqlite:///{database}"
    monkeypatch.setattr(sys, "stdin", io.StringIO("Str0ng#Pass\n"))
    argv = [
        "init",
        "--db",
        url,
        "--college",
        "861",
        "--college-name",
        "T",
        "--director",
        "jdir",
        "--name",
        "J Dir",
        "--password-stdin",
    ]
    assert main(argv) == 0
    assert capsys.readouterr().err == ""
    engine = make_engine(url)
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM staff")).scalar()
        assert [mode(path) for path in all_three(database)] == [0o600, 0o600, 0o600]
    engine.dispose()
    assert mode(tmp_path / "log" / "cli.log") == 0o600 and mode(tmp_path / "log") == 0o700
