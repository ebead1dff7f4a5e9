"""A checkbox whose state reads as text, `[x]` ticked and `[ ]` not, so it shows on a
16-colour console and to someone who does not tell colours apart (TERM-1)."""

from textual.content import Content
from textual.widgets import Checkbox

TICKED = "[x]"
UNTICKED = "[ ]"


class TickBox(Checkbox):
    DEFAULT_CSS = """
    TickBox > .toggle--button {
        color: $text;
        background: transparent;
    }
    TickBox.-on > .toggle--button {
        color: $text-success;
        background: transparent;
        text-style: bold;
    }
    TickBox:ansi > .toggle--button {
        color: ansi_default;
        background: ansi_default;
        text-style: bold not dim;
    }
    TickBox:ansi.-on > .toggle--button {
        color: ansi_bright_green;
    }
    """

    def render(self) -> Content:
        box = Content(TICKED if self.value else UNTICKED).stylize_before(self.get_visual_style("toggle--button"))
        label = self.label.pad(1, 1).stylize_before(self.get_visual_style("toggle--label"))
        return Content.assemble(box, label)
