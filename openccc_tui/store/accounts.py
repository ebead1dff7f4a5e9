"""Student account queries and the insert that gives each account its CCCID (SPEC ACC-2)."""

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from openccc_tui.domain.cccid import new_cccid
from openccc_tui.store.models import StudentAccount

CCCID_ATTEMPTS = 8


class CCCIDExhausted(RuntimeError):
    """Every fresh CCCID collided: the identifier space is close to full."""


def insert_with_new_cccid(
    session: Session, account: StudentAccount, generate: Callable[[], str] | None = None
) -> StudentAccount:
    """Insert `account` under a fresh random CCCID, drawing again when one is taken.

    Uniqueness is the database's constraint, not a prior look-up, so two terminals
    creating accounts at once cannot both get the same CCCID. Other integrity errors
    (a validated email already owned, ACC-3) propagate unchanged.
    """
    for _ in range(CCCID_ATTEMPTS):
        account.cccid = (generate or new_cccid)()
        try:
            with session.begin_nested():
                session.add(account)
        except IntegrityError:
            if not cccid_taken(session, account.cccid):
                raise
            continue
        return account
    raise CCCIDExhausted(f"no free CCCID after {CCCID_ATTEMPTS} draws")


def cccid_taken(session: Session, cccid: str) -> bool:
    return session.exec(select(StudentAccount.id).where(StudentAccount.cccid == cccid)).first() is not None
