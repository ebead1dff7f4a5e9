"""Hand-over letters (SPEC TRACK-2): the credentials reach a student on paper, and the
college never learns the student's password.

A letter carries a fresh one-time password of REC-2's kind (services/credentials/one_time_password.py):
an extra credential beside the account's password, valid `letter_password_days`, used once,
forcing a change of password at sign-in. A newer letter (or REC-2 offer) replaces it. The
plain one-time passwords exist only in memory and in the PDF, which is owner-only (0600,
STAFF-6), written to a temporary file and renamed into place once the database has
committed; if the commit fails the file is removed, so no letter carries a password that
does not work. Creators write letters for their college's accounts, support staff for any
(STAFF-2); each letter is recorded as the hand-over (TRACK-1) and audited, without secrets.
"""

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from openccc_tui.domain.bulk import SUCCESS
from openccc_tui.domain.cccid import normalise_cccid
from openccc_tui.domain.letters import letter_password
from openccc_tui.domain.staff import Role, parse_roles
from openccc_tui.services import audit
from openccc_tui.services.audit import Actor
from openccc_tui.services.credentials import one_time_password
from openccc_tui.services.errors import NotFound, PermissionDenied, ServiceError
from openccc_tui.services.permissions import authorise
from openccc_tui.services.records import get_row, saved_id
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.staff.letter_pdf import Letter, letter_fonts, render, unprintable
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import BulkJob, BulkRow, College, Staff, StudentAccount

MAX_LETTERS = 500
"""Letters in one PDF at most: each needs a password hash, and a pile of paper has limits."""
HANDOVER_NOTE = "letter"
ROLES = (Role.CREATOR, Role.SUPPORT)


@dataclass(frozen=True)
class LettersWritten:
    path: Path
    count: int
    valid_until: date


def _may_act_on(staff: Staff, account: StudentAccount) -> bool:
    """Support staff look after any account (REC-4); a creator, the accounts made for their college."""
    return Role.SUPPORT in parse_roles(staff.roles) or account.created_for_college_id == staff.college_id


@dataclass(frozen=True)
class LetterAccount:
    """An account chosen for a letter, as the Letters page lists it (no secret)."""

    account_id: int
    cccid: str
    name: str
    email: str
    handed_over: str


def letter_accounts(runtime: Runtime, actor: Actor, account_ids: Sequence[int]) -> list[LetterAccount]:
    """The accounts, in the order given, each one the staff member may write a letter for."""
    with read_session(runtime.engine) as session:
        staff = authorise(session, actor, *ROLES)
        chosen = []
        for account_id in dict.fromkeys(account_ids):
            account = get_row(session, StudentAccount, account_id)
            if not _may_act_on(staff, account):
                raise PermissionDenied(f"the account {account.cccid} was not made for your college")
            given = account.credentials_given_at
            chosen.append(
                LetterAccount(
                    account_id=account_id,
                    cccid=account.cccid,
                    name=f"{account.first_name} {account.last_name}".strip(),
                    email=account.email,
                    handed_over=f"{given:%Y-%m-%d} {account.credentials_note}".strip() if given else "",
                )
            )
    return chosen


def accounts_by_cccid(runtime: Runtime, actor: Actor, cccids: Iterable[str]) -> list[int]:
    """The accounts with these CCCIDs, in the order given; NotFound names the first unknown one."""
    wanted = list(dict.fromkeys(normalise_cccid(c) for c in cccids if c.strip()))
    with read_session(runtime.engine) as session:
        authorise(session, actor, *ROLES)
        found = {
            account.cccid: saved_id(account)
            for account in session.exec(select(StudentAccount).where(col(StudentAccount.cccid).in_(wanted)))
        }
    missing = [c for c in wanted if c not in found]
    if missing:
        raise NotFound(f"no account with CCCID {', '.join(missing)}")
    return [found[c] for c in wanted]


def job_accounts(runtime: Runtime, actor: Actor, job_id: int) -> list[int]:
    """The accounts made by the successful rows of a Multi Account Creation job, in row order."""
    with read_session(runtime.engine) as session:
        staff = authorise(session, actor, *ROLES)
        job = session.get(BulkJob, job_id)
        if job is None or (Role.SUPPORT not in parse_roles(staff.roles) and job.college_id != staff.college_id):
            raise NotFound(f"no Multi Account Creation job {job_id} of your college")
        ids = session.exec(
            select(BulkRow.account_id)
            .where(BulkRow.job_id == job_id, BulkRow.status == SUCCESS, col(BulkRow.account_id).is_not(None))
            .order_by(col(BulkRow.row_number))
        ).all()
    accounts = [account_id for account_id in ids if account_id is not None]
    if not accounts:
        raise NotFound(f"job {job_id} made no accounts")
    return accounts


