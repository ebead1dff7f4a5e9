"""What every page of the student sign-in flow shares: the flow, a title, a help text,
the flow's message, Enter to continue, and answers posted to the flow off the event loop.

Keys typed while an answer is checked wait, and reach the page that follows (or are
dropped when the same page stays): a password typed ahead never lands in the field of
the page before (the App holds them, see `OpenCCCApp.hold_keys`)."""

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, RadioSet, Static

from openccc_tui.screens.app_access import AppAccess, StudentStepReached
from openccc_tui.services.student.sign_in_steps import Step
from openccc_tui.widgets.page_message import PageMessage

if TYPE_CHECKING:
    from openccc_tui.services.student.sign_in import SignInFlow


class StudentStep(AppAccess, Screen[None]):
    TITLE_TEXT = ""
    CONTINUES = True
    """Enter continues on this page (the footer says so)."""
    BINDINGS = [
        # Priority: Enter continues from any field, choice or button of the page, and the
        # footer names it wherever the focus is.
        Binding("enter", "continue", "Continue", id="student.continue", priority=True),
        Binding("escape", "start_over", "Start over", id="student.start_over"),
    ]

    def __init__(self, flow: "SignInFlow | None") -> None:
        super().__init__()
        self._flow = flow

    @property
    def flow(self) -> "SignInFlow":
        """The flow this page belongs to; the first page starts one when it is first used (it
        is shown before the database is open, and a new flow has no message yet)."""
        if self._flow is None:
            self._flow = self.openccc_app.new_sign_in_flow()
        return self._flow

    def help_text(self) -> str:
        return ""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page", id="page"):
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
        if self._flow is not None and self._flow.message:
            self.query_one(PageMessage).show_flow(self._flow)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "continue":
            return self.CONTINUES
        if action == "start_over":
            # On the first page there is nothing to start over.
            return self._flow is not None and self._flow.step is not Step.SIGN_IN
        return True

    def action_continue(self) -> None:
        """Enter: a focused button is pressed; a choice takes the highlighted option; otherwise
        the page's answer is sent."""
        focused = self.focused
        if isinstance(focused, Button):
            focused.press()
        elif isinstance(focused, RadioSet):
            focused.action_toggle_button()
            self.call_after_refresh(self.go_on)
        else:
            self.go_on()

    def go_on(self) -> None:
        """Send the page's answer; keys typed from now on wait for the page that follows."""
        self.openccc_app.hold_keys()
        # Run by this page's own message loop, not by the App's key handling (Enter is an App
        # priority binding): an error there stops this page only, and the App recovers (TERM-5).
        self.call_later(self.submit)

    def submit(self) -> object:
        """The page's answer, posted in a worker; pages with an answer replace this."""
        self.openccc_app.release_keys(deliver=False)
        return None

    async def answer(self, call: Callable[..., object], *args: object) -> None:
        """Post an answer to the flow, then show whatever step it leads to."""
        before = self.flow.step
        try:
            await asyncio.to_thread(call, *args)
        except BaseException:
            self.openccc_app.release_keys(deliver=False)
            raise
        if self.flow.step is before:
            self.openccc_app.release_keys(deliver=False)
            self.query_one(PageMessage).show_flow(self.flow)
            self.query_one("#page", VerticalScroll).scroll_home(animate=False)
        else:
            # The next page replaces this one, so the switch must not run in this page's worker.
            self.post_to_app(StudentStepReached(self.flow))

    def action_start_over(self) -> None:
        self.flow.restart()
        self.post_to_app(StudentStepReached(self.flow))
