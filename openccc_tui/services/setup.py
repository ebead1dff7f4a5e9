"""Setting a database up: `openccc-tui init` and the trainer's demo database."""

import tomllib
from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from openccc_tui.domain.contact import normalise_email
from openccc_tui.domain.staff import Role
from openccc_tui.domain.text import fold_for_matching
from openccc_tui.resources import data_path
from openccc_tui.services.audit import Actor
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.staff import NewStaff, add_staff, enrolment_uri, ensure_college
from openccc_tui.services.runtime import Runtime
from openccc_tui.store import migrate
from openccc_tui.store.engine import write_session
from openccc_tui.store.models import College, StudentAccount


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
    """Create or upgrade the schema, the college if new, and its first director."""
    migrate.upgrade(runtime.engine)
    with write_session(runtime.engine) as session:
        college = ensure_college(session, runtime, actor, mis_code, college_name)
        return add_staff(
            session, runtime, actor,
            username=director, full_name=full_name, college=college,
            roles=frozenset({Role.DIRECTOR}), password=password, approved=True,
        )


@dataclass(frozen=True)
class DemoStaff:
    username: str
    roles: str
    password: str
    totp_secret: str
    enrolment_uri: str


def seed_demo(runtime: Runtime, actor: Actor) -> list[DemoStaff]:
    """Fill a fresh database from `data/demo.toml`; returns the demo staff to print."""
    seed = tomllib.loads(data_path("demo.toml").read_text(encoding="utf-8"))
    migrate.upgrade(runtime.engine)
    printed = []
    with write_session(runtime.engine) as session:
        if session.exec(select(College)).first() is not None:
            raise ServiceError("the demo needs an empty database, and this one already has a college")
        college = ensure_college(
            session, runtime, actor, seed["college"]["mis_code"], seed["college"]["name"]
        )
        for entry in seed["staff"]:
            created = add_staff(
                session, runtime, actor,
                username=entry["username"], full_name=entry["full_name"], college=college,
                roles=frozenset(Role(r) for r in entry["roles"]), password=entry["password"],
                approved=True,
            )
            # Fixed secrets let a trainer enrol an authenticator once for every demo.
            created.staff.totp_secret = entry["totp_secret"]
            printed.append(
                DemoStaff(
                    username=entry["username"], roles=",".join(entry["roles"]),
                    password=entry["password"], totp_secret=entry["totp_secret"],
                    enrolment_uri=enrolment_uri(created.staff, college),
                )
            )
        for entry in seed.get("students", []):
            session.add(_demo_student(runtime, entry))
    return printed


def _demo_student(runtime: Runtime, entry: dict) -> StudentAccount:
    email = entry["email"]
    return StudentAccount(
        cccid=entry["cccid"], username=entry.get("username"), email=email,
        email_normalized=normalise_email(email), email_validated=entry.get("email_validated", False),
        first_name=entry["first_name"], last_name=entry["last_name"],
        first_name_key=fold_for_matching(entry["first_name"]), last_name_key=fold_for_matching(entry["last_name"]),
        date_of_birth=date.fromisoformat(entry["date_of_birth"]), password_hash=runtime.hasher.hash(entry["password"]),
        created_at=runtime.clock(), updated_at=runtime.clock(),
    )
