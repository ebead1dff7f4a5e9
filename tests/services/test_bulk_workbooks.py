"""BULK-7a: workbooks as real spreadsheet applications save them — boolean cells, the 1/0
numbers with a `TRUE()` formula that LibreOffice writes, postal codes stored as numbers,
date cells — and password-protected workbooks."""

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.services.bulk import bulk_jobs
from openccc_tui.services.bulk.bulk_uploads import FileRefused, PasswordNeeded, WrongPassword, open_upload
from tests import factories
from tests.services.test_bulk import LIMITS, row

KEYWORD_COLUMNS = {"accepted_terms": "accepted-terms"}
COLUMN_LETTERS = {column: get_column_letter(i) for i, column in enumerate(TEMPLATE_COLUMNS, 1)}


@pytest.fixture
def creator(runtime):
    return factories.staff_actor(runtime, "cory", "creator")


def workbook_bytes(rows: list[list[object]], formulas: dict[str, str] | None = None) -> bytes:
    """An .xlsx of the template's header and `rows`; `formulas` maps a cell (e.g. "H2") that
    holds a number to the formula LibreOffice keeps beside it (e.g. "TRUE()")."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.append(list(TEMPLATE_COLUMNS))
    for cells in rows:
        sheet.append(cells)
    plain = io.BytesIO()
    workbook.save(plain)
    if not formulas:
        return plain.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, formula in formulas.items():
                    text, found = re.subn(rf'(<c r="{ref}"[^>]*t="n"[^>]*>)(<v>)', rf"\g<1><f>{formula}</f>\g<2>", text)
                    assert found == 1, ref
                data = text.encode()
            target.writestr(info, data)
    return out.getvalue()


def job(runtime, creator, path: Path, password: str | None = None) -> tuple[bulk_jobs.Summary, list[list[str]]]:
    results = path.with_name(path.stem + "-results.csv")
    summary = bulk_jobs.run_job(runtime, creator, open_upload(path, LIMITS, password=password), results)
    return summary, list(csv.reader(io.StringIO(results.read_text(encoding="utf-8-sig"))))[1:]


def cell(cells: list[str], column: str) -> str:
    return cells[TEMPLATE_COLUMNS.index(column)]


def with_cells(n: int, **values: object) -> list[object]:
    """Row `n` of test_bulk with some cells holding other values than text."""
    cells: list[object] = list(row(n))
    for column, value in values.items():
        cells[TEMPLATE_COLUMNS.index(KEYWORD_COLUMNS.get(column, column))] = value
    return cells


def test_bulk_7a_boolean_cells_numbers_true_formulas_and_text_in_any_case(runtime, creator, tmp_path):
    terms, homeless, temp = (f"{COLUMN_LETTERS[c]}" for c in ("accepted-terms", "homeless", "use_temp_password"))
    rows = [
        with_cells(1, accepted_terms=True, homeless=False, use_temp_password=True),
        with_cells(2, accepted_terms=1, homeless=0, use_temp_password=0),
        with_cells(3, accepted_terms=1, homeless=0, use_temp_password=1),
        with_cells(4, accepted_terms="true", homeless="False", use_temp_password="tRUE"),
        with_cells(5, accepted_terms=1.0, homeless=0.0, use_temp_password=None),
    ]
    formulas = {f"{terms}4": "TRUE()", f"{homeless}4": "FALSE()", f"{temp}4": "TRUE()"}
    path = tmp_path / "booleans.xlsx"
    path.write_bytes(workbook_bytes(rows, formulas))
    read = [cells for _, cells in open_upload(path, LIMITS).rows()]
    assert [[cell(c, k) for k in ("accepted-terms", "homeless", "use_temp_password")] for c in read] == [
        ["TRUE", "FALSE", "TRUE"],
        ["TRUE", "FALSE", "FALSE"],
        ["TRUE", "FALSE", "TRUE"],
        ["true", "False", "tRUE"],
        ["TRUE", "FALSE", ""],
    ]
    summary, results = job(runtime, creator, path)
    assert summary.successes == 5, summary.failures
    assert [cell(r, "status") for r in results] == ["Success"] * 5


def test_bulk_7a_a_number_other_than_1_or_0_in_a_boolean_column_fails_the_row(runtime, creator, tmp_path):
    path = tmp_path / "two.xlsx"
    path.write_bytes(workbook_bytes([with_cells(1, homeless=2)]))
    summary, results = job(runtime, creator, path)
    assert summary.successes == 0
    assert cell(results[0], "homeless") == "2"
    assert "address.homeless" in cell(results[0], "message")


def test_bulk_7a_us_postal_numbers_get_their_leading_zeros_and_nine_digits_become_zip_plus_4(
    runtime, creator, tmp_path
):
    rows = [
        with_cells(1, postal=2134),
        with_cells(2, postal=501.0),
        with_cells(3, postal=956161234),
        with_cells(4, postal=95616, country="us"),
        with_cells(5, postal=2134, country="AU", state="NSW", city="Sydney"),
        with_cells(6, postal="2134"),
    ]
    path = tmp_path / "zips.xlsx"
    path.write_bytes(workbook_bytes(rows))
    summary, results = job(runtime, creator, path)
    assert [cell(r, "postal") for r in results] == ["02134", "00501", "95616-1234", "95616", "2134", "2134"]
    assert [cell(r, "status") for r in results] == ["Success"] * 5 + ["Failure"]
    assert "a leading zero may have been lost" in cell(results[5], "message")


@pytest.mark.parametrize(
    ("dob", "shown", "message"),
    [
        (date(1900, 1, 1), "1900-01-01 (date cell)", "a date cell before 1900-03-01 may be a day off"),
        (datetime(1900, 2, 28), "1900-02-28 (date cell)", "type it as text, YYYY-MM-DD"),
        (datetime(2001, 2, 3, 10, 30), "2001-02-03 10:30:00", "a date and a time: write the date alone, 2001-02-03"),
    ],
)
def test_bulk_7a_doubtful_date_cells_fail_the_row_saying_how_to_type_the_date(
    runtime, creator, tmp_path, dob, shown, message
):
    path = tmp_path / "dates.xlsx"
    path.write_bytes(workbook_bytes([with_cells(1, dob=dob)]))
    summary, results = job(runtime, creator, path)
    assert summary.successes == 0
    assert cell(results[0], "dob") == shown
    assert message in cell(results[0], "message")
    assert "field:dob" in cell(results[0], "message")


def test_bulk_7a_date_cells_from_1900_03_01_at_midnight_and_early_dates_typed_as_text_are_read(
    runtime, creator, tmp_path
):
    rows = [
        with_cells(1, dob=date(1900, 3, 1)),
        with_cells(2, dob=datetime(2001, 2, 3, 0, 0)),
        with_cells(3, dob="1900-01-02"),
    ]
    path = tmp_path / "dates.xlsx"
    path.write_bytes(workbook_bytes(rows))
    summary, results = job(runtime, creator, path)
    assert summary.successes == 3, summary.failures
    assert [cell(r, "dob") for r in results] == ["1900-03-01", "2001-02-03", "1900-01-02"]


def encrypted(data: bytes, password: str) -> bytes:
    """`data` encrypted as Excel does (ECMA-376 agile encryption)."""
    import msoffcrypto.format.ooxml

    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def test_bulk_7a_a_workbook_encrypted_like_excel_opens_with_its_password(runtime, creator, tmp_path):
    path = tmp_path / "protected.xlsx"
    path.write_bytes(encrypted(workbook_bytes([with_cells(1, accepted_terms=1, postal=2134)]), "Clerk's pass 2026"))
    assert path.read_bytes().startswith(b"\xd0\xcf\x11\xe0")
    with pytest.raises(PasswordNeeded, match=r"^protected\.xlsx is protected by a password") as needed:
        open_upload(path, LIMITS)
    assert not isinstance(needed.value, WrongPassword)
    with pytest.raises(WrongPassword, match=r"^protected\.xlsx: wrong password$"):
        open_upload(path, LIMITS, password="Clerk's pass 2025")
    summary, results = job(runtime, creator, path, password="Clerk's pass 2026")
    assert summary.successes == 1, summary.failures
    assert cell(results[0], "postal") == "02134"


def test_bulk_7a_the_apps_own_protected_results_open_with_their_password(runtime, creator, tmp_path):
    path = tmp_path / "students.xlsx"
    path.write_bytes(workbook_bytes([with_cells(1), with_cells(2, dob="3/4/2001")]))
    summary, first = job(runtime, creator, path)
    assert summary.successes == 1
    protected = bulk_jobs.protect_results(path.with_name("students-results.csv"), "Results pass 2026")
    assert protected.read_bytes().startswith(b"\xd0\xcf\x11\xe0")
    with pytest.raises(WrongPassword, match="wrong password"):
        open_upload(protected, LIMITS, password="not it at all")
    again = open_upload(protected, LIMITS, password="Results pass 2026")
    assert [cells for _, cells in again.rows()] == first


def test_bulk_7a_an_old_xls_or_a_damaged_ole_file_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(FileRefused, match=r"^old\.xlsx is not a readable \.xlsx workbook: if it is an old \.xls"):
        open_upload(path, LIMITS, password="whatever it is")
