"""Student account queries and the insert that gives each account its CCCID (SPEC ACC-2)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from openccc_tui.domain.cccid import new_cccid
from openccc_tui.store.models import StudentAccount

CCCID_ATTEMPTS = 8


class CCCIDExhausted(RuntimeError):
    """Every fresh CCCID collided: the identifier space is close to full."""


_TABLE = StudentAccount.metadata.tables["student_account"]
# Built once, run with parameters: a plain table INSERT, so no ORM work per row.
_INSERTS = {
    dialect.dialect.name: dialect.insert(_TABLE).on_conflict_do_nothing(index_elements=["cccid"]).returning(_TABLE.c.id)
    for dialect in (postgresql, sqlite)
}


@dataclass(frozen=True)
class InsertedAccount:
    id: int
    cccid: str


def insert_with_new_cccid(
    session: Session, values: Mapping[str, Any], generate: Callable[[], str] | None = None
) -> InsertedAccount:
    """Insert an account row under a fresh random CCCID, drawing again when one is taken.

    Uniqueness is the database's constraint, not a prior look-up, so two terminals
    creating accounts at once cannot both get the same CCCID: `ON CONFLICT (cccid) DO
    NOTHING` returns no row when the CCCID is taken, without failing the transaction.
    Any other integrity error (a validated email already owned, ACC-3) propagates.
    One statement per draw, without the ORM: Multi Account Creation runs this per row.
    """
    statement = _INSERTS[session.get_bind().dialect.name]
    for _ in range(CCCID_ATTEMPTS):
        cccid = (generate or new_cccid)()
        account_id = session.execute(statement, {**values, "cccid": cccid}).scalar()
        if account_id is not None:
            return InsertedAccount(id=account_id, cccid=cccid)
    raise CCCIDExhausted(f"no free CCCID after {CCCID_ATTEMPTS} draws")
