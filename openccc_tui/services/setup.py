"""Setting a database up: `openccc-tui init` and the trainer's demo database."""

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from openccc_tui.domain.contact import normalise_email
from openccc_tui.domain.recovery import normalise_answer
from openccc_tui.domain.staff import Role
from openccc_tui.domain.text import fold_for_matching
from openccc_tui.resources import data_path
from openccc_tui.services.account_creation import STAFF_VERIFIED
from openccc_tui.services.audit import Actor, record
from openccc_tui.services.credentials.totp_secrets import seal, seal_plaintext_secrets
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.staff.staff_members import NewStaff, add_staff, enrolment_uri, ensure_college
from openccc_tui.store import migrate
from openccc_tui.store.account_rows import lock_account_creation
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent, College, StudentAccount


def initialise(
    runtime: Runtime,
    actor: Actor,
    *,
    mis_code: str,
    college_name: str,
    director: str,
    full_name: str,
    password: str,
) -> NewStaff:
    """Create or upgrade the schema (encrypting any plaintext TOTP secret, STAFF-6), the
    college if new, and its first director."""
    migrate.upgrade(runtime.engine)
    seal_plaintext_secrets(runtime, actor)
    with write_session(runtime.engine) as session:
        college = ensure_college(session, runtime, actor, mis_code, college_name)
        return add_staff(
            session,
            runtime,
            actor,
            username=director,
            full_name=full_name,
            college=college,
            roles=frozenset({Role.DIRECTOR}),
            password=password,
            approved=True,
        )


@dataclass(frozen=True)
class DemoStaff:
    username: str
    roles: str
    password: str
    totp_secret: str
    enrolment_uri: str


DEMO_SEEDED = "demo.seeded"
"""The audit action that marks a database made by `seed_demo`: only such a database may
be opened in trainer mode or reset (the audit table is append-only, so the mark stays)."""


def seed_demo(runtime: Runtime, actor: Actor) -> list[DemoStaff]:
    """Fill a fresh database from `data/demo.toml`; returns the demo staff to print."""
    seed = tomllib.loads(data_path("demo.toml").read_text(encoding="utf-8"))
    migrate.upgrade(runtime.engine)
    printed = []
    with write_session(runtime.engine) as session:
        if session.exec(select(College)).first() is not None:
            raise ServiceError("the demo needs an empty database, and this one already has a college")
        college = ensure_college(session, runtime, actor, seed["college"]["mis_code"], seed["college"]["name"])
        staff_ids = {}
        for entry in seed["staff"]:
            created = add_staff(
                session,
                runtime,
                actor,
                username=entry["username"],
                full_name=entry["full_name"],
                college=college,
                roles=frozenset(Role(r) for r in entry["roles"]),
                password=entry["password"],
                approved=True,
            )
            # Fixed secrets let a trainer enrol an authenticator once for every demo.
            created.staff.totp_secret = seal(entry["totp_secret"], runtime.settings.totp_key)
            session.flush()
            staff_ids[entry["username"]] = created.staff.id
            printed.append(
                DemoStaff(
                    username=entry["username"],
                    roles=",".join(entry["roles"]),
                    password=entry["password"],
                    totp_secret=entry["totp_secret"],
                    enrolment_uri=enrolment_uri(created.staff, college, entry["totp_secret"]),
                )
            )
        lock_account_creation(session)
        for entry in seed.get("students", []):
            made_by = staff_ids[entry["made_by"]] if "made_by" in entry else None
            session.add(_demo_student(runtime, entry, made_by=made_by, college_id=college.id, address=seed["address"]))
        record(session, runtime, actor, DEMO_SEEDED, college_id=college.id, detail="data/demo.toml")
    return printed


def _demo_student(
    runtime: Runtime, entry: dict[str, Any], *, made_by: int | None, college_id: int | None, address: dict[str, str]
) -> StudentAccount:
    email = entry["email"]
    now = runtime.clock()
    locked_hours = entry.get("locked_hours")
    answer = entry.get("secret_answer")
    return StudentAccount(
        street1=entry.get("street1", address["street1"]),
        city=entry.get("city", address["city"]),
        state=entry.get("state", address["state"]),
        postal_code=entry.get("postal_code", address["postal_code"]),
        secret_question=entry.get("secret_question", ""),
        secret_answer_hash=runtime.hasher.hash(normalise_answer(answer)) if answer else None,
        cccid=entry["cccid"],
        username=entry.get("username"),
        email=email,
        email_normalized=normalise_email(email),
        email_validated=entry.get("email_validated", False),
        phone=entry.get("phone"),
        phone_type="mobile" if entry.get("phone") else None,
        phone_validated=entry.get("phone_validated", False),
        preferred_contact=entry.get("preferred_contact", "email"),
        first_name=entry["first_name"],
        last_name=entry["last_name"],
        first_name_key=fold_for_matching(entry["first_name"]),
        last_name_key=fold_for_matching(entry["last_name"]),
        date_of_birth=date.fromisoformat(entry["date_of_birth"]),
        password_hash=runtime.hasher.hash(entry["password"]),
        must_change_password=made_by is not None,
        idme_workflow_status=STAFF_VERIFIED if made_by is not None else "not_started",
        created_by_staff_id=made_by,
        created_for_college_id=college_id if made_by is not None else None,
        lockouts=1 if locked_hours else 0,
        locked_until=now + timedelta(hours=locked_hours) if locked_hours else None,
        created_at=now,
        updated_at=now,
    )


@dataclass(frozen=True)
class DemoIdentities:
    """Who to be in the demo, as `make demo` prints it and trainer mode's F1 page shows it."""

    staff: list[tuple[str, str, str, str]]
    """User name, roles, password and TOTP secret of each demo staff member."""
    student_password: str
    totp_python: str
    """Python that prints a staff member's current authenticator code: format it with `secret`."""
    students: list[tuple[str, str]]
    """What to type on Sign In, and the flow it shows (the README's table)."""


def demo_identities() -> DemoIdentities:
    seed = tomllib.loads(data_path("demo.toml").read_text(encoding="utf-8"))
    return DemoIdentities(
        staff=[(s["username"], ", ".join(s["roles"]), s["password"], s["totp_secret"]) for s in seed["staff"]],
        student_password=seed["trainer"]["student_password"],
        totp_python=seed["trainer"]["totp_python"],
        students=[(e["sign_in"], e["shows"]) for e in [*seed["students"], *seed["unknown"]] if "shows" in e],
    )


def authenticator_code(secret: str) -> str:
    """What an authenticator app enrolled with `secret` shows now (trainer mode's F1 page)."""
    import pyotp

    return pyotp.TOTP(secret).now()


def is_demo_database(runtime: Runtime) -> bool:
    migrate.upgrade(runtime.engine)
    with read_session(runtime.engine) as session:
        return session.exec(select(AuditEvent.id).where(AuditEvent.action == DEMO_SEEDED)).first() is not None


def reset_demo(runtime: Runtime, actor: Actor) -> list[DemoStaff]:
    """Trainer mode's Reset demo: every table dropped and the seed loaded again. Refused on
    any database that `seed_demo` did not make."""
    if not is_demo_database(runtime):
        raise ServiceError("only a demo database made by `openccc-tui demo` can be reset")
    migrate.drop_everything(runtime.engine)
    return seed_demo(runtime, actor)
