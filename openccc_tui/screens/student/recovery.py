"""Forgot your password? (SPEC REC-1) and Recover Account (REC-2, REC-3): one screen each,
showing its flow's current step."""

import asyncio
from collections.abc import Callable, Mapping
from functools import partial
from typing import Generic

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Footer, Header, Input, RadioButton, RadioSet, Static

from openccc_tui.screens.app_access import AppAccess, StartOver
from openccc_tui.screens.flow_view import Pane, StepT, step_views
from openccc_tui.services.flow import Flow
from openccc_tui.services.student.recovery import ForgotPasswordFlow, ForgotStep, RecoverAccountFlow, RecoverStep
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.page_message import PageMessage
from openccc_tui.widgets.verbatim import Verbatim

CHANNEL_WORDS = {"email": "Email", "sms": "Text message to my mobile phone"}


class FlowScreen(AppAccess, Screen[None], Generic[StepT]):
    """A screen whose panes are the steps of one flow (`panes`: each step's Pane, the
    ContentSwitcher child whose id is the step's value); answers run off the event loop.
    Enter continues; keys typed while an answer is checked go to the next step's pane, or
    are dropped when the step stays."""

    BINDINGS = [
        Binding("enter", "continue", "Continue", id="recovery.continue", priority=True),
        Binding("escape", "leave", "Back to Sign In", id="recovery.leave"),
    ]
    panes: Mapping[StepT, Pane]
    NEXT_FIELD: dict[str, str] = {}
    """Enter in one of these fields moves on to the next one instead of sending the step."""
    flow: Flow[StepT]

    def action_leave(self) -> None:
        self.post_to_app(StartOver())

    def action_continue(self) -> None:
        focused = self.focused
        if isinstance(focused, Button):
            focused.press()
        elif isinstance(focused, RadioSet):
            focused.action_toggle_button()
            self.call_after_refresh(self.go_on, None)
        elif focused is not None and focused.id in self.NEXT_FIELD and self.query(f"#{self.NEXT_FIELD[focused.id]}"):
            self.set_focus(self.query_one(f"#{self.NEXT_FIELD[focused.id]}"))
        else:
            self.go_on(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.go_on(event.button.id)

    def go_on(self, button: str | None) -> None:
        self.openccc_app.hold_keys()
        self.call_later(self.submit, button)  # in this screen's loop, as StudentStep.go_on says why

    def submit(self, button: str | None) -> object:
        self.openccc_app.release_keys(deliver=False)
        return None

    async def answer(self, call: Callable[..., object], *args: object) -> None:
        before = self.flow.step
        try:
            await asyncio.to_thread(call, *args)
        finally:
            if self.flow.step is before:
                self.openccc_app.release_keys(deliver=False)
        self.show_step()
        if self.flow.step is not before:
            self.call_after_refresh(self.openccc_app.release_keys, deliver=True)

    def show_step(self) -> None:
        step = self.flow.step
        pane = self.panes[step]
        self.query_one(ContentSwitcher).current = step.value
        if pane.message:
            self.query_one(pane.message, PageMessage).show_flow(self.flow)
        self.query_one("#page", VerticalScroll).scroll_home(animate=False)
        for field in self.query(Input):
            field.value = ""
        self.query_one(pane.focus).focus()

    def on_mount(self) -> None:
        self.show_step()


class ForgotPasswordScreen(FlowScreen[ForgotStep]):
    panes = step_views(
        ForgotStep,
        {
            ForgotStep.CHANNEL: Pane(focus="#channels"),
            ForgotStep.CODE: Pane(focus="#forgot-code"),
            ForgotStep.NEW_PASSWORD: Pane(focus="#forgot-new"),
            ForgotStep.DONE: Pane(focus="#forgot-done"),
            ForgotStep.ENDED: Pane(focus="#forgot-ended-back"),
        },
    )
    NEXT_FIELD = {"forgot-new": "forgot-confirm"}

    flow: ForgotPasswordFlow

    def __init__(self, flow: ForgotPasswordFlow) -> None:
        super().__init__()
        self.flow = flow

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page", id="page"):
            yield Static("Forgot Your Password?", classes="page-title")
            yield PageMessage()
            with ContentSwitcher(initial=ForgotStep.CHANNEL):
                with Vertical(id=ForgotStep.CHANNEL):
                    yield Static(
                        "Where should we send your Validation Code? We send it only to an email or mobile "
                        "phone already validated on your account.",
                        classes="page-help",
                    )
                    with RadioSet(id="channels"):
                        for index, channel in enumerate(self.flow.channels):
                            yield RadioButton(CHANNEL_WORDS[channel], value=index == 0, id=f"channel-{channel}")
                    yield Button("Next", id="send-code", variant="primary")
                with Vertical(id=ForgotStep.CODE):
                    yield Static(
                        "If your account has a validated email or mobile phone of that kind, we sent it a "
                        "six-digit Validation Code. Enter it here.",
                        classes="page-help",
                    )
                    yield FormField("Validation Code", field_id="forgot-code", max_length=6)
                    yield Button("Next", id="check-code", variant="primary")
                    yield Button("Resend", id="resend")
                with Vertical(id=ForgotStep.NEW_PASSWORD):
                    yield FormField("New password", field_id="forgot-new", secret=True)
                    yield FormField("Confirm new password", field_id="forgot-confirm", secret=True)
                    yield Button("Save password", id="save-password", variant="primary")
                with Vertical(id=ForgotStep.DONE):
                    yield Button("Back to Sign In", id="forgot-done", variant="primary")
                with Vertical(id=ForgotStep.ENDED):
                    yield Button("Back to Sign In", id="forgot-ended-back", variant="primary")
        yield Footer()

    @work(exclusive=True)
    async def submit(self, button: str | None) -> None:
        flow = self.flow
        if flow.step is ForgotStep.CHANNEL:
            chosen = self.query_one("#channels", RadioSet).pressed_index
            await self.answer(flow.choose, flow.channels[max(chosen, 0)])
        elif flow.step is ForgotStep.CODE:
            if button == "resend":
                await self.answer(flow.resend)
            else:
                await self.answer(flow.submit_code, self.query_one("#forgot-code", Input).value)
        elif flow.step is ForgotStep.NEW_PASSWORD:
            await self.answer(
                flow.submit_new_password,
                self.query_one("#forgot-new", Input).value,
                self.query_one("#forgot-confirm", Input).value,
            )
        else:
            self.action_leave()


class RecoverAccountScreen(FlowScreen[RecoverStep]):
    panes = step_views(
        RecoverStep,
        {
            RecoverStep.CHOOSE: Pane(focus="#by-email"),
            RecoverStep.BY_EMAIL: Pane(focus="#recover-email"),
            RecoverStep.BY_IDENTITY: Pane(focus="#recover-first"),
            RecoverStep.ONE_TIME_PASSWORD_SENT: Pane(focus="#recover-back"),
            RecoverStep.FOUND: Pane(focus="#recover-reset"),
            RecoverStep.SECRET_QUESTION: Pane(focus="#recover-answer"),
            RecoverStep.NEW_PASSWORD: Pane(focus="#recover-new"),
            RecoverStep.DONE: Pane(focus="#recover-finished"),
            RecoverStep.ENDED: Pane(focus="#recover-ended-back"),
        },
    )
    NEXT_FIELD = {
        "recover-first": "recover-last",
        "recover-last": "recover-dob",
        "recover-dob": "recover-cccid",
        "recover-new": "recover-confirm",
    }

    flow: RecoverAccountFlow

    def __init__(self, flow: RecoverAccountFlow) -> None:
        super().__init__()
        self.flow = flow

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page", id="page"):
            yield Static("Recover Account", classes="page-title")
            yield PageMessage()
            with ContentSwitcher(initial=RecoverStep.CHOOSE):
                with Vertical(id=RecoverStep.CHOOSE):
                    yield Static("How would you like to find your account?", classes="page-help")
                    yield Button("By the email on file", id="by-email", variant="primary")
                    yield Button("By my name and student details", id="by-identity")
                with Vertical(id=RecoverStep.BY_EMAIL):
                    yield Static("Enter the email address on file for your account.", classes="page-help")
                    yield FormField("Email on file", field_id="recover-email")
                    yield Button("Find my account", id="find-email", variant="primary")
                with Vertical(id=RecoverStep.BY_IDENTITY):
                    yield FormField("Legal first name", field_id="recover-first")
                    yield FormField("Legal last name", field_id="recover-last")
                    yield FormField("Date of birth (YYYY-MM-DD)", field_id="recover-dob")
                    yield FormField("CCCID (or leave blank)", field_id="recover-cccid")
                    if self.flow.ssn_offered:
                        yield FormField(
                            "Last 4 of SSN (or leave blank)", field_id="recover-ssn", secret=True, max_length=4
                        )
                    yield Button("Find my account", id="find-identity", variant="primary")
                with Vertical(id=RecoverStep.ONE_TIME_PASSWORD_SENT):
                    yield Static(
                        "If an account has this email on file, we sent it the account's user name and a "
                        "one-time password, valid for 24 hours. Sign in with it: you will choose a new "
                        "password straight away. Your current password still works until then.",
                        classes="page-help",
                        id="sent-help",
                    )
                    yield Button("Back to Sign In", id="recover-back", variant="primary")
                with Vertical(id=RecoverStep.FOUND):
                    yield Verbatim("", id="found-username")
                    yield Button("Reset my password", id="recover-reset", variant="primary")
                    yield Button("Back to Sign In", id="recover-sign-in")
                with Vertical(id=RecoverStep.SECRET_QUESTION):
                    yield Verbatim("", id="recover-question")
                    yield FormField("Your answer", field_id="recover-answer", secret=True)
                    yield Button("Next", id="check-answer", variant="primary")
                with Vertical(id=RecoverStep.NEW_PASSWORD):
                    yield FormField("New password", field_id="recover-new", secret=True)
                    yield FormField("Confirm new password", field_id="recover-confirm", secret=True)
                    yield Button("Save password", id="recover-save", variant="primary")
                with Vertical(id=RecoverStep.DONE):
                    yield Button("Back to Sign In", id="recover-finished", variant="primary")
                with Vertical(id=RecoverStep.ENDED):
                    yield Button("Back to Sign In", id="recover-ended-back", variant="primary")
        yield Footer()

    def show_step(self) -> None:
        self.query_one("#found-username", Verbatim).show(f"Your user name is: {self.flow.username}")
        self.query_one("#recover-question", Verbatim).show(self.flow.question)
        super().show_step()

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value if self.query(f"#{field_id}") else ""

    @work(exclusive=True)
    async def submit(self, button: str | None) -> None:
        flow, step = self.flow, self.flow.step
        if step is RecoverStep.CHOOSE and button in ("by-email", "by-identity"):
            await self.answer(flow.choose, RecoverStep.BY_EMAIL if button == "by-email" else RecoverStep.BY_IDENTITY)
        elif step is RecoverStep.BY_EMAIL:
            await self.answer(flow.submit_email, self.value("recover-email"))
        elif step is RecoverStep.BY_IDENTITY:
            await self.answer(
                partial(flow.submit_identity, cccid=self.value("recover-cccid"), ssn_last4=self.value("recover-ssn")),
                self.value("recover-first"),
                self.value("recover-last"),
                self.value("recover-dob"),
            )
        elif step is RecoverStep.FOUND and button == "recover-reset":
            await self.answer(flow.reset_password)
        elif step is RecoverStep.SECRET_QUESTION:
            await self.answer(flow.submit_answer, self.value("recover-answer"))
        elif step is RecoverStep.NEW_PASSWORD:
            await self.answer(flow.submit_new_password, self.value("recover-new"), self.value("recover-confirm"))
        else:
            self.action_leave()
