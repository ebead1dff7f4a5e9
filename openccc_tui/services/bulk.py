"""Multi Account Creation (SPEC BULK-2..8): process an upload row by row, in file order.

Each row is its own transaction: its account, its audit event and its outcome are
committed together, so an error, a crash or a cancel never loses the rows before it and
never leaves half an account. Passwords are hashed ahead in worker threads (argon2
releases the GIL), while duplicate decisions and inserts stay in file order, so results
never depend on timing. A row already done by an earlier upload of the same rows (found
by its fingerprint) reports its CCCID again instead of creating a second account.
"""

import csv
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from openccc_tui.domain.bulk import (
    CCCID_INDEX,
    FAILURE,
    INVALID_COLUMNS,
    SUCCESS,
    SUCCESS_MESSAGE,
    fingerprint,
    result_cells,
    row_values,
)
from openccc_tui.domain.cccid import is_cccid
from openccc_tui.domain.errors import INVALID, FieldError, join_messages
from openccc_tui.domain.fields import AccountDraft, CheckContext, check_account
from openccc_tui.domain.staff import Role
from openccc_tui.domain.template import TEMPLATE_COLUMNS, TEMPLATE_FILE_NAME
from openccc_tui.domain.text import unsafe_character
from openccc_tui.services import audit
from openccc_tui.services.accounts import DuplicateAccount, college_name, insert_account
from openccc_tui.services.audit import Actor
from openccc_tui.services.bulk_files import Upload
from openccc_tui.services.permissions import authorise
from openccc_tui.services.records import get_row, required, saved_id
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.spreadsheets import write_table
from openccc_tui.store.accounts import lock_account_creation
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import BulkJob, BulkRow

_INSERT_OUTCOME = BulkRow.metadata.tables["bulk_row"].insert()
ROW_REFUSED = "The database refused this row: it conflicts with an account saved at the same time. Upload it again."
LOOKAHEAD_PER_WORKER = 8
BATCH_ROWS = 50
BATCH_SECONDS = 0.5


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    started: float

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        return (self.total - self.done) / self.rate if self.rate else None


@dataclass
class Summary:
    job_id: int
    total: int
    successes: int = 0
    skipped: int = 0
    cancelled: bool = False
    failures: Counter[str] = field(default_factory=Counter)
    note: str = ""

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def line(self) -> str:
        text = f"{self.successes} Success, {self.failed} Failure"
        if self.skipped:
            text += f" ({self.skipped} skipped: they already have a CCCID)"
        done = self.successes + self.failed
        text = f"Processed {done} of {self.total} rows: {text}."
        return text + (" Cancelled before the end." if self.cancelled else "")


@dataclass(frozen=True)
class Outcome:
    cells: list[str]
    status: str
    cccid: str
    message: str


def _row_problems(cells: list[str], ctx: CheckContext, same_password: str | None) -> tuple[AccountDraft | None, str]:
    if len(cells) != len(TEMPLATE_COLUMNS):
        return None, INVALID_COLUMNS
    values = row_values(cells)
    draft, errors = check_account(values, ctx)
    if same_password:
        errors.append(FieldError("password", INVALID, same_password))
    cccid_cell = values["cccid"].strip()
    if cccid_cell and (unsafe_character(cccid_cell) or not is_cccid(cccid_cell.upper())):
        errors.append(FieldError("cccid", INVALID, "a CCCID such as ABC1234, or blank"))
    return (draft if not errors else None), join_messages(errors)


