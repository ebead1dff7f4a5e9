"""The App: picks the mode and its first screen, holds the staff session and its idle
timeout, and turns a crash into a short message.

Started by the command line, the App shows its first page before its settings are read
and before the database is open: both are done in a thread once the first frame is on
screen (the settings first, then the database, its schema check and upgrade), and
whatever needs them sooner (an answer, a staff page) waits for them. A failure ends the
App, and the command line prints the one line that says what to fix."""

import asyncio
import io
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from textual import constants, events, work
from textual.app import App
from textual.binding import Binding
from textual.filter import LineFilter
from textual.reactive import Initialize, Reactive
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.widget import Widget
from textual.worker import WorkerFailed

from openccc_tui.crash import apology, log_crash
from openccc_tui.screens.app_access import (
    ConsolePage,
    OpenConsolePage,
    StaffSignedIn,
    StaffSignOut,
    StartOver,
    StudentSignOut,
    StudentStepReached,
)
from openccc_tui.screens.student.sign_in import SignInScreen
from openccc_tui.screens.student.step import StudentStep
from openccc_tui.services.student.sign_in_steps import Step
from openccc_tui.widgets.idle_warning import IdleWarning
from openccc_tui.widgets.terminal_filter import TerminalControlFilter

if TYPE_CHECKING:
    from openccc_tui.config import Settings
    from openccc_tui.services.runtime import Runtime
    from openccc_tui.services.staff.staff_sign_in import StaffSession
    from openccc_tui.services.student.sign_in import SignInFlow

# The first page needs only the student Sign In page (the Staff Sign In page in staff
# mode): the settings (pydantic), the database layers, the other student pages, the staff
# console, the trainer's outbox and the demo set-up are imported when they are first
# needed, so a kiosk never loads the staff pages. The thread that opens the runtime imports
# the settings and database layers: the event loop imports a module that needs them only
# once that thread has finished (it reads `self.runtime` first), since two threads
# importing SQLAlchemy at once can find it half made (ImportError, "partially initialized").

IDLE_CHECK_SECONDS = 1
TERMINAL_CHECK_SECONDS = 1
"""How often an App on a terminal checks that the terminal is still there (TERM-2)."""
TERMINAL_GONE_EXIT_SECONDS = 5
"""How long an App whose terminal closed may take to end before the process is ended: with
nothing left to write to, Textual's own shutdown can wait for ever on its output thread."""

log = logging.getLogger(__name__)
Opened = TypeVar("Opened")
KEYS_HELD_AT_MOST_SECONDS = 1
"""How long keys typed while a page is being drawn wait for its field at the most."""
IDLE_WARNING_SECONDS = 60
"""How long before an idle session ends the warning shows (TERM-2)."""
OUTBOX_PURGE_SECONDS: float | None = None
"""How often the running App purges expired outbox bodies; None: notify.PURGE_EVERY_SECONDS."""
ANSI_THEME = "ansi-dark"
BACKDROP = "backdrop"
"""The class of the screen under the Staff Sign In page in staff mode."""
PAGES = "pages"
"""The App's modes are its stacks of pages, one after another: a fresh one at each new start."""

KIOSK_APP_ACTIONS = frozenset({"focus_next", "focus_previous"})
"""The only App actions a kiosk allows: moving between fields. Quit, the command palette,
screenshots, suspend and every other App action stay disabled (TERM-2)."""


def terminal_theme(_app: App[None]) -> str:
    """The Linux console and plain xterm have 16 colours: they get the ANSI theme, which uses
    the terminal's own palette instead of truecolour squeezed into 16 (TERM-1); other
    terminals Textual's default. Chosen as the App is made, as Textual detects the colours
    of its console, so that the styles are built once, for the theme they keep."""
    # TEXTUAL_COLOR_SYSTEM, passed to Rich unchecked, as Textual passes it to its own console.
    setting = constants.COLOR_SYSTEM
    detected = Console(color_system=setting, file=io.StringIO(), force_terminal=True).color_system  # type: ignore[arg-type]
    return constants.DEFAULT_THEME if detected in ("256", "truecolor") else ANSI_THEME


