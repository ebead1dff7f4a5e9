"""Edit Account (SPEC ACC-9): the student's own profile, saved behind a fresh password; a
new email is validated right here with the code sent to it."""

import asyncio
from collections.abc import Awaitable, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from openccc_tui.domain.recovery import SECRET_QUESTIONS
from openccc_tui.domain.template import FIELD_PATHS
from openccc_tui.domain.text import printable
from openccc_tui.screens.app_access import AppAccess
from openccc_tui.screens.dialogs import ConfirmDialog
from openccc_tui.screens.flow_view import step_views
from openccc_tui.services.errors import describe
from openccc_tui.services.flow import MessageKind
from openccc_tui.services.student import student_profile
from openccc_tui.services.student.edit_account import EditAccountFlow, EditStep
from openccc_tui.services.student.student_profile import PROFILE_FIELDS, Profile
from openccc_tui.services.student.student_session import StudentSession
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.page_message import PageMessage

LABELS = {
    "first": "Legal first name",
    "middle": "Legal middle name",
    "last": "Legal last name *",
    "preferred": "Preferred name",
    "suffix": "Suffix",
    "dob": "Date of birth * (YYYY-MM-DD)",
    "street1": "Street address 1 *",
    "street2": "Street address 2",
    "city": "City *",
    "state": "State *",
    "postal": "Postal code *",
    "country": "Country * (2-letter code)",
    "phone-number": "Mobile or home phone",
}
FIELD_BY_PATH = {FIELD_PATHS[column]: f"p-{column}" for column in LABELS} | {
    "email": "new-email",
    "email.confirm": "email-confirm",
    "secret.answer": "secret-answer",
    "secret.question": "secret-answer",
    "ssn.last4": "ssn-last4",
}


