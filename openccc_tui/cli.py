"""The command line: `openccc-tui [--db URL] [--mode …]` and its subcommands.

Every failure the user can fix prints one line, `openccc-tui: error: …`, and exits
non-zero (2 for usage errors); tracebacks go to the log file only. A configuration or
permission problem (settings, log, database, import or export folder) is such a failure,
in every mode (SPEC TERM-5). Every command but `init`, `demo` and `db upgrade` refuses a
database that does not exist or has no schema, so a mistyped path never makes a new one.
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import logging
import os
import re
import shlex
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from openccc_tui.config_error import ConfigurationError
from openccc_tui.crash import configure_logging, log_crash
from openccc_tui.services.errors import ServiceError

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError

    from openccc_tui.app import OpenCCCApp
    from openccc_tui.config import Settings
    from openccc_tui.services import notify
    from openccc_tui.services.bulk import bulk_jobs
    from openccc_tui.services.runtime import Runtime
    from openccc_tui.services.setup import DemoStaff

# Each command imports what only it needs (the settings and pydantic, the database layers,
# spreadsheets, PDF letters, encryption, the staff and demo set-up) when it runs: the app
# shows its first page before it reads its settings and opens the database, and waits for
# none of them.

PROG = "openccc-tui"
MODES = ("full", "staff", "kiosk", "trainer")
DEMO_DATABASE = "openccc-demo.db"
DEMO_SETTINGS = "openccc-demo.toml"
logger = logging.getLogger("openccc_tui.cli")


class UsageError(Exception):
    pass


class CommandError(Exception):
    """A one-line error for the user; exit status 1."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


DB_HELP = "database URL (default: $OPENCCC_DATABASE_URL, else a SQLite file in the user data folder)"


