"""The files of a SQLite database: owner-only, or shared with one configured group.

The database file is created before SQLite first opens it, 0600 (0660 with a group), and
SQLite gives its -wal and -shm files the mode of the database file, so all three stay
private whatever the umask. A folder made for a database is 0700 (2770 with the group:
setgid, so that every file made in it, the -wal and -shm included, belongs to the group).
An existing file or folder with wider modes is reported by `mode_warnings`, not changed.
"""

import grp
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PRIVATE_FILE = 0o600
SHARED_FILE = 0o660
PRIVATE_FOLDER = 0o700
SHARED_FOLDER = 0o2770
COMPANIONS = ("-wal", "-shm")


class DatabaseFileError(Exception):
    """The database's file or folder cannot be made as configured; the message says why."""


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database, memory, or a `file:` URI."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or parsed.query.get("uri"):
        return None
    return Path(database)


def group_id(group: str | None) -> int | None:
    if group is None:
        return None
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise DatabaseFileError(
            f"database_group {group!r} is not a group on this machine: create it (groupadd) or correct the setting"
        ) from None


def file_mode(group: str | None) -> int:
    return SHARED_FILE if group else PRIVATE_FILE


def folder_mode(group: str | None) -> int:
    return SHARED_FOLDER if group else PRIVATE_FOLDER


def make_folder(folder: Path, group: str | None) -> None:
    """Create the database's folder (and missing parents): 0700, or 2770 owned by the group."""
    gid = group_id(group)
    mode = folder_mode(group)
    try:
        folder.mkdir(mode=PRIVATE_FOLDER, parents=True)
        if gid is not None:
            os.chown(folder, -1, gid)
        os.chmod(folder, mode)
    except FileExistsError:
        return
    except OSError as error:
        raise DatabaseFileError(f"cannot make the database folder {folder}: {error.strerror}") from None


def create_file(path: Path, group: str | None) -> bool:
    """Create an empty database file with its exact mode (an empty file is an empty SQLite
    database); False when it exists already. Never wider in between: the umask only narrows."""
    gid = group_id(group)
    mode = file_mode(group)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, mode)
    except FileExistsError:
        return False
    try:
        if gid is not None:
            os.fchown(descriptor, -1, gid)
        os.fchmod(descriptor, mode)
    except OSError as error:
        raise DatabaseFileError(f"cannot give the database {path} to group {group}: {error.strerror}") from None
    finally:
        os.close(descriptor)
    return True


def mode_warnings(path: Path, group: str | None) -> list[str]:
    """What is wider than it should be: the database, its -wal and -shm, and its folder."""
    warnings = []
    allowed = file_mode(group)
    gid = group_id(group)
    for file in (path, *(Path(f"{path}{suffix}") for suffix in COMPANIONS)):
        try:
            status = file.stat()
        except FileNotFoundError:
            continue
        mode = stat.S_IMODE(status.st_mode)
        if mode & ~allowed:
            warnings.append(
                f"the database file {file} has mode {mode:04o}, wider than {allowed:04o}: chmod {allowed:o} {file}"
            )
        if gid is not None and status.st_gid != gid:
            warnings.append(f"the database file {file} does not belong to group {group}: chgrp {group} {file}")
    folder = path.absolute().parent
    mode = stat.S_IMODE(folder.stat().st_mode)
    fix = f"chgrp {group} {folder}; chmod 2770 {folder}" if group else f"chmod 700 {folder}"
    if mode & ~(0o770 if group else 0o700) & 0o777:
        warnings.append(f"the database folder {folder} has mode {mode:04o}: other users can reach it: {fix}")
    elif gid is not None and (folder.stat().st_gid != gid or not mode & stat.S_ISGID):
        warnings.append(
            f"the database folder {folder} is not setgid to group {group}, so the -wal and -shm files would "
            f"get each user's own group: {fix}"
        )
    return warnings