def default_path(runtime: Runtime) -> Path:
    """A new file name in the export folder."""
    stamp = runtime.clock().strftime("%Y%m%d-%H%M%S")
    path = runtime.settings.export_dir / f"letters-{stamp}.pdf"
    number = 2
    while path.exists():
        path = runtime.settings.export_dir / f"letters-{stamp}-{number}.pdf"
        number += 1
    return path


def _snapshot(account: StudentAccount) -> tuple[str, ...]:
    return (account.cccid, account.email, account.username or "", account.first_name, account.last_name)


def _college_names(session: Session, staff: Staff, accounts: Sequence[StudentAccount]) -> dict[int | None, str]:
    ids = {a.created_for_college_id for a in accounts} | {staff.college_id}
    names: dict[int | None, str] = {
        saved_id(c): c.name for c in session.exec(select(College).where(col(College.id).in_([i for i in ids if i])))
    }
    names[None] = names.get(staff.college_id, "")
    return names


def _write_temporary(folder: Path, data: bytes) -> Path:
    """`data` in a new owner-only file in `folder`, on the disk (mkstemp makes it 0600)."""
    handle, name = tempfile.mkstemp(dir=folder, prefix=".letters-", suffix=".part")
    try:
        os.fchmod(handle, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
        os.fsync(handle)
    except BaseException:
        os.close(handle)
        os.unlink(name)
        raise
    os.close(handle)
    return Path(name)


def write_letters(
    runtime: Runtime, actor: Actor, account_ids: Sequence[int], path: Path | None = None
) -> LettersWritten:
    """One PDF, a page per account, each with a fresh one-time password; records the hand-overs."""
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        raise ServiceError("choose at least one account")
    if len(ids) > MAX_LETTERS:
        raise ServiceError(f"{len(ids)} letters at once is too many: at most {MAX_LETTERS} in one file")
    target = path or default_path(runtime)
    if not target.parent.is_dir():
        raise ServiceError(f"the folder {target.parent} does not exist")
    if target.exists():
        raise ServiceError(f"{target} exists: letters are never written over a file, choose a new name")
    fonts = letter_fonts(runtime.settings.letter_fonts)
    lifetime = timedelta(days=runtime.settings.letter_password_days)
    with read_session(runtime.engine) as session:
        staff = authorise(session, actor, *ROLES)
        accounts = [get_row(session, StudentAccount, account_id) for account_id in ids]
        for account in accounts:
            if not _may_act_on(staff, account):
                raise PermissionDenied(f"the account {account.cccid} was not made for your college")
        colleges = _college_names(session, staff, accounts)
    missing = unprintable(fonts, [t for a in accounts for t in (a.first_name, a.last_name, a.email, a.username or "")])
    if missing:
        raise ServiceError(
            f"no letter font prints {missing!r}: install fonts-noto-cjk, or name a font that does in letter_fonts"
        )
    valid_until = (runtime.clock() + lifetime).date()
    plain = {saved_id(a): letter_password() for a in accounts}
    hashes = {account_id: runtime.hasher.hash(password) for account_id, password in plain.items()}
    letters = [
        Letter(
            college=colleges.get(a.created_for_college_id) or colleges[None] or "OpenCCC",
            first_name=a.first_name,
            last_name=a.last_name,
            cccid=a.cccid,
            email=a.email,
            username=a.username or "",
            valid_until=valid_until,
            one_time_password=plain[saved_id(a)],
        )
        for a in accounts
    ]
    temporary = _write_temporary(target.parent, render(fonts, letters))
    del plain, letters
    try:
        _record(runtime, actor, accounts, hashes, lifetime, target.name, valid_until)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return LettersWritten(target, len(accounts), valid_until)


def _record(
    runtime: Runtime,
    actor: Actor,
    printed: Sequence[StudentAccount],
    hashes: dict[int, str],
    lifetime: timedelta,
    file_name: str,
    valid_until: date,
) -> None:
    """In one transaction: the one-time passwords take effect, the hand-overs are recorded and
    audited. Refused when an account changed since its letter was printed."""
    with write_session(runtime.engine) as session:
        staff = authorise(session, actor, *ROLES)
        rows = {
            saved_id(a): a
            for a in session.exec(
                select(StudentAccount).where(col(StudentAccount.id).in_(list(hashes))).with_for_update()
            )
        }
        now = runtime.clock()
        for before in printed:
            account_id = saved_id(before)
            account = rows.get(account_id)
            if account is None or _snapshot(account) != _snapshot(before) or not _may_act_on(staff, account):
                raise ServiceError(f"the account {before.cccid} changed meanwhile: write the letters again")
            one_time_password.place(session, runtime, account_id, hashes[account_id], lifetime)
            account.credentials_given_at = now
            account.credentials_note = HANDOVER_NOTE
            account.updated_at = now
            audit.record(
                session,
                runtime,
                actor,
                "account.letter",
                account_id=account_id,
                detail=f"hand-over letter in {file_name}; one-time password valid until {valid_until.isoformat()}",
            )