def app_options(parser: Parser) -> Parser:
    """The options of the app itself: `openccc-tui [--db URL] [--mode MODE]`."""
    parser.add_argument("--db", metavar="URL", default=None, help=DB_HELP)
    parser.add_argument("--mode", choices=MODES, default="full", help="which screens this terminal offers")
    parser.add_argument("--served", action="store_true", help=argparse.SUPPRESS)  # set by `serve` for its sessions
    return parser


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments. Starting the app, with no command, is parsed without building every
    command's parser, which is most of the time parsing takes; anything else (a command,
    --help, an unknown option) is parsed by the whole parser."""
    args, rest = app_options(Parser(prog=PROG, add_help=False)).parse_known_args(argv)
    if rest:
        return build_parser().parse_args(argv)
    args.command = None
    return args


def build_parser() -> Parser:
    db = Parser(add_help=False)
    db.add_argument(
        "--db",
        metavar="URL",
        default=argparse.SUPPRESS,
        help=DB_HELP,
    )
    parser = app_options(Parser(prog=PROG, description="OpenCCC student accounts in a terminal."))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    init = commands.add_parser("init", parents=[db], help="create or upgrade the schema, a college and its director")
    init.add_argument("--college", required=True, metavar="MIS", help="the college's 3-character MIS code")
    init.add_argument("--college-name", required=True, metavar="NAME")
    init.add_argument("--director", required=True, metavar="USER", help="the director's user name")
    init.add_argument(
        "--name", metavar="FULL_NAME", required=True, help="the director's full name, shown in the staff console"
    )
    init.add_argument(
        "--password-stdin", action="store_true", required=True, help="read the password from standard input"
    )

    staff = commands.add_parser("staff", help="manage staff accounts")
    staff_commands = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True, parser_class=Parser)
    add = staff_commands.add_parser("add", parents=[db], help="add a staff member")
    add.add_argument("user", metavar="USER")
    add.add_argument("--college", required=True, metavar="MIS")
    add.add_argument("--roles", required=True, help="comma-separated: creator, support, director")
    add.add_argument(
        "--name", metavar="FULL_NAME", required=True, help="the person's full name, shown in the staff console"
    )
    add.add_argument("--pending", action="store_true", help="leave the account waiting for a director's approval")
    add.add_argument(
        "--password-stdin", action="store_true", required=True, help="read the password from standard input"
    )

    demo = commands.add_parser("demo", parents=[db], help="a fresh demo database, opened in trainer mode")
    demo.add_argument(
        "--dir", type=Path, default=None, help="folder for the demo database (default: a new temporary folder)"
    )
    demo.add_argument("--seed-only", action="store_true", help="create the demo database and stop")

    outbox = commands.add_parser("outbox", parents=[db], help="recent messages sent to students (codes expire)")
    outbox.add_argument("--to", metavar="ADDRESS", default=None, help="only messages to this email or phone")
    outbox.add_argument("--last", metavar="N", type=int, default=10, help="how many, newest first (default 10)")

    imports = commands.add_parser(
        "import", parents=[db], help="Multi Account Creation from a .csv or .xlsx file (host administrators)"
    )
    imports.add_argument("file", type=Path, metavar="FILE")
    imports.add_argument(
        "--as",
        dest="staff_user",
        required=True,
        metavar="STAFF_USER",
        help="the creator the accounts are made by: an approved, enrolled creator (audited as them)",
    )
    imports.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="RESULTS",
        help="results file (.csv, or .xlsx protected by a password); default FILE-results.csv",
    )
    imports.add_argument(
        "--file-password-stdin",
        action="store_true",
        help="read the password of a password-protected .xlsx FILE from the first line of standard input",
    )
    imports.add_argument(
        "--results-password-stdin",
        action="store_true",
        help="read the password of an .xlsx results file from standard input (the second line "
        "with --file-password-stdin)",
    )
    imports.add_argument("--force", action="store_true", help="replace the results file if it exists")

    letter = commands.add_parser(
        "letters", parents=[db], help="hand-over letters with fresh one-time passwords, one PDF (TRACK-2)"
    )
    chosen = letter.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--cccid", nargs="+", metavar="ID", help="the accounts, by CCCID")
    chosen.add_argument("--job", type=int, metavar="N", help="the accounts made by Multi Account Creation job N")
    letter.add_argument(
        "--as",
        dest="staff_user",
        required=True,
        metavar="STAFF_USER",
        help="the creator or support member writing them: approved and enrolled (audited as them)",
    )
    letter.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="PDF",
        help="the PDF to write (default: a new file in the export folder)",
    )

    template = commands.add_parser("template", help="write the Multi Account Creation template")
    template.add_argument(
        "path", type=Path, nargs="?", default=None, metavar="PATH", help="file or folder (default: the export folder)"
    )

    serve = commands.add_parser("serve", parents=[db], help="serve the app to web browsers (textual-serve)")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument(
        "--mode",
        dest="serve_mode",
        choices=MODES,
        default="staff",
        help="which screens each browser session offers (default staff)",
    )

    database = commands.add_parser("db", help="database maintenance")
    db_commands = database.add_subparsers(dest="db_command", metavar="ACTION", required=True, parser_class=Parser)
    db_commands.add_parser("upgrade", parents=[db], help="create or upgrade the schema (migrations)")
    backup = db_commands.add_parser(
        "backup", parents=[db], help="a consistent copy of the live SQLite database (owner-only, never overwrites)"
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="the backup file to write; it must not exist")
    return parser


def read_password(prompt: str = "Password: ") -> str:
    password = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("no password was given on standard input")
    return password


def make_settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    from openccc_tui.config import load_settings

    if getattr(args, "db", None):
        overrides["database_url"] = args.db
    return load_settings(**overrides)


def logged_settings(args: argparse.Namespace) -> Settings:
    """The settings of the command line, with the log file they name in use."""
    settings = make_settings(args)
    configure_logging(settings.log_file)
    return settings


def warn(message: str) -> None:
    """Shown once on the command line, and logged."""
    print(f"{PROG}: warning: {message}", file=sys.stderr)
    logger.warning(message)


def this_user() -> str:
    return f"this user ({os_user()})"


PURGERS: list[notify.Purger] = []
"""Background purges of the running command, stopped when it ends."""


def open_runtime(
    settings: Settings,
    *,
    create: bool = False,
    warn_modes: bool = True,
    purge: bool = True,
    keep_purging: bool = False,
    report: Callable[[str], None] = warn,
) -> Runtime:
    """The runtime of the configured database. Unless `create` (init, demo, db upgrade),
    the database must exist and have a schema; an older schema is upgraded. Expired outbox
    bodies are purged at once (unless not to `purge`: a write waits for other writers), and
    every minute with `keep_purging`. Warnings about the database file's modes go to `report`."""
    from openccc_tui.services import notify
    from openccc_tui.services.runtime import Runtime
    from openccc_tui.store import migrate
    from openccc_tui.store.engine import display_url, normalise_url
    from openccc_tui.store.sqlite_files import mode_warnings, sqlite_file

    path = sqlite_file(normalise_url(settings.database_url))
    if path is not None:
        check_sqlite_file(settings, path, create=create)
        if warn_modes:
            for message in mode_warnings(path, settings.database_group):
                report(message)
    runtime = Runtime.open(settings)
    if create:
        return runtime
    revision = migrate.current_revision(runtime.engine)
    if revision is None:
        raise CommandError(
            f"the database {display_url(settings.database_url)} has no OpenCCC schema: set it up with "
            "`openccc-tui init` (or `openccc-tui db upgrade`), or name another with --db or OPENCCC_DATABASE_URL"
        )
    check_revision(settings, revision)
    if revision != migrate.head_revision():
        migrate.upgrade(runtime.engine)
    if purge:
        notify.purge_expired_bodies(runtime)
    if keep_purging:
        PURGERS.append(notify.Purger(runtime).start())
    return runtime


