"""BULK-1..9 through the Multi Account Creation service, and the files it reads."""

import csv
import io
import stat
import threading
from datetime import date

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import select

from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.services import account_creation
from openccc_tui.services.bulk import bulk_jobs
from openccc_tui.services.bulk.bulk_uploads import FileRefused, Limits, open_pasted, open_upload
from openccc_tui.services.files import FileExists, FileNotWritten
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import BulkRow, StudentAccount
from tests import factories

HEADER = ",".join(TEMPLATE_COLUMNS)
LIMITS = Limits(max_bytes=50 * 1024 * 1024, max_rows=200_000)


def row(n, **changes):
    values = {
        "email": f"s{n}@college.edu",
        "first": f"Stu{'abcdefghij'[n % 10]}",
        "last": "Dent" + "".join("abcdefghij"[int(d)] for d in f"{n:03d}"),
        "middle": "",
        "suffix": "",
        "preferred": "",
        "dob": "2001-02-03",
        "accepted-terms": "TRUE",
        "homeless": "FALSE",
        "street1": "1 Main St",
        "street2": "",
        "city": "Davis",
        "state": "CA",
        "postal": "95616",
        "country": "US",
        "phone-number": "",
        "phone-type": "",
        "password": f"Quiet#{n}#River26",
        "use_temp_password": "",
        "status": "",
        "cccid": "",
        "message": "",
    } | changes
    return [values[c] for c in TEMPLATE_COLUMNS]


def csv_bytes(rows, header=HEADER, encoding="utf-8", bom=False):
    buffer = io.StringIO(newline="")
    buffer.write(header + "\r\n")
    csv.writer(buffer).writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture
def creator(runtime):
    return factories.staff_actor(runtime, "cory", "creator")


