"""Look-ups of rows, ids and flow state that must be there by the time they are used.

SQLModel types every `id` as `int | None`, because a row has none until it is flushed;
rows read from the database always have one, and these helpers say so to the type checker
while still checking it.
"""

from collections.abc import Iterable
from typing import Protocol, TypeVar

from sqlmodel import Session, SQLModel

from openccc_tui.services.errors import NotFound, ServiceError

Row = TypeVar("Row", bound=SQLModel)
Value = TypeVar("Value")


class _HasId(Protocol):
    @property
    def id(self) -> int | None: ...


def get_row(session: Session, model: type[Row], key: int | str | None) -> Row:
    """The row of `model` with primary key `key`: NotFound when there is none, or no key."""
    row = session.get(model, key) if key is not None else None
    if row is None:
        raise NotFound(f"no {model.__name__} with id {key}")
    return row


def saved_id(row: _HasId) -> int:
    """The primary key of a row read from or flushed to the database."""
    return _stored(row.id, type(row).__name__)


def stored_ids(ids: Iterable[int | None]) -> list[int]:
    """Primary keys selected from the database."""
    return [_stored(value, "selected row") for value in ids]


def _stored(value: int | None, what: str) -> int:
    if value is None:
        raise ValueError(f"this {what} has no id: it has not been saved")
    return value


def required(value: Value | None, what: str) -> Value:
    """A value an earlier step of a flow set; ServiceError when this step comes too soon."""
    if value is None:
        raise ServiceError(f"{what} is not known yet")
    return value
