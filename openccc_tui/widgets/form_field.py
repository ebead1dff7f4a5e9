"""A labelled input with its error shown underneath (SPEC ADD-2: errors beside the field)."""

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from openccc_tui.widgets.secret_input import SecretInput


class FormField(Vertical):
    DEFAULT_CSS = """
    FormField { height: auto; margin-bottom: 1; }
    FormField > .field-label { color: $text-muted; }
    FormField > .field-error { color: $error; height: auto; }
    FormField > .field-error.-empty { display: none; }
    """

    def __init__(
        self,
        label: str,
        *,
        field_id: str,
        placeholder: str = "",
        secret: bool = False,
        max_length: int = 0,
    ) -> None:
        super().__init__(id=f"{field_id}-field")
        self.label_text = label
        self.field_id = field_id
        self.placeholder = placeholder
        self.secret = secret
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        yield Label(self.label_text, classes="field-label", markup=False)
        input_class = SecretInput if self.secret else Input
        yield input_class(placeholder=self.placeholder, id=self.field_id, max_length=self.max_length)
        yield Static("", classes="field-error -empty", id=f"{self.field_id}-error", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one(f"#{self.field_id}", Input)

    @property
    def value(self) -> str:
        return self.input.value

    def show_error(self, message: str | None) -> None:
        error = self.query_one(f"#{self.field_id}-error", Static)
        error.update(message or "")
        error.set_class(not message, "-empty")
