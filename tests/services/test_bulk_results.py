"""BULK-7, ACC-7: a CSV results file holds no password; the password-protected .xlsx keeps
the password of failed rows only, so the clerk fixes a row and uploads the same workbook
again; its password is long and typed twice; its cells are text without an apostrophe."""

import csv
import io

import msoffcrypto
import openpyxl
import pytest

from openccc_tui.domain.bulk import PASSWORD_INDEX, STATUS_INDEX
from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.services.bulk import bulk_jobs
from openccc_tui.services.bulk.bulk_uploads import open_upload
from openccc_tui.services.errors import ServiceError
from tests import factories
from tests.services.test_bulk import LIMITS, csv_bytes, row, upload

PHONE = TEMPLATE_COLUMNS.index("phone-number")
RESULTS_PASSWORD = "Results pass 2026"


@pytest.fixture
def creator(runtime):
    return factories.staff_actor(runtime, "cory", "creator")


def rows_of_upload():
    """A row that succeeds (with a phone a spreadsheet would run as a formula), one that
    fails, and one skipped because it already has a CCCID."""
    good = row(1, **{"phone-number": "+1 916 445 2844", "phone-type": "mobile"})
    failed = row(2, email="not-an-email", password="Fix#Me#Later77")
    skipped = row(3, status="Success", cccid="ABC1234", message="Successfully added user", password="Old#Row#Pass55")
    return [good, failed, skipped]


def workbook_cells(path, password):
    decrypted = io.BytesIO()
    office = msoffcrypto.OfficeFile(path.open("rb"))
    office.load_key(password=password)
    office.decrypt(decrypted)
    sheet = openpyxl.load_workbook(decrypted).worksheets[0]
    return [list(r) for r in sheet.iter_rows(min_row=2)]


def test_bulk_7_acc_7_a_csv_results_file_holds_no_password_at_all(runtime, creator, tmp_path):
    results = tmp_path / "results.csv"
    bulk_jobs.run_job(runtime, creator, upload(tmp_path, csv_bytes(rows_of_upload())), results)
    text = results.read_text(encoding="utf-8-sig")
    assert "Fix#Me#Later77" not in text and "Old#Row#Pass55" not in text and "Quiet#" not in text
    lines = list(csv.reader(io.StringIO(text)))[1:]
    assert [line[STATUS_INDEX] for line in lines] == ["Success", "Failure", "Success"]
    assert lines[0][PHONE] == "'+1 916 445 2844"  # a CSV cell is neutralised with an apostrophe


def test_bulk_7_protected_results_keep_the_password_of_failed_rows_only(runtime, creator, tmp_path):
    results = tmp_path / "results.xlsx"
    bulk_jobs.run_job(
        runtime, creator, upload(tmp_path, csv_bytes(rows_of_upload())), results, results_password=RESULTS_PASSWORD
    )
    cells = workbook_cells(results, RESULTS_PASSWORD)
    assert [r[STATUS_INDEX].value for r in cells] == ["Success", "Failure", "Success"]
    assert [r[PASSWORD_INDEX].value or "" for r in cells] == ["", "Fix#Me#Later77", ""]
    phone = cells[0][PHONE]
    assert phone.value == "+1 916 445 2844" and phone.data_type == "s"  # text, no apostrophe, no formula


def test_bulk_7_the_fixed_workbook_uploaded_again_creates_only_the_fixed_row(runtime, creator, tmp_path):
    results = tmp_path / "results.xlsx"
    bulk_jobs.run_job(
        runtime, creator, upload(tmp_path, csv_bytes(rows_of_upload())), results, results_password=RESULTS_PASSWORD
    )
    again = open_upload(results, LIMITS, password=RESULTS_PASSWORD)
    fixed = [cells for _, cells in again.rows()]
    fixed[1][TEMPLATE_COLUMNS.index("email")] = "fixed.student@college.edu"
    path = tmp_path / "fixed.csv"
    path.write_bytes(csv_bytes(fixed))
    summary = bulk_jobs.run_job(runtime, creator, open_upload(path, LIMITS), tmp_path / "fixed-results.csv")
    assert (summary.successes, summary.failed, summary.skipped) == (1, 0, 2), summary.failures


def test_bulk_7_protecting_csv_results_puts_back_the_failed_rows_passwords(runtime, creator, tmp_path):
    source = upload(tmp_path, csv_bytes(rows_of_upload()))
    results = tmp_path / "results.csv"
    bulk_jobs.run_job(runtime, creator, source, results)
    target = bulk_jobs.protect_results(results, RESULTS_PASSWORD, source, RESULTS_PASSWORD)
    assert not results.exists() and target.suffix == ".xlsx"
    cells = workbook_cells(target, RESULTS_PASSWORD)
    assert [r[PASSWORD_INDEX].value or "" for r in cells] == ["", "Fix#Me#Later77", ""]


@pytest.mark.parametrize(
    ("password", "confirm", "reason"),
    [
        ("short#Pass1", "short#Pass1", "at least 12 characters"),
        (RESULTS_PASSWORD, RESULTS_PASSWORD + "x", "the two results passwords differ"),
    ],
)
def test_bulk_7_a_results_password_is_long_and_typed_twice(runtime, creator, tmp_path, password, confirm, reason):
    source = upload(tmp_path, csv_bytes(rows_of_upload()))
    results = tmp_path / "results.csv"
    bulk_jobs.run_job(runtime, creator, source, results)
    with pytest.raises(ServiceError, match=reason):
        bulk_jobs.protect_results(results, password, source, confirm)
    assert results.exists()
    with pytest.raises(ServiceError, match="at least 12 characters"):
        bulk_jobs.run_job(runtime, creator, source, tmp_path / "r.xlsx", results_password="x")
