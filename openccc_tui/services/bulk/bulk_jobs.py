"""Multi Account Creation (SPEC BULK-2..8): process an upload in file order, a batch of
rows at a time, in three steps:

1. prepare, with no transaction open: read and check the rows; a row that an earlier run
   of the same file created is found again (BULK-8) and needs nothing more; the other
   rows' passwords go to worker threads (argon2 releases the GIL).
2. commit, once every hash of the batch is ready: one write transaction checks ADD-3 and
   inserts the rows in file order, each in its own savepoint (a row the database refuses
   rolls back alone), writes their audit events and outcomes and the job's heartbeat.
   No password is hashed while it is open, so the SQLite write lock is held for
   milliseconds and sign-ins on other terminals never wait behind a hash.
3. report: only then are the rows written to the results file and counted, so a results
   file never names a CCCID that is not committed, whatever stops the job (BULK-7).

A job records the process that runs it; one whose process is gone is `interrupted`, and
uploading the same file again finishes it without creating anything twice.
"""

import csv
import logging
import os
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, select, update

from openccc_tui.domain.bulk import (
    CCCID_INDEX,
    FAILURE,
    INVALID_COLUMNS,
    PASSWORD_INDEX,
    STATUS_INDEX,
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
from openccc_tui.services.account_creation import DuplicateAccount, college_name, insert_account
from openccc_tui.services.audit import Actor
from openccc_tui.services.bulk.bulk_uploads import Row, Upload
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.files import check_target, process_alive
from openccc_tui.services.permissions import authorise
from openccc_tui.services.records import saved_id, stored_ids
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.spreadsheets import AddRows, table_writer, write_table
from openccc_tui.store.account_rows import lock_account_creation
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import BulkJob, BulkRow

_INSERT_OUTCOME = BulkRow.metadata.tables["bulk_row"].insert()
ROW_REFUSED = "The database refused this row: it conflicts with an account saved at the same time. Upload it again."
BATCH_ROWS = 50
BATCHES_AHEAD = 2
"""Batches whose passwords are being hashed while the one before is committed."""
CANCEL_POLL_SECONDS = 0.05

RUNNING, DONE, CANCELLED, INTERRUPTED = "running", "done", "cancelled", "interrupted"
JOB_SILENCE = timedelta(minutes=10)
"""A running job commits a batch every second or so; one silent for this long is gone."""
HOST = socket.gethostname()[:255]
EARLIER_RUNS_SHOWN = 3

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class EarlierRun:
    """A job that processed the same file before (BULK-8)."""

    job_id: int
    status: str
    done_rows: int
    total_rows: int

    def describe(self) -> str:
        return f"job {self.job_id}, {self.status} after {self.done_rows} of {self.total_rows} rows"


@dataclass
class Summary:
    job_id: int
    total: int
    successes: int = 0
    resumed: int = 0
    """Successes that an earlier run of the same file created: reported, not created again."""
    skipped: int = 0
    cancelled: bool = False
    failures: Counter[str] = field(default_factory=Counter)
    note: str = ""
    earlier_runs: list[EarlierRun] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def count(self, outcome: "Outcome") -> None:
        if outcome.status == "":
            self.skipped += 1
        elif outcome.status == SUCCESS:
            self.successes += 1
            self.resumed += outcome.resumed
        else:
            self.failures[outcome.message] += 1

    def line(self) -> str:
        text = f"{self.successes} Success, {self.failed} Failure"
        if self.skipped:
            text += f" ({self.skipped} skipped: they already have a CCCID)"
        done = self.successes + self.failed
        text = f"Processed {done} of {self.total} rows: {text}."
        if self.resumed:
            text += f" {self.resumed} of the accounts were created by an earlier run of this file."
        return text + (" Cancelled before the end." if self.cancelled else "")

    def earlier_line(self) -> str:
        """What an earlier run of the same file did, or ''."""
        if not self.earlier_runs:
            return ""
        runs = "; ".join(run.describe() for run in self.earlier_runs[-EARLIER_RUNS_SHOWN:])
        if len(self.earlier_runs) > EARLIER_RUNS_SHOWN:
            runs = f"{len(self.earlier_runs)} times; the latest: {runs}"
        return f"This file was uploaded before ({runs}): the rows those runs created keep their CCCID."


class JobInterrupted(ServiceError):
    """The job stopped before the end; the rows committed until then stay, with their results."""

    def __init__(self, message: str, summary: Summary) -> None:
        super().__init__(message)
        self.summary = summary


@dataclass(frozen=True)
class Outcome:
    cells: list[str]
    status: str
    cccid: str
    message: str
    resumed: bool = False
    account_id: int | None = None


@dataclass
class _Row:
    number: int
    cells: list[str]
    draft: AccountDraft | None = None
    key: str = ""
    """The row's fingerprint: who it is about (BULK-8)."""
    password_hash: Future[str] | None = None
    decided: Outcome | None = None
    """Known before the commit: skipped, refused by the checks, or created by an earlier run."""


@dataclass(frozen=True)
class _Job:
    id: int
    college_id: int
    file_sha256: str
    earlier_ids: tuple[int, ...]


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
    replace_results: bool = False,
    progress: Callable[[Progress], None] = lambda _: None,
    cancel: threading.Event | None = None,
) -> Summary:
    """Process `upload` for the creator `actor`; write the results file when a path is given.

    An existing results file is replaced only when `replace_results` says so. A job that
    stops on an error raises JobInterrupted once the rows committed before it are in the
    results file."""
    cancel = cancel or threading.Event()
    if results_path is not None:
        check_target(results_path, replace=replace_results)
    if results_password is not None:
        check_results_password(results_password)
    try:
        job = _start_job(runtime, actor, upload)
    except SQLAlchemyError as error:
        raise ServiceError(f"The job did not start: {_reason(error)}. Nothing was created.") from error
    summary = Summary(
        job_id=job.id, total=upload.total_rows, note=upload.note, earlier_runs=_earlier_runs(runtime, job)
    )
    results = _results(results_path, results_password, replace_results)
    stopped = _process(runtime, actor, upload, job, summary, results, progress, cancel, results_password is not None)
    _end_job(runtime, job.id, summary, INTERRUPTED if stopped else CANCELLED if summary.cancelled else DONE)
    if isinstance(stopped, SQLAlchemyError | ServiceError):
        raise JobInterrupted(_stopped_message(summary, _reason(stopped), results_path), summary) from stopped
    if stopped is not None:
        raise stopped
    return summary


