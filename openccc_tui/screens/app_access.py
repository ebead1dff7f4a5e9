"""How a screen reaches the App's own state and page changes, typed, without importing
app.py (the layers contract forbids it): the App meets OpencccApp, checked on each use."""

from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from textual.app import App

from openccc_tui.config import Settings

if TYPE_CHECKING:
    # The database layers load after the first page is shown, the staff sign-in (TOTP,
    # encryption) with the staff pages: these names are for the type checker only.
    from openccc_tui.services.runtime import Runtime
    from openccc_tui.services.sign_in import SignInFlow
    from openccc_tui.services.staff_sign_in import StaffSession


@runtime_checkable
class OpencccApp(Protocol):
    """What screens use of the OpenCCC App beyond Textual's own App."""

    @property
    def runtime(self) -> "Runtime": ...

    @property
    def settings(self) -> Settings: ...

    def new_sign_in_flow(self) -> "SignInFlow": ...

    async def show_student_step(self, flow: "SignInFlow") -> None: ...

    def hold_keys(self) -> None: ...

    def release_keys(self, *, deliver: bool) -> None: ...

    async def sign_out_student(self) -> None: ...

    async def reset_to_first_screen(self) -> None: ...

    async def start_staff_session(self, session: "StaffSession") -> None: ...

    def open_staff_page(self, name: str) -> None: ...

    async def sign_out_staff(self, message: str, why: str = "signed out") -> None: ...


MEMBERS = frozenset(name for name in vars(OpencccApp) if not name.startswith("_"))


class _HasApp(Protocol):
    @property
    def app(self) -> App[Any]: ...


class AppAccess:
    """Mixed into screens: `self.openccc_app` is the running App, typed as OpencccApp."""

    @property
    def openccc_app(self: _HasApp) -> OpencccApp:
        app = self.app
        # Checked on the class: isinstance() would read `runtime` on Python 3.11, and
        # reading it waits for the database while the App opens it (after its first page).
        if not all(hasattr(type(app), name) for name in MEMBERS):
            raise TypeError(f"{type(app).__name__} is not the OpenCCC App these screens run in")
        return cast(OpencccApp, app)
