"""Look-ups by primary key of rows that must exist."""

from typing import TypeVar

from sqlmodel import Session, SQLModel

from openccc_tui.services.errors import NotFound

Row = TypeVar("Row", bound=SQLModel)


def get_row(session: Session, model: type[Row], key: int | str | None) -> Row:
    """The row of `model` with primary key `key`: NotFound when there is none, or no key."""
    row = session.get(model, key) if key is not None else None
    if row is None:
        raise NotFound(f"no {model.__name__} with id {key}")
    return row
