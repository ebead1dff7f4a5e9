"""Writing files that hold students' data (results, the tracking sheet, audit exports, the
template) so that no reader ever sees half of one (SPEC BULK-7, STAFF-6).

Every writer goes through `write_private_atomically`: the bytes go to a new temporary
file in the target's folder, created readable by its owner only (0600) and never through
a symbolic link; only a complete file is renamed onto the target. A crash, a cancel or a
full disk leaves the earlier file (or none) in place, never a torn one. A target that is
a symbolic link is refused, and a caller that must not replace an existing file says so.
"""

import errno
import glob
import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from openccc_tui.services.errors import ServiceError

HOST = socket.gethostname()
TEMPORARY_SUFFIX = ".tmp"
NO_HARD_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK)


class FileNotWritten(ServiceError):
    """The file could not be written; the message names it and says why."""


class FileExists(FileNotWritten):
    """The target exists and the caller did not ask to replace it."""


def is_symlink(path: Path) -> bool:
    try:
        return stat.S_ISLNK(path.lstat().st_mode)
    except OSError:
        return False


def same_file(first: Path, second: Path) -> bool:
    """Whether two names reach one file: the same resolved path, or the same inode (a hard link)."""
    try:
        if first.resolve() == second.resolve():
            return True
        return os.path.samefile(first, second)
    except OSError:
        return False


def check_target(path: Path, *, replace: bool) -> None:
    """Refuse a target that is a symbolic link, or one that exists when it may not be replaced."""
    if is_symlink(path):
        raise FileNotWritten(f"{path} is a symbolic link: files are never written through one")
    if not replace and os.path.lexists(path):
        raise FileExists(f"{path} exists already")


@contextmanager
def write_private_atomically(
    path: Path, *, replace: bool = True, encoding: str | None = None, newline: str | None = None
) -> Iterator[IO[Any]]:
    """Yield a file to write `path`'s content to (binary, or text when `encoding` is given).

    When the block ends normally the content is flushed to disk and the file appears at
    `path` in one rename (or one hard link when `replace` is false, which fails rather
    than replace a file that appeared meanwhile). When the block raises, the temporary
    file is removed and `path` is left as it was.
    """
    check_target(path, replace=replace)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(path)
        # mkstemp: O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600, in the target's folder (so the rename is atomic).
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=_temporary_prefix(path, os.getpid()), suffix=TEMPORARY_SUFFIX
        )
    except OSError as error:
        raise FileNotWritten(f"cannot write {path}: {error.strerror or error}") from None
    file: IO[Any] | None = None
    try:
        file = (
            os.fdopen(descriptor, "w", encoding=encoding, newline=newline) if encoding else os.fdopen(descriptor, "wb")
        )
        yield file
        file.flush()
        os.fsync(file.fileno())
        file.close()
        _publish(Path(temporary), path, replace=replace)
    except BaseException as error:
        if file is not None:
            with suppress(OSError):
                file.close()
        else:
            with suppress(OSError):
                os.close(descriptor)
        with suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise FileNotWritten(f"cannot write {path}: {error.strerror or error}") from None
        raise


def _temporary_prefix(path: Path, pid: int) -> str:
    return f".{path.name}.{HOST}.{pid}."


def _remove_orphans(path: Path) -> None:
    """Remove the temporary files that a writer of `path` on this host left when it was
    killed (kill -9, power loss): they hold students' data that nobody will ever publish."""
    prefix = f".{path.name}.{HOST}."
    for candidate in path.parent.glob(f"{glob.escape(prefix)}*{TEMPORARY_SUFFIX}"):
        pid = candidate.name[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            with suppress(OSError):
                candidate.unlink()


def process_alive(pid: int) -> bool:
    """Whether process `pid` of this host runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat_line.rsplit(")", 1)[-1].split()[:1] != ["Z"]


def _publish(temporary: Path, path: Path, *, replace: bool) -> None:
    check_target(path, replace=replace)
    if replace:
        os.replace(temporary, path)  # a rename replaces a link at `path` itself, never its target
    else:
        try:
            os.link(temporary, path, follow_symlinks=False)
        except FileExistsError:
            raise FileExists(f"{path} exists already") from None
        except OSError as error:
            if error.errno not in NO_HARD_LINKS:
                raise
            # A file system without hard links: the check and the rename are two steps there.
            check_target(path, replace=False)
            os.replace(temporary, path)
        else:
            os.unlink(temporary)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a crash right after it must not bring back the old name)."""
    with suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
