"""Trainer mode's F1 page (SPEC TERM-4): who to be in the demo, shown again in the app
after `make demo` printed it, with each staff member's authenticator code of the moment."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from openccc_tui.services.setup import authenticator_code, demo_identities

REFRESH_SECONDS = 5


class DemoIdentitiesScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1", "close", "Close", id="demo_identities.close")]

    def compose(self) -> ComposeResult:
        identities = demo_identities()
        with VerticalScroll(classes="dialog", id="demo-identities"):
            yield Static("Demo identities (public: this demo database only)", classes="dialog-title")
            yield Static("Staff: F2 on Sign In, then user name, password and the code shown here.")
            yield Static("", id="demo-staff", markup=False)
            yield Static(f"Students: password {identities.student_password}", classes="dialog-title")
            for typed, shows in identities.students:
                yield Static(f"{typed}\n  {shows}", markup=False, classes="demo-student")
        yield Footer()

    def on_mount(self) -> None:
        self.show_codes()
        self.set_interval(REFRESH_SECONDS, self.show_codes)

    def show_codes(self) -> None:
        lines = [
            f"{username:<14} {password:<14} code now {authenticator_code(secret)}  ({roles})"
            for username, roles, password, secret in demo_identities().staff
        ]
        self.query_one("#demo-staff", Static).update("\n".join(lines))

    def action_close(self) -> None:
        self.dismiss(None)
