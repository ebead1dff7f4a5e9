"""A labelled input on one line, with its error shown underneath (SPEC ADD-2: errors
beside the field). Compact, so a whole form fits an 80×24 terminal."""

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from openccc_tui.widgets.secret_input import SecretInput


class FormField(Vertical):
    DEFAULT_CSS = """
    FormField { height: auto; }
    FormField > Horizontal { height: 1; }
    FormField .field-label { width: 34; color: $text-muted; }
    FormField Input { width: 1fr; }
    FormField > .field-error { color: $error; height: auto; padding-left: 34; }
    FormField > .field-error.-empty { display: none; }
    FormField.narrow .field-label { width: auto; margin-right: 1; }
    FormField.narrow > .field-error { padding-left: 0; }
    """

    def __init__(
        self,
        label: str,
        *,
        field_id: str,
        placeholder: str = "",
        secret: bool = False,
        max_length: int = 0,
        classes: str = "",
    ) -> None:
        super().__init__(id=f"{field_id}-field", classes=classes)
        self.label_text = label
        self.field_id = field_id
        self.placeholder = placeholder
        self.secret = secret
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        input_class = SecretInput if self.secret else Input
        with Horizontal():
            yield Label(self.label_text, classes="field-label", markup=False)
            yield input_class(placeholder=self.placeholder, id=self.field_id, max_length=self.max_length, compact=True)
        yield Static("", classes="field-error -empty", id=f"{self.field_id}-error", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one(f"#{self.field_id}", Input)

    @property
    def value(self) -> str:
        return self.input.value

    def show_label(self, label: str) -> None:
        self.query_one(".field-label", Label).update(label)

    def show_error(self, message: str | None) -> None:
        error = self.query_one(f"#{self.field_id}-error", Static)
        error.update(message or "")
        error.set_class(not message, "-empty")
