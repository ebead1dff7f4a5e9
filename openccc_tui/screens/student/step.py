"""What every page of the student sign-in flow shares: the flow, a title, a help text,
the flow's message, and answers posted to the flow off the event loop."""

import asyncio
from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from openccc_tui.screens.app_access import AppAccess
from openccc_tui.services.flow import MessageKind
from openccc_tui.services.sign_in import SignInFlow
from openccc_tui.widgets.page_message import PageMessage


class StudentStep(AppAccess, Screen[None]):
    TITLE_TEXT = ""
    BINDINGS = [Binding("escape", "start_over", "Start over", id="student.start_over")]

    def __init__(self, flow: SignInFlow | None) -> None:
        super().__init__()
        self._flow = flow

    @property
    def flow(self) -> SignInFlow:
        """The flow this page belongs to; the first page starts one when it is shown."""
        if self._flow is None:
            self._flow = self.openccc_app.new_sign_in_flow()
        return self._flow

    def help_text(self) -> str:
        return ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="page"):
            yield Static(self.TITLE_TEXT, classes="page-title")
            help_text = self.help_text()
            if help_text:
                yield Static(help_text, classes="page-help", markup=False, id="step-help")
            yield PageMessage()
            yield from self.body()
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        if self.flow.message:
            self.query_one(PageMessage).show(self.flow.message, error=self.flow.message_kind is MessageKind.ERROR)

    async def answer(self, call: Callable[..., object], *args: object) -> None:
        """Post an answer to the flow, then show whatever step it leads to."""
        before = self.flow.step
        await asyncio.to_thread(call, *args)
        if self.flow.step is before:
            self.query_one(PageMessage).show(self.flow.message, error=self.flow.message_kind is MessageKind.ERROR)
        else:
            # The next page replaces this one, so the switch must not run in this page's worker.
            self.app.call_later(self.openccc_app.show_student_step, self.flow)

    def action_start_over(self) -> None:
        self.flow.restart()
        self.app.call_later(self.openccc_app.show_student_step, self.flow)
