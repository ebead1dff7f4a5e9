"""TERM-5 for configuration: unreadable or invalid settings, an unwritable log, database,
import or export folder each give one line saying what to fix and exit 1, in every mode,
never a traceback. Every command but init, demo and db upgrade refuses a database that does
not exist or has no schema, and makes no file for it.

The permission cases run the real command line as another user (`nobody`, through
setpriv) when the tests run as root, since root may read and write anything."""

import io
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from openccc_tui.cli import main
from openccc_tui.crash import open_log_file
from openccc_tui.store import migrate
from openccc_tui.store.engine import make_engine
from tests.conftest import POSTGRES_URL, fresh_sqlite_url

APP = str(Path(sys.executable).parent / "openccc-tui")
NOBODY = 65534
AS_ROOT = os.geteuid() == 0
SETPRIV = shutil.which("setpriv")
needs_another_user = pytest.mark.skipif(AS_ROOT and not SETPRIV, reason="as root, these need setpriv (util-linux)")

EVERY_MODE = [
    pytest.param([], id="run"),
    pytest.param(["--mode", "staff"], id="staff"),
    pytest.param(["--mode", "kiosk"], id="kiosk"),
    pytest.param(["serve", "--port", "8765"], id="serve"),
    pytest.param(["import", "students.csv", "--as", "cory"], id="import"),
    pytest.param(["outbox"], id="outbox"),
]
SOME_MODES = [EVERY_MODE[0], EVERY_MODE[2], EVERY_MODE[4]]


@pytest.fixture
def home() -> Iterator[Path]:
    """A folder the command's user owns and may write, outside root's private tmp_path."""
    folder = Path(tempfile.mkdtemp(prefix="openccc-startup-"))
    if AS_ROOT:
        os.chown(folder, NOBODY, NOBODY)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def as_user(home: Path, path: Path) -> Path:
    """A file or folder made by the test, handed to the command's user."""
    if AS_ROOT:
        os.chown(path, NOBODY, NOBODY)
    return path


