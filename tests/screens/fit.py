"""Whether a page fits its terminal (SPEC TERM-1): every widget with content is on screen
whole, or inside a container that scrolls to it."""

from textual.errors import NoWidget
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, RadioButton, Select, Static


def _has_content(widget: Widget) -> bool:
    if isinstance(widget, (Button, Input, RadioButton, Select)):
        return True
    if isinstance(widget, (Static, Label)) and not widget.children:
        return bool(str(widget.render()).strip())
    return False


def _scrolls_to(widget: Widget) -> bool:
    """An ancestor shows a scroll bar: what is cut can be scrolled into view, and the bar says so."""
    return any(
        isinstance(ancestor, Widget) and (ancestor.show_vertical_scrollbar or ancestor.show_horizontal_scrollbar)
        for ancestor in widget.ancestors
    )


def cut_widgets(screen: Screen[object]) -> list[str]:
    """The widgets with content that end outside the screen or their clip, with no scroll to reach them."""
    size = screen.size
    cut = []
    for widget in screen.walk_children(Widget):
        if not widget.display or not _has_content(widget):
            continue
        try:
            geometry = screen.find_widget(widget)
        except NoWidget:
            continue  # not laid out: in a hidden pane or a hidden parent
        region, clip = geometry.region, geometry.clip
        if not region.area:
            continue
        inside = clip.intersection(region) == region and region.bottom <= size.height and region.right <= size.width
        if not inside and not _scrolls_to(widget):
            cut.append(f"{type(widget).__name__}#{widget.id} {str(widget.render())[:40]!r} at {region}")
    return cut
