"""The command line: `openccc-tui [--db URL] [--mode …]` and its subcommands.

Every failure the user can fix prints one line, `openccc-tui: error: …`, and exits
non-zero (2 for usage errors); tracebacks go to the log file only.
"""

import argparse
import getpass
import ipaddress
import os
import shlex
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from openccc_tui.config import Settings
from openccc_tui.crash import configure_logging, log_crash
from openccc_tui.domain.contact import ContactError, looks_like_email, normalise_phone
from openccc_tui.domain.staff import StaffRuleError, parse_roles
from openccc_tui.domain.text import printable
from openccc_tui.services import bulk, notify
from openccc_tui.services.audit import Actor, command_line_actor
from openccc_tui.services.bulk_files import FileRefused, Limits, open_upload
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.setup import initialise, is_demo_database, seed_demo
from openccc_tui.services.staff import add_staff, find_college
from openccc_tui.store import migrate
from openccc_tui.store.engine import DatabaseURLError, display_url, read_session, write_session
from openccc_tui.store.models import Staff

PROG = "openccc-tui"
MODES = ("full", "staff", "kiosk", "trainer")
DEMO_DATABASE = "openccc-demo.db"


class UsageError(Exception):
    pass


class CommandError(Exception):
    """A one-line error for the user; exit status 1."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> Parser:
    db = Parser(add_help=False)
    db.add_argument(
        "--db",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="database URL (default: $OPENCCC_DATABASE_URL, else a SQLite file in the user data folder)",
    )
    parser = Parser(prog=PROG, description="OpenCCC student accounts in a terminal.")
    parser.add_argument("--db", metavar="URL", default=None, help=db._actions[0].help)
    parser.add_argument("--mode", choices=MODES, default="full", help="which screens this terminal offers")
    parser.add_argument("--served", action="store_true", help=argparse.SUPPRESS)  # set by `serve` for its sessions
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

    imports = commands.add_parser("import", parents=[db], help="Multi Account Creation from a .csv or .xlsx file")
    imports.add_argument("file", type=Path, metavar="FILE")
    imports.add_argument(
        "--as",
        dest="staff_user",
        required=True,
        metavar="STAFF_USER",
        help="the creator the accounts are made by (audited as them)",
    )
    imports.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="RESULTS",
        help="results file (.csv, or .xlsx protected by a password); default FILE-results.csv",
    )
    imports.add_argument(
        "--results-password-stdin",
        action="store_true",
        help="read the password of an .xlsx results file from standard input",
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
    db_commands.add_parser("upgrade", parents=[db], help="apply schema migrations")
    return parser


def read_password() -> str:
    password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("no password was given on standard input")
    return password


def make_settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    if getattr(args, "db", None):
        overrides["database_url"] = args.db
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CommandError(f"configuration {where}: {first['msg']}") from None


def os_user() -> str:
    try:
        return getpass.getuser()
    except OSError:
        return "unknown"


def full_name(args: argparse.Namespace) -> str:
    """The staff member's full name: the console greets them by it and directors approve by it."""
    name = " ".join(str(args.name).split())
    if not name:
        raise CommandError("give the person's full name with --name")
    return name


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    name = full_name(args)
    password = read_password()
    runtime = Runtime.open(settings)
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
    try:
        roles = parse_roles(args.roles)
    except StaffRuleError as error:
        raise CommandError(str(error)) from None
    if not roles:
        raise CommandError("give at least one role with --roles")
    name = full_name(args)
    password = read_password()
    runtime = Runtime.open(settings)
    migrate.upgrade(runtime.engine)
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
    if args.last < 1:
        raise UsageError("--last takes a whole number of 1 or more")
    runtime = Runtime.open(settings)
    migrate.upgrade(runtime.engine)
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
    target = args.path or settings.export_dir
    path = bulk.template_path(target) if target.is_dir() or target.suffix == "" else target
    print(f"Template written to {bulk.write_template(path)}")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    source: Path = args.file
    out: Path = args.out or source.with_name(f"{source.stem}-results.csv")
    password = read_password() if args.results_password_stdin else None
    if out.suffix.lower() == ".xlsx" and not password:
        raise UsageError("an .xlsx results file needs --results-password-stdin")
    runtime = Runtime.open(settings)
    migrate.upgrade(runtime.engine)
    actor = staff_actor(runtime, args.staff_user)
    limits = Limits(max_bytes=settings.bulk_max_bytes, max_rows=settings.bulk_max_rows)
    try:
        upload = open_upload(source, limits)
    except FileRefused as refused:
        print(f"{PROG}: refused: {refused}", file=sys.stderr)
        return 1
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(source.name, total=upload.total_rows, rate="")
        summary = bulk.run_job(
            runtime,
            actor,
            upload,
            out,
            results_password=password,
            progress=lambda p: bar.update(task, completed=p.done, rate=f"{p.rate:.0f} rows/s"),
        )
    note = f" {summary.note}" if summary.note else ""
    print(f"{summary.line()}{note} Results: {out}")
    return 0


