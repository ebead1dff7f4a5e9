"""Data shown exactly as it is (SPEC TERM-3): never as markup, never as terminal codes."""

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter
from textual.widgets import Static

from openccc_tui.domain.text import printable, strip_terminal_controls


def cell(value: object) -> Text:
    """A DataTable cell: Textual reads plain strings there as markup, a Text it does not."""
    return Text(printable("" if value is None else str(value)), no_wrap=True)


class Literal(Static):
    """A Static that shows data literally."""

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(printable(text), markup=False, **kwargs)

    def show(self, text: str) -> None:
        self.update(printable(text))


class TerminalControlFilter(LineFilter):
    """Applied by the App to every rendered line: whatever a widget draws, no escape
    sequence, bidi override or zero-width character reaches the terminal (TERM-3), even
    from text typed or pasted into a field before its checks refuse it."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(control or text.isprintable() for text, _, control in segments):
            return segments
        return [
            segment if segment.control else Segment(strip_terminal_controls(segment.text), segment.style)
            for segment in segments
        ]
