"""How a screen reaches the App's own state and page changes, typed, without importing
app.py (the layers contract forbids it): the App meets OpencccApp, checked on each use."""

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual.app import App

from openccc_tui.services.runtime import Runtime
from openccc_tui.services.sign_in import SignInFlow

if TYPE_CHECKING:
    # The staff sign-in (TOTP, encryption) loads with the staff pages, not with every page.
    from openccc_tui.services.staff_sign_in import StaffSession


@runtime_checkable
class OpencccApp(Protocol):
    """What screens use of the OpenCCC App beyond Textual's own App."""

    runtime: Runtime

    def new_sign_in_flow(self) -> SignInFlow: ...

    async def show_student_step(self, flow: SignInFlow) -> None: ...

    def hold_keys(self) -> None: ...

    def release_keys(self, *, deliver: bool) -> None: ...

    async def sign_out_student(self) -> None: ...

    async def reset_to_first_screen(self) -> None: ...

    async def start_staff_session(self, session: "StaffSession") -> None: ...

    def open_staff_page(self, name: str) -> None: ...

    async def sign_out_staff(self, message: str, why: str = "signed out") -> None: ...


class _HasApp(Protocol):
    @property
    def app(self) -> App[Any]: ...


class AppAccess:
    """Mixed into screens: `self.openccc_app` is the running App, typed as OpencccApp."""

    @property
    def openccc_app(self: _HasApp) -> OpencccApp:
        app = self.app
        if not isinstance(app, OpencccApp):
            raise TypeError(f"{type(app).__name__} is not the OpenCCC App these screens run in")
        return app
