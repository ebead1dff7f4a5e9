"""What the recovery and reclaim flows share (SPEC REC-1..3, ACC-9): the current step, its
message and the message's kind, and the refusal of an answer that belongs to another step.

A screen shows the step and the message, coloured by its kind, and posts answers; it
never decides what comes next, so no front end can skip a step (a new password before
an accepted code, a sixth try after five failures). `done` and `ended` are final.
"""

from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from openccc_tui.services.errors import ServiceError

if TYPE_CHECKING:
    from openccc_tui.services.runtime import Runtime

StepT = TypeVar("StepT", bound=StrEnum)


class MessageKind(StrEnum):
    ERROR = "error"
    """Something to fix, or a refusal."""
    NOTICE = "notice"
    """What just happened: a code was sent, changes were saved."""


class OutOfOrder(ServiceError):
    """An answer that does not belong to the flow's current step; nothing was changed."""

    def __init__(self, step: StrEnum, expected: tuple[StrEnum, ...]) -> None:
        self.step = step
        wanted = " or ".join(s.value for s in expected)
        super().__init__(f"this answer belongs to the {wanted} step, not {step.value}")


class Flow(Generic[StepT]):
    FINAL_STEPS: ClassVar[frozenset[str]] = frozenset({"done", "ended"})

    def __init__(self, runtime: "Runtime", first: StepT) -> None:
        self.runtime = runtime
        self.step: StepT = first
        self.message = ""
        self.message_kind = MessageKind.NOTICE

    @property
    def finished(self) -> bool:
        return self.step.value in self.FINAL_STEPS

    def _expect(self, *steps: StepT) -> None:
        """Refuse, changing nothing, unless the flow is at one of `steps` (never after a final one)."""
        if self.finished or self.step not in steps:
            raise OutOfOrder(self.step, steps)

    def _go(self, step: StepT, notice: str = "") -> StepT:
        self.step = step
        self.message, self.message_kind = notice, MessageKind.NOTICE
        return step

    def _stay(self, error: str) -> StepT:
        self.message, self.message_kind = error, MessageKind.ERROR
        return self.step

    def _return_to(self, step: StepT, error: str) -> StepT:
        """Back to an earlier step, saying why."""
        self.step = step
        return self._stay(error)

    def _notice(self, notice: str) -> StepT:
        self.message, self.message_kind = notice, MessageKind.NOTICE
        return self.step

    def _end(self, error: str) -> StepT:
        """The final `ended` step, with why."""
        self.step = type(self.step)("ended")
        self.message, self.message_kind = error, MessageKind.ERROR
        return self.step
