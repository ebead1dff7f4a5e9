"""ACC-6a through Add User, Update Password and Multi Account Creation, and ACC-6b: one
password on several rows of an upload fails all of those rows before any account is made."""

import csv
import io

import openpyxl
import pytest
from sqlmodel import func, select

from openccc_tui.domain.policy import COMMON_LABEL
from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.services import account_creation
from openccc_tui.services.bulk import bulk_jobs
from openccc_tui.services.bulk.bulk_uploads import open_pasted, open_upload
from openccc_tui.services.errors import InvalidInput
from openccc_tui.services.student import student_profile
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import College, Staff, StudentAccount
from tests import factories
from tests.domain.test_common_passwords import DECORATED
from tests.services.test_bulk import LIMITS, csv_bytes, row, run

PASSWORD = TEMPLATE_COLUMNS.index("password")
STATUS, MESSAGE = TEMPLATE_COLUMNS.index("status"), TEMPLATE_COLUMNS.index("message")


@pytest.fixture
def creator(runtime):
    return factories.staff_actor(runtime, "cory", "creator")


def account_count(runtime) -> int:
    with read_session(runtime.engine) as session:
        return session.exec(select(func.count()).select_from(StudentAccount)).one()


def name_the_college(runtime, actor, name: str) -> None:
    with write_session(runtime.engine) as session:
        staff = session.get_one(Staff, actor.staff_id)
        session.get_one(College, staff.college_id).name = name


