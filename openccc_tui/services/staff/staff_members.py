"""Colleges and staff accounts (SPEC STAFF-1, STAFF-2)."""

from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlmodel import Session, func, select

from openccc_tui.domain.errors import INVALID, FieldError
from openccc_tui.domain.policy import PasswordContext, describe_problems
from openccc_tui.domain.staff import (
    Role,
    StaffRuleError,
    check_mis_code,
    check_staff_username,
    format_roles,
    parse_roles,
)
from openccc_tui.services import audit
from openccc_tui.services.audit import Actor, staff_actor
from openccc_tui.services.credentials import totp_secrets
from openccc_tui.services.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied, ServiceError
from openccc_tui.services.permissions import authorise
from openccc_tui.services.records import saved_id
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import College, Staff

TOTP_ISSUER = "OpenCCC"


@dataclass(frozen=True)
class NewStaff:
    staff: Staff
    enrolment_uri: str


def enrolment_uri(staff: Staff, college: College, secret: str) -> str:
    """The otpauth:// URI an authenticator app scans to enrol the staff member's TOTP `secret`."""
    return pyotp.TOTP(secret).provisioning_uri(name=f"{staff.username}@{college.mis_code}", issuer_name=TOTP_ISSUER)


def find_college(session: Session, mis_code: str) -> College:
    try:
        code = check_mis_code(mis_code)
    except StaffRuleError as error:
        raise ServiceError(str(error)) from None
    college = session.exec(select(College).where(College.mis_code == code)).first()
    if college is None:
        raise NotFound(f"no college with MIS code {code}: create it with `openccc-tui init`")
    return college


def ensure_college(session: Session, runtime: Runtime, actor: Actor, mis_code: str, name: str) -> College:
    """The college with this MIS code, created when it does not exist yet."""
    try:
        code = check_mis_code(mis_code)
    except StaffRuleError as error:
        raise ServiceError(str(error)) from None
    college = session.exec(select(College).where(College.mis_code == code)).first()
    if college is not None:
        return college
    if not name.strip():
        raise ServiceError("the college needs a name")
    college = College(mis_code=code, name=name.strip())
    session.add(college)
    session.flush()
    audit.record(session, runtime, actor, "college.create", college_id=college.id, detail=f"{code} {college.name}")
    return college


def add_staff(
    session: Session,
    runtime: Runtime,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    college: College,
    roles: frozenset[Role],
    password: str,
    approved: bool,
) -> NewStaff:
    """Create a staff account with a fresh TOTP secret; the password must meet the policy."""
    try:
        username = check_staff_username(username)
    except StaffRuleError as error:
        raise ServiceError(str(error)) from None
    if session.exec(select(Staff).where(func.lower(Staff.username) == username)).first() is not None:
        raise AlreadyExists(f"staff user {username} already exists")
    context = PasswordContext(
        first_name=full_name.split()[0] if full_name.split() else "",
        last_name=full_name.split()[-1] if full_name.split() else "",
        username=username,
        common_passwords=runtime.common_passwords,
    )
    problems = runtime.profile.password_problems(password, context)
    if problems:
        raise InvalidInput([FieldError("password", INVALID, describe_problems(problems))])
    # STAFF-6: stored encrypted, with the key of the secrets already there.
    totp_secrets.check_key(session, runtime.settings.totp_key)
    secret = pyotp.random_base32()
    now = runtime.clock()
    staff = Staff(
        username=username,
        full_name=full_name.strip() or username,
        college_id=saved_id(college),
        roles=format_roles(roles),
        password_hash=runtime.hasher.hash(password),
        totp_secret=totp_secrets.seal(secret, runtime.settings.totp_key),
        approved_at=now if approved else None,
        approved_by_id=actor.staff_id if approved else None,
        created_at=now,
    )
    session.add(staff)
    session.flush()
    audit.record(
        session,
        runtime,
        actor,
        "staff.create",
        college_id=college.id,
        detail=f"{username} roles={staff.roles} approved={approved}",
    )
    return NewStaff(staff=staff, enrolment_uri=enrolment_uri(staff, college, secret))


@dataclass(frozen=True)
class StaffSummary:
    staff_id: int
    username: str
    full_name: str
    roles: frozenset[Role]
    approved: bool
    active: bool
    locked: bool
    enrolled: bool
    locked_until: datetime | None = None
    """When a sign-in lockout (five failures) ends, while one holds."""


