"""Student account queries and the insert that gives each account its CCCID (SPEC ACC-2)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from openccc_tui.domain.cccid import new_cccid
from openccc_tui.store.engine import in_write_transaction
from openccc_tui.store.models import StudentAccount

CCCID_ATTEMPTS = 8

ACCOUNT_CREATION_LOCK = 0x0CCC_AC01
"""The PostgreSQL advisory lock that account creations and email changes hold until they
commit; its second key is the schema's, as advisory locks are shared by a whole database."""
ADVISORY_LOCK_SQL = text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))")
_HELD_BY = "openccc_account_creation_lock_held_by"


class CreationLockMisuse(RuntimeError):
    """The creation lock was asked for where it cannot protect anything: a programming error."""


def lock_account_creation(session: Session) -> None:
    """Serialise everything that creates an account or changes an email (SPEC ADD-3, ACC-8),
    until `session`'s transaction ends. Call it before the duplicate checks that it protects.

    The email is not unique in the table (legacy accounts share unvalidated ones), and
    neither is a person's name and date of birth, so no constraint can do this: two
    terminals checking ADD-3 at once must not both find the student missing.

    SQLite: a `write_session` transaction is begun IMMEDIATE, so it holds the database's
    one write lock from its first statement; checks and insert in that one transaction
    are serial already. Anything else is refused.

    PostgreSQL: a transaction-level advisory lock. It is taken on the outer transaction,
    never inside a savepoint: `ROLLBACK TO SAVEPOINT` releases the locks taken since the
    savepoint, advisory ones included, so a lock taken by the first row of a Multi Account
    Creation batch that failed ADD-3 vanished while the batch carried on (issue 12).
    Asking for the lock inside a savepoint when the outer transaction does not hold it is
    refused. Taken once per outer transaction: the one it was taken in is remembered, and
    any commit or rollback of that transaction starts a new one, which takes it again.
    """
    if not in_write_transaction(session):
        raise CreationLockMisuse("accounts are created and emails changed only in a write_session")
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if session.info.get(_HELD_BY) is transaction:
        return
    if session.in_nested_transaction():
        raise CreationLockMisuse("take the account-creation lock before opening a savepoint")
    session.execute(ADVISORY_LOCK_SQL, {"key": ACCOUNT_CREATION_LOCK})
    session.info[_HELD_BY] = transaction


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
    The caller holds the creation lock (`lock_account_creation`) from before its ADD-3 checks.
    """
    lock_account_creation(session)
    statement = _INSERTS[session.get_bind().dialect.name]
    for _ in range(CCCID_ATTEMPTS):
        cccid = (generate or new_cccid)()
        account_id = session.execute(statement, {**values, "cccid": cccid}).scalar()
        if account_id is not None:
            return InsertedAccount(id=account_id, cccid=cccid)
    raise CCCIDExhausted(f"no free CCCID after {CCCID_ATTEMPTS} draws")
