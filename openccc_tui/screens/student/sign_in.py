"""The Sign In page (SPEC SIGN-1): an email address, or a mobile phone number.

The first page of most modes: it is shown while the settings are read and the database is
opened, so it imports no database layer, and starts its flow only when the student answers
or switches. Drawn before the settings are known, it offers Recover Account, and withdraws
it when they name a policy profile that rules recovery out (nist)."""

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button

from openccc_tui.screens.student.step import StudentStep
from openccc_tui.services.student.sign_in_steps import FIRST_METHOD, Method, recovery_offered
from openccc_tui.widgets.form_field import FormField

if TYPE_CHECKING:
    from openccc_tui.config import Settings
    from openccc_tui.services.student.sign_in import SignInFlow

LABELS = {Method.EMAIL: "Email address", Method.PHONE: "Mobile phone number"}
PLACEHOLDERS = {Method.EMAIL: "you@example.com", Method.PHONE: "(530) 555-0123"}
TOGGLES = {Method.EMAIL: "Use mobile phone instead", Method.PHONE: "Use email instead"}


class SignInScreen(StudentStep):
    TITLE_TEXT = "Sign In"
    AUTO_FOCUS = "#identifier"
    BINDINGS = [
        # Priority: keys typed after these go to the field or page they lead to, in order.
        Binding("ctrl+t", "toggle_method", "Use phone/email", id="sign_in.toggle", priority=True),
        Binding("f3", "recover_account", "Recover Account", id="sign_in.recover", priority=True),
    ]

    def __init__(self, flow: "SignInFlow | None" = None) -> None:
        super().__init__(flow)

    def help_text(self) -> str:
        return "Sign in with the email address or mobile phone number of your OpenCCC account."

    def body(self) -> ComposeResult:
        method = self._flow.method if self._flow is not None else FIRST_METHOD
        yield FormField(LABELS[method], field_id="identifier", placeholder=PLACEHOLDERS[method])
        yield Button("Next", id="next", variant="primary")
        yield Button(TOGGLES[method], id="toggle")
        if self.recovery_offered():
            yield Button("Recover Account", id="recover")

    def on_mount(self) -> None:
        if self.openccc_app.known_settings is None:
            self.openccc_app.settings_known_signal.subscribe(self, self.settings_known)

    def recovery_offered(self) -> bool:
        """Offered until the settings are known, then as their policy profile says."""
        settings = self.openccc_app.known_settings
        return settings is None or recovery_offered(settings)

    def settings_known(self, settings: "Settings") -> None:
        if not recovery_offered(settings):
            self.query("#recover").remove()
        self.refresh_bindings()

    def action_toggle_method(self) -> None:
        self.flow.toggle_method()
        method = self.flow.method
        field = self.query_one(FormField)
        field.show_label(LABELS[method])
        field.input.placeholder = PLACEHOLDERS[method]
        field.input.value = ""
        field.show_error(None)
        self.query_one("#toggle", Button).label = TOGGLES[method]
        field.input.focus()

    @on(Button.Pressed, "#next")
    def next_pressed(self) -> None:
        self.go_on()

    @on(Button.Pressed, "#toggle")
    def toggle_pressed(self) -> None:
        self.action_toggle_method()

    @on(Button.Pressed, "#recover")
    def recover_pressed(self) -> None:
        self.action_recover_account()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "recover_account":
            return self.recovery_offered()
        return super().check_action(action, parameters)

    def action_recover_account(self) -> None:
        """REC-2, REC-3; not offered under the nist profile."""
        runtime = self.runtime  # first: the App's opening thread may be importing what this imports
        from openccc_tui.screens.student.recovery import RecoverAccountScreen
        from openccc_tui.services.student.recovery import RecoverAccountFlow

        if not recovery_offered(self.openccc_app.settings):
            return  # asked for while the settings were still being read
        self.openccc_app.open_page(RecoverAccountScreen(RecoverAccountFlow(runtime)))

    @work(exclusive=True)
    async def submit(self) -> None:
        await self.answer(self.flow.submit_identifier, self.query_one(FormField).value)
