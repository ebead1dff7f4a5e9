"""The App: picks the mode and its first screen, and turns a crash into a short message."""

from enum import StrEnum

from textual.app import App
from textual.screen import Screen

from openccc_tui.crash import apology, log_crash
from openccc_tui.screens.crash_notice import CrashNotice
from openccc_tui.screens.sign_in import SignInScreen
from openccc_tui.services.runtime import Runtime


class Mode(StrEnum):
    FULL = "full"
    """Staff console and student flows, for a college's own terminals."""
    STAFF = "staff"
    """Staff console only, as an SSH ForceCommand for staff."""
    KIOSK = "kiosk"
    """Student flows only, locked down, for terminals in restricted facilities."""
    TRAINER = "trainer"
    """Everything, on a demo database, with the outbox on screen."""


class OpenCCCApp(App[None]):
    TITLE = "OpenCCC"
    SUB_TITLE = "California Community Colleges"
    CSS_PATH = "app.tcss"

    def __init__(self, runtime: Runtime, mode: Mode = Mode.FULL) -> None:
        super().__init__()
        self.runtime = runtime
        self.mode = mode
        self.crashes: list[BaseException] = []
        self.sub_title = f"{self.SUB_TITLE} · {mode.value} mode"

    def get_default_screen(self) -> Screen:
        # A plain backdrop stays at the bottom of the stack, so that every real page was
        # pushed and can be replaced: Textual cannot switch away from its default screen.
        return Screen(id="backdrop")

    def first_screen(self) -> Screen:
        """The page this mode starts on and returns to after a crash or sign-out."""
        return SignInScreen()

    def on_mount(self) -> None:
        self.push_screen(self.first_screen())

    async def reset_to_first_screen(self) -> None:
        """Drop every page and start again on a fresh first page: nothing of the last user stays."""
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(self.first_screen())

    def _handle_exception(self, error: Exception) -> None:
        # Textual 8.2.8 offers no public hook for unhandled errors: without this override
        # it exits and prints a traceback with local values, which TERM-5 forbids. The
        # widget whose handler raised has stopped, so recovery starts again from a fresh
        # first screen; if the App itself stopped, the command line prints the apology.
        self.crashes.append(error)
        screen = type(self.screen_stack[-1]).__name__ if self.screen_stack else "none"
        log_crash(error, where=f"{self.mode.value} mode, screen {screen}")
        if self.is_running and self.screen_stack:
            self.call_later(self._recover_from_crash)
        else:
            super()._handle_exception(error)

    async def _recover_from_crash(self) -> None:
        await self.reset_to_first_screen()
        await self.push_screen(CrashNotice(apology(self.runtime.settings.log_file)))
