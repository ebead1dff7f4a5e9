"""`openccc-tui serve`: each browser session runs the app in its own process through
textual-serve. textual-serve has no sign-in of its own: the command line binds to
loopback unless told otherwise, and warns when it is."""

import logging
import sys
from pathlib import Path

from textual_serve.server import Server

from openccc_tui.crash import LOGGER_NAME, log_crash

TITLE = "OpenCCC"
TEMPLATES = Path(__file__).parent / "web_templates"
"""The browser page: textual-serve's own, without its font from a public host, so a kiosk
with no internet shows the first screen at once; every file it names is on this server."""


class OpenCCCServer(Server):
    def __init__(self, command: str, *, host: str, port: int, log_file: Path) -> None:
        super().__init__(command, host=host, port=port, title=TITLE, templates_path=TEMPLATES)
        self.log_file = log_file

    def initialize_logging(self) -> None:
        # textual-serve's own set-up prints tracebacks with local values to the console;
        # here the server's records go to the app's log file like every other error (TERM-5).
        logger = logging.getLogger("textual-serve")
        logger.handlers[:] = logging.getLogger(LOGGER_NAME).handlers
        logger.setLevel(logging.INFO)
        logger.propagate = False

    async def on_startup(self, app) -> None:
        """The command line has said where it serves; textual-serve's banner would repeat it."""


def log_unraisable(unraisable: "sys.UnraisableHookArgs") -> None:
    """Sessions still open when the server stops are reaped after its loop has closed, and
    asyncio reports that from a finaliser: to the log, not the operator's console."""
    if unraisable.exc_value is not None:
        log_crash(unraisable.exc_value, where=f"serve shutdown ({unraisable.err_msg or 'finaliser'})")


def serve(command: str, *, host: str, port: int, log_file: Path) -> None:
    sys.unraisablehook = log_unraisable
    OpenCCCServer(command, host=host, port=port, log_file=log_file).serve()