def cli(home: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script as the command's user, with a clean OPENCCC_ environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("OPENCCC_", "TEXTUAL"))}
    environment |= {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state")}
    environment |= {"XDG_CONFIG_HOME": str(home / "config")}
    environment |= {"OPENCCC_LOG_FILE": str(home / "log" / "openccc.log")} | env
    prefix = [str(SETPRIV), f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if AS_ROOT else []
    return subprocess.run(
        [*prefix, APP, *argv], env=environment, cwd=home, capture_output=True, text=True, timeout=60, check=False
    )


def one_line(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("openccc-tui: error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr
    return result.stderr


def a_database(home: Path) -> str:
    """A migrated SQLite database that the command's user owns."""
    database = home / "college.db"
    engine = make_engine(f"sqlite:///{database}")
    migrate.upgrade(engine)
    engine.dispose()
    as_user(home, database)
    return f"sqlite:///{database}"


@needs_another_user
@pytest.mark.parametrize("argv", EVERY_MODE)
def test_term_5_an_unreadable_settings_file_is_one_line_in_every_mode(home, argv):
    settings = home / "openccc.toml"
    settings.write_text('policy_profile = "nist"\n')
    settings.chmod(0o000)
    if AS_ROOT:
        os.chown(settings, 0, 0)
    result = cli(home, *argv, OPENCCC_CONFIG=str(settings))
    one_line(result, f"cannot read the settings file {settings}: permission denied", "make it readable")


@pytest.mark.parametrize("argv", SOME_MODES)
def test_term_5_an_invalid_settings_value_is_one_line_in_every_mode(home, argv):
    settings = home / "openccc.toml"
    settings.write_text('hash_workers = "many"\n')
    result = cli(home, *argv, OPENCCC_CONFIG=str(settings))
    one_line(result, "configuration hash_workers: Input should be a valid integer", f"settings file {settings}")


def test_term_5_settings_that_are_not_toml_or_missing_are_one_line(home):
    settings = home / "openccc.toml"
    settings.write_text("policy_profile = \n")
    one_line(cli(home, "outbox", OPENCCC_CONFIG=str(settings)), f"{settings} is not valid TOML", "(at line 1")
    missing = home / "nowhere.toml"
    one_line(cli(home, "outbox", OPENCCC_CONFIG=str(missing)), f"{missing} named by OPENCCC_CONFIG does not exist")


@needs_another_user
@pytest.mark.parametrize("argv", EVERY_MODE)
def test_term_5_an_unwritable_log_is_one_line_in_every_mode(home, argv):
    folder = home / "root-only"
    folder.mkdir(mode=0o755)
    if not AS_ROOT:
        folder.chmod(0o555)
    result = cli(home, *argv, OPENCCC_LOG_FILE=str(folder / "openccc.log"))
    one_line(result, f"cannot write the log file {folder / 'openccc.log'}: permission denied", "OPENCCC_LOG_FILE")


@needs_another_user
def test_term_5_an_unwritable_database_is_one_line(home):
    url = a_database(home)
    database = Path(url.removeprefix("sqlite:///"))
    if AS_ROOT:
        os.chown(database, 0, 0)
    database.chmod(0o600 if AS_ROOT else 0o400)
    one_line(cli(home, "outbox", OPENCCC_DATABASE_URL=url), f"cannot write the database {database}: permission")


@needs_another_user
def test_term_5_an_unwritable_export_or_unreadable_import_folder_is_one_line(home):
    url = a_database(home)
    locked = home / "locked"
    locked.mkdir(mode=0o700)
    if not AS_ROOT:
        locked.chmod(0o000)
    result = cli(home, "template", OPENCCC_EXPORT_DIR=str(locked))
    one_line(result, f"cannot write in the export folder {locked}: permission denied", "OPENCCC_EXPORT_DIR")
    result = cli(home, "serve", "--port", "8765", OPENCCC_DATABASE_URL=url, OPENCCC_IMPORT_DIR=str(locked))
    one_line(result, f"cannot read the import folder {locked}: permission denied", "OPENCCC_IMPORT_DIR")
    result = cli(home, "serve", "--port", "8765", OPENCCC_DATABASE_URL=url, OPENCCC_EXPORT_DIR=str(home / "gone"))
    one_line(result, f"the export folder {home / 'gone'} does not exist")
    locked.chmod(0o700)


def test_term_5_logging_before_a_log_file_prints_nothing():
    code = "from openccc_tui.crash import log_crash; log_crash(RuntimeError('early'), where='start')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stderr == "" and result.stdout == ""


def test_term_5_what_is_logged_before_the_log_file_is_known_is_written_to_it_then(tmp_path):
    """The App reads its settings, and so learns its log file, after its first page: a crash
    logged before then is kept, never printed, and written to the log file once known."""
    log = tmp_path / "openccc-tui.log"
    code = (
        "import sys; from pathlib import Path; from openccc_tui.crash import configure_logging, log_crash\n"
        "log_crash(RuntimeError('before the settings'), where='the first page')\n"
        "configure_logging(Path(sys.argv[1]))\n"
        "log_crash(RuntimeError('after'), where='a page')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(log)], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stderr == "" and result.stdout == ""
    text = log.read_text()
    assert "unexpected error in the first page" in text and "RuntimeError: before the settings" in text
    assert text.index("before the settings") < text.index("RuntimeError: after")


@pytest.mark.parametrize("argv", SOME_MODES)
def test_term_5_a_database_in_a_folder_that_does_not_exist_is_one_line(home, argv):
    database = home / "typo" / "college.db"
    result = cli(home, *argv, OPENCCC_DATABASE_URL=f"sqlite:///{database}")
    one_line(result, f"the database folder {home / 'typo'} does not exist", "mkdir -m 700")
    assert not (home / "typo").exists()


COMMANDS_THAT_NEED_A_DATABASE = [
    pytest.param(["outbox"], id="outbox"),
    pytest.param(
        ["staff", "add", "x", "--college", "861", "--roles", "creator", "--name", "X", "--password-stdin"],
        id="staff-add",
    ),
    pytest.param(["import", "students.csv", "--as", "cory"], id="import"),
    pytest.param(["serve", "--port", "8765"], id="serve"),
    pytest.param(["db", "backup", "copy.db"], id="db-backup"),
]


def run(monkeypatch, capsys, tmp_path, *argv: str, stdin: str = "Str0ng#Pass\n") -> tuple[int, str]:
    monkeypatch.setenv("OPENCCC_LOG_FILE", str(tmp_path / "cli.log"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.chdir(tmp_path)
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("argv", COMMANDS_THAT_NEED_A_DATABASE)
def test_term_5_commands_refuse_a_database_that_does_not_exist_and_make_none(tmp_path, monkeypatch, capsys, argv):
    database = tmp_path / "college.db"
    code, err = run(monkeypatch, capsys, tmp_path, *argv, "--db", f"sqlite:///{database}")
    assert code == 1 and err.count("\n") == 1
    assert f"no database at {database}: make one with `openccc-tui init`" in err
    assert list(tmp_path.glob("college.db*")) == []


def test_term_5_the_app_refuses_a_missing_database_too(tmp_path, monkeypatch, capsys):
    code, err = run(monkeypatch, capsys, tmp_path, "--db", f"sqlite:///{tmp_path / 'college.db'}")
    assert code == 1 and "no database at" in err and not (tmp_path / "college.db").exists()


def test_term_5_without_a_database_url_the_default_is_not_made(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OPENCCC_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, err = run(monkeypatch, capsys, tmp_path, "outbox")
    assert code == 1
    assert "(the default database: neither --db nor OPENCCC_DATABASE_URL names one)" in err
    assert not (tmp_path / "data").exists()
    code, err = run(
        monkeypatch, capsys, tmp_path, "init", "--college", "861", "--college-name", "T", "--director", "jdir",
        "--name", "J Dir", "--password-stdin",
    )  # fmt: skip
    assert (code, err) == (0, "")
    folder = tmp_path / "data" / "openccc-tui"
    assert (folder / "openccc.db").is_file() and folder.stat().st_mode & 0o777 == 0o700
    code, err = run(monkeypatch, capsys, tmp_path, "outbox")
    assert (code, err) == (0, "")


def test_term_5_db_upgrade_and_init_make_a_database_but_not_a_mistyped_folder(tmp_path, monkeypatch, capsys):
    code, err = run(monkeypatch, capsys, tmp_path, "db", "upgrade", "--db", f"sqlite:///{tmp_path / 'new.db'}")
    assert (code, err) == (0, "") and (tmp_path / "new.db").is_file()
    code, err = run(monkeypatch, capsys, tmp_path, "db", "upgrade", "--db", f"sqlite:///{tmp_path / 'typo' / 'x.db'}")
    assert code == 1 and "does not exist" in err and not (tmp_path / "typo").exists()


def test_term_5_an_sqlite_file_without_the_schema_is_refused(tmp_path, monkeypatch, capsys):
    database = tmp_path / "empty.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE something_else (x INTEGER)"))
    engine.dispose()
    code, err = run(monkeypatch, capsys, tmp_path, "outbox", "--db", f"sqlite:///{database}")
    assert code == 1 and err == (
        f"openccc-tui: error: the database sqlite:///{database} has no OpenCCC schema: set it up with "
        "`openccc-tui init` (or `openccc-tui db upgrade`), or name another with --db or OPENCCC_DATABASE_URL\n"
    )


def test_term_5_a_schema_newer_than_this_version_is_refused(database_url, tmp_path, monkeypatch, capsys):
    def set_revision(revision: str | None) -> None:
        engine = make_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        engine.dispose()

    set_revision("f00d")
    try:
        for argv in (["outbox"], ["db", "upgrade"]):
            code, err = run(monkeypatch, capsys, tmp_path, *argv, "--db", database_url)
            assert code == 1 and "has schema revision f00d, which this version of openccc-tui does not know" in err
    finally:
        set_revision(migrate.head_revision())  # the PostgreSQL schema is shared by the session's tests


@pytest.mark.postgres
def test_term_5_a_postgresql_database_without_the_schema_is_refused(tmp_path, monkeypatch, capsys):
    assert POSTGRES_URL is not None
    schema = f"openccc_empty_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    try:
        code, err = run(monkeypatch, capsys, tmp_path, "outbox", "--db", url)
        assert code == 1 and "has no OpenCCC schema: set it up with `openccc-tui init`" in err
        with admin.connect() as connection:
            tables = connection.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"), {"s": schema}
            ).scalar()
        assert tables == 0
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_term_5_a_log_in_a_setgid_group_folder_is_shared_and_elsewhere_private(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o2770)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    previous = os.umask(0o077)
    try:
        open_log_file(shared / "openccc-tui.log")
        open_log_file(private / "openccc-tui.log")
    finally:
        os.umask(previous)
    assert (shared / "openccc-tui.log").stat().st_mode & 0o777 == 0o660
    assert (private / "openccc-tui.log").stat().st_mode & 0o777 == 0o600


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def in_a_terminal(monkeypatch: pytest.MonkeyPatch, folder: Path) -> list[str]:
    """Run the command line's app as in a terminal (headless, 80×24), in `folder`: the list
    returned gets the name of the page on screen when the first frame is shown."""
    from textual.app import App

    from openccc_tui.app import OpenCCCApp

    shown: list[str] = []
    on_ready = OpenCCCApp.on_ready

    def first_frame(app: OpenCCCApp) -> None:
        """The first frame is on screen, and the App starts reading its settings and opening the database."""
        shown.append(type(app.screen).__name__)
        on_ready(app)

    def run_headless(app: OpenCCCApp) -> None:
        App.run(app, headless=True, size=(80, 24))

    monkeypatch.setattr(OpenCCCApp, "on_ready", first_frame)
    monkeypatch.setattr(OpenCCCApp, "run", run_headless)
    monkeypatch.setenv("OPENCCC_LOG_FILE", str(folder / "cli.log"))
    monkeypatch.chdir(folder)
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    return shown


def test_term_5_a_database_problem_found_after_the_app_shows_its_first_page_is_one_line(tmp_path, monkeypatch, capsys):
    """In a terminal the app shows its first page before it opens the database: a schema
    problem found then ends the app, and the same one line says what to fix."""
    database = tmp_path / "empty.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE something_else (x INTEGER)"))
    engine.dispose()
    shown = in_a_terminal(monkeypatch, tmp_path)
    code, err = main(["--db", f"sqlite:///{database}"]), capsys.readouterr().err
    assert shown == ["SignInScreen"]
    assert code == 1 and err == (
        f"openccc-tui: error: the database sqlite:///{database} has no OpenCCC schema: set it up with "
        "`openccc-tui init` (or `openccc-tui db upgrade`), or name another with --db or OPENCCC_DATABASE_URL\n"
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        pytest.param("OPENCCC_POLICY_PROFILE", "bogus", "configuration policy_profile: ", id="invalid-value"),
        pytest.param("OPENCCC_LOG_FILE", "{file}/openccc-tui.log", "cannot write the log file ", id="unwritable-log"),
        pytest.param("OPENCCC_EXPORT_DIR", "{tmp}/gone", "the export folder ", id="missing-export-folder"),
    ],
)
def test_term_5_a_settings_problem_found_after_the_app_shows_its_first_page_is_one_line(
    tmp_path, sqlite_template, monkeypatch, capsys, variable, value, message
):
    """In a terminal the app shows its first page before it reads its settings: a problem
    with them, their log file or the exchange folders ends the app, in one line."""
    (tmp_path / "a-file").write_text("not a folder")
    url = fresh_sqlite_url(tmp_path, sqlite_template)
    shown = in_a_terminal(monkeypatch, tmp_path)
    monkeypatch.setenv(variable, value.format(file=tmp_path / "a-file", tmp=tmp_path))
    code, err = main(["--db", url]), capsys.readouterr().err
    assert shown == ["SignInScreen"]
    assert code == 1 and err.startswith(f"openccc-tui: error: {message}") and err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("under", ["a-file", "a-file/deeper"])
def test_term_5_a_log_file_under_a_file_says_that_part_is_not_a_folder(tmp_path, under):
    from openccc_tui.crash import LogFileError

    (tmp_path / "a-file").write_text("not a folder")
    log = tmp_path / under / "openccc-tui.log"
    with pytest.raises(LogFileError) as refused:
        open_log_file(log)
    assert str(refused.value).startswith(f"cannot write the log file {log}: {log.parent} is not a folder: set log_file")