def _process(
    runtime: Runtime,
    actor: Actor,
    upload: Upload,
    job: _Job,
    summary: Summary,
    results: AbstractContextManager[AddRows],
    progress: Callable[[Progress], None],
    cancel: threading.Event,
    keep_failed_passwords: bool,
) -> BaseException | None:
    """Commit the batches and write each one's results; returns what stopped the job early,
    if anything did, once the rows committed before it are in the results file."""
    started = time.monotonic()
    batches = _committed_batches(runtime, actor, upload, job, summary, cancel)
    try:
        with results as add_rows:
            while True:
                try:
                    outcomes = next(batches)
                except StopIteration:
                    return None
                except BaseException as error:  # the rows committed so far still get their results
                    return error
                add_rows(_result_rows(outcomes, keep_failed_passwords))
                done = summary.successes + summary.failed + summary.skipped
                progress(Progress(done=done, total=summary.total, started=started))
    except BaseException as error:
        batches.close()
        _end_job(runtime, job.id, summary, INTERRUPTED)
        if isinstance(error, ServiceError):
            reason = f"the results file could not be written ({error})"
            raise JobInterrupted(_stopped_message(summary, reason), summary) from error
        raise


def _reason(error: BaseException) -> str:
    if isinstance(error, DBAPIError) and error.orig is not None:
        return "the database said: " + (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]
    return str(error)


def _stopped_message(summary: Summary, reason: str, results_path: Path | None = None) -> str:
    saved = summary.successes + summary.failed
    where = f" Their results are in {results_path.name}." if results_path is not None and saved else ""
    return (
        f"The job stopped after {saved} of {summary.total} rows were saved: {reason}.{where} "
        "Upload the same file again to finish it: nothing is created twice."
    )


def _results(path: Path | None, password: str | None, replace: bool) -> AbstractContextManager[AddRows]:
    if path is None:
        return nullcontext(_count_rows)
    return table_writer(path, TEMPLATE_COLUMNS, password=password, replace=replace)


def _count_rows(rows: Iterable[Sequence[str]]) -> int:
    return sum(1 for _ in rows)


def _result_rows(outcomes: list[Outcome], keep_failed_passwords: bool) -> list[list[str]]:
    """A skipped row (status "") is written as it came, less its password."""
    return [
        result_cells(o.cells, o.status, o.cccid, o.message, keep_failed_password=keep_failed_passwords)
        for o in outcomes
    ]


