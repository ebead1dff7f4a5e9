"""Times shown to people: in the terminal's local zone, as a clock reads (SPEC CODE-1)."""

from datetime import datetime


def clock_time(at: datetime) -> str:
    """`5:24 PM` for an aware time, in the system's local zone (the TZ setting)."""
    local = at.astimezone()
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def try_again_after(at: datetime) -> str:
    return f"Try again after {clock_time(at)}."
