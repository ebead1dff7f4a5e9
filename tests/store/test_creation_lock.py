"""The account-creation lock (SPEC ADD-3): held by the whole write transaction, on both databases."""

import pytest
from sqlalchemy import text

from openccc_tui.store.account_rows import ACCOUNT_CREATION_LOCK, CreationLockMisuse, lock_account_creation
from openccc_tui.store.engine import read_session, write_session


def _free_elsewhere(engine) -> bool:
    """Whether another connection could take the lock now (it lets go of it at once)."""
    with engine.connect() as other:
        return other.execute(
            text("SELECT pg_try_advisory_xact_lock(:key, hashtext(current_schema()))"), {"key": ACCOUNT_CREATION_LOCK}
        ).scalar()


def test_add_3_creation_lock_is_refused_outside_a_write_transaction(engine):
    with pytest.raises(CreationLockMisuse), read_session(engine) as session:
        lock_account_creation(session)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_add_3_creation_lock_outlives_a_rolled_back_savepoint(engine):
    """The issue-12 mechanism: a row that fails inside its savepoint must not release it."""
    with write_session(engine) as session:
        lock_account_creation(session)
        with pytest.raises(ZeroDivisionError), session.begin_nested():
            lock_account_creation(session)
            raise ZeroDivisionError
        assert not _free_elsewhere(engine)
        lock_account_creation(session)
        assert not _free_elsewhere(engine)
    assert _free_elsewhere(engine)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_add_3_creation_lock_is_refused_first_inside_a_savepoint(engine):
    """Taken inside a savepoint, a rollback to it would release it: refused."""
    with pytest.raises(CreationLockMisuse), write_session(engine) as session, session.begin_nested():
        lock_account_creation(session)
    assert _free_elsewhere(engine)
