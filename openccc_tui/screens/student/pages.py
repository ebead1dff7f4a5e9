"""The pages after Sign In: Username, Password, Validation Code, the ownership conflict,
the helpdesk, Edit Profile and Update Password (SPEC SIGN-3..6)."""

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from openccc_tui.domain.policy import PasswordContext
from openccc_tui.screens.app_access import StudentSignOut
from openccc_tui.screens.student.account import EditAccountScreen
from openccc_tui.screens.student.applications import MyApplicationsScreen
from openccc_tui.screens.student.recovery import ForgotPasswordScreen
from openccc_tui.screens.student.step import StudentStep
from openccc_tui.services.records import required
from openccc_tui.services.student import student_profile
from openccc_tui.services.student.sign_in_steps import Method, Step
from openccc_tui.services.student.student_session import StudentSession
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.outbox import NEEDS_ROOM
from openccc_tui.widgets.verbatim import Verbatim

METHOD_WORDS = {Method.EMAIL: "email address", Method.PHONE: "mobile phone number"}


class UsernameScreen(StudentStep):
    TITLE_TEXT = "Username"
    AUTO_FOCUS = "#username"

    def help_text(self) -> str:
        return (
            f"More than one account uses this {METHOD_WORDS[self.flow.method]}. "
            "Enter the user name of your account to continue."
        )

    def body(self) -> ComposeResult:
        yield FormField("User name", field_id="username")
        yield Button("Next", id="next", variant="primary")

    def on_button_pressed(self) -> None:
        self.go_on()

    @work(exclusive=True)
    async def submit(self) -> None:
        await self.answer(self.flow.submit_username, self.query_one(FormField).value)


class PasswordScreen(StudentStep):
    TITLE_TEXT = "Password"
    AUTO_FOCUS = "#password"
    BINDINGS = [Binding("f4", "forgot_password", "Forgot your password?", id="password.forgot")]

    def help_text(self) -> str:
        return "Enter your password."

    def body(self) -> ComposeResult:
        yield FormField("Password", field_id="password", secret=True)
        yield Button("Sign In", id="sign-in", variant="primary")
        yield Button("Forgot your password?", id="forgot")

    @on(Button.Pressed, "#sign-in")
    def sign_in_pressed(self) -> None:
        self.go_on()

    @on(Button.Pressed, "#forgot")
    def forgot_pressed(self) -> None:
        self.action_forgot_password()

    @work(exclusive=True, group="forgot")
    async def action_forgot_password(self) -> None:
        """REC-1: the account found on the Sign In page, if any, chooses where the code goes."""
        flow = await asyncio.to_thread(self.flow.forgot_password)
        self.app.push_screen(ForgotPasswordScreen(flow))

    @work(exclusive=True)
    async def submit(self) -> None:
        field = self.query_one(FormField)
        password = field.value
        field.input.value = ""
        await self.answer(self.flow.submit_password, password)


class ValidationCodeScreen(StudentStep):
    TITLE_TEXT = "Validation Code"
    AUTO_FOCUS = "#code"
    BINDINGS = [Binding("f5", "resend", "Resend code", id="code.resend")]

    def help_text(self) -> str:
        kind = "email" if self.flow.destination.channel == "email" else "text message"
        return (
            f"We were able to locate your account. Enter the Validation Code sent to "
            f"{self.flow.masked_destination}. If you didn't get the {kind}, check your junk folder "
            "or resend or try again."
        )

    def body(self) -> ComposeResult:
        yield FormField("Validation Code", field_id="code", max_length=6, placeholder="6 digits")
        yield Button("Next", id="next", variant="primary")
        yield Button("Resend", id="resend")

    @on(Button.Pressed, "#next")
    def next_pressed(self) -> None:
        self.go_on()

    @on(Button.Pressed, "#resend")
    def resend_pressed(self) -> None:
        self.action_resend()

    @work(exclusive=True)
    async def submit(self) -> None:
        field = self.query_one(FormField)
        code = field.value
        field.input.value = ""
        await self.answer(self.flow.submit_code, code)

    @work(exclusive=True, group="resend")
    async def action_resend(self) -> None:
        await self.answer(self.flow.resend_code)


class AlternateContactScreen(StudentStep):
    TITLE_TEXT = "Another email or phone"
    AUTO_FOCUS = "#alternate"

    def help_text(self) -> str:
        return (
            f"This {METHOD_WORDS[self.flow.method]} is already validated on another account, so it cannot "
            "sign you in. Enter another mobile phone number or email address of yours: we will send it "
            "a Validation Code."
        )

    def body(self) -> ComposeResult:
        yield FormField("Mobile phone or email", field_id="alternate", placeholder="(530) 555-0123 or name@example.com")
        yield Button("Send code", id="send", variant="primary")

    def on_button_pressed(self) -> None:
        self.go_on()

    @work(exclusive=True)
    async def submit(self) -> None:
        await self.answer(self.flow.submit_alternate_contact, self.query_one(FormField).value)


class HelpdeskScreen(StudentStep):
    TITLE_TEXT = "Contact the helpdesk"
    AUTO_FOCUS = "#start-over"

    def help_text(self) -> str:
        return (
            "That email or phone is already used by another account. Please contact your college's "
            "helpdesk: they can verify who you are and update your account."
        )

    def body(self) -> ComposeResult:
        yield Button("Back to Sign In", id="start-over", variant="primary")

    def on_button_pressed(self) -> None:
        self.action_start_over()

    def submit(self) -> None:
        self.openccc_app.release_keys(deliver=False)
        self.action_start_over()


