"""The student Sign In page (SPEC SIGN-1): an email address, or a mobile phone number."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static

from openccc_tui.domain.contact import ContactError, check_email, normalise_phone
from openccc_tui.widgets.form_field import FormField


class SignInScreen(Screen[None]):
    AUTO_FOCUS = "#identifier"
    BINDINGS = [
        Binding("ctrl+t", "toggle_method", "Use phone/email", id="sign_in.toggle"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.use_phone = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="page"):
            yield Static("Sign In", classes="page-title")
            yield Static(
                "Sign in with the email address or mobile phone number of your OpenCCC account.",
                classes="page-help",
            )
            yield FormField("Email address", field_id="identifier", placeholder="you@example.com")
            yield Button("Next", id="next", variant="primary")
            yield Button("Use mobile phone instead", id="toggle")
        yield Footer()

    def action_toggle_method(self) -> None:
        self.use_phone = not self.use_phone
        field = self.query_one(FormField)
        field.show_label(
            "Mobile phone number" if self.use_phone else "Email address"
        )
        field.input.placeholder = "(530) 555-0123" if self.use_phone else "you@example.com"
        field.input.value = ""
        field.show_error(None)
        self.query_one("#toggle", Button).label = (
            "Use email instead" if self.use_phone else "Use mobile phone instead"
        )
        field.input.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "toggle":
            self.action_toggle_method()
        elif event.button.id == "next":
            self.submit()

    def on_input_submitted(self) -> None:
        self.submit()

    def submit(self) -> None:
        field = self.query_one(FormField)
        try:
            if self.use_phone:
                normalise_phone(field.value)
            else:
                check_email(field.value)
        except ContactError as error:
            field.show_error(f"Enter a valid {'mobile phone number' if self.use_phone else 'email address'}: {error}.")
            return
        field.show_error(None)
        self.notify("Student sign-in arrives with the sign-in flow.", title="Sign In")