def _written(tmp_path, data: bytes, name: str = "checked.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_acc_6a_add_user_refuses_every_decorated_common_password(runtime, creator):
    name_the_college(runtime, creator, "Excelsior College")
    for password in DECORATED:
        values = factories.STUDENT_FORM | {"password": password, "password-confirm": password}
        with pytest.raises(InvalidInput) as raised:
            account_creation.add_user(runtime, creator, values, permission_reference="paper form 7")
        hints = [e.hint for e in raised.value.errors if e.path == "password"]
        assert len(hints) == 1 and COMMON_LABEL.lower() + " (it " in hints[0], (password, raised.value.errors)
    assert account_count(runtime) == 0
    created = account_creation.add_user(runtime, creator, factories.STUDENT_FORM, permission_reference="paper form 7")
    assert created.cccid


def test_acc_6a_add_user_knows_the_creators_college(runtime, creator):
    name_the_college(runtime, creator, "Excelsior Community College")
    values = factories.STUDENT_FORM | {"password": "Excelsior#2026", "password-confirm": "Excelsior#2026"}
    with pytest.raises(InvalidInput) as raised:
        account_creation.add_user(runtime, creator, values, permission_reference="paper form 7")
    assert [e.hint for e in raised.value.errors] == [
        f"rules not met: {COMMON_LABEL.lower()} (it contains OpenCCC or the college's name)"
    ]


def test_acc_6a_update_password_refuses_decorated_common_passwords(runtime):
    account_id = factories.stored_student(runtime)
    for password in ("Summer2024!", "P@$$w0rd1", "Welcome1!", "OpenCCC2026!", "Qwerty123!"):
        problem = student_profile.change_password(runtime, account_id, password, password, why="test")
        assert problem is not None and "common or easily guessed password (it " in problem, (password, problem)
    with read_session(runtime.engine) as session:
        stored = session.get_one(StudentAccount, account_id).password_hash
    assert runtime.hasher.verify(factories.STUDENT_PASSWORD, stored).ok
    assert student_profile.change_password(runtime, account_id, "Tiger#Lake9", "Tiger#Lake9", why="test") is None


def test_acc_6a_every_decorated_common_password_fails_its_row_and_makes_no_account(runtime, creator, tmp_path):
    rows = [row(n, password=password) for n, password in enumerate(DECORATED, start=1)]
    summary, results = run(runtime, creator, tmp_path, csv_bytes(rows))
    assert summary.failed == len(DECORATED) and summary.successes == 0
    for cells in results[1:]:
        assert cells[STATUS] == "Failure"
        assert f"errorCode:invalid.value,field:password - rules not met: {COMMON_LABEL.lower()} (it " in cells[MESSAGE]
        assert cells[PASSWORD] == ""
    assert account_count(runtime) == 0


def test_acc_6b_one_password_on_several_rows_fails_all_of_them(runtime, creator, tmp_path):
    rows = [
        row(1, password="Maple#Kettle7"),
        row(2),
        row(3, password="Maple#Kettle7"),
        row(4),
        row(5, password="Maple#Kettle7"),
    ]
    data = csv_bytes(rows)
    checked = open_upload(_written(tmp_path, data), LIMITS)
    assert set(checked.same_password) == {2, 4, 6}, "found while the file is checked, before any account"
    assert "Maple#Kettle7" not in repr(vars(checked))
    summary, results = run(runtime, creator, tmp_path, data)
    assert [r[STATUS] for r in results[1:]] == ["Failure", "Success", "Failure", "Success", "Failure"]
    message = "errorCode:invalid.value,field:password - the same password is on rows 2, 4, 6"
    assert [r[MESSAGE] for r in results[1::2]] == [message] * 3
    assert summary.successes == 2 and account_count(runtime) == 2


def test_acc_6b_passwords_differing_only_in_their_decoration_fail_together(runtime, creator, tmp_path):
    rows = [row(1, password="Maple#Kettle01"), row(2, password="Maple#Kettle02"), row(3, password="!maple#kettle")]
    summary, results = run(runtime, creator, tmp_path, csv_bytes(rows))
    assert summary.failed == 3 and account_count(runtime) == 0
    assert results[1][MESSAGE] == (
        "errorCode:invalid.value,field:password - "
        "the same password, but for digits or symbols at the ends, is on rows 2, 3, 4"
    )


def test_acc_6b_rows_already_done_and_blank_passwords_are_not_compared(runtime, creator, tmp_path):
    done = row(1, password="", cccid="ABC1234", status="Success")
    rows = [done, row(2, password=""), row(3, password=""), row(4, password="Maple#Kettle7")]
    checked = open_upload(_written(tmp_path, csv_bytes(rows)), LIMITS)
    assert checked.same_password == {}
    summary, results = run(runtime, creator, tmp_path, csv_bytes(rows))
    assert summary.skipped == 1 and summary.successes == 1
    assert results[2][MESSAGE] == "errorCode:missing.value,field:password"


def test_acc_6b_a_shared_password_also_on_the_common_list_gives_both_reasons(runtime, creator, tmp_path):
    rows = [row(1, password="Welcome1!"), row(2, password="Welcome1!")]
    summary, results = run(runtime, creator, tmp_path, csv_bytes(rows))
    assert summary.failed == 2
    assert COMMON_LABEL.lower() in results[1][MESSAGE] and "the same password is on rows 2, 3" in results[1][MESSAGE]


def test_acc_6b_pasted_rows_and_xlsx_are_checked_the_same_way(runtime, creator, tmp_path):
    pasted = open_pasted("\n".join("\t".join(row(n, password="Maple#Kettle7")) for n in (1, 2)), LIMITS)
    assert pasted.same_password == dict.fromkeys((2, 3), "the same password is on rows 2, 3")
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(list(TEMPLATE_COLUMNS))
    for n in (1, 2, 3):
        sheet.append(row(n, password="Maple#Kettle7" if n != 2 else "Quiet#Brook55"))
    path = tmp_path / "students.xlsx"
    workbook.save(path)
    upload = open_upload(path, LIMITS)
    assert upload.same_password == dict.fromkeys((2, 4), "the same password is on rows 2, 4")
    summary = bulk_jobs.run_job(runtime, creator, upload, None)
    assert summary.successes == 1 and summary.failed == 2 and account_count(runtime) == 1


def test_acc_6b_a_long_list_of_rows_is_shortened_in_the_message(tmp_path):
    rows = [row(n, password="Maple#Kettle7") for n in range(1, 15)]
    upload = open_upload(_written(tmp_path, csv_bytes(rows)), LIMITS)
    assert upload.same_password[2] == "the same password is on rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 4 more"


def test_acc_6b_the_results_file_holds_no_password(runtime, creator, tmp_path):
    rows = [row(1, password="Maple#Kettle7"), row(2, password="Maple#Kettle7")]
    _, results = run(runtime, creator, tmp_path, csv_bytes(rows))
    text = io.StringIO()
    csv.writer(text).writerows(results)
    assert "Maple#Kettle7" not in text.getvalue() and "maple" not in text.getvalue().lower()
