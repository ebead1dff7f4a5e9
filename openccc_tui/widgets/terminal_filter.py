"""No terminal control sequence reaches the terminal, whatever a widget draws (SPEC TERM-3)."""

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from openccc_tui.domain.text import strip_terminal_controls


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