def has_controlling_terminal() -> bool:
    """Whether this process still has its controlling terminal: closing the terminal takes it
    away, whether or not a hang-up signal reaches the App."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


@cache
def student_pages() -> dict[Step, Callable[["SignInFlow"], StudentStep]]:
    """The student sign-in flow drawn one page per step: the App shows the page of the step a
    page reports (StudentStepReached). Imported when first needed: the first page is shown
    before the other pages load."""
    from openccc_tui.screens.flow_view import step_views
    from openccc_tui.screens.student.pages import (
        AlternateContactScreen,
        EditProfileScreen,
        HelpdeskScreen,
        PasswordScreen,
        StudentHomeScreen,
        UpdatePasswordScreen,
        UsernameScreen,
        ValidationCodeScreen,
    )

    return step_views(
        Step,
        {
            Step.SIGN_IN: SignInScreen,
            Step.USERNAME: UsernameScreen,
            Step.PASSWORD: PasswordScreen,
            Step.VALIDATION_CODE: ValidationCodeScreen,
            Step.ALTERNATE_CONTACT: AlternateContactScreen,
            Step.HELPDESK: HelpdeskScreen,
            Step.EDIT_PROFILE: EditProfileScreen,
            Step.UPDATE_PASSWORD: UpdatePasswordScreen,
            Step.DONE: StudentHomeScreen,
        },
    )


class OpeningFailed(Exception):
    """What needed the settings or the runtime stops: they could not be read or opened, and
    the App ends with the reason (`startup_error`), which the command line prints in one
    line. Not a crash (TERM-5)."""


@dataclass
class RuntimeOpening:
    """A runtime still to open, for an App that shows its first page meanwhile."""

    read_settings: Callable[[], "Settings"]
    """Reads and checks the settings (and what depends on them alone, such as the log file):
    raises what the command line reports in one line."""
    open: Callable[["Settings"], "Runtime"]
    """Opens the database and checks it: raises what the command line reports in one line."""

    def run(self, settings_read: "Future[Settings]") -> "Runtime":
        """The settings (told to `settings_read` as soon as they are known), then the runtime."""
        try:
            settings = self.read_settings()
        except BaseException as error:
            settings_read.set_exception(error)
            raise
        settings_read.set_result(settings)
        return self.open(settings)


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
    BINDINGS = [
        # Priority: keys that arrive together (fast typing over SSH) are forwarded before a
        # field handles them, so Tab must move the focus before the next key is forwarded,
        # or a password typed after the user name would land, readable, in the user name.
        Binding("tab", "focus_next", show=False, priority=True, id="app.focus_next"),
        Binding("shift+tab", "focus_previous", show=False, priority=True, id="app.focus_previous"),
        # Priority: keys typed after F2 go to the page it opens, not to the field it leaves.
        Binding("f2", "staff_sign_in", "Staff sign in", id="app.staff_sign_in", priority=True),
        # Named in the outbox panel's title: the footer has no room left at 80 columns.
        Binding("f9", "toggle_outbox", "Outbox", id="app.outbox", show=False),
        Binding("ctrl+r", "reset_demo", "Reset demo", id="app.reset_demo", show=False),
        Binding("f1", "demo_identities", "Demo identities", id="app.demo_identities", show=False),
    ]
    DEFAULT_MODE = f"{PAGES}-0"
    ENABLE_COMMAND_PALETTE = False
    """The palette offers quit, themes and screenshots: nothing a student or staff flow needs."""
    theme: Reactive[str] = Reactive(Initialize(terminal_theme))

    def __init__(
        self,
        runtime: "Runtime | RuntimeOpening",
        mode: Mode = Mode.FULL,
        *,
        idle_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.opening: RuntimeOpening | None = None
        self.opened: Future[Runtime] | None = None
        self.settings_read: Future[Settings] = Future()
        self.settings_known_signal: Signal[Settings] = Signal(self, "settings-known")
        """Published once the settings are read (pages drawn before then may adjust)."""
        if isinstance(runtime, RuntimeOpening):
            self.opening = runtime
        else:
            self.opened = Future()
            self.opened.set_result(runtime)
            self.settings_read.set_result(runtime.settings)
        self.startup_error: Exception | None = None
        """Why the runtime could not be opened; the App has ended."""
        self.run_mode = mode
        self.crashes: list[BaseException] = []
        self.staff_session: StaffSession | None = None
        self.idle_clock = idle_clock
        self.last_activity = idle_clock()
        self.idle_reset_done = True
        self.outbox_shown = mode is Mode.TRAINER
        self.output_filter = TerminalControlFilter()
        self.held_keys: list[events.Key | events.Paste] | None = []
        """Keys typed before the first page has its field focused wait for it (see hold_keys)."""
        self.keys_from_start = True
        self.sub_title = f"{self.SUB_TITLE} · {mode.value} mode"
        self.stacks_made = 0

    @property
    def runtime(self) -> "Runtime":
        """The runtime; used before it is open, it is waited for. If it cannot be opened, the
        App ends with the reason, and what needed it stops (OpeningFailed)."""
        return self.opening_result(self.start_opening())

    @property
    def settings(self) -> "Settings":
        """The settings; used before they are read, they are waited for (as `runtime`)."""
        self.start_opening()
        return self.opening_result(self.settings_read)

    def opening_result(self, opening: "Future[Opened]") -> Opened:
        try:
            return opening.result()
        except Exception as error:
            self.end_at_start(error)
            raise OpeningFailed(str(error)) from error

    def end_at_start(self, error: Exception) -> None:
        """The settings or the runtime could not be read or opened: the App ends, and the
        command line prints `error` in one line (TERM-5)."""
        if self.startup_error is None:
            self.startup_error = error
            self.exit()

    @property
    def known_settings(self) -> "Settings | None":
        """The settings once read, else None (the first page is drawn before they are)."""
        if self.settings_read.done() and self.settings_read.exception() is None:
            return self.settings_read.result()
        return None

    def start_opening(self) -> "Future[Runtime]":
        """Read the settings and open the runtime in a thread, once (a thread the process
        waits for at its end)."""
        if self.opened is None and self.opening is not None:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openccc-open")
            self.opened = pool.submit(self.opening.run, self.settings_read)
            pool.shutdown(wait=False)
            self.wait_for_runtime(self.opened)
        if self.opened is None:
            raise RuntimeError("an App has a runtime or a runtime to open")
        return self.opened

    @work(exclusive=True, group="open_runtime", exit_on_error=False)
    async def wait_for_runtime(self, opened: "Future[Runtime]") -> None:
        try:
            self.settings_known_signal.publish(await asyncio.wrap_future(self.settings_read))
            await asyncio.wrap_future(opened)
        except Exception as error:
            self.end_at_start(error)
            return
        self.runtime_ready()
        if self.run_mode is Mode.STAFF:
            self.open_page(self.first_screen())

    def runtime_ready(self) -> None:
        """What needs the database starts once it is open: the trainer's outbox panel and the outbox purge."""
        from openccc_tui.services import notify

        if self.run_mode is Mode.TRAINER:
            self.screen_change_signal.subscribe(self, self.place_outbox)
            self.place_outbox(self.screen)
        self.set_interval(OUTBOX_PURGE_SECONDS or notify.PURGE_EVERY_SECONDS, self.purge_outbox)

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), self.output_filter]

    def get_default_screen(self) -> Screen:
        return self.base_screen()

    def base_screen(self) -> Screen:
        """The bottom of each stack of pages: the first page itself, laid out once as the App
        starts; in staff mode, whose Staff Sign In page needs the database at once, a plain
        backdrop that it is pushed onto."""
        if self.run_mode is Mode.STAFF:
            return Screen(classes=BACKDROP)
        return SignInScreen()

    def first_screen(self) -> Screen:
        """The page this mode starts on and returns to after a crash or sign-out."""
        if self.run_mode is Mode.STAFF:
            from openccc_tui.screens.staff.sign_in import StaffSignInScreen

            return StaffSignInScreen()
        return SignInScreen()

    def on_mount(self) -> None:
        # The first stack of pages, made from the default screen, is registered as a mode only
        # now, so it can be replaced like any later one (reset_to_first_screen): a mode known
        # before would have been built through Textual's mode path, which parses every style
        # sheet again before the first page.
        self.add_mode(self.current_mode, self.base_screen)
        if self.run_mode is Mode.TRAINER:
            # Dialogs open at the top, so the outbox panel below stays readable (the code a dialog asks for).
            self.add_class("-trainer")
        if self.opening is None:
            self.runtime_ready()
        if self.opening is None and self.run_mode is Mode.STAFF:
            # The Staff Sign In page needs the database at once: opened, it is pushed now.
            self.open_page(self.first_screen())
        elif self.run_mode is not Mode.STAFF:
            # Keys typed while the App started wait for the first page's field (staff mode: for Staff Sign In).
            self.deliver_keys_to(self.screen)
        self.set_interval(IDLE_CHECK_SECONDS, self.end_idle_session)
        if not self.is_headless and not self.is_web and has_controlling_terminal():
            self.set_interval(TERMINAL_CHECK_SECONDS, self.end_if_terminal_gone)

    def on_app_focus(self, _event: events.AppFocus) -> None:
        """A browser focuses the App when its terminal is clicked or the page opens. A page
        shown while it was not focused (Staff Sign In, once the database is open) got no
        field focused, and Textual gives back only a focus it took away: the page's first
        field gets it now, as it would have."""
        screen = self.screen
        if screen.focused is None:
            target = screen.AUTO_FOCUS if screen.AUTO_FOCUS is not None else self.AUTO_FOCUS
            focusable = [widget for widget in screen.query(target) if widget.focusable] if target else []
            if focusable:
                focusable[0].focus(scroll_visible=False)

    def on_ready(self) -> None:
        """The first frame is on screen: the settings are read and the runtime opens now, not before."""
        if self.opening is not None:
            self.start_opening()

    @work(thread=True, exclusive=True, group="outbox_purge", exit_on_error=False)
    def purge_outbox(self) -> None:
        """Expired codes leave the outbox while the app runs, whether anyone reads it or not."""
        from openccc_tui.services import notify

        try:
            notify.purge_expired_bodies(self.runtime)
        except Exception as error:
            log_crash(error, where="the outbox purge")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self.last_activity = self.idle_clock()
            self.idle_reset_done = False
            self.hide_idle_warning()
        if isinstance(event, (events.Key, events.Paste)) and self.held_keys is not None:
            self.held_keys.append(event)
            return
        # A key's action (a priority binding) may need what could not be opened: the App is
        # ending with the reason, and its own loop must go on to end it.
        with suppress(OpeningFailed):
            await super().on_event(event)

    def hold_keys(self) -> None:
        """From now on, keys and pastes wait: a page is about to be replaced, and what the
        student types ahead belongs to the page that follows, not to this page's fields."""
        if self.held_keys is None:
            self.held_keys = []

    def release_keys(self, *, deliver: bool) -> None:
        """Stop holding keys: `deliver` sends the keys held to the page now on screen (in the
        order typed, before any typed later); otherwise they are dropped."""
        held, self.held_keys = self.held_keys or [], None
        from_start, self.keys_from_start = self.keys_from_start, False
        if deliver:
            for event in held:
                if isinstance(event, events.Paste):
                    self.post_message(events.Paste(event.text))
                elif from_start and event.key == "ctrl+j":
                    # Typed before the terminal was set up for the App, Enter became a line feed.
                    self.post_message(events.Key("enter", "\r"))
                else:
                    self.post_message(events.Key(event.key, event.character))

    def deliver_keys_to(self, page: Screen) -> None:
        """The keys held now go to `page` once it has a field focused, which it gets as it is
        drawn (in a browser, once the page has the focus); at the latest after a second. A
        later hold (an answer being checked) is not this one's to end."""
        hold = self.held_keys

        def on_screen() -> bool:
            stack = self.screen_stack  # may be empty for a moment, while a fresh stack replaces it
            return bool(stack) and stack[-1] is page

        def release() -> None:
            """The keys go to the page if it is still on screen, else nowhere."""
            if hold is not None and self.held_keys is hold:
                self.release_keys(deliver=on_screen())

        def focused(widget: Widget | None) -> None:
            if widget is not None and on_screen():
                # Once the field has handled its focus, which selects what it holds: a key
                # delivered before would be replaced by the next.
                widget.call_later(release)

        if page.focused is not None:
            focused(page.focused)
        else:
            self.watch(page, "focused", focused, init=False)
        self.set_timer(KEYS_HELD_AT_MOST_SECONDS, release)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.run_mode is Mode.KIOSK:
            return action in KIOSK_APP_ACTIONS
        if action in ("toggle_outbox", "reset_demo", "demo_identities"):
            return self.run_mode is Mode.TRAINER
        if action == "staff_sign_in":
            # Only from the student Sign In page: never on top of a student's or staff session.
            on_first_page = isinstance(self.screen, SignInScreen)
            return self.run_mode in (Mode.FULL, Mode.TRAINER) and self.staff_session is None and on_first_page
        return True

    async def reset_to_first_screen(self) -> None:
        """Drop every page and start again on a fresh first page: nothing of the last user
        stays. The pages are a stack of their own (a Textual mode), replaced whole: the first
        page at its bottom cannot be switched away from, and may be the page that crashed."""
        self.release_keys(deliver=False)
        self.stacks_made += 1
        used, fresh = self.current_mode, f"{PAGES}-{self.stacks_made}"
        self.add_mode(fresh, self.base_screen)
        await self.switch_mode(fresh)
        await self.remove_mode(used)
        if self.run_mode is Mode.STAFF:
            await self.push_screen(self.first_screen())

    def open_page(self, page: Screen) -> None:
        """Open `page` over the one on screen; keys typed meanwhile go to it once its first
        field has the focus, never to the page underneath."""
        self.hold_keys()
        self.push_screen(page)
        self.deliver_keys_to(page)

    async def replace_page(self, page: Screen) -> None:
        """`page` replaces the page on screen; one at the bottom of the stack stays under it."""
        if len(self.screen_stack) == 1:
            await self.push_screen(page)
        else:
            await self.switch_screen(page)

    def new_sign_in_flow(self) -> "SignInFlow":
        runtime = self.runtime  # first: the opening thread may be importing what this imports
        from openccc_tui.services.student.sign_in import SignInFlow

        return SignInFlow(runtime)

    async def show_student_step(self, flow: "SignInFlow") -> None:
        """The page for the flow's current step replaces the one on screen; keys typed
        meanwhile go to it once its first field has the focus."""
        page = student_pages()[flow.step](flow)
        await self.replace_page(page)
        self.deliver_keys_to(page)

    async def sign_out_student(self) -> None:
        self.copy_to_clipboard("")
        await self.reset_to_first_screen()
        self.notify("You are signed out.", title="OpenCCC")

    def action_staff_sign_in(self) -> None:
        _ = self.runtime  # first: the opening thread may be importing what this imports
        from openccc_tui.screens.staff.sign_in import StaffSignInScreen

        self.open_page(StaffSignInScreen())

    async def start_staff_session(self, session: "StaffSession") -> None:
        from openccc_tui.screens.staff.home import StaffHomeScreen

        self.staff_session = session
        self.last_activity = self.idle_clock()
        self.idle_reset_done = False
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.replace_page(StaffHomeScreen(session))

    def open_staff_page(self, page: ConsolePage) -> None:
        """Only a page the signed-in staff member's roles allow opens (STAFF-2)."""
        from openccc_tui.screens.staff.home import allowed_actions

        session = self.staff_session
        if session is None:
            return
        for action in allowed_actions(session):
            if action.page == page:
                self.push_screen(action.screen(session))

    async def on_student_step_reached(self, message: StudentStepReached) -> None:
        await self.show_student_step(message.flow)

    async def on_student_sign_out(self, _message: StudentSignOut) -> None:
        await self.sign_out_student()

    async def on_start_over(self, _message: StartOver) -> None:
        await self.reset_to_first_screen()

    async def on_staff_signed_in(self, message: StaffSignedIn) -> None:
        await self.start_staff_session(message.session)

    def on_open_console_page(self, message: OpenConsolePage) -> None:
        self.open_staff_page(message.page)

    async def on_staff_sign_out(self, message: StaffSignOut) -> None:
        await self.sign_out_staff(message.notice, message.why)

    async def sign_out_staff(self, message: str, why: str = "signed out") -> None:
        session, self.staff_session = self.staff_session, None
        self.copy_to_clipboard("")
        await self.reset_to_first_screen()
        self.notify(message, title="Staff console")
        if session is not None:
            from openccc_tui.services.staff.staff_sign_in import record_sign_out

            try:
                await asyncio.to_thread(record_sign_out, self.runtime, session.actor, why)
            except Exception as error:  # the session has ended all the same; the log says why it is not audited
                log_crash(error, where="recording a staff sign-out")

    def place_outbox(self, screen: Screen) -> None:
        """Trainer mode: every full page gets the outbox panel while it is shown."""
        if self.outbox_shown and not isinstance(screen, ModalScreen) and not screen.has_class(BACKDROP):
            screen.call_after_refresh(self._mount_outbox, screen)

    def _mount_outbox(self, screen: Screen) -> None:
        from openccc_tui.widgets.outbox import OutboxPanel

        if screen.is_attached and not screen.query(OutboxPanel):
            screen.mount(OutboxPanel(self.runtime))

    def action_toggle_outbox(self) -> None:
        from openccc_tui.widgets.outbox import OutboxPanel

        self.outbox_shown = not self.outbox_shown
        if self.outbox_shown:
            self.place_outbox(self.screen)
        else:
            for screen in self.screen_stack:
                screen.query(OutboxPanel).remove()

    def action_demo_identities(self) -> None:
        _ = self.runtime  # first: the opening thread may be importing what this imports
        from openccc_tui.screens.trainer import DemoIdentitiesScreen

        if not isinstance(self.screen, DemoIdentitiesScreen):
            self.push_screen(DemoIdentitiesScreen())

    @work(exclusive=True, group="reset_demo")
    async def action_reset_demo(self) -> None:
        await asyncio.to_thread(lambda: self.runtime)  # the opening thread may be importing what this imports
        from openccc_tui.screens.dialogs import ConfirmDialog
        from openccc_tui.services.audit import command_line_actor
        from openccc_tui.services.setup import reset_demo

        question = "Reset the demo? Every account, code and change made since it started is lost."
        if not await self.push_screen_wait(ConfirmDialog(question, yes="Reset demo", no="Keep")):
            return
        await asyncio.to_thread(reset_demo, self.runtime, command_line_actor("trainer"))
        self.staff_session = None
        self.copy_to_clipboard("")
        await self.reset_to_first_screen()
        self.notify("The demo data is fresh again.", title="Reset demo")

    def copy_to_clipboard(self, text: str) -> None:
        # A kiosk terminal is shared: nothing typed there may reach its clipboard (TERM-2).
        super().copy_to_clipboard("" if self.run_mode is Mode.KIOSK else text)

    @property
    def idle_limit_seconds(self) -> int:
        settings = self.settings
        if self.run_mode is Mode.KIOSK or self.student_on_college_terminal:
            return settings.kiosk_idle_timeout_seconds
        return settings.staff_idle_timeout_seconds

    def idle_seconds_left(self) -> int:
        return round(self.idle_limit_seconds - (self.idle_clock() - self.last_activity))

    def hide_idle_warning(self) -> None:
        for screen in self.screen_stack:
            screen.query(IdleWarning).remove()

    def show_idle_warning(self) -> None:
        if self.screen.query(IdleWarning) or self.screen.has_class(BACKDROP):
            return
        self.hide_idle_warning()
        what = "You will be signed out" if self.staff_session is not None else "This page will be cleared"
        self.screen.mount(IdleWarning(what, self.idle_seconds_left))

    @property
    def student_on_college_terminal(self) -> bool:
        """A `full` mode terminal left by a student: signed out after the kiosk's idle time,
        since a college's terminals are shared like kiosks (trainer mode keeps the staff time)."""
        return self.run_mode is Mode.FULL and self.staff_session is None

    def student_signed_in(self) -> bool:
        return any(isinstance(s, StudentStep) and s.flow.session is not None for s in self.screen_stack)

    async def end_if_terminal_gone(self) -> None:
        """The terminal closed (a window shut, a connection dropped) and no hang-up signal
        ended the App, because a wrapper such as `make` kept it: a staff session is signed out
        and audited, and the App ends instead of running on with nobody at it (TERM-2)."""
        if has_controlling_terminal():
            return
        if self.staff_session is not None:
            await self.sign_out_staff("The terminal was closed.", why="terminal closed")
        log.warning("the terminal closed: the app ends")
        # What is saved is committed; a job in progress resumes as after any interruption (BULK-8).
        ending = threading.Timer(TERMINAL_GONE_EXIT_SECONDS, os._exit, args=(1,))
        ending.daemon = True
        ending.start()
        self.exit()

    async def end_idle_session(self) -> None:
        """After the mode's idle time, the session ends: staff are signed out, and whatever a
        student left (a page, a half-typed field) is replaced by a fresh first page. A warning
        shows the last minute before (half the time, when it is shorter than two minutes)."""
        if self.idle_reset_done or self.known_settings is None:
            return  # nothing to clear, or the settings that give the idle time are still being read
        limit = self.idle_limit_seconds
        idle = self.idle_clock() - self.last_activity
        if idle < limit:
            if idle >= limit - min(IDLE_WARNING_SECONDS, limit // 2):
                self.show_idle_warning()
            return
        self.idle_reset_done = True
        self.hide_idle_warning()
        minutes = f"{limit // 60} minutes" if limit >= 120 else f"{limit} seconds"
        if self.staff_session is not None:
            await self.sign_out_staff(f"Signed out after {minutes} without activity.", why=f"idle for {minutes}")
        else:
            signed_in = self.student_signed_in()
            self.copy_to_clipboard("")
            await self.reset_to_first_screen()
            if signed_in:
                self.notify(f"You were signed out after {minutes} without activity.", title="OpenCCC")

    def _handle_exception(self, error: Exception) -> None:
        # Textual 8.2.8 offers no public hook for unhandled errors: without this override
        # it exits and prints a traceback with local values, which TERM-5 forbids. The
        # widget whose handler raised has stopped, so recovery starts again from a fresh
        # first screen; if the App itself stopped, it ends and the command line prints the
        # apology (Textual's own handler would print the traceback as it ends).
        if isinstance(error.error if isinstance(error, WorkerFailed) else error, OpeningFailed):
            return  # not a crash: the App ends with the reason (end_at_start)
        screen = type(self.screen_stack[-1]).__name__ if self.screen_stack else "none"
        log_crash(error, where=f"{self.run_mode.value} mode, screen {screen}")
        if self.startup_error is not None:
            return  # the App is ending for its settings or database: what breaks meanwhile is only logged
        self.crashes.append(error)
        if self.is_running and self.screen_stack:
            self.call_later(self._recover_from_crash)
        else:
            self.exit(return_code=1)

    async def _recover_from_crash(self) -> None:
        from openccc_tui.screens.dialogs import MessageDialog

        self.staff_session = None
        await self.reset_to_first_screen()
        await self.push_screen(
            MessageDialog("Something went wrong", [apology(self.settings.log_file)], dialog_id="crash")
        )
