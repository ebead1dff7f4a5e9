import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from openccc_tui.store.engine import (
    DatabaseURLError,
    display_url,
    make_engine,
    normalise_url,
    read_session,
    write_session,
)
from openccc_tui.store.models import College, Staff, StudentAccount
from tests import factories


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db' / 'x.db'}")
    yield engine
    engine.dispose()


def test_sqlite_connections_use_wal_full_sync_foreign_keys_and_busy_timeout(sqlite_engine):
    with sqlite_engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 15000


def test_sqlite_write_sessions_take_the_write_lock_at_begin(sqlite_engine, tmp_path):
    with write_session(sqlite_engine) as session:
        session.connection().execute(text("SELECT 1")).all()  # only a read so far
        other = sqlite3.connect(tmp_path / "db" / "x.db", timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_sqlite_read_sessions_do_not_block_a_writer(sqlite_engine, tmp_path):
    with sqlite_engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
    with read_session(sqlite_engine) as session:
        session.connection().execute(text("SELECT * FROM t")).all()
        other = sqlite3.connect(tmp_path / "db" / "x.db", timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t VALUES (1)")
        other.execute("COMMIT")
        other.close()


def test_failed_commit_is_rolled_back_and_leaves_nothing_for_the_next_commit(engine):
    with write_session(engine) as session:
        session.add(factories.college("861"))
    with pytest.raises(IntegrityError), write_session(engine) as session:
        session.add(factories.college("862"))
        session.add(factories.college("861"))  # duplicate MIS code fails at commit
    with write_session(engine) as session:
        session.add(factories.college("863"))
    with read_session(engine) as session:
        assert sorted(c.mis_code for c in session.exec(select(College))) == ["861", "863"]


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError), write_session(engine) as session:
        session.add(Staff(username="x", full_name="x", college_id=999, password_hash="h", totp_secret="s"))


def test_acc_2_cccid_is_unique_by_constraint(engine):
    with write_session(engine) as session:
        session.add(factories.account(cccid="ABC1234", email="a@test.com"))
    with pytest.raises(IntegrityError), write_session(engine) as session:
        session.add(factories.account(cccid="ABC1234", email="b@test.com"))


def test_acc_3_unvalidated_copies_of_an_email_may_exist_on_several_accounts(engine):
    with write_session(engine) as session:
        session.add(factories.account(cccid="AAA0001", email="family@test.com"))
        session.add(factories.account(cccid="AAA0002", email="Family@Test.com"))
        session.add(factories.account(cccid="AAA0003", email="family@test.com", email_validated=True))
    with read_session(engine) as session:
        assert len(session.exec(select(StudentAccount)).all()) == 3


def test_acc_3_a_validated_email_belongs_to_one_account(engine):
    with write_session(engine) as session:
        session.add(factories.account(cccid="AAA0001", email="family@test.com", email_validated=True))
    with pytest.raises(IntegrityError), write_session(engine) as session:
        session.add(factories.account(cccid="AAA0002", email="FAMILY@test.com", email_validated=True))


def test_acc_3_a_validated_phone_belongs_to_one_account(engine):
    with write_session(engine) as session:
        session.add(factories.account(cccid="AAA0001", email="a@t.com", phone="+19164452841", phone_validated=True))
        session.add(factories.account(cccid="AAA0002", email="b@t.com", phone="+19164452841"))
    with pytest.raises(IntegrityError), write_session(engine) as session:
        session.add(factories.account(cccid="AAA0003", email="c@t.com", phone="+19164452841", phone_validated=True))


def test_username_is_unique_when_present(engine):
    with write_session(engine) as session:
        session.add(factories.account(cccid="AAA0001", email="a@t.com"))
        session.add(factories.account(cccid="AAA0002", email="b@t.com"))
        session.add(factories.account(cccid="AAA0003", email="c@t.com", username="hpotter12345"))
    with pytest.raises(IntegrityError), write_session(engine) as session:
        session.add(factories.account(cccid="AAA0004", email="d@t.com", username="hpotter12345"))


def test_times_come_back_in_utc(engine):
    with write_session(engine) as session:
        session.add(factories.college())
    with read_session(engine) as session:
        created = session.exec(select(College)).one().created_at
    offset = created.utcoffset()
    assert offset is not None
    assert offset.total_seconds() == 0


def test_postgres_urls_go_through_psycopg_3():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_bad_urls_are_refused_with_a_message():
    with pytest.raises(DatabaseURLError, match="not a database URL"):
        make_engine("nonsense")
    with pytest.raises(DatabaseURLError, match="unsupported database"):
        make_engine("mysql://u@h/db")


def test_display_url_hides_the_password():
    assert display_url("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"
