"""Role checks in the service layer (SPEC STAFF-2): hiding a button is never the only guard.

The staff row is read again on every call, so a role revoked or an account deactivated
by a director takes effect at the next action, not at the next sign-in.
"""

from sqlmodel import Session

from openccc_tui.domain.staff import Role, parse_roles
from openccc_tui.services.audit import Actor
from openccc_tui.services.errors import PermissionDenied
from openccc_tui.store.models import Staff


def authorise(session: Session, actor: Actor, *roles: Role) -> Staff:
    """The acting staff member, when active, approved and holding one of `roles`."""
    staff = session.get(Staff, actor.staff_id) if actor.staff_id is not None else None
    if staff is None or not staff.active or staff.approved_at is None:
        raise PermissionDenied("this needs a signed-in, approved staff account")
    if not parse_roles(staff.roles) & set(roles):
        needed = " or ".join(r.value for r in roles)
        raise PermissionDenied(f"this needs the {needed} role")
    return staff
