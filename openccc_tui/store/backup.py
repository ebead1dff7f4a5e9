"""`openccc-tui db backup`: a consistent copy of a live SQLite database.

SQLite's online backup API copies every page in one step, inside one read transaction, so
the copy is the database as it was at one commit, while other terminals go on writing
(WAL: a reader never blocks a writer). The copy is written to a hidden file made 0600,
then linked to its name, which fails if the name exists: a backup never overwrites a
file, and no half-written backup ever carries the name.
"""

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine

BACKUP_MODE = 0o600


class BackupError(Exception):
    """The backup cannot be written; the message says why."""


def backup_sqlite(engine: Engine, destination: Path) -> None:
    """Copy the SQLite database of `engine` to `destination`, a file that must not exist."""
    folder = destination.absolute().parent
    if not folder.is_dir():
        raise BackupError(f"the folder {folder} does not exist: create it or choose another path")
    if os.path.lexists(destination):
        raise BackupError(f"{destination} exists already: a backup never overwrites a file; choose a new name")
    partial = folder / f".{destination.name}.partial-{os.getpid()}"
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, BACKUP_MODE)
    except OSError as error:
        raise BackupError(f"cannot write in {folder}: {error.strerror}") from None
    try:
        os.fchmod(descriptor, BACKUP_MODE)
        os.close(descriptor)
        _copy(engine, partial)
        try:
            os.link(partial, destination)
        except FileExistsError:
            raise BackupError(
                f"{destination} exists already: a backup never overwrites a file; choose a new name"
            ) from None
        _sync_folder(folder)
    finally:
        for leftover in (partial, *(Path(f"{partial}{suffix}") for suffix in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)


def _copy(engine: Engine, target: Path) -> None:
    source = engine.raw_connection()
    try:
        live = source.driver_connection
        if not isinstance(live, sqlite3.Connection):
            raise BackupError("db backup copies a SQLite database only")
        copy = sqlite3.connect(target, isolation_level=None)
        try:
            live.backup(copy)
            # A single file, readable without its -wal: the copy leaves WAL mode, and its
            # pages reach the disk before the copy gets its name.
            copy.execute("PRAGMA journal_mode=DELETE")
            check = copy.execute("PRAGMA quick_check").fetchone()
            if check != ("ok",):
                raise BackupError(f"the copy failed its integrity check: {check[0] if check else 'no answer'}")
        finally:
            copy.close()
    finally:
        source.close()
    with open(target, "rb") as written:
        os.fsync(written.fileno())


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
