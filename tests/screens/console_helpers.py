"""Helpers for the staff console tests (issue 16): a watch on database sessions opened on
the event loop, and waits for workers that end in a dialog."""

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from textual.pilot import Pilot

from openccc_tui.store.engine import watch_event_loop_sessions


@contextmanager
def sessions_on_the_event_loop() -> Iterator[list[str]]:
    """The sessions opened on the event loop's thread while the block runs, each with the
    stack that opened it: a test asserts the list is empty."""
    found: list[str] = []

    def report(kind: str) -> None:
        ours = [f for f in traceback.extract_stack()[:-2] if "openccc_tui" in f.filename]
        found.append(f"{kind} on the event loop:\n" + "".join(traceback.format_list(ours)))

    with watch_event_loop_sessions(report):
        yield found


async def settled(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot: Pilot, condition: Callable[[], object], tries: int = 150) -> None:
    """Pause until `condition()` holds: a worker that waits on a dialog never completes."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the screen never got there")
