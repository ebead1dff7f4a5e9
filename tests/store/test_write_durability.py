"""Write transactions are durable unless asked otherwise, per transaction (SIGN-7 slots)."""

from sqlalchemy import text

from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import IdentifierThrottle


def _setting(session) -> str:
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(text("SHOW synchronous_commit")).scalar()
    return {1: "normal", 2: "full"}[session.execute(text("PRAGMA synchronous")).scalar()]


def test_sign_7_a_write_that_need_not_be_durable_is_seen_at_once_and_changes_nothing_after(engine):
    with write_session(engine) as session:
        before = _setting(session)
    with write_session(engine, durable=False) as session:
        assert _setting(session) in ("normal", "off")
        session.add(IdentifierThrottle(key="k" * 64))
    with read_session(engine) as session:
        assert session.get(IdentifierThrottle, "k" * 64) is not None
    with write_session(engine) as session:
        assert _setting(session) == before in ("full", "on")
