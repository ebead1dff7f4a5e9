"""How a screen reaches the App, typed, without importing app.py (the layers contract
forbids it).

- Page changes are messages the screen posts to the App (`self.post_to_app(...)`); the
  App handles each one (`OpenCCCApp.on_<message>`): a student step reached, a staff
  member signed in, a console page to open, a sign-out, a fresh first page.
- What a screen reads or calls on the App itself is the OpencccApp protocol, checked on
  each use: the runtime (also `self.runtime`; it waits for the database the App opens after its
  first page), the settings (also read after the first page: `known_settings` and
  `settings_known_signal` serve a page drawn before), a new sign-in flow and the keys held across a page change.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from textual.app import App
from textual.message import Message

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.signal import Signal

    from openccc_tui.config import Settings

    # The database layers load after the first page is shown, the staff sign-in (TOTP,
    # encryption) with the staff pages: these names are for the type checker only.
    from openccc_tui.services.runtime import Runtime
    from openccc_tui.services.staff.staff_sign_in import StaffSession
    from openccc_tui.services.student.sign_in import SignInFlow


@runtime_checkable
class OpencccApp(Protocol):
    """What screens use of the OpenCCC App beyond Textual's own App."""

    @property
    def runtime(self) -> "Runtime": ...

    @property
    def settings(self) -> "Settings": ...

    @property
    def known_settings(self) -> "Settings | None": ...

    settings_known_signal: "Signal[Settings]"

    def new_sign_in_flow(self) -> "SignInFlow": ...

    def hold_keys(self) -> None: ...

    def release_keys(self, *, deliver: bool) -> None: ...

    def open_page(self, page: "Screen[Any]") -> None: ...


class ConsolePage(StrEnum):
    """A staff console page; `screens/staff/home.py` ACTIONS says who may open it and
    which screen shows it."""

    ADD_USER = "add_user"
    MULTI_ACCOUNT = "multi_account"
    SUPPORT = "support"
    TRACKING = "tracking"
    AUDIT_LOG = "audit_log"
    STAFF_ACCESS = "staff_access"


@dataclass
class StudentStepReached(Message):
    """The sign-in flow is at a new step (or started over): its page replaces this one."""

    flow: "SignInFlow"


@dataclass
class StudentSignOut(Message):
    """The student signs out: a fresh first page, nothing of theirs left."""


@dataclass
class StartOver(Message):
    """Leave this flow for a fresh first page."""


@dataclass
class StaffSignedIn(Message):
    """Staff sign-in is done: the console's home replaces every page."""

    session: "StaffSession"


@dataclass
class OpenConsolePage(Message):
    """Open a console page, if the signed-in staff member's roles allow it."""

    page: ConsolePage


@dataclass
class StaffSignOut(Message):
    """End the staff session: `notice` is shown, `why` is audited."""

    notice: str
    why: str = "signed out"


MEMBERS = frozenset(name for name in vars(OpencccApp) if not name.startswith("_"))


class _HasApp(Protocol):
    @property
    def app(self) -> App[Any]: ...


def _openccc(app: App[Any]) -> OpencccApp:
    # Checked on the class: isinstance() would read `runtime` on Python 3.11, and reading it
    # waits for the database while the App opens it (after its first page).
    if not all(hasattr(type(app), name) for name in MEMBERS):
        raise TypeError(f"{type(app).__name__} is not the OpenCCC App these screens run in")
    return cast(OpencccApp, app)


class AppAccess:
    """Mixed into screens: `self.openccc_app` is the running App, typed as OpencccApp."""

    @property
    def openccc_app(self: _HasApp) -> OpencccApp:
        return _openccc(self.app)

    @property
    def runtime(self: _HasApp) -> "Runtime":
        """The App's runtime: settings, database, clock, password profile."""
        return _openccc(self.app).runtime

    def post_to_app(self: _HasApp, message: Message) -> None:
        """The App handles `message` in its own loop, once this handler has returned."""
        self.app.post_message(message)