def upload(tmp_path, data, name="students.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return open_upload(path, LIMITS)


def run(runtime, creator, tmp_path, data, name="students.csv", **kwargs):
    results = tmp_path / (name + "-results.csv")
    summary = bulk_jobs.run_job(runtime, creator, upload(tmp_path, data, name), results, **kwargs)
    text = results.read_text(encoding="utf-8-sig")
    return summary, list(csv.reader(io.StringIO(text)))


def test_bulk_1_template_has_exactly_the_header(tmp_path):
    path = bulk_jobs.write_template(bulk_jobs.template_path(tmp_path))
    assert path.name == "bulkAccountCreateTemplate.csv"
    assert path.read_text(encoding="utf-8-sig").strip() == HEADER


def test_bulk_3_rows_in_file_order_with_a_duplicate_failing_the_later_row(runtime, creator, tmp_path):
    summary, rows = run(
        runtime,
        creator,
        tmp_path,
        csv_bytes([row(1), row(2), row(1, first="Other", dob="1999-09-09", password="Birch#Lake77")]),
    )
    assert [r[-3] for r in rows[1:]] == ["Success", "Success", "Failure"]
    assert rows[3][-1] == "A user already exists with email: s1@college.edu"
    assert rows[1][-1] == "Successfully added user" and rows[1][-2] != ""
    assert summary.successes == 2 and summary.failed == 1


def test_bulk_4_all_problems_of_a_row_in_one_message(runtime, creator, tmp_path):
    _, rows = run(
        runtime, creator, tmp_path, csv_bytes([row(1, postal="", **{"accepted-terms": "FALSE", "homeless": "TRUE"})])
    )
    assert rows[1][-1] == (
        "errorCode:invalid.value,field:terms.accepted - the Terms of Use must be accepted (TRUE); "
        "errorCode:invalid.value,field:address.homeless - must be FALSE in an upload; "
        "errorCode:missing.value,field:address.postal_code"
    )


def test_bulk_4_wrong_number_of_cells(runtime, creator, tmp_path):
    _, rows = run(runtime, creator, tmp_path, csv_bytes([row(1)[:-2], row(2)]))
    assert (rows[1][-3], rows[1][-1]) == ("Failure", "Invalid number of columns found!")
    assert rows[2][-3] == "Success"


def test_bulk_2_blank_rows_are_ignored(runtime, creator, tmp_path):
    summary, rows = run(runtime, creator, tmp_path, csv_bytes([row(1), [""] * 22, row(2)]) + b",,,\r\n")
    assert summary.total == 2 and len(rows) == 3


def test_bulk_5_rows_with_a_cccid_are_skipped_untouched(runtime, creator, tmp_path):
    done = row(1, status="Success", cccid="ABC1234", message="Successfully added user", password="")
    summary, rows = run(runtime, creator, tmp_path, csv_bytes([done, row(2)]))
    assert rows[1] == done and summary.skipped == 1
    with read_session(runtime.engine) as session:
        assert len(session.exec(select(StudentAccount)).all()) == 1


def test_bulk_6_use_temp_password(runtime, creator, tmp_path):
    run(
        runtime,
        creator,
        tmp_path,
        csv_bytes([row(1, use_temp_password="TRUE"), row(2), row(3, use_temp_password="false")]),
    )
    with read_session(runtime.engine) as session:
        forced = {a.email: a.must_change_password for a in session.exec(select(StudentAccount))}
    assert forced == {"s1@college.edu": False, "s2@college.edu": True, "s3@college.edu": True}


def test_bulk_7_acc_7_no_password_in_the_results_and_formulas_neutralised(runtime, creator, tmp_path):
    _, rows = run(runtime, creator, tmp_path, csv_bytes([row(1), row(2, postal="=1+1")]))
    assert rows[1][TEMPLATE_COLUMNS.index("password")] == ""
    assert rows[2][TEMPLATE_COLUMNS.index("password")] == ""  # ACC-7: a failed row's too
    assert rows[2][TEMPLATE_COLUMNS.index("postal")] == "'=1+1"
    assert "Quiet#River26" not in (tmp_path / "students.csv-results.csv").read_text(encoding="utf-8-sig")


def test_bulk_7_results_round_trip_changes_and_creates_nothing(runtime, creator, tmp_path):
    _, rows = run(runtime, creator, tmp_path, csv_bytes([row(1), row(2)]))
    results = (tmp_path / "students.csv-results.csv").read_bytes()
    summary, again = run(runtime, creator, tmp_path, results, name="round.csv")
    assert summary.skipped == 2 and summary.successes == 0 and again == rows
    with read_session(runtime.engine) as session:
        assert len(session.exec(select(StudentAccount)).all()) == 2


def test_bulk_8_resume_after_a_crash_creates_no_second_account(runtime, creator, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk_jobs, "BATCH_ROWS", 3)
    data = csv_bytes([row(n) for n in range(6)])
    cancel = threading.Event()

    def stop_after_three(progress):
        if progress.done == 3:
            cancel.set()

    first = bulk_jobs.run_job(runtime, creator, upload(tmp_path, data), None, progress=stop_after_three, cancel=cancel)
    assert first.cancelled and first.successes == 3
    summary, rows = run(runtime, creator, tmp_path, data)
    assert summary.successes == 6 and summary.resumed == 3 and not summary.cancelled
    with read_session(runtime.engine) as session:
        accounts = session.exec(select(StudentAccount)).all()
        created_first = {r.cccid for r in session.exec(select(BulkRow).where(BulkRow.job_id == first.job_id))}
    assert len(accounts) == 6
    assert created_first <= {r[-2] for r in rows[1:]}  # rows done before the crash report their CCCID


def test_hostile_utf8_with_bom_and_crlf(runtime, creator, tmp_path):
    summary, _ = run(runtime, creator, tmp_path, csv_bytes([row(1, first="José")], bom=True))
    assert summary.successes == 1 and summary.note == ""


def test_hostile_cp1252_is_read_and_said(runtime, creator, tmp_path):
    summary, _ = run(runtime, creator, tmp_path, csv_bytes([row(1, first="José")], encoding="cp1252"))
    assert summary.successes == 1 and "Windows-1252" in summary.note
    with read_session(runtime.engine) as session:
        assert session.exec(select(StudentAccount)).one().first_name == "José"


def test_hostile_bytes_that_are_neither_utf8_nor_cp1252_are_refused_naming_the_line(tmp_path):
    data = csv_bytes([row(1)]) + b"x\x81y," * 3 + b"\r\n"
    with pytest.raises(FileRefused, match="line 3 holds the byte 0x81"):
        upload(tmp_path, data)


def test_hostile_quoted_commas_quotes_and_newlines(runtime, creator, tmp_path):
    summary, rows = run(runtime, creator, tmp_path, csv_bytes([row(1, street2='Apt 4, "Rear"\nBuilding B')]))
    assert rows[1][TEMPLATE_COLUMNS.index("street2")].startswith('Apt 4, "Rear"')


def test_hostile_unterminated_quote_fails_the_file_naming_the_line(tmp_path):
    data = csv_bytes([row(1)]) + b'"s2@college.edu,Stu\r\n'
    with pytest.raises(FileRefused, match="line 3"):
        upload(tmp_path, data)


@pytest.mark.parametrize("bad", ["Jo\x00e", "Jo\x1be", "x" * 1001])
def test_hostile_nul_control_and_long_fields_fail_the_row(runtime, creator, tmp_path, bad):
    _, rows = run(runtime, creator, tmp_path, csv_bytes([row(1, first=bad), row(2)]))
    assert rows[1][-3] == "Failure" and "field:name.first" in rows[1][-1]
    assert rows[2][-3] == "Success"


def test_hostile_size_and_row_limits_refuse_before_anything_is_created(runtime, tmp_path):
    data = csv_bytes([row(n) for n in range(5)])
    (tmp_path / "big.csv").write_bytes(data)
    with pytest.raises(FileRefused, match="the limit is"):
        open_upload(tmp_path / "big.csv", Limits(max_bytes=len(data) - 1, max_rows=10))
    with pytest.raises(FileRefused, match="more than 4 rows"):
        open_upload(tmp_path / "big.csv", Limits(max_bytes=len(data), max_rows=4))


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (HEADER + ",notes", "Column 23 ('notes') is not in the template"),
        (HEADER.replace("first,last", "last,first"), "Column 2 of the header is 'last'"),
        (",".join(TEMPLATE_COLUMNS[:5]), "stops before column 6"),
    ],
)
def test_bulk_2_header_mismatch_fails_the_file(tmp_path, header, message):
    with pytest.raises(FileRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        upload(tmp_path, csv_bytes([row(1)], header=header))


def test_bulk_2_xlsx_with_real_date_cells(runtime, creator, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.append(list(TEMPLATE_COLUMNS))
    cells = row(1)
    cells[TEMPLATE_COLUMNS.index("dob")] = date(2001, 2, 3)
    cells[TEMPLATE_COLUMNS.index("postal")] = 95616
    cells[TEMPLATE_COLUMNS.index("accepted-terms")] = True
    cells[TEMPLATE_COLUMNS.index("homeless")] = False
    sheet.append(cells)
    path = tmp_path / "students.xlsx"
    workbook.save(path)
    summary = bulk_jobs.run_job(runtime, creator, open_upload(path, LIMITS), None)
    assert summary.successes == 1, summary.failures


def test_bulk_9_rows_pasted_from_a_spreadsheet(runtime, creator):
    text = "\n".join("\t".join(row(n)) for n in (1, 2))
    summary = bulk_jobs.run_job(runtime, creator, open_pasted(text, LIMITS), None)
    assert summary.successes == 2
    with_header = "\t".join(TEMPLATE_COLUMNS) + "\n" + "\t".join(row(3))
    assert open_pasted(with_header, LIMITS).total_rows == 1


def test_bulk_needs_the_creator_role(runtime, tmp_path):
    from openccc_tui.services.errors import PermissionDenied

    helper = factories.staff_actor(runtime, "sam", "support")
    with pytest.raises(PermissionDenied):
        bulk_jobs.run_job(runtime, helper, upload(tmp_path, csv_bytes([row(1)])), None)


def test_bulk_4_username_and_person_messages(runtime, creator, tmp_path):
    from openccc_tui.store.engine import write_session

    with write_session(runtime.engine) as session:
        session.add(factories.account(cccid="OLD0001", email="legacy@college.edu", username="s1@college.edu"))
        session.add(
            factories.account(
                cccid="OLD0002",
                email="twin1@college.edu",
                first_name="Stuc",
                last_name="Dentaac",
                date_of_birth=date(2001, 2, 3),
            )
        )
        for n in (3, 4):
            session.add(
                factories.account(
                    cccid=f"OLD000{n}",
                    email=f"trip{n}@college.edu",
                    first_name="Stud",
                    last_name="Dentaad",
                    date_of_birth=date(2001, 2, 3),
                )
            )
    _, rows = run(runtime, creator, tmp_path, csv_bytes([row(1), row(2), row(3)]))
    assert [r[-1] for r in rows[1:]] == [
        "A user already exists with username: s1@college.edu",
        "A user already exists for the given firstname, lastname, date-of-birth, please contact support.",
        "Multiple users match on (firstname, lastname, date-of-birth), please contact support.",
    ]


def test_bulk_2_a_row_the_database_refuses_rolls_back_alone(runtime, creator, tmp_path, monkeypatch):
    """A conflict the ADD-3 check did not see (as if another terminal saved the same user
    name in between) fails that row only: its savepoint rolls back, the rest is saved."""
    monkeypatch.setattr(account_creation, "duplicate_message", lambda session, draft: None)
    rows = [row(1, email="same@college.edu"), row(2, email="same@college.edu"), row(3)]
    summary, results = run(runtime, creator, tmp_path, csv_bytes(rows))
    status = TEMPLATE_COLUMNS.index("status")
    message = TEMPLATE_COLUMNS.index("message")
    assert [r[status] for r in results[1:]] == ["Success", "Failure", "Success"]
    assert results[2][message] == bulk_jobs.ROW_REFUSED
    with read_session(runtime.engine) as session:
        saved = session.exec(select(StudentAccount.email)).all()
    assert sorted(saved) == ["s3@college.edu", "same@college.edu"]


def results_of(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))[1:]


def stored_cccids(runtime):
    with read_session(runtime.engine) as session:
        return {a.email: a.cccid for a in session.exec(select(StudentAccount))}


def test_bulk_8_a_different_file_naming_an_existing_student_gets_the_add_3_message(runtime, creator, tmp_path):
    """Another creator's file (different bytes) naming a student the first file created is
    not resumed: the row fails with ADD-3's message, and its password sets nothing."""
    run(runtime, creator, tmp_path, csv_bytes([row(1), row(2)]), name="first.csv")
    before = stored_cccids(runtime)
    other = factories.staff_actor(runtime, "olga", "creator")
    summary, rows = run(
        runtime, other, tmp_path, csv_bytes([row(3), row(1, password="Other#Pass77")]), name="second.csv"
    )
    status, cccid, message = (TEMPLATE_COLUMNS.index(c) for c in ("status", "cccid", "message"))
    assert [(r[status], r[cccid]) for r in rows[1:]] == [("Success", rows[1][cccid]), ("Failure", "")]
    assert rows[2][message] == "A user already exists with email: s1@college.edu"
    assert summary.resumed == 0 and summary.earlier_runs == []
    assert {e: c for e, c in stored_cccids(runtime).items() if e != "s3@college.edu"} == before


def test_bulk_8_a_row_repeated_inside_a_file_stays_already_exists_on_rerun(runtime, creator, tmp_path):
    # The repeat has a password of its own: one password on several rows fails them all (ACC-6b).
    data = csv_bytes([row(1), row(2), row(1, password="Birch#Lake77")])
    first, rows = run(runtime, creator, tmp_path, data)
    status, message = TEMPLATE_COLUMNS.index("status"), TEMPLATE_COLUMNS.index("message")
    expected = ["Success", "Success", "Failure"]
    assert [r[status] for r in rows[1:]] == expected
    (tmp_path / "students.csv-results.csv").unlink()
    again, rerun = run(runtime, creator, tmp_path, data)
    assert [r[status] for r in rerun[1:]] == expected
    assert rerun[3][message] == "A user already exists with email: s1@college.edu"
    assert [r[-2] for r in rerun[1:]] == [r[-2] for r in rows[1:]]
    assert again.resumed == 2 and [run.job_id for run in again.earlier_runs] == [first.job_id]
    assert len(stored_cccids(runtime)) == 2


def test_bulk_7_a_cancelled_job_lists_only_committed_rows(runtime, creator, tmp_path, monkeypatch):
    """BULK-7/8: a cancel stops after the batch being saved; every CCCID in the results
    exists, the job is `cancelled`, and the same file then finishes the rest."""
    monkeypatch.setattr(bulk_jobs, "BATCH_ROWS", 4)
    data = csv_bytes([row(n) for n in range(10)])
    cancel = threading.Event()
    path = tmp_path / "students.csv"
    path.write_bytes(data)
    results = tmp_path / "cancelled-results.csv"
    summary = bulk_jobs.run_job(
        runtime,
        creator,
        open_upload(path, LIMITS),
        results,
        progress=lambda p: cancel.set(),
        cancel=cancel,
    )
    listed = {r[0]: r[-2] for r in results_of(results)}
    assert summary.cancelled and len(listed) == 4 and listed == stored_cccids(runtime)
    assert bulk_jobs.job_status(runtime, summary.job_id) == "cancelled"
    finished = bulk_jobs.run_job(runtime, creator, open_upload(path, LIMITS), tmp_path / "finished-results.csv")
    assert (finished.successes, finished.resumed) == (10, 4)
    assert {r[0]: r[-2] for r in results_of(tmp_path / "finished-results.csv")} == stored_cccids(runtime)


def test_bulk_7_a_role_withdrawn_mid_job_stops_it_with_the_committed_rows_listed(
    runtime, creator, tmp_path, monkeypatch
):
    """STAFF-2 checked at every batch: the job stops, says how far it got, and its results
    name only accounts that exist."""
    from openccc_tui.services.records import get_row
    from openccc_tui.store.engine import write_session
    from openccc_tui.store.models import Staff

    monkeypatch.setattr(bulk_jobs, "BATCH_ROWS", 3)

    def withdraw(progress):
        with write_session(runtime.engine) as session:
            get_row(session, Staff, creator.staff_id).roles = "support"

    path = tmp_path / "students.csv"
    path.write_bytes(csv_bytes([row(n) for n in range(9)]))
    results = tmp_path / "stopped-results.csv"
    with pytest.raises(bulk_jobs.JobInterrupted, match="stopped after 3 of 9 rows were saved") as stopped:
        bulk_jobs.run_job(runtime, creator, open_upload(path, LIMITS), results, progress=withdraw)
    assert {r[0]: r[-2] for r in results_of(results)} == stored_cccids(runtime)
    assert len(stored_cccids(runtime)) == 3
    assert bulk_jobs.job_status(runtime, stopped.value.summary.job_id) == "interrupted"


def test_bulk_7_results_are_never_written_through_a_symlink(runtime, creator, tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me")
    link = tmp_path / "link-results.csv"
    link.symlink_to(elsewhere)
    path = tmp_path / "students.csv"
    path.write_bytes(csv_bytes([row(1)]))
    for replace in (False, True):
        with pytest.raises(FileNotWritten, match="symbolic link"):
            bulk_jobs.run_job(runtime, creator, open_upload(path, LIMITS), link, replace_results=replace)
    assert elsewhere.read_text() == "keep me" and link.is_symlink()
    assert stored_cccids(runtime) == {}


def test_bulk_7_an_existing_results_file_is_replaced_only_when_asked(runtime, creator, tmp_path):
    path = tmp_path / "students.csv"
    path.write_bytes(csv_bytes([row(1)]))
    results = tmp_path / "students-results.csv"
    results.write_text("earlier results")
    results.chmod(0o644)
    with pytest.raises(FileExists):
        bulk_jobs.run_job(runtime, creator, open_upload(path, LIMITS), results)
    assert results.read_text() == "earlier results" and stored_cccids(runtime) == {}
    bulk_jobs.run_job(runtime, creator, open_upload(path, LIMITS), results, replace_results=True)
    assert [r[0] for r in results_of(results)] == ["s1@college.edu"]
    assert stat.S_IMODE(results.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_staff_6_tables_are_written_whole_private_and_not_through_links(tmp_path):
    from openccc_tui.services.spreadsheets import table_writer, write_table

    export = tmp_path / "audit.csv"
    export.write_text("old export")
    export.chmod(0o644)
    with pytest.raises(RuntimeError), table_writer(export, ["a"]) as add:
        add([["1"]])
        raise RuntimeError("stopped half-way")
    assert export.read_text() == "old export"
    write_table(export, ["a"], [["=1+1"]])
    assert export.read_text(encoding="utf-8-sig").splitlines() == ["a", "'=1+1"]
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    link = tmp_path / "tracking.csv"
    link.symlink_to(export)
    with pytest.raises(FileNotWritten, match="symbolic link"):
        write_table(link, ["a"], [])
    assert export.read_text(encoding="utf-8-sig").splitlines() == ["a", "'=1+1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.csv", "tracking.csv"]


def test_staff_6_temporary_files_of_a_killed_writer_are_removed(tmp_path):
    """A writer killed mid-file leaves a private temporary file; the next write of the same
    file removes it, and leaves alone one whose writer still runs."""
    import os
    import subprocess
    import sys

    from openccc_tui.services.files import HOST
    from openccc_tui.services.spreadsheets import write_table

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f".results.csv.{HOST}.{gone.stdout.strip()}.x1y2.tmp"
    running = tmp_path / f".results.csv.{HOST}.{os.getpid()}.x3y4.tmp"
    for path in (orphan, running):
        path.write_text("student rows")
    write_table(tmp_path / "results.csv", ["a"], [["1"]])
    assert sorted(p.name for p in tmp_path.iterdir()) == [running.name, "results.csv"]
