"""What every staff console page shares: the session, a message line, Escape to go back,
and service calls run off the event loop with their errors shown, not raised."""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from textual.binding import Binding
from textual.screen import Screen

from openccc_tui.screens.app_access import AppAccess
from openccc_tui.screens.field_names import name_problems
from openccc_tui.services.errors import InvalidInput, ServiceError
from openccc_tui.services.staff.staff_sign_in import StaffSession
from openccc_tui.widgets.page_message import PageMessage

T = TypeVar("T")


class Failed(Exception):
    """A service call failed and its message is already on the page."""


class StaffPage(AppAccess, Screen[None]):
    BINDINGS = [Binding("escape", "back", "Back", id="page.back")]

    def __init__(self, session: StaffSession) -> None:
        super().__init__()
        self.session = session

    @property
    def actor(self):
        return self.session.actor

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.query_one(PageMessage).show(text, error=error)

    def show_written(self, path: Path, text: str) -> None:
        """Say where a file was written; in the browser (`openccc-tui serve`) it is also
        handed to the browser as a download, since the export folder is on the server."""
        if self.app.is_web:
            self.app.deliver_binary(path, open_method="download")
            text = f"{text} Your browser downloads it as {path.name}."
        self.show_message(text)

    async def run_service(self, service: Callable[..., T], *args, **kwargs) -> T:
        """Run a service in a thread; a ServiceError is shown on the page and raised as Failed."""
        try:
            return await asyncio.to_thread(service, self.runtime, self.actor, *args, **kwargs)
        except InvalidInput as error:
            self.show_message(name_problems(error.errors), error=True)
            raise Failed from error
        except ServiceError as error:
            self.show_message(str(error), error=True)
            raise Failed from error

    def action_back(self) -> None:
        self.app.pop_screen()