def run_job(
    runtime: Runtime,
    actor: Actor,
    upload: Upload,
    results_path: Path | None = None,
    *,
    results_password: str | None = None,
    progress: Callable[[Progress], None] = lambda _: None,
    cancel: threading.Event | None = None,
) -> Summary:
    """Process `upload` for the creator `actor`; write the results file when a path is given."""
    cancel = cancel or threading.Event()
    with write_session(runtime.engine) as session:
        creator = authorise(session, actor, Role.CREATOR)
        job = BulkJob(
            staff_id=saved_id(creator),
            college_id=creator.college_id,
            file_name=upload.name[:255],
            file_sha256=upload.sha256,
            total_rows=upload.total_rows,
            created_at=runtime.clock(),
        )
        session.add(job)
        session.flush()
        job_id = saved_id(job)
        # Only a college with rows done by an earlier upload needs the per-row resume look-up.
        resuming = (
            session.exec(
                select(BulkRow.id)
                .join(BulkJob, col(BulkJob.id) == BulkRow.job_id)
                .where(BulkRow.status == SUCCESS, BulkJob.college_id == creator.college_id, BulkRow.job_id != job_id)
                .limit(1)
            ).first()
            is not None
        )
    summary = Summary(job_id=job_id, total=upload.total_rows, note=upload.note)
    outcomes = _process(runtime, actor, upload, job_id, resuming, summary, progress, cancel)
    rows = (o.cells if o.status == "" else result_cells(o.cells, o.status, o.cccid, o.message) for o in outcomes)
    if results_path is not None:
        write_table(results_path, TEMPLATE_COLUMNS, rows, password=results_password)
    else:
        for _ in rows:
            pass
    with write_session(runtime.engine) as session:
        job = get_row(session, BulkJob, job_id)
        job.done_rows = summary.successes + summary.failed
        job.status = "cancelled" if summary.cancelled else "done"
        job.finished_at = runtime.clock()
    return summary


def _process(
    runtime: Runtime,
    actor: Actor,
    upload: Upload,
    job_id: int,
    resuming: bool,
    summary: Summary,
    progress: Callable[[Progress], None],
    cancel: threading.Event,
) -> Iterator[Outcome]:
    with read_session(runtime.engine) as session:
        college = college_name(session, actor.college_id)
    ctx = CheckContext(
        runtime.profile, runtime.common_passwords, runtime.clock().date(), bulk=True, college_name=college
    )
    started = time.monotonic()
    workers = runtime.settings.hash_workers
    with (
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bulk-hash") as pool,
        _Batches(runtime, actor) as batches,
    ):
        window: deque[tuple[int, list[str], AccountDraft | None, str, Future[str] | None]] = deque()
        source = iter(upload.rows())
        exhausted = False
        while True:
            while not exhausted and len(window) < workers * LOOKAHEAD_PER_WORKER:
                item = next(source, None)
                if item is None:
                    exhausted = True
                    break
                number, cells = item
                if len(cells) == len(TEMPLATE_COLUMNS) and cells[CCCID_INDEX].strip() and _is_done_row(cells):
                    window.append((number, cells, None, "", None))
                    continue
                draft, problems = _row_problems(cells, ctx, upload.same_password.get(number))
                future = pool.submit(runtime.hasher.hash, draft.password) if draft is not None else None
                window.append((number, cells, draft, problems, future))
            if not window:
                return
            if cancel.is_set():
                summary.cancelled = True
                for *_, future in window:
                    if future is not None:
                        future.cancel()
                return
            number, cells, draft, problems, future = window.popleft()
            outcome = _decide(batches, runtime, actor, job_id, resuming, number, cells, draft, problems, future)
            if outcome.status == "":
                summary.skipped += 1
            elif outcome.status == SUCCESS:
                summary.successes += 1
            else:
                summary.failures[outcome.message] += 1
            done = summary.successes + summary.failed + summary.skipped
            progress(Progress(done=done, total=summary.total, started=started))
            yield outcome


class _Batches:
    """Rows are committed a few at a time, each row inside its own savepoint: a row that
    fails rolls back alone, a crash loses at most the rows of the open batch (never half
    of one), and the cost of a commit is shared. The creator's role is checked again at
    every batch. The rows' audit events and outcomes, which nothing reads before the
    commit, are written together just before it: two round trips a batch, not two a row."""

    def __init__(self, runtime: Runtime, actor: Actor) -> None:
        self.runtime, self.actor = runtime, actor
        self._stack: ExitStack | None = None
        self._session: Session | None = None
        self._rows = 0
        self._opened = 0.0
        self.audit_events: list[dict[str, Any]] = []
        self.outcomes: list[dict[str, Any]] = []

    def outcome(
        self,
        job_id: int,
        number: int,
        row_key: str,
        status: str,
        message: str,
        *,
        cccid: str | None = None,
        account_id: int | None = None,
    ) -> None:
        self.outcomes.append(
            {
                "job_id": job_id,
                "row_number": number,
                "fingerprint": row_key,
                "status": status,
                "cccid": cccid,
                "message": message[:2000],
                "account_id": account_id,
            }
        )

    def session(self) -> Session:
        if self._session is not None and (self._rows >= BATCH_ROWS or time.monotonic() - self._opened >= BATCH_SECONDS):
            self._close(None)
        if self._session is None:
            self._stack = ExitStack()
            self._session = self._stack.enter_context(write_session(self.runtime.engine))
            self._opened, self._rows = time.monotonic(), 0
            authorise(self._session, self.actor, Role.CREATOR)
        self._rows += 1
        return self._session

    def _close(self, error: BaseException | None) -> None:
        stack, session, self._stack, self._session = self._stack, self._session, None, None
        events, outcomes, self.audit_events, self.outcomes = self.audit_events, self.outcomes, [], []
        if stack is None or session is None:
            return
        if error is not None:
            stack.__exit__(type(error), error, error.__traceback__)  # the open batch rolls back
            return
        with stack:  # commits, or rolls back if writing the deferred rows fails
            audit.record_all(session, events)
            if outcomes:
                session.execute(_INSERT_OUTCOME, outcomes)

    def __enter__(self) -> "_Batches":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._close(error)


