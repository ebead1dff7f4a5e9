"""The Sign In page (SPEC SIGN-1): an email address, or a mobile phone number.

The first page of most modes: it is shown while the database is opened, so it imports
no database layer, and starts its flow only when the student answers or switches."""

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button

from openccc_tui.screens.student.step import StudentStep
from openccc_tui.services.student.sign_in_steps import FIRST_METHOD, Method, recovery_offered
from openccc_tui.widgets.form_field import FormField

if TYPE_CHECKING:
    from openccc_tui.services.student.sign_in import SignInFlow

LABELS = {Method.EMAIL: "Email address", Method.PHONE: "Mobile phone number"}
PLACEHOLDERS = {Method.EMAIL: "you@example.com", Method.PHONE: "(530) 555-0123"}
TOGGLES = {Method.EMAIL: "Use mobile phone instead", Method.PHONE: "Use email instead"}


class SignInScreen(StudentStep):
    TITLE_TEXT = "Sign In"
    AUTO_FOCUS = "#identifier"
    BINDINGS = [
        Binding("ctrl+t", "toggle_method", "Use phone/email", id="sign_in.toggle"),
        Binding("f3", "recover_account", "Recover Account", id="sign_in.recover"),
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
        if recovery_offered(self.openccc_app.settings):
            yield Button("Recover Account", id="recover")

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
            return recovery_offered(self.openccc_app.settings)
        return super().check_action(action, parameters)

    def action_recover_account(self) -> None:
        """REC-2, REC-3; not offered under the nist profile."""
        from openccc_tui.screens.student.recovery import RecoverAccountScreen
        from openccc_tui.services.student.recovery import RecoverAccountFlow

        self.app.push_screen(RecoverAccountScreen(RecoverAccountFlow(self.runtime)))

    @work(exclusive=True)
    async def submit(self) -> None:
        await self.answer(self.flow.submit_identifier, self.query_one(FormField).value)