def _start_job(runtime: Runtime, actor: Actor, upload: Upload) -> _Job:
    """Record the job and who runs it; earlier runs of the same file whose process is gone
    are marked interrupted."""
    with write_session(runtime.engine) as session:
        creator = authorise(session, actor, Role.CREATOR)
        now = runtime.clock()
        job = BulkJob(
            staff_id=saved_id(creator),
            college_id=creator.college_id,
            file_name=upload.name[:255],
            file_sha256=upload.sha256,
            total_rows=upload.total_rows,
            created_at=now,
            owner_host=HOST,
            owner_pid=os.getpid(),
            heartbeat_at=now,
        )
        session.add(job)
        session.flush()
        earlier = session.exec(
            select(BulkJob)
            .where(
                BulkJob.college_id == creator.college_id,
                BulkJob.file_sha256 == upload.sha256,
                col(BulkJob.id) != job.id,
            )
            .order_by(col(BulkJob.id))
        ).all()
        for run in earlier:
            if run.status == RUNNING and _owner_gone(run, now):
                run.status = INTERRUPTED
        return _Job(saved_id(job), creator.college_id, upload.sha256, tuple(stored_ids(run.id for run in earlier)))


def _earlier_runs(runtime: Runtime, job: _Job) -> list[EarlierRun]:
    if not job.earlier_ids:
        return []
    with read_session(runtime.engine) as session:
        runs = session.exec(select(BulkJob).where(col(BulkJob.id).in_(job.earlier_ids)).order_by(col(BulkJob.id)))
        return [EarlierRun(saved_id(run), run.status, run.done_rows, run.total_rows) for run in runs]


def _owner_gone(job: BulkJob, now: datetime) -> bool:
    """Whether a `running` job's process has ended: it ran on this host and its process is
    no more (or a zombie), or it has committed nothing for JOB_SILENCE."""
    same_host = job.owner_host == HOST and job.owner_pid is not None and job.owner_pid != os.getpid()
    if same_host and job.owner_pid is not None and not process_alive(job.owner_pid):
        return True
    heartbeat = job.heartbeat_at or job.created_at
    return heartbeat < now - JOB_SILENCE


def job_status(runtime: Runtime, job_id: int) -> str:
    """The job's status, `interrupted` for a running job whose process is gone (recorded so)."""
    with write_session(runtime.engine) as session:
        job = session.get(BulkJob, job_id)
        if job is None:
            raise ServiceError(f"no Multi Account Creation job {job_id}")
        if job.status == RUNNING and _owner_gone(job, runtime.clock()):
            job.status = INTERRUPTED
        return job.status


def _end_job(runtime: Runtime, job_id: int, summary: Summary, status: str) -> None:
    """Record how the job ended. When the database cannot take it (it is full, or gone), the
    job stays `running` and shows as interrupted once this process has ended."""
    try:
        with write_session(runtime.engine) as session:
            session.execute(
                update(BulkJob)
                .where(col(BulkJob.id) == job_id)
                .values(status=status, done_rows=summary.successes + summary.failed, finished_at=runtime.clock())
            )
    except SQLAlchemyError as error:
        log.warning("Multi Account Creation job %s could not be marked %s: %s", job_id, status, type(error).__name__)


