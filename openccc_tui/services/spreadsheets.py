"""Writing tables for staff to open in a spreadsheet: CSV, or a password-protected .xlsx.

Every cell is neutralised against formula injection (BULK-7). Files are written through
`write_private_atomically`: readable by their owner only, never through a symbolic link,
and only a complete file ever appears under the name asked for.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openccc_tui.domain.spreadsheet import neutralise_formula
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.files import check_target, write_private_atomically
from openccc_tui.services.records import required

if TYPE_CHECKING:
    from openpyxl import Workbook

Row = Sequence[str]
AddRows = Callable[[Iterable[Row]], int]
"""Appends rows to the table being written; returns how many."""


def write_table(
    path: Path, header: Row, rows: Iterable[Row], *, password: str | None = None, replace: bool = True
) -> int:
    """Write `rows` under `header` to `path` (.csv or .xlsx); returns the number of rows.

    An .xlsx file needs a password and is encrypted with it (the password is not kept).
    """
    with table_writer(path, header, password=password, replace=replace) as add:
        return add(rows)


@contextmanager
def table_writer(path: Path, header: Row, *, password: str | None = None, replace: bool = True) -> Iterator[AddRows]:
    """A table written a few rows at a time: the rows go to a private temporary file as
    they are added (a CSV is flushed after each call, so a full disk shows at once) and
    the file appears at `path` only when the block ends without an error."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx" and not password:
        raise ServiceError("a password-protected .xlsx needs a password")
    if suffix not in (".csv", ".xlsx"):
        raise ServiceError("choose a file name ending in .csv or .xlsx")
    check_target(path, replace=replace)
    if suffix == ".csv":
        with write_private_atomically(path, replace=replace, encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(header)

            def add_csv(rows: Iterable[Row]) -> int:
                count = 0
                for row in rows:
                    writer.writerow([neutralise_formula(str(cell)) for cell in row])
                    count += 1
                file.flush()
                return count

            yield add_csv
        return
    # Loaded only for .xlsx: together some 20 MB that a CSV import or export never needs.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(header))

    def add_xlsx(rows: Iterable[Row]) -> int:
        count = 0
        for row in rows:
            sheet.append([_text_cell(sheet, str(cell)) for cell in row])
            count += 1
        return count

    yield add_xlsx
    data = _encrypted(workbook, required(password, "the password"))
    with write_private_atomically(path, replace=replace) as file:
        file.write(data)


def _text_cell(sheet: Any, value: str) -> Any:
    """A workbook cell that is text whatever it starts with (BULK-7): a string cell is never
    run as a formula, so it needs no leading apostrophe, which would show in the cell."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _encrypted(workbook: "Workbook", password: str) -> bytes:
    import msoffcrypto.format.ooxml

    plain = io.BytesIO()
    workbook.save(plain)
    plain.seek(0)
    encrypted = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt(password, encrypted)
    return encrypted.getvalue()
