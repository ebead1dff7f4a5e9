"""What every service call needs, built once from the settings and passed in."""

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from openccc_tui.config import Settings
from openccc_tui.domain.hashing import PasswordHasher
from openccc_tui.domain.policy import PolicyProfile, get_profile
from openccc_tui.resources import common_passwords
from openccc_tui.store.engine import make_engine
from openccc_tui.store.models import utcnow


def describe_terminal() -> str:
    """Where a session comes from, for the audit log: the SSH client address and the tty."""
    parts = []
    ssh = os.environ.get("SSH_CLIENT", "").split()
    if ssh:
        parts.append(f"ssh {ssh[0]}")
    try:
        parts.append(os.ttyname(sys.stdin.fileno()))
    except (OSError, ValueError):
        parts.append("no tty")
    return " ".join(parts)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    hasher: PasswordHasher
    common_passwords: frozenset[str] = field(repr=False)
    clock: Callable[[], datetime] = utcnow
    terminal: str = ""

    @property
    def profile(self) -> PolicyProfile:
        return get_profile(self.settings.policy_profile)

    @classmethod
    def open(cls, settings: Settings, *, hasher: PasswordHasher | None = None) -> "Runtime":
        return cls(
            settings=settings,
            engine=make_engine(settings.database_url, group=settings.database_group),
            hasher=hasher or PasswordHasher(),
            common_passwords=common_passwords(),
            terminal=describe_terminal(),
        )
