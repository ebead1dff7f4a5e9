"""Colleges and staff accounts (SPEC STAFF-1, STAFF-2)."""

from dataclasses import dataclass

import pyotp
from sqlmodel import Session, select

from openccc_tui.domain.errors import INVALID, FieldError
from openccc_tui.domain.policy import PasswordContext, describe_problems
from openccc_tui.domain.staff import Role, StaffRuleError, check_mis_code, check_staff_username, format_roles
from openccc_tui.services import audit
from openccc_tui.services.audit import Actor
from openccc_tui.services.errors import AlreadyExists, InvalidInput, NotFound, ServiceError
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.models import College, Staff

TOTP_ISSUER = "OpenCCC"


@dataclass(frozen=True)
class NewStaff:
    staff: Staff
    enrolment_uri: str


def enrolment_uri(staff: Staff, college: College) -> str:
    """The otpauth:// URI an authenticator app scans to enrol the staff member's TOTP."""
    return pyotp.TOTP(staff.totp_secret).provisioning_uri(
        name=f"{staff.username}@{college.mis_code}", issuer_name=TOTP_ISSUER
    )


def find_college(session: Session, mis_code: str) -> College:
    try:
        code = check_mis_code(mis_code)
    except StaffRuleError as error:
        raise ServiceError(str(error)) from None
    college = session.exec(select(College).where(College.mis_code == code)).first()
    if college is None:
        raise NotFound(f"no college with MIS code {code}: create it with `openccc-tui init`")
    return college


def ensure_college(
    session: Session, runtime: Runtime, actor: Actor, mis_code: str, name: str
) -> College:
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
    if session.exec(select(Staff).where(Staff.username == username)).first() is not None:
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
    now = runtime.clock()
    staff = Staff(
        username=username,
        full_name=full_name.strip() or username,
        college_id=college.id,
        roles=format_roles(roles),
        password_hash=runtime.hasher.hash(password),
        totp_secret=pyotp.random_base32(),
        approved_at=now if approved else None,
        approved_by_id=actor.staff_id if approved else None,
        created_at=now,
    )
    session.add(staff)
    session.flush()
    audit.record(
        session, runtime, actor, "staff.create", college_id=college.id,
        detail=f"{username} roles={staff.roles} approved={approved}",
    )
    return NewStaff(staff=staff, enrolment_uri=enrolment_uri(staff, college))