def check_revision(settings: Settings, revision: str | None) -> None:
    from openccc_tui.store import migrate
    from openccc_tui.store.engine import display_url

    if revision is not None and not migrate.is_known(revision):
        raise CommandError(
            f"the database {display_url(settings.database_url)} has schema revision {revision}, "
            "which this version of openccc-tui does not know: install the newer version"
        )


def check_sqlite_file(settings: Settings, path: Path, *, create: bool) -> None:
    """The database file, and its folder, exist and this user can write them; only the
    default folder is made, and only by a command that creates the database."""
    from openccc_tui.store.sqlite_files import make_folder

    default = "database_url" not in settings.model_fields_set
    named = " (the default database: neither --db nor OPENCCC_DATABASE_URL names one)" if default else ""
    fix = "correct --db or OPENCCC_DATABASE_URL"
    missing = f"no database at {path}{named}: make one with `openccc-tui init`, or {fix} to name the existing one"
    folder = path.absolute().parent
    folder_mode = file_status(folder, f"the database folder {folder}")
    if folder_mode is None and default:
        if not create:
            raise CommandError(missing)
        make_folder(folder, settings.database_group)
    elif folder_mode is None:
        raise CommandError(
            f"the database folder {folder} does not exist{named}: create it (mkdir -m 700 {folder}) or {fix}"
        )
    elif not stat.S_ISDIR(folder_mode):
        raise CommandError(f"{folder} is not a folder: {fix}")
    if file_status(path, f"the database {path}") is None:
        if not create:
            raise CommandError(missing)
    elif not os.access(path, os.R_OK | os.W_OK):
        raise CommandError(
            f"cannot write the database {path}: permission denied: give {this_user()} read and write access "
            "to it and its folder (a group of its users and database_group), or use another database"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(
            f"cannot write in the database folder {folder}, where SQLite keeps its -wal and -shm files: "
            f"permission denied: give {this_user()} write access to it (a group of its users and database_group)"
        )


def file_status(path: Path, what: str) -> int | None:
    """The mode of `path`, None when it does not exist; a path that cannot be reached is an error."""
    try:
        return os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        raise CommandError(f"cannot reach {what}: {reason}: check the folders above it") from None


def check_folder(folder: Path, name: str, *, write: bool) -> None:
    """The import folder must be readable, the export folder writable, by this user."""
    setting = f"{name}_dir (OPENCCC_{name.upper()}_DIR)"
    mode = file_status(folder, f"the {name} folder {folder}")
    if mode is None:
        raise CommandError(f"the {name} folder {folder} does not exist: create it, or set {setting}")
    if not stat.S_ISDIR(mode):
        raise CommandError(f"the {name} folder {folder} is not a folder: set {setting} to a folder")
    verb, access = ("write in", os.W_OK | os.X_OK) if write else ("read", os.R_OK | os.X_OK)
    if not os.access(folder, access):
        raise CommandError(
            f"cannot {verb} the {name} folder {folder}: permission denied: set {setting} to a folder "
            f"{this_user()} can {verb.split()[0]}, or change its permissions"
        )


def check_exchange_folders(settings: Settings, mode: str) -> None:
    """The staff pages read the import folder and write the export folder; a kiosk uses neither."""
    if mode != "kiosk":
        check_folder(settings.import_dir, "import", write=False)
        check_folder(settings.export_dir, "export", write=True)


def os_user() -> str:
    try:
        return getpass.getuser()
    except OSError:
        return "unknown"


def with_totp_key(settings: Settings) -> Settings:
    """The settings with a totp_key (STAFF-6): when none is set, a new one is written to the
    settings file, readable by its owner only, and said so."""
    from pydantic import SecretStr

    from openccc_tui.config import add_setting, settings_file
    from openccc_tui.services.credentials import totp_secrets

    if settings.totp_key is not None:
        return settings
    path = settings_file()
    key = totp_secrets.new_key()
    try:
        add_setting(path, "totp_key", key)
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise CommandError(f"cannot write the new totp_key to {path}: {reason}") from None
    print(f"A new totp_key, the key of the staff authenticator secrets, was written to {path}.")
    return settings.model_copy(update={"totp_key": SecretStr(key)})


def full_name(args: argparse.Namespace) -> str:
    """The staff member's full name: the console greets them by it and directors approve by it."""
    name = " ".join(str(args.name).split())
    if not name:
        raise CommandError("give the person's full name with --name")
    return name


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from openccc_tui.services.audit import command_line_actor
    from openccc_tui.services.setup import initialise
    from openccc_tui.store import migrate
    from openccc_tui.store.engine import display_url

    name = full_name(args)
    password = read_password()
    settings = with_totp_key(settings)
    runtime = open_runtime(settings, create=True)
    check_revision(settings, migrate.current_revision(runtime.engine))
    created = initialise(
        runtime,
        command_line_actor(os_user()),
        mis_code=args.college,
        college_name=args.college_name,
        director=args.director,
        full_name=name,
        password=password,
    )
    print(f"Database ready at {display_url(settings.database_url)}.")
    print(f"Director {created.staff.username} created. Enrol this in an authenticator app:")
    print(created.enrolment_uri)
    return 0


def cmd_staff_add(args: argparse.Namespace, settings: Settings) -> int:
    from openccc_tui.domain.staff import StaffRuleError, parse_roles
    from openccc_tui.services.audit import command_line_actor
    from openccc_tui.services.staff.staff_members import add_staff, find_college
    from openccc_tui.store.engine import write_session

    try:
        roles = parse_roles(args.roles)
    except StaffRuleError as error:
        raise CommandError(str(error)) from None
    if not roles:
        raise CommandError("give at least one role with --roles")
    name = full_name(args)
    password = read_password()
    runtime = open_runtime(settings)
    with write_session(runtime.engine) as session:
        college = find_college(session, args.college)
        created = add_staff(
            session,
            runtime,
            command_line_actor(os_user()),
            username=args.user,
            full_name=name,
            college=college,
            roles=roles,
            password=password,
            approved=not args.pending,
        )
    waiting = " It waits for a director's approval." if args.pending else ""
    print(f"Staff member {created.staff.username} added with roles {created.staff.roles}.{waiting}")
    print("Enrol this in an authenticator app:")
    print(created.enrolment_uri)
    return 0


def cmd_outbox(args: argparse.Namespace, settings: Settings) -> int:
    from openccc_tui.domain.contact import ContactError, looks_like_email, normalise_phone
    from openccc_tui.domain.text import printable
    from openccc_tui.services import notify

    if args.last < 1:
        raise UsageError("--last takes a whole number of 1 or more")
    runtime = open_runtime(settings)
    to = args.to
    if to and not looks_like_email(to):
        try:
            to = normalise_phone(to).e164
        except ContactError as error:
            raise CommandError(f"--to: {error}") from None
    messages = notify.recent(runtime, to=to, last=args.last)
    if not messages:
        print("The outbox has no messages" + (f" to {args.to}." if args.to else "."))
    for message in messages:
        sent = f"sent by SMTP {message.smtp_sent_at:%H:%M}" if message.smtp_sent_at else "in the outbox only"
        print(
            f"{message.created_at:%Y-%m-%d %H:%M} UTC  {message.channel} to {printable(message.to_address)}  ({sent})"
        )
        print(f"  {printable(message.subject)}")
        body = message.body if message.body is not None else notify.EXPIRED_NOTE
        for line in body.splitlines():
            print(f"  {printable(line)}")
    return 0


def cmd_template(args: argparse.Namespace, settings: Settings) -> int:
    from openccc_tui.services.bulk import bulk_jobs

    if args.path is None:
        check_folder(settings.export_dir, "export", write=True)
    target = args.path or settings.export_dir
    path = bulk_jobs.template_path(target) if target.is_dir() or target.suffix == "" else target
    print(f"Template written to {bulk_jobs.write_template(path)}")
    return 0


def results_target(source: Path, out: Path | None, *, force: bool) -> Path:
    """Where the results go: never onto the input, never through a link, and never over an
    existing file unless --force says so (BULK-7)."""
    from openccc_tui.services.files import is_symlink, same_file

    target = out or source.with_name(f"{source.stem}-results.csv")
    if same_file(target, source):
        raise CommandError(f"--out {target} is the input file itself: choose another results file")
    if is_symlink(target):
        raise CommandError(f"{target} is a symbolic link: results are never written through one")
    if os.path.lexists(target) and not force:
        raise CommandError(f"the results file {target} exists: choose another --out, or add --force to replace it")
    return target


@contextmanager
def stop_on_hangup(cancel: threading.Event) -> Iterator[None]:
    """While the job runs, a dropped SSH connection (SIGHUP), SIGTERM or ctrl+c stops it after
    the batch being saved, so its rows get their results; a second ctrl+c stops at once."""

    def stop(signum: int, _frame: object) -> None:
        if signum == signal.SIGHUP:
            # The terminal is gone: what would be printed to it goes nowhere instead of failing.
            devnull = os.open(os.devnull, os.O_WRONLY)
            for descriptor in (1, 2):
                os.dup2(devnull, descriptor)
            os.close(devnull)
        if signum == signal.SIGINT:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        cancel.set()

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
    before = {signum: signal.signal(signum, stop) for signum in signals}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


@contextmanager
def progress_bar(name: str, total: int) -> Iterator[Callable[[bulk_jobs.Progress], None]]:
    """Rows done, rows/s and time left on a terminal (BULK-8); nothing for a script, which
    then pays neither for loading Rich's progress display nor for its refresh thread."""
    if not sys.stderr.isatty():
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"), TimeRemainingColumn())
    with Progress(TextColumn("{task.description}"), *columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(name, total=total, rate="")
        yield lambda p: bar.update(task, completed=p.done, rate=f"{p.rate:.0f} rows/s")


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from openccc_tui.services.bulk import bulk_jobs
    from openccc_tui.services.bulk.bulk_uploads import FileRefused, Limits, PasswordNeeded, open_upload
    from openccc_tui.services.staff.staff_members import command_line_creator

    source: Path = args.file
    out = results_target(source, args.out, force=args.force)
    file_password = read_password(f"Password of {source.name}: ") if args.file_password_stdin else None
    password = read_password("Password of the results: ") if args.results_password_stdin else None
    if out.suffix.lower() == ".xlsx" and not password:
        raise UsageError("an .xlsx results file needs --results-password-stdin")
    runtime = open_runtime(settings, keep_purging=True)
    # The audit names the creator as the actor and the host account that ran the job as the terminal.
    runtime.terminal = f"cli:{os_user()}"
    actor = command_line_creator(runtime, args.staff_user)
    limits = Limits(max_bytes=settings.bulk_max_bytes, max_rows=settings.bulk_max_rows)
    try:
        upload = open_upload(source, limits, password=file_password)
    except FileRefused as refused:
        hint = "" if file_password or not isinstance(refused, PasswordNeeded) else " (--file-password-stdin)"
        print(f"{PROG}: refused: {refused}{hint}", file=sys.stderr)
        return 1
    cancel = threading.Event()
    with stop_on_hangup(cancel), progress_bar(source.name, upload.total_rows) as progress:
        summary = bulk_jobs.run_job(
            runtime,
            actor,
            upload,
            out,
            results_password=password,
            replace_results=args.force,
            progress=progress,
            cancel=cancel,
        )
    note = f" {summary.note}" if summary.note else ""
    print(f"{summary.line()}{note} Results: {out}")
    if summary.earlier_runs:
        print(summary.earlier_line())
    if summary.cancelled:
        print(
            "Stopped before the end: run the same command with --force to finish the file (its results replace these)."
        )
    return 0


def cmd_letters(args: argparse.Namespace, settings: Settings) -> int:
    from openccc_tui.services.staff import letters
    from openccc_tui.services.staff.staff_members import command_line_creator

    out: Path | None = args.out
    if out is None:
        check_folder(settings.export_dir, "export", write=True)
    elif out.suffix.lower() != ".pdf":
        raise UsageError("--out names a .pdf file")
    runtime = open_runtime(settings)
    runtime.terminal = f"cli:{os_user()}"
    actor = command_line_creator(runtime, args.staff_user, roles=letters.ROLES, doing="write hand-over letters")
    if args.job is not None:
        accounts = letters.job_accounts(runtime, actor, args.job)
    else:
        accounts = letters.accounts_by_cccid(runtime, actor, args.cccid)
    written = letters.write_letters(runtime, actor, accounts, out)
    print(
        f"{written.count} letter(s) written to {written.path} (owner-only). Their one-time passwords work once, "
        f"until {written.valid_until.isoformat()}. Hand each page to its student, then shred the paper "
        "and delete the file."
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from openccc_tui.services.audit import command_line_actor
    from openccc_tui.services.credentials import totp_secrets
    from openccc_tui.store import migrate
    from openccc_tui.store.engine import display_url

    runtime = open_runtime(settings, create=True)
    check_revision(settings, migrate.current_revision(runtime.engine))
    migrate.upgrade(runtime.engine)
    print(f"Schema at revision {migrate.current_revision(runtime.engine)} in {display_url(settings.database_url)}.")
    # The data step of revision 0009: the key is in the settings, never in the database (STAFF-6).
    encrypted = totp_secrets.seal_plaintext_secrets(runtime, command_line_actor(os_user()))
    if encrypted:
        print(f"{encrypted} staff authenticator secret(s) encrypted with the configured totp_key.")
    return 0


PG_DUMP = "pg_dump --format=custom --file=PATH 'postgresql://USER@HOST/DBNAME'"


def cmd_db_backup(args: argparse.Namespace, settings: Settings) -> int:
    from openccc_tui.store.backup import BackupError, backup_sqlite
    from openccc_tui.store.engine import display_url, normalise_url
    from openccc_tui.store.sqlite_files import sqlite_file

    if sqlite_file(normalise_url(settings.database_url)) is None:
        raise CommandError(f"db backup copies a SQLite database file; for PostgreSQL use pg_dump: {PG_DUMP}")
    runtime = open_runtime(settings, purge=False)  # only reads: never queued behind a busy writer
    try:
        backup_sqlite(runtime.engine, args.path)
    except BackupError as error:
        raise CommandError(str(error)) from None
    finally:
        runtime.engine.dispose()
    print(f"Backup of {display_url(settings.database_url)} written to {args.path} (owner-only).")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from pydantic import SecretStr

    from openccc_tui.services.audit import command_line_actor
    from openccc_tui.services.credentials import totp_secrets
    from openccc_tui.services.setup import seed_demo
    from openccc_tui.store.engine import display_url
    from openccc_tui.store.sqlite_files import make_folder

    named_database = getattr(args, "db", None) or os.environ.get("OPENCCC_DATABASE_URL")
    if args.dir or not named_database:
        folder = args.dir or Path(tempfile.mkdtemp(prefix="openccc-demo-"))
        make_folder(folder, None)
        database = folder / DEMO_DATABASE
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        settings = settings.model_copy(
            update={"database_url": f"sqlite:///{database}", "import_dir": folder, "export_dir": folder}
        )
    kept = ""
    if settings.totp_key is None:
        # The demo's own key; a demo made in a folder keeps it in a settings file beside the database.
        settings = settings.model_copy(update={"totp_key": SecretStr(totp_secrets.new_key())})
        kept = " (its totp_key lives for this run only)"
        if args.dir or not named_database:
            kept = f"; to open it again: OPENCCC_CONFIG={write_demo_settings(settings)} openccc-tui --mode trainer"
    runtime = open_runtime(settings, create=True, warn_modes=False)
    staff = seed_demo(runtime, command_line_actor(os_user()))
    print(f"Demo database: {display_url(settings.database_url)} (demo data only: these credentials are public)")
    if kept:
        print(f"  Demo settings{kept}")
    print_demo_identities(staff)
    if args.seed_only:
        return 0
    if sys.stdin.isatty():
        input("Press Enter to open the app (F1 in the app shows these again) ")
    return run_app(lambda: settings, "trainer")


def write_demo_settings(settings: Settings) -> Path:
    from openccc_tui.config import add_setting

    path = settings.export_dir / DEMO_SETTINGS
    path.unlink(missing_ok=True)
    for name in ("database_url", "import_dir", "export_dir"):
        add_setting(path, name, str(getattr(settings, name)))
    add_setting(path, "totp_key", settings.totp_key.get_secret_value() if settings.totp_key else "")
    return path


def print_demo_identities(staff: list[DemoStaff]) -> None:
    from openccc_tui.services.setup import demo_identities

    identities = demo_identities()
    print("Staff (F2 on Sign In): user name, password, role, TOTP secret")
    for member in staff:
        print(f"  {member.username:<14} {member.password:<14} {member.roles:<9} {member.totp_secret}")
    python = os.path.relpath(sys.executable) if sys.executable.startswith(os.getcwd()) else sys.executable
    creator = next((member for member in staff if "creator" in member.roles), None)
    if creator is not None:
        print(f"  Authenticator code of {creator.username} now (another secret for another member):")
        print(f'    {python} -c "{identities.totp_python.format(secret=creator.totp_secret)}"')
    print(f"Students (password {identities.student_password}; F1 in the app says what each shows):")
    for typed, shows in identities.students:
        print(f"  {typed:<31} {' '.join(dict.fromkeys(re.findall(r'[A-Z]+-[0-9]+', shows)))}")


LOCKED_MODES = ("kiosk", "staff")
"""Modes used as an SSH ForceCommand or on a public terminal: Textual's developer switches are off."""


WEB_DRIVER = "textual.drivers.web_driver:WebDriver"
WEB_SESSION = {"TEXTUAL_DRIVER": WEB_DRIVER, "TEXTUAL_FPS": None, "TEXTUAL_COLOR_SYSTEM": None}
"""What textual-serve sets for each browser session: kept when the app is `--served`."""


def scrub_environment(environ: dict[str, str] | os._Environ[str], *, served: bool = False) -> list[str]:
    """Remove what would loosen a locked-down terminal before Textual reads it (TERM-2):
    TEXTUAL_ALLOW_SIGNALS (ctrl+c, ctrl+z and ctrl+\\ as signals), the devtools and debug
    switches, scripted key presses, screenshots, another driver; and PYTHONINSPECT, which
    would leave a Python prompt behind when the app ends. A browser session keeps the web
    driver textual-serve chose, and nothing else. Returns the names removed."""

    def kept(name: str) -> bool:
        return served and name in WEB_SESSION and WEB_SESSION[name] in (None, environ[name])

    names = [
        name
        for name in environ
        if (name.startswith("TEXTUAL") or name in ("PYTHONINSPECT", "PYTHONBREAKPOINT")) and not kept(name)
    ]
    for name in names:
        del environ[name]
    return sorted(names)


def run_app(read_settings: Callable[[], Settings], mode: str, *, served: bool = False) -> int:
    """Run the app of `mode` on the settings `read_settings` gives (read, with their log file
    in use, once its first page is on screen), in a terminal or a browser session."""
    if served and os.environ.get("TEXTUAL_DRIVER") != WEB_DRIVER:
        raise UsageError("--served is set by `openccc-tui serve` for its browser sessions")
    if mode in LOCKED_MODES:
        scrub_environment(os.environ, served=served)
    # A served session's warnings were shown by `serve`; a demo database holds public data only.
    warn_modes = not served and mode != "trainer"
    warnings: list[str] = []
    if not served and not (sys.stdin.isatty() and sys.stdout.isatty()):
        settings = app_settings(read_settings, mode)
        open_runtime(settings, warn_modes=warn_modes)  # a database problem is still named first
        raise CommandError("the app needs a terminal: run it in one, or over SSH with `ssh -t`")
    app = new_app(read_settings, mode, report=warnings.append if warn_modes else None)
    app.run()
    for message in warnings:  # printed while the app runs, they would garble its screen
        warn(message)
    if app.startup_error is not None:
        raise app.startup_error
    if app.return_code:
        log_file = app.settings.log_file
        print(f"{PROG}: Sorry, something went wrong. The details were written to {log_file}.", file=sys.stderr)
    return app.return_code or 0


def new_app(read_settings: Callable[[], Settings], mode: str, *, report: Callable[[str], None] | None) -> OpenCCCApp:
    """The app of `mode`: it shows its first page, then reads its settings (`app_settings`)
    and opens its runtime (`open_app_runtime`) in a thread; a failure ends it with
    `startup_error` set."""
    from openccc_tui.app import Mode, OpenCCCApp, RuntimeOpening

    opening = RuntimeOpening(
        partial(app_settings, read_settings, mode), partial(open_app_runtime, mode=mode, report=report)
    )
    return OpenCCCApp(opening, Mode(mode))


def app_settings(read_settings: Callable[[], Settings], mode: str) -> Settings:
    """The app's settings, with the exchange folders its mode uses checked."""
    settings = read_settings()
    check_exchange_folders(settings, mode)
    return settings


def open_app_runtime(settings: Settings, mode: str, report: Callable[[str], None] | None) -> Runtime:
    """The app's runtime, checked for its mode; the database file's mode warnings go to
    `report`, or nowhere when it is None."""
    runtime = open_runtime(settings, warn_modes=report is not None, report=report or warn)
    if settings.totp_key is not None:
        from openccc_tui.services.audit import command_line_actor
        from openccc_tui.services.credentials import totp_secrets

        totp_secrets.seal_plaintext_secrets(runtime, command_line_actor(os_user()))
    if mode == "staff":
        from openccc_tui.services.credentials import totp_secrets

        unavailable = totp_secrets.sign_in_problem(runtime)
        if unavailable:
            raise CommandError(unavailable)
    if mode == "trainer":
        from openccc_tui.services.setup import is_demo_database

        if not is_demo_database(runtime):
            raise CommandError(
                "trainer mode shows every code sent, so it opens only a demo database: use `openccc-tui demo`"
            )
    return runtime


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from openccc_tui.store.engine import display_url
    from openccc_tui.web import serve

    if not 0 < args.port < 65536:
        raise UsageError("--port takes a number from 1 to 65535")
    if not is_loopback(args.host):
        print(
            f"{PROG}: warning: serving on {args.host}: textual-serve has no sign-in of its own, so anyone who "
            "can reach this address gets the app's first page. Put an authenticating proxy with TLS in front.",
            file=sys.stderr,
        )
    check_exchange_folders(settings, args.serve_mode)
    runtime = open_runtime(settings)
    from openccc_tui.services.credentials import totp_secrets
    from openccc_tui.services.setup import is_demo_database

    if args.serve_mode == "trainer" and not is_demo_database(runtime):
        raise CommandError("trainer mode shows every code sent, so it serves only a demo database")
    unavailable = totp_secrets.sign_in_problem(runtime) if args.serve_mode == "staff" else None
    if unavailable:
        raise CommandError(unavailable)
    # Each session's process inherits the environment: the database URL goes there, not on
    # a command line that other users of the machine can read.
    os.environ["OPENCCC_DATABASE_URL"] = settings.database_url
    command = shlex.join([sys.executable, "-m", "openccc_tui", "--served", "--mode", args.serve_mode])
    print(
        f"Serving OpenCCC ({args.serve_mode} mode, {display_url(settings.database_url)}) "
        f"on http://{args.host}:{args.port}/ (ctrl+c stops)",
        flush=True,
    )
    serve(command, host=args.host, port=args.port, log_file=settings.log_file)
    return 0


COMMANDS = {
    "init": cmd_init,
    "demo": cmd_demo,
    "outbox": cmd_outbox,
    "import": cmd_import,
    "template": cmd_template,
    "letters": cmd_letters,
    "serve": cmd_serve,
    ("staff", "add"): cmd_staff_add,
    ("db", "upgrade"): cmd_db_upgrade,
    ("db", "backup"): cmd_db_backup,
}


def dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        return run_app(partial(logged_settings, args), args.mode, served=args.served)
    settings = logged_settings(args)
    key = args.command
    if args.command == "staff":
        key = ("staff", args.staff_command)
    elif args.command == "db":
        key = ("db", args.db_command)
    try:
        return COMMANDS[key](args, settings)
    finally:
        while PURGERS:
            PURGERS.pop().stop()


def one_line_errors() -> tuple[type[Exception], ...]:
    """The errors that say what to fix (TERM-5). Evaluated when an error is raised, so the
    database layers are imported then, not at every start."""
    from openccc_tui.store.engine import DatabaseURLError
    from openccc_tui.store.sqlite_files import DatabaseFileError

    return (CommandError, ServiceError, DatabaseURLError, ConfigurationError, DatabaseFileError)


def database_error() -> type[DBAPIError]:
    from sqlalchemy.exc import DBAPIError

    return DBAPIError


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_arguments(argv)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    try:
        return dispatch(args)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except one_line_errors() as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
    except database_error() as error:
        from openccc_tui.store.engine import display_url

        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        url = display_url(getattr(args, "db", None) or os.environ.get("OPENCCC_DATABASE_URL", "the default database"))
        print(f"{PROG}: error: database {url}: {reason}", file=sys.stderr)
    except Exception as error:  # the last resort of TERM-5: a line on screen, the traceback in the log
        log_crash(error, where=f"command {getattr(args, 'command', None) or 'run'}")
        print(f"{PROG}: error: unexpected {type(error).__name__}; details in the log file", file=sys.stderr)
    return 1