def _committed_batches(
    runtime: Runtime, actor: Actor, upload: Upload, job: _Job, summary: Summary, cancel: threading.Event
) -> Generator[list[Outcome], None, None]:
    """The outcomes of each batch, in file order, once the batch is committed."""
    with read_session(runtime.engine) as session:
        college = college_name(session, actor.college_id)
    ctx = CheckContext(
        runtime.profile, runtime.common_passwords, runtime.clock().date(), bulk=True, college_name=college
    )
    pool = ThreadPoolExecutor(max_workers=runtime.settings.hash_workers, thread_name_prefix="bulk-hash")
    try:
        source = iter(upload.rows())
        ahead: deque[list[_Row]] = deque()
        while True:
            while len(ahead) < BATCHES_AHEAD:
                chunk = list(islice(source, BATCH_ROWS))
                if not chunk:
                    break
                ahead.append(_prepare(runtime, job, chunk, ctx, pool, upload.same_password))
            if not ahead:
                return
            batch = ahead.popleft()
            if not _hashes_ready(batch, cancel):
                summary.cancelled = True
                return
            outcomes = _commit(runtime, actor, job, batch)
            for outcome in outcomes:
                summary.count(outcome)
            yield outcomes
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _prepare(
    runtime: Runtime,
    job: _Job,
    chunk: list[Row],
    ctx: CheckContext,
    pool: ThreadPoolExecutor,
    same_password: dict[int, str],
) -> list[_Row]:
    rows = []
    for number, cells in chunk:
        row = _Row(number, cells)
        if len(cells) == len(TEMPLATE_COLUMNS) and cells[CCCID_INDEX].strip() and _is_done_row(cells):
            row.decided = Outcome(cells, "", "", "")
        else:
            row.draft, problems = _row_problems(cells, ctx, same_password.get(number))
            if row.draft is None:
                row.decided = Outcome(cells, FAILURE, "", problems)
            else:
                row.key = fingerprint(row_values(cells))
        rows.append(row)
    created_before = _created_by_earlier_runs(runtime, job, [row.number for row in rows if row.draft is not None])
    for row in rows:
        if row.draft is None:
            continue
        earlier = created_before.get((row.number, row.key))
        if earlier is not None:
            row.decided = Outcome(row.cells, SUCCESS, earlier[0], SUCCESS_MESSAGE, resumed=True, account_id=earlier[1])
        else:
            row.password_hash = pool.submit(runtime.hasher.hash, row.draft.password)
    return rows


def _created_by_earlier_runs(
    runtime: Runtime, job: _Job, numbers: list[int]
) -> dict[tuple[int, str], tuple[str, int | None]]:
    """Rows of this batch that an earlier run of the same file created, by (row number,
    fingerprint): BULK-8 resumes those and nothing else."""
    if not job.earlier_ids or not numbers:
        return {}
    with read_session(runtime.engine) as session:
        found = session.exec(
            select(BulkRow.row_number, BulkRow.fingerprint, BulkRow.cccid, BulkRow.account_id).where(
                col(BulkRow.job_id).in_(job.earlier_ids),
                col(BulkRow.row_number).in_(numbers),
                BulkRow.status == SUCCESS,
            )
        ).all()
    return {(number, key): (cccid, account_id) for number, key, cccid, account_id in found if cccid}


def _hashes_ready(batch: list[_Row], cancel: threading.Event) -> bool:
    """Wait, with no transaction open, until the batch's passwords are hashed; False on cancel."""
    pending = {row.password_hash for row in batch if row.password_hash is not None}
    while pending and not cancel.is_set():
        done, pending = wait(pending, timeout=CANCEL_POLL_SECONDS, return_when=FIRST_EXCEPTION)
        for future in done:
            future.result()  # a hashing error stops the job here, before anything of the batch is written
    return not cancel.is_set()


def _commit(runtime: Runtime, actor: Actor, job: _Job, batch: list[_Row]) -> list[Outcome]:
    """Check ADD-3 and create the batch's rows in one transaction; their outcomes once committed.

    A row the database refuses (a conflict the ADD-3 check could not see) must fail alone:
    the batch is then done again with a savepoint per row. Savepoints cost two round trips
    a row, and such a conflict is rare, so the first attempt goes without them."""
    if all(row.decided is not None and row.decided.status == "" for row in batch):
        return [row.decided for row in batch if row.decided is not None]
    try:
        return _commit_batch(runtime, actor, job, batch, savepoints=False)
    except IntegrityError:
        return _commit_batch(runtime, actor, job, batch, savepoints=True)


def _commit_batch(runtime: Runtime, actor: Actor, job: _Job, batch: list[_Row], *, savepoints: bool) -> list[Outcome]:
    outcomes: list[Outcome] = []
    events: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    with write_session(runtime.engine) as session:
        authorise(session, actor, Role.CREATOR)  # a role withdrawn during a long job stops it
        if any(row.decided is None for row in batch):
            # ADD-3: once per batch transaction, on the outer one, before the first duplicate
            # check; a row's savepoint rollback would release a lock taken inside it.
            lock_account_creation(session)
        for row in batch:
            outcome = row.decided or _create(session, runtime, actor, job, row, events, savepoint=savepoints)
            outcomes.append(outcome)
            if outcome.status != "":
                records.append(_record(job.id, row, outcome))
        audit.record_all(session, events)
        if records:
            session.execute(_INSERT_OUTCOME, records)
        session.execute(
            update(BulkJob)
            .where(col(BulkJob.id) == job.id)
            .values(done_rows=BulkJob.done_rows + len(records), heartbeat_at=runtime.clock())
        )
    return outcomes


