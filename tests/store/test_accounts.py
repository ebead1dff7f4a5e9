import itertools

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from openccc_tui.store.account_rows import CCCIDExhausted, insert_with_new_cccid
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import StudentAccount
from tests import factories


def row(**fields) -> dict:
    """The columns of a factory account, as `insert_with_new_cccid` takes them."""
    return factories.account(**fields).model_dump(exclude={"id", "cccid"})


def test_acc_2_a_colliding_cccid_is_drawn_again_in_the_same_transaction(engine):
    with write_session(engine) as session:
        session.add(factories.account(cccid="AAA0001", email="first@test.com"))
    draws = iter(["AAA0001", "AAA0001", "BBB0002"])
    with write_session(engine) as session:
        created = insert_with_new_cccid(session, row(email="second@test.com"), lambda: next(draws))
    assert created.cccid == "BBB0002"
    with read_session(engine) as session:
        assert sorted(a.cccid for a in session.exec(select(StudentAccount))) == ["AAA0001", "BBB0002"]


def test_acc_2_gives_up_after_repeated_collisions(engine):
    with write_session(engine) as session:
        session.add(factories.account(cccid="AAA0001", email="first@test.com"))
    with pytest.raises(CCCIDExhausted), write_session(engine) as session:
        insert_with_new_cccid(session, row(email="second@test.com"), itertools.repeat("AAA0001").__next__)


def test_acc_3_other_integrity_errors_are_not_retried(engine):
    with write_session(engine) as session:
        session.add(factories.account(cccid="AAA0001", email="owned@test.com", email_validated=True))
    draws = iter(["BBB0001", "CCC0001"])
    with pytest.raises(IntegrityError), write_session(engine) as session:
        insert_with_new_cccid(session, row(email="owned@test.com", email_validated=True), lambda: next(draws))
    assert next(draws) == "CCC0001"  # only one draw was spent
