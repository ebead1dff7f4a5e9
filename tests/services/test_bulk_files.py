"""BULK-2, BULK-9: what the import folder yields and how far an upload is read. Only
regular files inside the folder, never through a link, never a FIFO or a device; an
.xlsx is read by its real cells, not by the size its sheet claims."""

import io
import os
import re
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.services.bulk.bulk_uploads import (
    CheckCancelled,
    FileRefused,
    Limits,
    listable,
    open_pasted,
    open_upload,
)
from tests.services.test_bulk import LIMITS, csv_bytes, row


@pytest.fixture
def folder(tmp_path) -> Path:
    path = tmp_path / "import"
    path.mkdir()
    return path


def test_bulk_9_a_regular_file_in_the_folder_or_below_it_is_read(folder):
    (folder / "spring").mkdir()
    for path in (folder / "a.csv", folder / "spring" / "b.csv"):
        path.write_bytes(csv_bytes([row(1), row(2)]))
        upload = open_upload(path, LIMITS, folder=folder)
        assert upload.total_rows == 2
        assert [n for n, _ in upload.rows()] == [2, 3] and [n for n, _ in upload.rows()] == [2, 3]


@pytest.mark.parametrize("target", ["/dev/zero", "/etc/passwd"])
def test_bulk_9_a_link_to_a_device_or_a_file_outside_is_refused_unread(folder, target):
    link = folder / "x.csv"
    link.symlink_to(target)
    for where in (folder, None):  # the picker's folder, and the command line's own path
        with pytest.raises(FileRefused, match=r"^x\.csv is a link: put the file itself there$"):
            open_upload(link, LIMITS, folder=where)
    assert not listable(link)


def test_bulk_9_a_fifo_is_refused_without_waiting_for_a_writer(folder):
    fifo = folder / "x.csv"
    os.mkfifo(fifo)
    with pytest.raises(FileRefused, match=r"^x\.csv is not a regular file"):
        open_upload(fifo, LIMITS, folder=folder)
    assert not listable(fifo)


def test_bulk_9_nothing_outside_the_folder_is_reached_through_a_linked_folder_or_dot_dot(tmp_path, folder):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    (folder / "linked").symlink_to(outside)
    for path in (folder / "linked" / "secret.csv", folder / ".." / "outside" / "secret.csv", outside / "secret.csv"):
        with pytest.raises(FileRefused) as refused:
            open_upload(path, LIMITS, folder=folder)
        assert "root:" not in str(refused.value)
    assert not listable(folder / "linked")


def test_bulk_9_the_picker_lists_folders_and_upload_files_only(folder):
    (folder / "spring").mkdir()
    (folder / "a.csv").write_bytes(b"x")
    (folder / "b.XLSX").write_bytes(b"x")
    (folder / "notes.txt").write_bytes(b"x")
    shown = sorted(p.name for p in folder.iterdir() if listable(p))
    assert shown == ["a.csv", "b.XLSX", "spring"]


def workbook_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.append(list(TEMPLATE_COLUMNS))
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_sheet(data: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content.decode()).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


def test_bulk_2_an_xlsx_claiming_a_huge_sheet_is_read_by_its_real_cells(folder):
    data = rewrite_sheet(
        workbook_bytes([row(1)]), lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml)
    )
    assert len(data) < 10_000
    path = folder / "claims.xlsx"
    path.write_bytes(data)
    upload = open_upload(path, LIMITS, folder=folder)
    assert upload.total_rows == 1
    ((number, cells),) = list(upload.rows())
    assert number == 2 and cells == row(1)


def test_bulk_4_an_xlsx_row_with_a_stray_cell_still_reports_its_columns(folder):
    path = folder / "stray.xlsx"
    path.write_bytes(workbook_bytes([[*row(1), "", "", "note"]]))
    ((_, cells),) = list(open_upload(path, LIMITS).rows())
    assert cells == [*row(1), "", "", "note"]


def test_bulk_2_an_xlsx_with_a_row_far_below_the_limit_is_refused_with_the_reason(folder):
    data = rewrite_sheet(
        workbook_bytes([row(1)]),
        lambda xml: xml.replace(
            "</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        ),
    )
    path = folder / "far.xlsx"
    path.write_bytes(data)
    with pytest.raises(FileRefused, match=r"^far\.xlsx has rows beyond row 100,011; at most 10 rows are read"):
        open_upload(path, Limits(max_bytes=LIMITS.max_bytes, max_rows=10))


def test_bulk_2_an_xlsx_check_is_bounded_in_time(folder):
    path = folder / "slow.xlsx"
    path.write_bytes(workbook_bytes([row(n) for n in range(600)]))
    with pytest.raises(FileRefused, match=r"^slow\.xlsx took more than 0 s to read: save it as CSV UTF-8"):
        open_upload(path, Limits(max_bytes=LIMITS.max_bytes, max_rows=LIMITS.max_rows, xlsx_seconds=0))


def test_bulk_2_an_xlsx_of_thousands_of_files_is_refused(folder):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(1_001):
            archive.writestr(f"x/{n}.xml", "")
    path = folder / "many.xlsx"
    path.write_bytes(out.getvalue())
    with pytest.raises(FileRefused, match=r"^many\.xlsx holds 1,001 files"):
        open_upload(path, LIMITS)


class SetAfter(threading.Event):
    """A cancel event set by the staff member after the check has looked at it `looks` times."""

    def __init__(self, looks: int) -> None:
        super().__init__()
        self.looks = looks

    def is_set(self) -> bool:
        self.looks -= 1
        if self.looks < 0:
            self.set()
        return super().is_set()


@pytest.mark.parametrize("looks", [10, 1_500], ids=["while-the-encoding-is-read", "while-the-rows-are-checked"])
def test_bulk_8_the_check_of_a_large_csv_stops_soon_after_the_cancel(folder, looks):
    """1,000 rows: their 1,001 lines are read for the encoding, then checked row by row; a
    cancel during either pass stops the check at the next row."""
    path = folder / "large.csv"
    path.write_bytes(csv_bytes([row(n) for n in range(1_000)]))
    cancel = SetAfter(looks)
    with pytest.raises(CheckCancelled, match="the reading and checking of large.csv was cancelled: nothing was"):
        open_upload(path, LIMITS, folder=folder, cancel=cancel)
    assert cancel.looks == -1
    assert open_upload(path, LIMITS, folder=folder, cancel=threading.Event()).total_rows == 1_000


def test_bulk_8_the_check_of_a_workbook_or_pasted_rows_stops_at_the_cancel(folder):
    path = folder / "large.xlsx"
    path.write_bytes(workbook_bytes([row(n) for n in range(300)]))
    with pytest.raises(CheckCancelled, match="large.xlsx"):
        open_upload(path, LIMITS, folder=folder, cancel=SetAfter(100))
    pasted = "\n".join("\t".join(row(n)) for n in range(300))
    with pytest.raises(CheckCancelled, match="pasted rows"):
        open_pasted(pasted, LIMITS, cancel=SetAfter(100))
    assert open_pasted(pasted, LIMITS, cancel=threading.Event()).total_rows == 300
