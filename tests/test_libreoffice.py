"""BULK-7 and BULK-7a end to end with LibreOffice Calc: the rows a clerk types are read by
Calc (a ZIP such as 02134 becomes the number 2134, TRUE and FALSE become booleans, dates
become date cells), saved as .xlsx, opened and saved again (booleans become numbers with a
`TRUE()` formula), saved as CSV; each file is uploaded, and the CSV results and the
password-protected .xlsx results are opened in Calc, with the password, and read back."""

import csv
import json
import os
import shutil
import signal
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.services.bulk import bulk_jobs
from openccc_tui.services.bulk.bulk_uploads import open_upload
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import StudentAccount
from tests import factories
from tests.services.test_bulk import HEADER, LIMITS, row

SYSTEM_PYTHON = "/usr/bin/python3"
HELPER = Path(__file__).with_name("libreoffice_calc.py")
CALC_SECONDS = 120
CSV_FILTER = "Text - txt - csv (StarCalc)"
XLSX_FILTER = "Calc MS Excel 2007 XML"
CLERK_CSV = "44,34,76,1,,1033,false,true"
"""Comma, double quote, UTF-8, from line 1, standard columns, English (US), quoted fields not
forced to text, special numbers (dates) detected: what Calc does with a CSV by default."""
TEXT_CSV = "44,34,76,1,,1033,true,false"
"""How the results CSV is opened: quoted fields stay text."""
CSV_OUT = "44,34,76,1"
RESULTS_PASSWORD = "Calc results pass 2026"


def calc_missing() -> str | None:
    if shutil.which("soffice") is None:
        return "LibreOffice (soffice) is not installed: .ci/run installs libreoffice-calc-nogui"
    found = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, timeout=30)
    if found.returncode != 0:
        return "the system Python has no LibreOffice UNO module: .ci/run installs python3-uno"
    return None


MISSING = calc_missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


