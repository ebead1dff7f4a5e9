"""The services behind issue 16's console points, on SQLite and PostgreSQL: audit pages with
the true count (STAFF-5), host events for every director, ending a staff lockout (STAFF-2),
a replayed authenticator code not counted (STAFF-1), sign-outs audited."""

from datetime import timedelta

import pyotp
import pytest
from sqlmodel import select

from openccc_tui.services import audit
from openccc_tui.services.errors import PermissionDenied, ServiceError
from openccc_tui.services.records import saved_id
from openccc_tui.services.staff.audit_reader import AuditFilter, audit_page, export_audit, search_audit
from openccc_tui.services.staff.staff_members import clear_lockout, list_staff
from openccc_tui.services.staff.staff_sign_in import CODE_JUST_USED, StaffSignInFlow, StaffStep, record_sign_out
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent, Staff
from tests import factories

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def staff_row(runtime, username: str) -> Staff:
    with read_session(runtime.engine) as session:
        return session.exec(select(Staff).where(Staff.username == username)).one()


def actions(runtime, action: str) -> list[AuditEvent]:
    with read_session(runtime.engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_staff_5_audit_pages_count_every_match_and_export_them_all(runtime, tmp_path):
    director = factories.staff_actor(runtime, "dana", "director")
    other = factories.staff_actor(runtime, "olga", "director", mis_code="862")
    events = [audit.event(runtime, director, "account.create", detail=f"row {n}") for n in range(2345)]
    events += [audit.event(runtime, other, "account.create", detail="other college")]
    with write_session(runtime.engine) as session:
        audit.record_all(session, events)
    only_rows = AuditFilter(action="account.create")
    first = audit_page(runtime, director, only_rows, size=1000)
    assert first.total == 2345 and first.offset == 0 and first.rows[0].detail == "row 2344"
    last = audit_page(runtime, director, only_rows, offset=2000, size=1000)
    assert last.offset == 2000 and len(last.rows) == 345 and last.rows[-1].detail == "row 0"
    beyond = audit_page(runtime, director, only_rows, offset=99_000, size=1000)
    assert beyond.offset == 2000  # past the end: the last page
    assert audit_page(runtime, director, AuditFilter(action="nothing")).total == 0
    assert export_audit(runtime, director, only_rows, tmp_path / "all.csv") == 2345  # not cut at a page


def test_staff_5_failed_sign_ins_under_unknown_names_are_seen_by_every_director(runtime):
    dana = factories.staff_actor(runtime, "dana", "director")
    olga = factories.staff_actor(runtime, "olga", "director", mis_code="862")
    flow = StaffSignInFlow(runtime)
    flow.submit_credentials("no-such-person", "Staff#Pass99")
    for director in (dana, olga):
        rows = search_audit(runtime, director, AuditFilter(action="staff.sign_in.unknown"))
        assert [(r.actor, r.action) for r in rows] == [("anonymous", "staff.sign_in.unknown.failed")]
        assert "no-such-person" not in rows[0].detail
    assert not search_audit(runtime, olga, AuditFilter(staff="dana"))  # colleges stay apart


def test_staff_2_a_director_ends_a_lockout_and_it_is_audited(runtime):
    dana = factories.staff_actor(runtime, "dana", "director")
    factories.staff_actor(runtime, "cory", "creator")
    with write_session(runtime.engine) as session:
        cory = session.exec(select(Staff).where(Staff.username == "cory")).one()
        cory.locked_until, cory.failed_attempts = runtime.clock() + timedelta(minutes=15), 0
    (summary,) = [m for m in list_staff(runtime, dana) if m.username == "cory"]
    assert summary.locked and summary.locked_until == runtime.clock() + timedelta(minutes=15)
    clear_lockout(runtime, dana, summary.staff_id)
    assert staff_row(runtime, "cory").locked_until is None
    assert [(e.actor, e.detail) for e in actions(runtime, "staff.unlock")] == [("dana", "cory")]
    with pytest.raises(ServiceError, match="not locked out"):
        clear_lockout(runtime, dana, summary.staff_id)
    with pytest.raises(PermissionDenied):
        clear_lockout(runtime, dana, saved_id(staff_row(runtime, "dana")))


def test_staff_1_a_replayed_code_is_refused_apart_and_never_locks(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    now_step = int(runtime.clock().timestamp() // 30)
    with write_session(runtime.engine) as session:
        cory = session.exec(select(Staff).where(Staff.username == "cory")).one()
        cory.totp_secret = SECRET
        cory.totp_enrolled_at = cory.agreement_accepted_at = runtime.clock()
    code = pyotp.TOTP(SECRET).at(runtime.clock().timestamp())
    first = StaffSignInFlow(runtime)
    first.submit_credentials("cory", "Staff#Pass99")
    assert first.submit_code(code) is StaffStep.DONE
    second = StaffSignInFlow(runtime)
    second.submit_credentials("cory", "Staff#Pass99")
    for _ in range(8):
        assert second.submit_code(code) is StaffStep.CODE and second.message == CODE_JUST_USED
    cory = staff_row(runtime, "cory")
    assert cory.failed_attempts == 0 and cory.locked_until is None and cory.totp_last_step == now_step
    assert len(actions(runtime, "staff.sign_in.code_reused")) == 8
    assert second.submit_code("000000" if code != "000000" else "111111") is StaffStep.CODE
    assert second.message != CODE_JUST_USED and staff_row(runtime, "cory").failed_attempts == 1


def test_staff_5_a_sign_out_is_recorded(runtime):
    cory = factories.staff_actor(runtime, "cory", "creator")
    record_sign_out(runtime, cory, "idle for 15 minutes")
    assert [(e.actor, e.detail, e.college_id) for e in actions(runtime, "staff.sign_out")] == [
        ("cory", "idle for 15 minutes", cory.college_id)
    ]
