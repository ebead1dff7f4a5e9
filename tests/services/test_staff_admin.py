"""STAFF-2: directors approve staff and grant or revoke roles, never their own; STAFF-5 audit."""

import pytest
from sqlmodel import col, select

from openccc_tui.domain.staff import Role
from openccc_tui.services.errors import NotFound, PermissionDenied, ServiceError
from openccc_tui.services.staff import staff_members
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import AuditEvent
from tests import factories


def test_staff_2_director_approves_pending_staff(runtime):
    director = factories.staff_actor(runtime, "dana", "director")
    pending = factories.staff_actor(runtime, "newbie", "creator", approved=False)
    assert [s.approved for s in staff_members.list_staff(runtime, director)] == [True, False]
    staff_members.approve_staff(runtime, director, pending.staff_id)
    assert all(s.approved for s in staff_members.list_staff(runtime, director))
    with pytest.raises(ServiceError, match="already approved"):
        staff_members.approve_staff(runtime, director, pending.staff_id)


def test_staff_2_director_grants_and_revokes_roles(runtime):
    director = factories.staff_actor(runtime, "dana", "director")
    cory = factories.staff_actor(runtime, "cory", "creator")
    staff_members.set_role(runtime, director, cory.staff_id, Role.SUPPORT, True)
    staff_members.set_role(runtime, director, cory.staff_id, Role.CREATOR, False)
    (row,) = [s for s in staff_members.list_staff(runtime, director) if s.username == "cory"]
    assert row.roles == {Role.SUPPORT}


def test_staff_2_a_director_never_acts_on_itself(runtime):
    director = factories.staff_actor(runtime, "dana", "director")
    for call in (
        lambda: staff_members.approve_staff(runtime, director, director.staff_id),
        lambda: staff_members.set_role(runtime, director, director.staff_id, Role.CREATOR, True),
        lambda: staff_members.set_active(runtime, director, director.staff_id, False),
    ):
        with pytest.raises(PermissionDenied, match="own access"):
            call()


def test_staff_2_a_director_acts_only_within_its_college(runtime):
    director = factories.staff_actor(runtime, "dana", "director")
    elsewhere = factories.staff_actor(runtime, "remote", "creator", mis_code="862")
    with pytest.raises(NotFound):
        staff_members.set_role(runtime, director, elsewhere.staff_id, Role.SUPPORT, True)
    assert [s.username for s in staff_members.list_staff(runtime, director)] == ["dana"]


def test_staff_2_deactivated_staff_lose_access(runtime):
    director = factories.staff_actor(runtime, "dana", "director")
    cory = factories.staff_actor(runtime, "cory", "director")
    staff_members.set_active(runtime, director, cory.staff_id, False)
    with pytest.raises(PermissionDenied):
        staff_members.list_staff(runtime, cory)
    staff_members.set_active(runtime, director, cory.staff_id, True)
    assert staff_members.list_staff(runtime, cory)


def test_staff_5_every_change_is_audited(runtime):
    director = factories.staff_actor(runtime, "dana", "director")
    cory = factories.staff_actor(runtime, "cory", "creator", approved=False)
    staff_members.approve_staff(runtime, director, cory.staff_id)
    staff_members.set_role(runtime, director, cory.staff_id, Role.SUPPORT, True)
    staff_members.set_role(runtime, director, cory.staff_id, Role.SUPPORT, False)
    staff_members.set_active(runtime, director, cory.staff_id, False)
    with read_session(runtime.engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.actor == "dana").order_by(col(AuditEvent.id))).all()
    assert [(e.action, e.detail) for e in events] == [
        ("staff.approve", "cory"),
        ("staff.role.grant", "cory support"),
        ("staff.role.revoke", "cory support"),
        ("staff.deactivate", "cory"),
    ]
    assert all(e.terminal == "test tty" and e.at is not None for e in events)
