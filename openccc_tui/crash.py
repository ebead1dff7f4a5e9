"""Crash reports (SPEC TERM-5): the traceback goes to the log file, never to the screen."""

import logging
import traceback
from pathlib import Path

LOGGER_NAME = "openccc_tui"


def configure_logging(log_file: Path) -> None:
    """Send the package's log records to `log_file` (created with its folder, owner-only)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.touch(mode=0o600, exist_ok=True)
    logger = logging.getLogger(LOGGER_NAME)
    if any(getattr(h, "baseFilename", None) == str(log_file) for h in logger.handlers):
        return
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def log_crash(error: BaseException, where: str) -> None:
    """Write the traceback, without local values, to the log."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    logging.getLogger(LOGGER_NAME).error("unexpected error in %s\n%s", where, text)


def apology(log_file: Path) -> str:
    return f"Sorry, something went wrong. The details were written to {log_file}."