class EditProfileScreen(StudentStep):
    TITLE_TEXT = "Edit Profile"
    AUTO_FOCUS = "#preferred"

    def help_text(self) -> str:
        return (
            f"Your {METHOD_WORDS[self.flow.method]} {self.flow.masked_destination} is validated. "
            "Use it to sign in from now on. Choose how we should contact you:"
        )

    def body(self) -> ComposeResult:
        yield Vertical(id="preferred-choices")
        yield Button("Continue", id="continue", variant="primary")

    def on_mount(self) -> None:  # StudentStep.on_mount runs too: Textual calls each class's handler
        self.show_choices()

    @work(exclusive=True, group="choices")
    async def show_choices(self) -> None:
        choices = await asyncio.to_thread(self.flow.preferred_choices)
        buttons = [
            RadioButton(METHOD_WORDS[m].capitalize(), value=m is self.flow.method, id=f"prefer-{m.value}")
            for m in choices
        ]
        await self.query_one("#preferred-choices", Vertical).mount(RadioSet(*buttons, id="preferred"))
        self.query_one("#preferred", RadioSet).focus()

    def on_button_pressed(self) -> None:
        self.go_on()

    @work(exclusive=True)
    async def submit(self) -> None:
        if not self.query("#preferred"):
            return  # the choices are still being read
        chosen = self.query_one("#preferred", RadioSet).pressed_button
        method = Method((chosen.id or "prefer-email").removeprefix("prefer-")) if chosen else self.flow.method
        await self.answer(self.flow.confirm_profile, method)


class UpdatePasswordScreen(StudentStep):
    """SIGN-6: the only page reachable until the password is changed; the policy's rules
    tick as the student types."""

    TITLE_TEXT = "Update Password"
    AUTO_FOCUS = "#new-password"

    def help_text(self) -> str:
        return "You need to choose a new password before you continue."

    def body(self) -> ComposeResult:
        yield FormField("New password", field_id="new-password", secret=True)
        yield FormField("Confirm new password", field_id="confirm-password", secret=True)
        yield Vertical(id="checklist", classes=NEEDS_ROOM)
        yield Button("Save password", id="save", variant="primary")

    context: PasswordContext | None = None

    def on_mount(self) -> None:  # StudentStep.on_mount runs too
        self.load_context()

    @work(exclusive=True, group="context")
    async def load_context(self) -> None:
        self.context = await asyncio.to_thread(self.flow.password_context)
        self.show_checklist(self.query_one("#new-password", Input).value)

    def show_checklist(self, password: str) -> None:
        if self.context is None:
            return  # shown once the names it checks against are read
        checklist = self.query_one("#checklist", Vertical)
        checklist.remove_children()
        rows = self.runtime.profile.password_checklist(password, self.context)
        checklist.mount_all(
            Static(f"{'✓' if ok else '✗'} {label}", classes="rule-met" if ok else "rule-unmet", markup=False)
            for label, ok in rows
        )

    @on(Input.Changed, "#new-password")
    def password_typed(self, event: Input.Changed) -> None:
        self.show_checklist(event.value)

    def action_continue(self) -> None:
        """Enter in the new password goes on to its confirmation."""
        if self.focused is self.query_one("#new-password"):
            # At once, not after the keys already typed: those belong to the confirmation.
            self.set_focus(self.query_one("#confirm-password"))
        else:
            super().action_continue()

    def on_button_pressed(self) -> None:
        self.go_on()

    @work(exclusive=True)
    async def submit(self) -> None:
        fields = [self.query_one(f"#{i}-field", FormField) for i in ("new-password", "confirm-password")]
        values = [f.value for f in fields]
        for field in fields:
            field.input.value = ""
        self.show_checklist("")
        await self.answer(self.flow.submit_new_password, *values)
        if self.flow.step is Step.UPDATE_PASSWORD:
            self.query_one("#new-password").focus()


class StudentHomeScreen(StudentStep):
    """Where a signed-in student lands: the CCCID, Edit Account and My Applications."""

    TITLE_TEXT = "My OpenCCC Account"
    AUTO_FOCUS = "#my-applications"
    CONTINUES = False
    """Enter presses the focused button, as on any page: My Applications first."""
    BINDINGS = [
        Binding("e", "edit_account", "Edit Account", id="home.edit_account"),
        Binding("m", "my_applications", "My Applications", id="home.applications"),
        Binding("ctrl+o", "sign_out", "Sign out", id="home.sign_out"),
    ]

    @property
    def student(self) -> StudentSession:
        return required(self.flow.session, "the signed-in student")

    def body(self) -> ComposeResult:
        session = self.student
        yield Verbatim(f"Welcome, {session.name}.")
        yield Static("Your CCCID (California Community Colleges student ID):", classes="page-help")
        yield Verbatim(session.cccid, id="cccid", classes="cccid")
        yield Button("My Applications", id="my-applications", variant="primary")
        yield Button("Edit Account", id="edit-account")
        yield Button("Sign out", id="sign-out")

    @on(Button.Pressed, "#my-applications")
    def my_applications_pressed(self) -> None:
        self.action_my_applications()

    @on(Button.Pressed, "#edit-account")
    def edit_account_pressed(self) -> None:
        self.action_edit_account()

    @on(Button.Pressed, "#sign-out")
    def sign_out_pressed(self) -> None:
        self.action_sign_out()

    @work(exclusive=True, group="open")
    async def action_edit_account(self) -> None:
        profile = await asyncio.to_thread(student_profile.load_profile, self.runtime, self.student)
        self.app.push_screen(EditAccountScreen(self.student, profile))

    def action_my_applications(self) -> None:
        self.app.push_screen(MyApplicationsScreen(self.student))

    def action_sign_out(self) -> None:
        self.post_to_app(StudentSignOut())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start_over":
            return False  # Escape does not sign a student out by accident.
        return super().check_action(action, parameters)
