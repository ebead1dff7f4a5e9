"""STAFF-2: every service refuses a caller without the role, whatever the screens show."""

from datetime import date

import pytest

from openccc_tui.domain.staff import Role
from openccc_tui.services import account_creation
from openccc_tui.services.audit import Actor
from openccc_tui.services.errors import PermissionDenied
from openccc_tui.services.staff import audit_reader, staff_members, support, tracking
from tests import factories

CALLS = {
    "add_user": (
        ("creator",),
        lambda rt, a, tmp: account_creation.add_user(rt, a, factories.STUDENT_FORM, permission_reference="form 12"),
    ),
    "record_credentials_given": (
        ("creator", "support"),
        lambda rt, a, tmp: account_creation.record_credentials_given(rt, a, 1, date(2026, 1, 1), ""),
    ),
    "find_accounts": (("support",), lambda rt, a, tmp: support.find_accounts(rt, a, support.Search(cccid="ABC1234"))),
    "get_account": (("support", "creator"), lambda rt, a, tmp: support.get_account(rt, a, 1)),
    "update_email": (
        ("support",),
        lambda rt, a, tmp: support.update_email(
            rt, a, 1, "n@t.com", "n@t.com", identity_verified=True, verification_note="photo ID"
        ),
    ),
    "reset_password": (("support",), lambda rt, a, tmp: support.reset_password(rt, a, 1)),
    "tracking_rows": (
        ("creator", "director"),
        lambda rt, a, tmp: tracking.tracking_rows(rt, a, date(2026, 1, 1), date(2026, 12, 31)),
    ),
    "export_tracking": (
        ("creator", "director"),
        lambda rt, a, tmp: tracking.export_tracking(rt, a, date(2026, 1, 1), date(2026, 12, 31), tmp / "t.csv"),
    ),
    "search_audit": (("director",), lambda rt, a, tmp: audit_reader.search_audit(rt, a, audit_reader.AuditFilter())),
    "export_audit": (
        ("director",),
        lambda rt, a, tmp: audit_reader.export_audit(rt, a, audit_reader.AuditFilter(), tmp / "a.csv"),
    ),
    "list_staff": (("director",), lambda rt, a, tmp: staff_members.list_staff(rt, a)),
    "approve_staff": (("director",), lambda rt, a, tmp: staff_members.approve_staff(rt, a, 1)),
    "set_role": (("director",), lambda rt, a, tmp: staff_members.set_role(rt, a, 1, Role.SUPPORT, True)),
    "set_active": (("director",), lambda rt, a, tmp: staff_members.set_active(rt, a, 1, False)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_staff_2_every_service_denies_a_staff_member_without_its_role(runtime, tmp_path, name):
    allowed, call = CALLS[name]
    others = [r.value for r in Role if r.value not in allowed]
    actor = factories.staff_actor(runtime, "outsider", *others)
    with pytest.raises(PermissionDenied, match="this needs the"):
        call(runtime, actor, tmp_path)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_staff_2_every_service_denies_unapproved_and_anonymous_callers(runtime, tmp_path, name):
    allowed, call = CALLS[name]
    pending = factories.staff_actor(runtime, "pending", *allowed, approved=False)
    with pytest.raises(PermissionDenied, match="approved staff account"):
        call(runtime, pending, tmp_path)
    with pytest.raises(PermissionDenied):
        call(runtime, Actor(name="student:ABC1234"), tmp_path)


def test_staff_2_roles_are_read_again_on_every_call(runtime):
    director = factories.staff_actor(runtime, "dana", "director")
    cory = factories.staff_actor(runtime, "cory", "creator", "support")
    support.find_accounts(runtime, cory, support.Search(cccid="ABC1234"))
    staff_members.set_role(runtime, director, cory.staff_id, Role.SUPPORT, False)
    with pytest.raises(PermissionDenied):
        support.find_accounts(runtime, cory, support.Search(cccid="ABC1234"))  # the actor still claims support