def calc(profile: Path, jobs: list[dict[str, str]]) -> None:
    """Run `jobs` in one headless Calc with a private profile, bounded in time."""
    request = json.dumps({"profile": str(profile), "seconds": CALC_SECONDS, "jobs": jobs})
    helper = subprocess.Popen(
        [SYSTEM_PYTHON, str(HELPER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = helper.communicate(request, timeout=CALC_SECONDS + 30)
    except subprocess.TimeoutExpired:
        os.killpg(helper.pid, signal.SIGKILL)
        helper.communicate()
        raise
    assert helper.returncode == 0, err
    for job in jobs:
        assert Path(job["target"]).is_file(), (job, err)


def clerk_rows(base: int) -> list[list[str]]:
    """What a clerk types; each path of the test has students of its own."""
    return [
        row(base + 1, use_temp_password="TRUE"),
        row(base + 2, state="MA", city="Boston", postal="02134", **{"accepted-terms": "true", "homeless": "false"}),
        row(base + 3, postal="95616-1234", use_temp_password="FALSE"),
        row(base + 4, dob="1899-12-31"),
        row(base + 5, email="not-an-email"),
    ]


def write_clerk_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(HEADER + "\n")
        csv.writer(file).writerows(rows)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert tuple(rows[0]) == TEMPLATE_COLUMNS
    return [dict(zip(TEMPLATE_COLUMNS, cells, strict=True)) for cells in rows[1:]]


@pytest.fixture
def creator(sqlite_runtime):
    return factories.staff_actor(sqlite_runtime, "cory", "creator")


def convert(source: Path, target: Path, **options: str) -> dict[str, str]:
    export = CSV_FILTER if target.suffix == ".csv" else XLSX_FILTER
    return {"source": str(source), "target": str(target), "filter": export} | options


def typed(source: Path, target: Path) -> dict[str, str]:
    return convert(source, target, import_filter=CSV_FILTER, import_options=CLERK_CSV)


EXPECTED = {
    # What each uploaded row becomes: status, and for a failure what its message says.
    "xlsx": [
        ("Success", ""),
        ("Success", ""),
        ("Success", ""),
        ("Failure", "field:dob - a date cell before 1900-03-01 may be a day off"),
        ("Failure", "field:email"),
    ],
    "csv": [
        ("Success", ""),
        ("Failure", "field:address.postal_code - a ZIP code has 5 digits: a leading zero may have been lost"),
        ("Success", ""),
        ("Failure", "field:dob - a date in the past, after 1900-01-01"),
        ("Failure", "field:email"),
    ],
}


def check_results(
    rows: list[dict[str, str]], typed_rows: list[list[str]], expected: list[tuple[str, str]], *, protected: bool
) -> None:
    """Every row as expected; only the protected workbook keeps a failed row's password (BULK-7)."""
    assert [r["email"] for r in rows] == [cells[0] for cells in typed_rows]
    password = TEMPLATE_COLUMNS.index("password")
    for result, (status, message), cells in zip(rows, expected, typed_rows, strict=True):
        assert result["status"] == status, result
        assert message in result["message"], result
        assert bool(result["cccid"]) == (status == "Success"), result
        assert result["password"] == (cells[password] if protected and status == "Failure" else "")


def test_bulk_7a_calc_workbooks_and_csv_upload_and_their_results_open_in_calc(sqlite_runtime, creator, tmp_path):
    profile = tmp_path / "libreoffice-profile"
    uploads = {"calc.xlsx": 100, "resaved.xlsx": 200, "calc.csv": 300}
    typed_rows = {name: clerk_rows(base) for name, base in uploads.items()}
    for name, rows in typed_rows.items():
        write_clerk_csv(tmp_path / f"typed-{name}.csv", rows)
    first = tmp_path / "first-resaved.xlsx"
    calc(
        profile,
        [
            typed(tmp_path / "typed-calc.xlsx.csv", tmp_path / "calc.xlsx"),
            typed(tmp_path / "typed-resaved.xlsx.csv", first),
            typed(tmp_path / "typed-calc.csv.csv", tmp_path / "first-calc.xlsx"),
        ],
    )
    calc(
        profile,
        [
            convert(first, tmp_path / "resaved.xlsx"),
            convert(tmp_path / "first-calc.xlsx", tmp_path / "calc.csv", export_options=CSV_OUT),
        ],
    )
    with zipfile.ZipFile(tmp_path / "calc.xlsx") as book:
        assert 't="b"' in book.read("xl/worksheets/sheet1.xml").decode()
    with zipfile.ZipFile(tmp_path / "resaved.xlsx") as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "TRUE()</f><v>1</v>" in sheet and "FALSE()</f><v>0</v>" in sheet
    assert "\n0213" not in (tmp_path / "calc.csv").read_text() and ",2134," in (tmp_path / "calc.csv").read_text()

    protected: dict[str, Path] = {}
    for name in uploads:
        results = tmp_path / f"{name}-results.csv"
        source = open_upload(tmp_path / name, LIMITS)
        bulk_jobs.run_job(sqlite_runtime, creator, source, results)
        shutil.copy(results, tmp_path / f"{name}-results-copy.csv")
        protected[name] = bulk_jobs.protect_results(results, RESULTS_PASSWORD, source, RESULTS_PASSWORD)
    calc(
        profile,
        [
            convert(
                tmp_path / f"{name}-results-copy.csv",
                tmp_path / f"{name}-results-in-calc.csv",
                import_filter=CSV_FILTER,
                import_options=TEXT_CSV,
                export_options=CSV_OUT,
            )
            for name in uploads
        ]
        + [
            convert(
                protected[name],
                tmp_path / f"{name}-protected-in-calc.csv",
                password=RESULTS_PASSWORD,
                export_options=CSV_OUT,
            )
            for name in uploads
        ],
    )

    with read_session(sqlite_runtime.engine) as session:
        created = {account.email: account.cccid for account in session.exec(select(StudentAccount))}
    for name in uploads:
        expected = EXPECTED["csv" if name.endswith(".csv") else "xlsx"]
        for seen in ("results-in-calc", "protected-in-calc"):
            seen_rows = read_csv(tmp_path / f"{name}-{seen}.csv")
            check_results(seen_rows, typed_rows[name], expected, protected=seen == "protected-in-calc")
            for result in seen_rows:
                if result["status"] == "Success":
                    assert created[result["email"]] == result["cccid"]
        if not name.endswith(".csv"):
            postal = [r["postal"] for r in read_csv(tmp_path / f"{name}-protected-in-calc.csv")]
            assert postal[1:3] == ["02134", "95616-1234"]
    assert len(created) == sum(
        status == "Success" for name in uploads for status, _ in EXPECTED["csv" if name.endswith(".csv") else "xlsx"]
    )
