"""Attempts counted in the database over a window (SPEC CODE-1, REC-2, REC-3).

A limit allows `most` attempts per key in a window that starts with the first attempt.
An attempt is taken before the work it pays for and given back when it should not count
(a right code, a match, a refusal), so however many terminals try at once, no more than
`most` attempts are ever checked in one window: each take is one atomic UPDATE, which
PostgreSQL serialises on the row and SQLite on its write lock.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, update

from openccc_tui.services.runtime import Runtime
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AttemptCounter


@dataclass(frozen=True)
class Limit:
    scope: str
    most: int
    window: timedelta

    def key(self, *parts: object) -> str:
        """A digest, so the table holds no address, name or terminal."""
        text = "\x1f".join([self.scope, *(str(part) for part in parts)])
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Taken:
    """One attempt taken: the count it made and when its window ends."""

    key: str
    count: int
    window_started_at: datetime
    until: datetime
    allowed: bool


def take(runtime: Runtime, limit: Limit, *parts: object) -> Taken:
    """Count one attempt; `allowed` is False once the window already holds `most`."""
    key, now = limit.key(*parts), runtime.clock()
    expired = col(AttemptCounter.window_started_at) <= now - limit.window
    with write_session(runtime.engine) as db:
        insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
        db.exec(insert(AttemptCounter).values(key=key, count=0, window_started_at=now).on_conflict_do_nothing())
        count, started = db.exec(
            update(AttemptCounter)
            .where(col(AttemptCounter.key) == key)
            .values(
                count=case((expired, 1), else_=col(AttemptCounter.count) + 1),
                window_started_at=case((expired, now), else_=col(AttemptCounter.window_started_at)),
            )
            .returning(col(AttemptCounter.count), col(AttemptCounter.window_started_at))
        ).one()
    return Taken(key, count, started, started + limit.window, count <= limit.most)


def give_back(runtime: Runtime, taken: Taken) -> None:
    """Uncount an attempt that should not count, unless its window has started over since."""
    with write_session(runtime.engine) as db:
        db.exec(
            update(AttemptCounter)
            .where(
                col(AttemptCounter.key) == taken.key,
                col(AttemptCounter.window_started_at) == taken.window_started_at,
                col(AttemptCounter.count) > 0,
            )
            .values(count=col(AttemptCounter.count) - 1)
        )


def take_all(runtime: Runtime, limits: list[tuple[Limit, tuple[object, ...]]]) -> list[Taken]:
    """Take one attempt under each limit; when any refuses, all are given back."""
    taken = [take(runtime, limit, *parts) for limit, parts in limits]
    if not all(t.allowed for t in taken):
        give_back_all(runtime, taken)
    return taken


def give_back_all(runtime: Runtime, taken: list[Taken]) -> None:
    for one in taken:
        give_back(runtime, one)


def refused_until(taken: list[Taken]) -> datetime | None:
    """When the last of the refusing limits lets attempts through again; None if none refused."""
    ends = [t.until for t in taken if not t.allowed]
    return max(ends) if ends else None


def spent_until(runtime: Runtime, limit: Limit, *parts: object) -> datetime | None:
    """When the window ends if it already holds `most` attempts, else None; counts nothing."""
    now = runtime.clock()
    with read_session(runtime.engine) as db:
        counter = db.get(AttemptCounter, limit.key(*parts))
    if counter is None or counter.window_started_at <= now - limit.window or counter.count < limit.most:
        return None
    return counter.window_started_at + limit.window
