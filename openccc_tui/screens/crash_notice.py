"""The short message shown after an unexpected error (SPEC TERM-5)."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class CrashNotice(ModalScreen[None]):
    AUTO_FOCUS = "#ok"
    BINDINGS = [Binding("escape", "dismiss_notice", "Close", id="crash.close")]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.message, markup=False)
            yield Button("OK", id="ok", variant="primary")

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_dismiss_notice(self) -> None:
        self.dismiss(None)
