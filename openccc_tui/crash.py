"""Crash reports (SPEC TERM-5): the traceback goes to the log file, never to the screen.

Until `configure_logging` has added the file, the package's records are kept in memory
(the last few hundred), never printed, so not even logging's last-resort handler can print
a traceback; the file receives them once it is known. The App reads its settings, and so
learns its log file, after its first page is on screen. A log file that cannot be written
is a configuration problem, reported in one line.
"""

import logging
import os
import stat
import traceback
from collections import deque
from pathlib import Path

from openccc_tui.config_error import ConfigurationError

LOGGER_NAME = "openccc_tui"
PRIVATE_LOG = 0o600
SHARED_LOG = 0o660
EARLY_RECORDS = 500


class EarlyRecords(logging.Handler):
    """The records logged before the log file is known, the latest kept."""

    def __init__(self) -> None:
        super().__init__()
        self.records: deque[logging.LogRecord] = deque(maxlen=EARLY_RECORDS)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


EARLY = EarlyRecords()
logging.getLogger(LOGGER_NAME).addHandler(EARLY)


class LogFileError(ConfigurationError):
    """The log file cannot be created or written by this user."""


def log_file_mode(folder: Path) -> int:
    """0660 in a group's setgid folder (one log shared by the group's users), else 0600."""
    folder_mode = folder.stat().st_mode
    shared = bool(folder_mode & stat.S_ISGID) and bool(folder_mode & stat.S_IWGRP)
    return SHARED_LOG if shared else PRIVATE_LOG


def open_log_file(log_file: Path) -> None:
    """Create the log file (and its folder, owner-only) or check that it can be appended to."""
    try:
        log_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        mode = log_file_mode(log_file.parent)
        try:
            descriptor = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, mode)
            os.fchmod(descriptor, mode)  # exactly: the umask may have taken the group's bits
        except FileExistsError:
            descriptor = os.open(log_file, os.O_WRONLY | os.O_APPEND)
        os.close(descriptor)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        if isinstance(error, (FileExistsError, NotADirectoryError)) and not log_file.parent.is_dir():
            reason = f"{log_file.parent} is not a folder"
        raise LogFileError(
            f"cannot write the log file {log_file}: {reason.lower()}: set log_file (OPENCCC_LOG_FILE) "
            "to a file this user can write, or make its folder writable"
        ) from None


def configure_logging(log_file: Path) -> None:
    """Send the package's log records to `log_file`; raises LogFileError when it cannot."""
    logger = logging.getLogger(LOGGER_NAME)
    if any(getattr(h, "baseFilename", None) == os.path.abspath(log_file) for h in logger.handlers):
        return
    open_log_file(log_file)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.removeHandler(EARLY)
    while EARLY.records:
        handler.handle(EARLY.records.popleft())


def log_crash(error: BaseException, where: str) -> None:
    """Write the traceback, without local values, to the log."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    logging.getLogger(LOGGER_NAME).error("unexpected error in %s\n%s", where, text)


def apology(log_file: Path) -> str:
    return f"Sorry, something went wrong. The details were written to {log_file}."