def _record(job_id: int, row: _Row, outcome: Outcome) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "row_number": row.number,
        "fingerprint": row.key,
        "status": outcome.status,
        "cccid": outcome.cccid or None,
        "message": outcome.message[:2000],
        "account_id": outcome.account_id,
    }


def _create(
    session: Session,
    runtime: Runtime,
    actor: Actor,
    job: _Job,
    row: _Row,
    events: list[dict[str, Any]],
    *,
    savepoint: bool,
) -> Outcome:
    draft, password_hash = row.draft, row.password_hash
    if draft is None or password_hash is None:
        raise RuntimeError(f"row {row.number} was neither decided nor hashed")
    try:
        with session.begin_nested() if savepoint else nullcontext():
            created = insert_account(
                session,
                runtime,
                actor,
                draft,
                password_hash.result(),
                must_change_password=draft.must_change_password,
                audit_detail=f"Multi Account Creation job {job.id} row {row.number}",
                deferred_audit=events,
            )
    except DuplicateAccount as duplicate:
        # Under the account-creation lock: a run of the same file that committed this very
        # row meanwhile is resumed; anyone else gets the ADD-3 message, whatever the timing.
        earlier = _created_by_a_run_of_this_file(session, job, row)
        if earlier is None:
            return Outcome(row.cells, FAILURE, "", str(duplicate))
        return Outcome(row.cells, SUCCESS, earlier[0], SUCCESS_MESSAGE, resumed=True, account_id=earlier[1])
    except IntegrityError:
        if not savepoint:
            raise  # the whole batch is done again, a savepoint per row
        return Outcome(row.cells, FAILURE, "", ROW_REFUSED)
    return Outcome(row.cells, SUCCESS, created.cccid, SUCCESS_MESSAGE, account_id=created.account_id)


def _created_by_a_run_of_this_file(session: Session, job: _Job, row: _Row) -> tuple[str, int | None] | None:
    found = session.exec(
        select(BulkRow.cccid, BulkRow.account_id)
        .join(BulkJob, col(BulkJob.id) == BulkRow.job_id)
        .where(
            BulkRow.fingerprint == row.key,
            BulkRow.row_number == row.number,
            BulkRow.status == SUCCESS,
            col(BulkRow.job_id) != job.id,
            BulkJob.file_sha256 == job.file_sha256,
            BulkJob.college_id == job.college_id,
        )
        .limit(1)
    ).first()
    if found is None or not found[0]:
        return None
    return found[0], found[1]


def _is_done_row(cells: list[str]) -> bool:
    """BULK-5: a row that carries a valid CCCID was created before and is left untouched."""
    return is_cccid(cells[CCCID_INDEX].strip().upper())


def template_path(folder: Path) -> Path:
    return folder / TEMPLATE_FILE_NAME


def write_template(path: Path) -> Path:
    """BULK-1: the template, exactly the header, nothing else."""
    write_table(path, TEMPLATE_COLUMNS, [])
    return path


MIN_RESULTS_PASSWORD = 12


def check_results_password(password: str, confirm: str | None = None) -> None:
    """BULK-7: the password of a results workbook holds failed rows' passwords, so it is long
    and, when typed on a page, typed twice."""
    if len(password) < MIN_RESULTS_PASSWORD:
        raise ServiceError(f"a results password has at least {MIN_RESULTS_PASSWORD} characters")
    if confirm is not None and confirm != password:
        raise ServiceError("the two results passwords differ: type the same password twice")


def protect_results(results_csv: Path, password: str, upload: Upload | None = None, confirm: str | None = None) -> Path:
    """Rewrite a results CSV as a password-protected .xlsx beside it and remove the CSV (BULK-7).

    Given the upload, failed rows get back their password from it (the CSV holds none), in
    file order as the results were written, checked row by row against the email."""
    check_results_password(password, confirm)
    with results_csv.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))[1:]
    if upload is not None:
        for result, (_, cells) in zip(rows, upload.rows(), strict=False):
            if result[STATUS_INDEX] == FAILURE and len(cells) > PASSWORD_INDEX and cells[0] == result[0]:
                result[PASSWORD_INDEX] = cells[PASSWORD_INDEX]
    target = results_csv.with_suffix(".xlsx")
    write_table(target, TEMPLATE_COLUMNS, rows, password=password, replace=False)
    results_csv.unlink()
    return target