class EditAccountScreen(AppAccess, Screen[None]):
    AUTO_FOCUS = "#new-email"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save changes", id="edit_account.save"),
        Binding("escape", "back", "Back", id="edit_account.back"),
    ]

    def __init__(self, student: StudentSession, profile: Profile) -> None:
        """`profile` is read before the page opens, off the event loop."""
        super().__init__()
        self.student = student
        self.profile = profile
        self.flow = EditAccountFlow(self.openccc_app.runtime, student)
        self.saved: dict[str, str] = {}
        """The form's values as last loaded: Escape asks before leaving other values unsaved."""

    def compose(self) -> ComposeResult:
        runtime, profile = self.openccc_app.runtime, self.profile
        yield Header()
        with VerticalScroll(classes="page form", id="page"):
            yield Static("Edit Account", classes="page-title")
            yield Static(self.email_on_file(profile), classes="page-help", markup=False, id="email-on-file")
            yield PageMessage()
            yield FormField("New email", field_id="new-email")
            yield FormField("Confirm new email", field_id="email-confirm")
            with Horizontal(classes="select-row"):
                yield Label("Preferred contact", classes="field-label")
                yield Select(
                    [("Email", "email"), ("Phone", "phone")],
                    value=profile.preferred_contact,
                    allow_blank=False,
                    compact=True,
                    id="preferred-contact",
                )
            for column in PROFILE_FIELDS:
                if column in LABELS:
                    yield FormField(LABELS[column], field_id=f"p-{column}")
            with Horizontal(classes="select-row"):
                yield Label("Phone type", classes="field-label")
                yield Select(
                    [("Mobile", "mobile"), ("Landline", "landline")], compact=True, id="p-phone-type", prompt="Choose"
                )
            if runtime.profile.secret_questions_allowed:
                required = " *" if runtime.profile.secret_question_required else ""
                with Horizontal(classes="select-row"):
                    yield Label("Secret question" + required, classes="field-label")
                    yield Select(
                        [(q, q) for q in SECRET_QUESTIONS],
                        compact=True,
                        id="secret-question",
                        prompt="Choose a question",
                        value=profile.secret_question or Select.NULL,
                    )
                note = " (set: leave blank to keep)" if profile.has_secret_answer else ""
                yield FormField("Secret answer" + note, field_id="secret-answer", secret=True)
            if runtime.settings.ssn_hash_key is not None:
                note = " (set)" if profile.has_ssn_last4 else ""
                yield FormField("Last 4 digits of SSN" + note, field_id="ssn-last4", secret=True, max_length=4)
            yield Button("Save changes", id="save", variant="primary")
        yield Footer()

    @staticmethod
    def email_on_file(profile: student_profile.Profile) -> str:
        return (
            f"Email on file: {printable(profile.email)} "
            f"({'validated' if profile.email_validated else 'not validated yet'}). "
            "To change it, enter the new address twice; we send it a Validation Code."
        )

    def on_mount(self) -> None:
        self.load(self.profile)

    def load(self, profile: Profile) -> None:
        """The form as stored: after a save, the page shows what the account holds now."""
        self.profile = profile
        self.query_one("#email-on-file", Static).update(self.email_on_file(profile))
        for column, value in profile.values.items():
            if column in LABELS:
                # Stored before today's input rules? Then its escapes show, and saving asks for a fix.
                self.query_one(f"#p-{column}", Input).value = printable(value)
        if profile.values.get("phone-type"):
            self.query_one("#p-phone-type", Select).value = profile.values["phone-type"]
        self.query_one("#preferred-contact", Select).value = profile.preferred_contact
        for field_id in ("new-email", "email-confirm", "secret-answer", "ssn-last4"):
            if self.query(f"#{field_id}"):
                self.query_one(f"#{field_id}", Input).value = ""
        self.saved = self.changes()

    def on_input_changed(self, event: Input.Changed) -> None:
        """A field being corrected loses its error."""
        if event.input.id and self.query(f"#{event.input.id}-field"):
            self.query_one(f"#{event.input.id}-field", FormField).show_error(None)

    def changes(self) -> dict[str, str]:
        changes = {c: self.query_one(f"#p-{c}", Input).value for c in PROFILE_FIELDS if c in LABELS}
        phone_type = self.query_one("#p-phone-type", Select).value
        changes["phone-type"] = phone_type if isinstance(phone_type, str) else ""
        changes["email"] = self.query_one("#new-email", Input).value
        changes["email-confirm"] = self.query_one("#email-confirm", Input).value
        changes["preferred-contact"] = str(self.query_one("#preferred-contact", Select).value)
        for optional in ("secret-answer", "ssn-last4"):
            if self.query(f"#{optional}"):
                changes[optional] = self.query_one(f"#{optional}", Input).value
        if self.query("#secret-question"):
            question = self.query_one("#secret-question", Select).value
            changes["secret-question"] = question if isinstance(question, str) else ""
        return changes

    def on_button_pressed(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        self.save()

    def action_back(self) -> None:
        """Escape leaves at once; with changes not saved, after asking."""
        if self.changes() == self.saved:
            self.app.pop_screen()
        else:
            self.ask_to_leave()

    @work(exclusive=True, group="back")
    async def ask_to_leave(self) -> None:
        question = "Leave Edit Account? The changes you made here are not saved."
        if await self.app.push_screen_wait(ConfirmDialog(question, yes="Leave", no="Stay")):
            self.app.pop_screen()

    @work(exclusive=True)
    async def save(self) -> None:
        """The flow walked from the form: each step is shown by its view (STEP_VIEWS) until
        the flow is back on the form, which then shows the outcome."""
        flow = self.flow
        for field in self.query(FormField):
            field.show_error(None)
        await asyncio.to_thread(flow.save, self.changes())
        while flow.step is not EditStep.FORM:
            step = flow.step
            await STEP_VIEWS[step](self)
            if flow.step is step:
                break
        await self.show_outcome()

    async def ask_password(self) -> None:
        """REAUTHENTICATE: the password typed again, in a dialog."""
        password = await self.app.push_screen_wait(ReauthDialog())
        if password is None:
            self.flow.cancel()
        else:
            await asyncio.to_thread(self.flow.reauthenticate, password)

    async def ask_email_code(self) -> None:
        """EMAIL_CODE: the saved secrets leave the form, and a dialog takes the code."""
        for field_id in ("new-email", "email-confirm", "secret-answer", "ssn-last4"):
            if self.query(f"#{field_id}"):
                self.query_one(f"#{field_id}", Input).value = ""
        await self.app.push_screen_wait(EmailCodeDialog(self.flow))

    async def show_outcome(self) -> None:
        """The message at the top of the page, scrolled into view; after a save, the page
        shows the account as stored (a reclaimed email, a cleared secret)."""
        flow = self.flow
        if flow.message_kind is MessageKind.NOTICE:
            self.load(await asyncio.to_thread(student_profile.load_profile, self.openccc_app.runtime, self.student))
        for problem in flow.field_errors:
            field_id = FIELD_BY_PATH.get(problem.path)
            if field_id and self.query(f"#{field_id}-field"):
                self.query_one(f"#{field_id}-field", FormField).show_error(describe(problem))
        self.query_one(PageMessage).show_flow(flow)
        self.query_one("#page", VerticalScroll).scroll_home(animate=False)


class ReauthDialog(ModalScreen[str | None]):
    """Saving Edit Account needs the password typed within the last 10 minutes."""

    AUTO_FOCUS = "#reauth-password"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reauth.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Confirm it is you", classes="dialog-title")
            yield Static("Enter your password to save these changes.")
            yield FormField("Password", field_id="reauth-password", secret=True, classes="narrow")
            with Horizontal(classes="buttons"):
                yield Button("Confirm", id="confirm", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self) -> None:
        self.dismiss(self.query_one("#reauth-password", Input).value)

    @on(Button.Pressed, "#confirm")
    def confirm_pressed(self) -> None:
        self.dismiss(self.query_one("#reauth-password", Input).value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class EmailCodeDialog(ModalScreen[None]):
    """The code sent to the new email (ACC-9, CODE-1); closes when the flow leaves that step."""

    AUTO_FOCUS = "#email-code"
    BINDINGS = [Binding("escape", "later", "Later", id="email_code.later")]

    def __init__(self, flow: EditAccountFlow) -> None:
        super().__init__()
        self.flow = flow

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Validate your new email", classes="dialog-title")
            yield Static(f"Enter the Validation Code sent to {self.flow.masked_new_email}.", markup=False)
            yield PageMessage()
            yield FormField("Validation Code", field_id="email-code", max_length=6, classes="narrow")
            with Horizontal(classes="buttons"):
                yield Button("Validate", id="validate", variant="primary")
                yield Button("Resend", id="resend")
                yield Button("Later", id="later")

    def on_input_submitted(self) -> None:
        self.post_answer(self.flow.submit_code, self.query_one("#email-code", Input).value)

    @on(Button.Pressed, "#validate")
    def validate_pressed(self) -> None:
        self.post_answer(self.flow.submit_code, self.query_one("#email-code", Input).value)

    @on(Button.Pressed, "#resend")
    def resend_pressed(self) -> None:
        self.post_answer(self.flow.resend)

    @on(Button.Pressed, "#later")
    def action_later(self) -> None:
        if self.flow.step is EditStep.EMAIL_CODE:
            self.flow.cancel()
        self.dismiss(None)

    @work(exclusive=True)
    async def post_answer(self, call: Callable[..., EditStep], *args: str) -> None:
        self.query_one("#email-code", Input).value = ""
        await asyncio.to_thread(call, *args)
        if self.flow.step is not EditStep.EMAIL_CODE:
            self.dismiss(None)
            return
        self.query_one(PageMessage).show_flow(self.flow)
        self.query_one("#email-code", Input).focus()


STEP_VIEWS: dict[EditStep, Callable[[EditAccountScreen], Awaitable[None]]] = step_views(
    EditStep,
    {EditStep.REAUTHENTICATE: EditAccountScreen.ask_password, EditStep.EMAIL_CODE: EditAccountScreen.ask_email_code},
    not_shown=(EditStep.FORM,),
)
"""Edit Account's flow (ACC-9) drawn like the others: the form is the page itself, and each
other step has its dialog."""
