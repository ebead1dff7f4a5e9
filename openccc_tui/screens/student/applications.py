"""My Applications (SPEC APP-1, APP-2): the list, and Start a New Application."""

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Label, Select, Static

from openccc_tui.screens.app_access import AppAccess
from openccc_tui.screens.dialogs import MessageDialog
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.student import applications
from openccc_tui.services.student.applications import ApplicationType
from openccc_tui.services.student.student_session import StudentSession
from openccc_tui.widgets.page_message import PageMessage
from openccc_tui.widgets.table_cell import cell


class MyApplicationsScreen(AppAccess, Screen[None]):
    AUTO_FOCUS = "#new-application"
    BINDINGS = [
        Binding("n", "new_application", "Start a New Application", id="applications.new"),
        Binding("escape", "back", "Back", id="applications.back"),
    ]

    def __init__(self, student: StudentSession) -> None:
        super().__init__()
        self.student = student

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page wide"):
            yield Static("My Applications", classes="page-title")
            yield PageMessage()
            yield DataTable(id="applications", cursor_type="row", zebra_stripes=True)
            yield Button("Start a New Application", id="new-application", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#applications", DataTable).add_columns("Confirmation", "Type", "Term", "College", "Submitted")
        self.load()

    @work(exclusive=True, group="load")
    async def load(self) -> None:
        rows = await asyncio.to_thread(applications.list_applications, self.runtime, self.student)
        table = self.query_one("#applications", DataTable)
        table.clear()
        for a in rows:
            table.add_row(
                cell(a.confirmation_number),
                cell(a.app_type),
                cell(a.term),
                cell(a.college),
                cell(f"{a.submitted_at:%Y-%m-%d}"),
            )
        if not rows:
            self.query_one(PageMessage).show("You have no applications yet.")

    def on_button_pressed(self) -> None:
        self.action_new_application()

    def action_back(self) -> None:
        self.app.pop_screen()

    @work(exclusive=True, group="new")
    async def action_new_application(self) -> None:
        choice = await self.app.push_screen_wait(NewApplicationDialog())
        if choice is None:
            return
        try:
            number = await asyncio.to_thread(applications.start_application, self.runtime, self.student, *choice)
        except ServiceError as error:
            self.query_one(PageMessage).show(str(error), error=True)
            return
        self.load()
        self.query_one(PageMessage).show(f"Application submitted. Confirmation number: {number}")
        self.app.push_screen(
            MessageDialog(
                "Application submitted",
                [f"Confirmation number: {number}", "Write it on the tracking sheet."],
                dialog_id="application-confirmation",
            )
        )


class NewApplicationDialog(AppAccess, ModalScreen[tuple[ApplicationType, int, str] | None]):
    AUTO_FOCUS = "#app-type"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="new_application.cancel")]

    def compose(self) -> ComposeResult:
        runtime = self.runtime
        with Vertical(classes="dialog"):
            yield Static("Start a New Application", classes="dialog-title")
            for label, select in (
                (
                    "Application",
                    Select(
                        [(t.value, t.value) for t in ApplicationType],
                        id="app-type",
                        value=ApplicationType.STANDARD.value,
                        allow_blank=False,
                        compact=True,
                    ),
                ),
                (
                    "College",
                    Select[int]([], id="app-college", prompt="Choose", compact=True),
                ),
                (
                    "Term",
                    Select(
                        [(t, t) for t in applications.upcoming_terms(runtime.clock().date())],
                        id="app-term",
                        prompt="Choose",
                        compact=True,
                    ),
                ),
            ):
                with Horizontal(classes="select-row"):
                    yield Label(label, classes="field-label")
                    yield select
            yield Static("", id="app-message", classes="sign-in-message")
            with Horizontal(classes="buttons"):
                yield Button("Submit", id="submit", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.load_colleges()

    @work(exclusive=True, group="colleges")
    async def load_colleges(self) -> None:
        colleges = await asyncio.to_thread(applications.colleges, self.runtime)
        self.query_one("#app-college", Select).set_options((name, college_id) for college_id, name in colleges)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#submit")
    def submit_pressed(self) -> None:
        college, term = self.query_one("#app-college", Select).value, self.query_one("#app-term", Select).value
        app_type = self.query_one("#app-type", Select).value
        if not isinstance(college, int) or not isinstance(term, str) or not isinstance(app_type, str):
            self.query_one("#app-message", Static).update("Choose a college and a term.")
            return
        self.dismiss((ApplicationType(app_type), college, term))