def list_staff(runtime: Runtime, actor: Actor) -> list[StaffSummary]:
    """The staff of the director's college (STAFF-2)."""
    with read_session(runtime.engine) as session:
        director = authorise(session, actor, Role.DIRECTOR)
        rows = session.exec(select(Staff).where(Staff.college_id == director.college_id).order_by(Staff.username))
        now = runtime.clock()
        return [
            StaffSummary(
                staff_id=saved_id(s),
                username=s.username,
                full_name=s.full_name,
                roles=parse_roles(s.roles),
                approved=s.approved_at is not None,
                active=s.active,
                locked=s.locked_until is not None and s.locked_until > now,
                enrolled=s.totp_enrolled_at is not None,
                locked_until=s.locked_until if s.locked_until is not None and s.locked_until > now else None,
            )
            for s in rows
        ]


def _colleague(session: Session, director: Staff, staff_id: int) -> Staff:
    if staff_id == director.id:
        raise PermissionDenied("a director cannot approve or change their own access")
    staff = session.get(Staff, staff_id)
    if staff is None or staff.college_id != director.college_id:
        raise NotFound("no such staff member at your college")
    return staff


def approve_staff(runtime: Runtime, actor: Actor, staff_id: int) -> None:
    with write_session(runtime.engine) as session:
        director = authorise(session, actor, Role.DIRECTOR)
        staff = _colleague(session, director, staff_id)
        if staff.approved_at is not None:
            raise ServiceError(f"{staff.username} is already approved")
        staff.approved_at = runtime.clock()
        staff.approved_by_id = director.id
        audit.record(session, runtime, actor, "staff.approve", detail=staff.username)


def set_role(runtime: Runtime, actor: Actor, staff_id: int, role: Role, granted: bool) -> None:
    """Grant or revoke one role of a colleague."""
    with write_session(runtime.engine) as session:
        director = authorise(session, actor, Role.DIRECTOR)
        staff = _colleague(session, director, staff_id)
        roles = parse_roles(staff.roles)
        roles = roles | {role} if granted else roles - {role}
        staff.roles = format_roles(roles)
        action = "staff.role.grant" if granted else "staff.role.revoke"
        audit.record(session, runtime, actor, action, detail=f"{staff.username} {role.value}")


def set_active(runtime: Runtime, actor: Actor, staff_id: int, active: bool) -> None:
    """Deactivate a colleague (they can no longer sign in or act), or reactivate them."""
    with write_session(runtime.engine) as session:
        director = authorise(session, actor, Role.DIRECTOR)
        staff = _colleague(session, director, staff_id)
        staff.active = active
        if active:
            staff.locked_until = None
            staff.failed_attempts = 0
        audit.record(session, runtime, actor, "staff.activate" if active else "staff.deactivate", detail=staff.username)


def command_line_creator(
    runtime: Runtime,
    username: str,
    *,
    roles: tuple[Role, ...] = (Role.CREATOR,),
    doing: str = "make accounts",
) -> Actor:
    """The creator a headless Multi Account Creation job (`openccc-tui import --as`) acts as.

    The host administrator names the creator, so the job may act only for a creator who
    could sign in and do the same on the console: active, approved, not locked, enrolled
    in TOTP (STAFF-1) and bound by the agreement (STAFF-3), holding one of `roles` (hand-over
    letters, `openccc-tui letters --as`, accept support too). Each refusal says why."""
    now = runtime.clock()
    with read_session(runtime.engine) as session:
        staff = session.exec(select(Staff).where(func.lower(Staff.username) == username.strip().lower())).first()
        if staff is None:
            raise NotFound(f"no staff user {username}")
        reasons = []
        if not staff.active:
            reasons.append("the account is deactivated")
        if staff.approved_at is None:
            reasons.append("a director has not approved the account")
        if staff.locked_until is not None and staff.locked_until > now:
            reasons.append("the account is locked after failed sign-ins")
        if staff.totp_enrolled_at is None:
            reasons.append("the authenticator (TOTP) is not enrolled")
        if staff.agreement_accepted_at is None:
            reasons.append("the agreement never to share the account is not accepted")
        if not parse_roles(staff.roles) & set(roles):
            reasons.append(f"the account lacks the {' or '.join(r.value for r in roles)} role")
        if reasons:
            raise PermissionDenied(
                f"{staff.username} cannot {doing}: {'; '.join(reasons)}. "
                "They sign in to the staff console first; a director approves, unlocks or grants the role."
            )
        return staff_actor(staff)


def clear_lockout(runtime: Runtime, actor: Actor, staff_id: int) -> None:
    """End a colleague's sign-in lockout and forget their failures (STAFF-2, SIGN-7)."""
    with write_session(runtime.engine) as session:
        director = authorise(session, actor, Role.DIRECTOR)
        staff = _colleague(session, director, staff_id)
        session.refresh(staff, with_for_update=True)  # a sign-in settling now waits for this
        if staff.locked_until is None or staff.locked_until <= runtime.clock():
            raise ServiceError(f"{staff.username} is not locked out")
        staff.locked_until = None
        staff.failed_attempts = 0
        audit.record(session, runtime, actor, "staff.unlock", detail=staff.username)
