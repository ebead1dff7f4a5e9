"""Small modal dialogs shared by screens; each closes with `dismiss(value)`."""

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from openccc_tui.widgets.secret_input import SecretInput
from openccc_tui.widgets.verbatim import Verbatim


class ConfirmDialog(ModalScreen[bool]):
    """A question with Yes and No; Escape answers No."""

    AUTO_FOCUS = "#no"
    BINDINGS = [Binding("escape", "answer(False)", "No", id="confirm.no")]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.yes, id="yes", variant="warning")
                yield Button(self.no, id="no", variant="primary")

    @on(Button.Pressed, "#yes")
    def yes_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def no_pressed(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class MessageDialog(ModalScreen[bool]):
    """A titled message with lines of data shown literally, closed with Enter or Escape; an
    `action` button, when given, closes it answering True."""

    AUTO_FOCUS = "#ok"
    BINDINGS = [Binding("escape", "close", "Close", id="message.close")]

    def __init__(self, title: str, lines: list[str], *, dialog_id: str = "message", action: str = "") -> None:
        super().__init__(id=dialog_id)
        self.title_text, self.lines, self.action = title, lines, action

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            for line in self.lines:
                yield Verbatim(line, classes="dialog-line")
            if not self.action:
                yield Button("OK", id="ok", variant="primary")
                return
            with Horizontal(classes="buttons"):
                yield Button("OK", id="ok", variant="primary")
                yield Button(self.action, id="action")

    @on(Button.Pressed, "#ok")
    def ok_pressed(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#action")
    def action_pressed(self) -> None:
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)


class PasswordDialog(ModalScreen[str | None]):
    """A password asked for once, masked (e.g. a protected workbook's); Cancel or Escape answers None."""

    AUTO_FOCUS = "#dialog-password"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="password.cancel")]

    def __init__(self, question: str, problem: str = "") -> None:
        super().__init__()
        self.question, self.problem = question, problem

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-title", markup=False)
            yield SecretInput(id="dialog-password", compact=True)
            error = Static(self.problem, id="dialog-password-error", classes="field-error", markup=False)
            error.set_class(not self.problem, "-empty")
            yield error
            with Horizontal(classes="buttons"):
                yield Button("Open", id="open", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._answer()

    @on(Button.Pressed, "#open")
    def open_pressed(self) -> None:
        self._answer()

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _answer(self) -> None:
        field = self.query_one("#dialog-password", SecretInput)
        password, field.value = field.value, ""
        self.dismiss(password or None)
