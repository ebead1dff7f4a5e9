"""The audit log (SPEC STAFF-5): who, when, from which terminal, what, which account.

Callers pass only what may be kept: never a password, code, secret answer or SSN digit.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from openccc_tui.domain.staff import Role, parse_roles
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.models import AuditEvent, Staff, StudentAccount


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in staff member, a student, or the host's command line."""

    name: str
    staff_id: int | None = None
    college_id: int | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)


def student_actor(account: StudentAccount) -> Actor:
    """A student acting on their own account, as the audit log names them."""
    return Actor(name=f"student:{account.cccid}", college_id=account.created_for_college_id)


def staff_actor(staff: Staff) -> Actor:
    """A staff member acting with the roles they hold."""
    return Actor(name=staff.username, staff_id=staff.id, college_id=staff.college_id, roles=parse_roles(staff.roles))


_INSERT = AuditEvent.metadata.tables["audit_event"].insert()


def command_line_actor(os_user: str) -> Actor:
    return Actor(name=f"cli:{os_user}")


def event(
    runtime: Runtime,
    actor: Actor,
    action: str,
    *,
    account_id: int | None = None,
    college_id: int | None = None,
    detail: str = "",
) -> dict[str, Any]:
    """The row of one audit event, for `record` or for a batch written by `record_all`."""
    return {
        "at": runtime.clock(),
        "actor": actor.name,
        "staff_id": actor.staff_id,
        "college_id": college_id if college_id is not None else actor.college_id,
        "terminal": runtime.terminal,
        "action": action,
        "account_id": account_id,
        "detail": detail,
    }


def record(session: Session, runtime: Runtime, actor: Actor, action: str, **details: Any) -> None:
    """Write one event now (a plain INSERT: events are never read back in the same
    session); `details` are `event`'s account_id, college_id and detail."""
    session.execute(_INSERT, event(runtime, actor, action, **details))


def record_all(session: Session, events: list[dict[str, Any]]) -> None:
    """Several events in one round trip (Multi Account Creation writes one per row)."""
    if events:
        session.execute(_INSERT, events)
