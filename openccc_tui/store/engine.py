"""The engine and session factory.

SQLite (the default, one terminal or a few on one host): WAL, synchronous=FULL, foreign
keys on, a busy timeout, and write transactions begun IMMEDIATE so that two writers queue
instead of failing half-way. PostgreSQL (several terminals on one database) through
psycopg 3. A commit that fails is always rolled back: a failed commit left in place can be
saved by the next one on the same pooled connection.

A SQLite file is created owner-only (or shared with `database_group`) before SQLite opens
it, so the database and its -wal and -shm files never get the umask's modes (see
`sqlite_files`). `secure_delete` overwrites removed content, so a purged outbox body does
not stay readable in the file's free pages.
"""

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, create_engine

from openccc_tui.store.sqlite_files import create_file, make_folder, sqlite_file

SQLITE_BUSY_TIMEOUT_MS = 15_000
_WRITE = "openccc_write"
_NOT_DURABLE = "openccc_not_durable"
_SYNCHRONOUS = "openccc_synchronous"
_event_loop_watchers: list[Callable[[str], None]] = []


class DatabaseURLError(ValueError):
    """The database URL cannot be used; the message says why."""


def normalise_url(url: str) -> str:
    """`postgresql://…` and `postgres://…` go through psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable database URL>"


def make_engine(url: str, *, group: str | None = None) -> Engine:
    """The engine of `url`; a SQLite file made for it is shared with `group` when given."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseURLError(f"not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, sqlite_file(url), group)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise DatabaseURLError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")


def _sqlite_engine(url: str, path: Path | None, group: str | None) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False})

    if path is not None:

        @event.listens_for(engine, "do_connect")
        def _create_private_file(*_args: object) -> None:
            make_folder(path.parent, group)
            create_file(path, group)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's BEGIN below decide transactions, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        options = connection.get_execution_options()
        synchronous = "NORMAL" if options.get(_NOT_DURABLE, False) else "FULL"
        if connection.info.get(_SYNCHRONOUS, "FULL") != synchronous:  # kept per pooled connection
            connection.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
            connection.info[_SYNCHRONOUS] = synchronous
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(_WRITE, False) else "BEGIN")

    return engine


@contextmanager
def watch_event_loop_sessions(report: Callable[[str], None]) -> Iterator[None]:
    """While the block runs, `report` hears of every session opened on a thread that runs an
    asyncio event loop (a Textual app's main thread): a transaction there freezes the screen.
    For tests; nothing is watched otherwise."""
    _event_loop_watchers.append(report)
    try:
        yield
    finally:
        _event_loop_watchers.remove(report)


def _check_thread(kind: str) -> None:
    if not _event_loop_watchers:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return  # a worker thread: no event loop runs here
    for report in list(_event_loop_watchers):
        report(kind)


def in_write_transaction(session: Session) -> bool:
    """Whether `session`'s transaction was begun by `write_session` (on SQLite: IMMEDIATE)."""
    return bool(session.connection().get_execution_options().get(_WRITE, False))


@contextmanager
def write_session(engine: Engine, *, durable: bool = True) -> Iterator[Session]:
    """A session whose transaction may write: committed at the end, rolled back on any error.

    `durable=False` lets the commit return before it reaches the disk (SQLite
    synchronous=NORMAL, PostgreSQL synchronous_commit off): still atomic and seen by every
    other connection at once, but a power cut may undo it; fit only for a write that a
    durable commit soon covers, such as a sign-in slot (SIGN-7).
    """
    _check_thread("write_session")
    with Session(engine, expire_on_commit=False) as session:
        connection = session.connection(execution_options={_WRITE: True, _NOT_DURABLE: not durable})
        if not durable and connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading only; closing it ends the transaction and keeps what was loaded."""
    _check_thread("read_session")
    with Session(engine, expire_on_commit=False) as session:
        yield session