def staff_actor(runtime: Runtime, username: str) -> Actor:
    with read_session(runtime.engine) as session:
        staff = session.exec(select(Staff).where(Staff.username == username.strip().lower())).first()
    if staff is None:
        raise CommandError(f"no staff user {username}")
    return Actor(name=staff.username, staff_id=staff.id, college_id=staff.college_id, roles=parse_roles(staff.roles))


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    runtime = Runtime.open(settings)
    migrate.upgrade(runtime.engine)
    print(f"Schema at revision {migrate.current_revision(runtime.engine)} in {display_url(settings.database_url)}.")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    named_database = getattr(args, "db", None) or os.environ.get("OPENCCC_DATABASE_URL")
    if args.dir or not named_database:
        folder = args.dir or Path(tempfile.mkdtemp(prefix="openccc-demo-"))
        folder.mkdir(parents=True, exist_ok=True)
        database = folder / DEMO_DATABASE
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        settings = settings.model_copy(
            update={"database_url": f"sqlite:///{database}", "import_dir": folder, "export_dir": folder}
        )
    runtime = Runtime.open(settings)
    staff = seed_demo(runtime, command_line_actor(os_user()))
    print(f"Demo database: {display_url(settings.database_url)} (demo data only: these credentials are public)")
    for member in staff:
        print(f"  {member.username:<14} {member.roles:<9} password {member.password}  TOTP secret {member.totp_secret}")
    if args.seed_only:
        return 0
    return run_app(settings, "trainer")


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


def run_app(settings: Settings, mode: str, *, served: bool = False) -> int:
    if served and os.environ.get("TEXTUAL_DRIVER") != WEB_DRIVER:
        raise UsageError("--served is set by `openccc-tui serve` for its browser sessions")
    if mode in LOCKED_MODES:
        scrub_environment(os.environ, served=served)
    from openccc_tui.app import Mode, OpenCCCApp

    if not served and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CommandError("the app needs a terminal: run it in one, or over SSH with `ssh -t`")
    runtime = Runtime.open(settings)
    migrate.upgrade(runtime.engine)
    if mode == "trainer" and not is_demo_database(runtime):
        raise CommandError(
            "trainer mode shows every code sent, so it opens only a demo database: use `openccc-tui demo`"
        )
    app = OpenCCCApp(runtime, Mode(mode))
    app.run()
    if app.return_code:
        print(f"{PROG}: Sorry, something went wrong. The details were written to {settings.log_file}.", file=sys.stderr)
    return app.return_code or 0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from openccc_tui.web import serve

    if not 0 < args.port < 65536:
        raise UsageError("--port takes a number from 1 to 65535")
    if not is_loopback(args.host):
        print(
            f"{PROG}: warning: serving on {args.host}: textual-serve has no sign-in of its own, so anyone who "
            "can reach this address gets the app's first page. Put an authenticating proxy with TLS in front.",
            file=sys.stderr,
        )
    runtime = Runtime.open(settings)
    migrate.upgrade(runtime.engine)
    if args.serve_mode == "trainer" and not is_demo_database(runtime):
        raise CommandError("trainer mode shows every code sent, so it serves only a demo database")
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
    "serve": cmd_serve,
    ("staff", "add"): cmd_staff_add,
    ("db", "upgrade"): cmd_db_upgrade,
}


def dispatch(args: argparse.Namespace) -> int:
    settings = make_settings(args)
    configure_logging(settings.log_file)
    if args.command is None:
        return run_app(settings, args.mode, served=args.served)
    key = args.command
    if args.command == "staff":
        key = ("staff", args.staff_command)
    elif args.command == "db":
        key = ("db", args.db_command)
    return COMMANDS[key](args, settings)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    try:
        return dispatch(args)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except (CommandError, ServiceError, DatabaseURLError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        url = display_url(getattr(args, "db", None) or os.environ.get("OPENCCC_DATABASE_URL", "the default database"))
        print(f"{PROG}: error: database {url}: {reason}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the last resort of TERM-5: a line on screen, the traceback in the log
        log_crash(error, where=f"command {getattr(args, 'command', None) or 'run'}")
        print(f"{PROG}: error: unexpected {type(error).__name__}; details in the log file", file=sys.stderr)
    return 1
