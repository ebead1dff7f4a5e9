"""How a flow is drawn: each flow screen has a typed map from every step of its flow to
the view that shows it, and shows the flow's message with the flow's kind.

- Student sign-in: one page per step (`app.py` student_pages(), a StudentStep class for
  each Step; the App switches to it when a page posts StudentStepReached).
- Forgot password, Recover Account and staff sign-in: one screen, a ContentSwitcher with
  a pane per step (its id is the step's value), and a `Pane` for each step saying what
  gets the focus and which line shows the message.
- Edit Account (reclaim): the form is the page itself; `STEP_VIEWS` (screens/student/account.py)
  maps the password step and the email-code step to their dialogs.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

StepT = TypeVar("StepT", bound=StrEnum)
ViewT = TypeVar("ViewT")


@dataclass(frozen=True)
class Pane:
    """A step shown in its pane of a flow screen: what gets the focus, and the line that
    shows the flow's message."""

    focus: str
    message: str | None = "#page-message"
    """None: the pane shows no message."""


def step_views(
    steps: type[StepT], views: Mapping[StepT, ViewT], *, not_shown: tuple[StepT, ...] = ()
) -> dict[StepT, ViewT]:
    """`views`, checked when the screen's module loads: every step but `not_shown` has a view."""
    missing = [step.value for step in steps if step not in views and step not in not_shown]
    if missing:
        raise ValueError(f"no view for the {steps.__name__} steps {', '.join(missing)}")
    return dict(views)
