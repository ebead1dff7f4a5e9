"""Staff sign-in (SPEC STAFF-1, STAFF-3): one screen that shows the flow's current step."""

import asyncio

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Footer, Header, Static

from openccc_tui.screens.app_access import AppAccess, StaffSignedIn
from openccc_tui.screens.flow_view import Pane, step_views
from openccc_tui.services.staff.staff_sign_in import AGREEMENT, StaffSignInFlow, StaffStep
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.qr_code import QRCode
from openccc_tui.widgets.verbatim import Verbatim


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


PANES = step_views(
    StaffStep,
    {
        StaffStep.CREDENTIALS: Pane(focus="#staff-username", message="#credentials-message"),
        StaffStep.ENROL: Pane(focus="#enrol-code", message="#enrol-message"),
        StaffStep.CODE: Pane(focus="#staff-code", message="#code-message"),
        StaffStep.AGREEMENT: Pane(focus="#agree", message=None),
    },
    not_shown=(StaffStep.DONE,),
)
"""Each step's pane (the ContentSwitcher child whose id is the step's value); at `done`
the console's home replaces this screen. Every message of this flow is a refusal, shown
in the pane's own message line."""


class StaffSignInScreen(AppAccess, Screen[None]):
    AUTO_FOCUS = "#staff-username"
    BINDINGS = [Binding("escape", "back", "Back", id="staff_sign_in.back")]

    def __init__(self) -> None:
        super().__init__()
        self._flow: StaffSignInFlow | None = None

    @property
    def flow(self) -> StaffSignInFlow:
        if self._flow is None:
            raise RuntimeError("the staff sign-in flow starts when the screen is mounted")
        return self._flow

    def compose(self) -> ComposeResult:
        yield Header()
        with ContentSwitcher(initial=StaffStep.CREDENTIALS, id="steps"):
            with Vertical(id=StaffStep.CREDENTIALS, classes="page"):
                yield Static("Staff Sign In", classes="page-title")
                yield Static("", id="credentials-message", classes="sign-in-message", markup=False)
                yield FormField("User name", field_id="staff-username")
                yield FormField("Password", field_id="staff-password", secret=True)
                yield Button("Next", id="credentials-next", variant="primary")
            with VerticalScroll(id=StaffStep.ENROL), Horizontal(id="enrol-body"):
                yield Vertical(id="enrol-qr")
                with Vertical(id="enrol-side"):
                    yield Static("Set up your authenticator app", classes="page-title")
                    yield Static("Scan the code with an authenticator app, or enter this key:")
                    yield Verbatim("", id="enrol-secret")
                    yield Verbatim("", id="enrol-uri")
                    yield Static("", id="enrol-message", classes="sign-in-message", markup=False)
                    yield FormField("6-digit code", field_id="enrol-code", secret=True, max_length=6, classes="narrow")
                    yield Button("Confirm", id="enrol-next", variant="primary")
            with Vertical(id=StaffStep.CODE, classes="page"):
                yield Static("Authenticator code", classes="page-title")
                yield Static("Enter the 6-digit code your authenticator app shows now.", classes="page-help")
                yield Static("", id="code-message", classes="sign-in-message", markup=False)
                yield FormField("6-digit code", field_id="staff-code", secret=True, max_length=6)
                yield Button("Sign In", id="code-next", variant="primary")
            with Vertical(id=StaffStep.AGREEMENT, classes="page"):
                yield Static("Staff account agreement", classes="page-title")
                yield Static(AGREEMENT, classes="page-help")
                yield Button("I agree", id="agree", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self._flow = StaffSignInFlow(self.runtime)

    def on_input_submitted(self, event) -> None:
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.submit()

    def action_back(self) -> None:
        """Back to the student Sign In page this page was opened over (not in staff mode,
        where it is the first page, over a plain backdrop)."""
        stack = self.app.screen_stack
        if len(stack) > 1 and not stack[-2].has_class("backdrop"):
            self.app.pop_screen()

    @work(exclusive=True)
    async def submit(self) -> None:
        flow = self.flow
        step = flow.step
        if step is StaffStep.CREDENTIALS:
            username = self.query_one("#staff-username-field", FormField).value
            password_field = self.query_one("#staff-password-field", FormField)
            password = password_field.value
            password_field.input.value = ""
            await asyncio.to_thread(flow.submit_credentials, username, password)
        elif step in (StaffStep.ENROL, StaffStep.CODE):
            field_id = "#enrol-code-field" if step is StaffStep.ENROL else "#staff-code-field"
            code_field = self.query_one(field_id, FormField)
            code = code_field.value
            code_field.input.value = ""
            await asyncio.to_thread(flow.submit_code, code)
        elif step is StaffStep.AGREEMENT:
            await asyncio.to_thread(flow.accept_agreement)
        if flow.step is StaffStep.DONE and flow.session is not None:
            self.post_to_app(StaffSignedIn(flow.session))
        else:
            self.show_step()

    def show_step(self) -> None:
        flow = self.flow
        pane = PANES[flow.step]
        self.query_one("#steps", ContentSwitcher).current = flow.step.value
        if pane.message:
            self.query_one(pane.message, Static).update(flow.message)
        if flow.step is StaffStep.ENROL and flow.enrolment_uri and not self.query("#enrol-qr QRCode"):
            secret = flow.enrolment_uri.split("secret=")[1].split("&")[0]
            self.query_one("#enrol-qr").mount(QRCode(flow.enrolment_uri))
            self.query_one("#enrol-secret", Verbatim).show(_grouped(secret))
            self.query_one("#enrol-uri", Verbatim).show(flow.enrolment_uri)
        username_given = bool(self.query_one("#staff-username-field", FormField).value)
        # Back at the credentials with the user name kept: the password is what to type.
        focus = "#staff-password" if flow.step is StaffStep.CREDENTIALS and username_given else pane.focus
        self.query_one(focus).focus()