def _is_done_row(cells: list[str]) -> bool:
    """BULK-5: a row that carries a valid CCCID was created before and is left untouched."""
    return is_cccid(cells[CCCID_INDEX].strip().upper())


def _decide(
    batches: _Batches,
    runtime: Runtime,
    actor: Actor,
    job_id: int,
    resuming: bool,
    number: int,
    cells: list[str],
    draft: AccountDraft | None,
    problems: str,
    future: Future[str] | None,
) -> Outcome:
    if draft is None and not problems:
        return Outcome(cells, "", "", "")
    session = batches.session()
    if draft is None:
        batches.outcome(job_id, number, "", FAILURE, problems)
        return Outcome(cells, FAILURE, "", problems)
    hashing = required(future, "the password hash")
    lock_account_creation(session)  # on the batch's transaction: a row's savepoint rollback would release it
    row_key = fingerprint(row_values(cells))
    earlier = (
        session.exec(
            select(BulkRow.cccid)
            .join(BulkJob, col(BulkJob.id) == BulkRow.job_id)
            .where(
                BulkRow.fingerprint == row_key,
                BulkRow.status == SUCCESS,
                BulkRow.job_id != job_id,
                BulkJob.college_id == actor.college_id,
            )
        ).first()
        if resuming
        else None
    )
    if earlier is not None:
        hashing.cancel()
        batches.outcome(job_id, number, row_key, SUCCESS, SUCCESS_MESSAGE, cccid=earlier)
        return Outcome(cells, SUCCESS, earlier, SUCCESS_MESSAGE)
    password_hash = hashing.result()
    try:
        with session.begin_nested():
            created = insert_account(
                session,
                runtime,
                actor,
                draft,
                password_hash,
                must_change_password=draft.must_change_password,
                audit_detail=f"Multi Account Creation job {job_id} row {number}",
                deferred_audit=batches.audit_events,
            )
    except DuplicateAccount as duplicate:
        batches.outcome(job_id, number, row_key, FAILURE, str(duplicate))
        return Outcome(cells, FAILURE, "", str(duplicate))
    except IntegrityError:
        # The row's savepoint is rolled back alone; the rows before it stay.
        batches.outcome(job_id, number, row_key, FAILURE, ROW_REFUSED)
        return Outcome(cells, FAILURE, "", ROW_REFUSED)
    batches.outcome(
        job_id, number, row_key, SUCCESS, SUCCESS_MESSAGE, cccid=created.cccid, account_id=created.account_id
    )
    return Outcome(cells, SUCCESS, created.cccid, SUCCESS_MESSAGE)


def template_path(folder: Path) -> Path:
    return folder / TEMPLATE_FILE_NAME


def write_template(path: Path) -> Path:
    """BULK-1: the template, exactly the header, nothing else."""
    write_table(path, TEMPLATE_COLUMNS, [])
    return path


def protect_results(results_csv: Path, password: str) -> Path:
    """Rewrite a results CSV as a password-protected .xlsx beside it and remove the CSV (BULK-7)."""
    with results_csv.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))[1:]
    target = results_csv.with_suffix(".xlsx")
    write_table(target, TEMPLATE_COLUMNS, rows, password=password)
    results_csv.unlink()
    return target
