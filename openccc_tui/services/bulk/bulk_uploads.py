"""Reading Multi Account Creation uploads (SPEC BULK-2, BULK-9) safely: CSV in UTF-8 (with
or without a BOM), UTF-16 (Excel's tab-separated "Unicode text") or Windows-1252, .xlsx
through defusedxml with a cap on what it expands to, and rows pasted from a spreadsheet.
A file is checked whole — size, encoding, quoting, header, row count — before any account
is created, then read again row by row, so even a large file is never held in memory.

Only a regular file is read, opened once without following a link and without waiting
(a FIFO or a device is refused, not read); from the import folder, only a file inside it,
reached without any link. An .xlsx is read by its real cells, never by the size its
sheet claims, within bounds of members, rows, columns and time."""

import codecs
import csv
import errno
import hashlib
import hmac
import io
import os
import secrets
import stat
import threading
import time
import weakref
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from openccc_tui.domain.bulk import CCCID_INDEX, PASSWORD_INDEX, header_problem, is_blank
from openccc_tui.domain.fields import date_cell_text
from openccc_tui.domain.policy import password_stem
from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.services.errors import ServiceError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
INPUT_COLUMNS = TEMPLATE_COLUMNS.index("status")
"""The columns a clerk fills (email … use_temp_password); status, cccid and message follow."""
XLSX_EXPANSION = 8
"""An .xlsx may expand to at most this many times the upload size limit."""
XLSX_MAX_MEMBERS = 1_000
"""Files inside one workbook: a few dozen in a real one."""
XLSX_COLUMNS = 64
"""Columns read from each row: the template's 22 and room for stray cells beside them, which
make the row's `Invalid number of columns found!`. Cells further right are not read."""
XLSX_BLANK_ROWS = 100_000
"""Rows read beyond the row limit, for blank rows between the data."""
XLSX_SECONDS = 300.0
"""The longest the check of a workbook may take, whatever it holds."""
UPLOAD_SUFFIXES = (".csv", ".xlsx")

Row = tuple[int, list[str]]
"""The row's number as a spreadsheet shows it (the header is row 1), and its cells."""


class FileRefused(ServiceError):
    """The file as a whole cannot be processed; nothing was created. The message says why."""


class PasswordNeeded(FileRefused):
    """The workbook is protected by a password (BULK-7a): open it again with the password."""


class WrongPassword(PasswordNeeded):
    """The password given does not open the workbook."""


class CheckCancelled(ServiceError):
    """The reading and checking of an upload was cancelled (its `cancel` event was set):
    nothing was created."""

    def __init__(self, name: str) -> None:
        super().__init__(f"the reading and checking of {name} was cancelled: nothing was created")


def _stop_if_cancelled(name: str, cancel: threading.Event | None) -> None:
    """Looked at on each row (or line) read while an upload is checked: cheap beside reading it."""
    if cancel is not None and cancel.is_set():
        raise CheckCancelled(name)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    xlsx_seconds: float = XLSX_SECONDS


@dataclass
class Upload:
    name: str
    sha256: str
    total_rows: int
    note: str
    """Said in the summary and the results, e.g. that the file was read as Windows-1252."""
    read_rows: Callable[[], Iterator[Row]]
    same_password: dict[int, str] = field(default_factory=dict)
    """Rows whose password is also on other rows of the file (ACC-6b), with what to say."""

    def rows(self) -> Iterator[Row]:
        """The non-blank data rows, in file order."""
        return self.read_rows()


def listable(path: Path) -> bool:
    """Whether the import folder's picker shows `path` (BULK-9): a folder or a .csv/.xlsx
    regular file, itself and not a link to anything."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return False
    return stat.S_ISDIR(mode) or (stat.S_ISREG(mode) and path.suffix.lower() in UPLOAD_SUFFIXES)


def open_upload(
    path: Path,
    limits: Limits,
    *,
    folder: Path | None = None,
    password: str | None = None,
    cancel: threading.Event | None = None,
) -> Upload:
    """The upload at `path`; with `folder` (the import folder), only a file inside it.
    `password` opens a password-protected .xlsx; without it such a file raises PasswordNeeded.
    The check stops with CheckCancelled soon after `cancel` is set (BULK-8)."""
    suffix = path.suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise FileRefused(f"{path.name} is not a .csv or .xlsx file")
    source = _Source.open(path, folder)
    if source.size > limits.max_bytes:
        raise FileRefused(
            f"{path.name} is {source.size:,} bytes; the limit is {limits.max_bytes:,}. Split it and upload the parts."
        )
    if suffix == ".xlsx":
        return _open_xlsx(path.name, source, limits, password, cancel)
    return _open_csv_file(path.name, source, limits, cancel)


class _PositionalReader(io.RawIOBase):
    """A file descriptor read with pread: each reader keeps its own position, so several
    passes over one open file never disturb each other, and closing it leaves the file open."""

    def __init__(self, descriptor: int, size: int) -> None:
        self._descriptor = descriptor
        self._size = size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: "WriteableBuffer") -> int:
        view = memoryview(buffer).cast("B")
        data = os.pread(self._descriptor, len(view), self._position)
        view[: len(data)] = data
        self._position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position


class _Source:
    """A regular file, opened once; every later read goes through this descriptor, so the
    path is never looked up again (a file swapped after the check is not read)."""

    def __init__(self, descriptor: int, size: int) -> None:
        self.descriptor = descriptor
        self.size = size
        weakref.finalize(self, os.close, descriptor)

    @classmethod
    def open(cls, path: Path, folder: Path | None) -> "_Source":
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            descriptor = os.open(path, flags) if folder is None else _open_inside(path, folder, flags)
        except OSError as error:
            raise FileRefused(_open_error(path, error)) from None
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            os.close(descriptor)
            raise FileRefused(f"{path.name} is not a regular file: put the file itself there")
        return cls(descriptor, status.st_size)

    def stream(self) -> IO[bytes]:
        return io.BufferedReader(_PositionalReader(self.descriptor, self.size), buffer_size=256 * 1024)

    def starts_with(self, magic: bytes) -> bool:
        return os.pread(self.descriptor, len(magic), 0) == magic


class _MemorySource:
    """A workbook decrypted in memory: the plaintext never reaches a disk."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def stream(self) -> IO[bytes]:
        return io.BytesIO(self.data)


def _open_error(path: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return f"{path.name} is a link: put the file itself there"
    return f"cannot read {path.name}: {error.strerror}"


def _open_inside(path: Path, folder: Path, flags: int) -> int:
    """Open `path` under `folder` one component at a time, following no link, so nothing
    outside the folder is ever opened."""
    try:
        inside = Path(os.path.abspath(path)).relative_to(os.path.abspath(folder))
    except ValueError:
        raise FileRefused(f"{path.name} is not in the import folder") from None
    if not inside.parts or ".." in inside.parts:
        raise FileRefused(f"{path.name} is not in the import folder")
    directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in inside.parts[:-1]:
            below = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=directory)
            os.close(directory)
            directory = below
        return os.open(inside.parts[-1], flags, dir_fd=directory)
    finally:
        os.close(directory)


def open_pasted(text: str, limits: Limits, cancel: threading.Event | None = None) -> Upload:
    """Rows copied from a spreadsheet (tab-separated); the header row may be included or not.
    The check stops with CheckCancelled soon after `cancel` is set (BULK-8)."""
    data = text.encode("utf-8")
    if len(data) > limits.max_bytes:
        raise FileRefused(f"the pasted rows are {len(data):,} bytes; the limit is {limits.max_bytes:,}")
    stripped = text.lstrip("\r\n")
    first_line, _, rest = stripped.partition("\n")
    header = "\t".join(TEMPLATE_COLUMNS) + "\n"
    if first_line.split("\t")[0].strip().lower() != TEMPLATE_COLUMNS[0]:
        data = header.encode() + data
    elif len(first_line.rstrip("\r").split("\t")) == INPUT_COLUMNS:
        data = (header + rest).encode()
    else:  # the header as pasted, even after blank lines
        data = stripped.encode()
    return _open_delimited("pasted rows", data, "\t", limits, cancel, pad_input_columns=True)


def pasted_row_count(text: str) -> int | None:
    """The rows that `open_pasted` would read from `text`, its header row not counted (a cell
    quoted over several lines is one row): what the page says the upload holds before it is
    checked. None when the quoting would be refused."""
    records = _parse("pasted rows", io.StringIO(text.lstrip("\r\n"), newline=""), "\t")
    count = 0
    try:
        for number, cells in records:
            if number == 1 and cells and cells[0].strip().lower() == TEMPLATE_COLUMNS[0]:
                continue
            if not is_blank(cells):
                count += 1
    except FileRefused:
        return None
    return count


def _file_encoding(name: str, source: "_Source", cancel: threading.Event | None) -> tuple[str, str, str]:
    """The encoding to read the file with, a note for the results, and the file's SHA-256,
    found by reading the file once in binary, line by line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    digest = hashlib.sha256()
    utf8 = True
    line_number = 0
    with source.stream() as file:
        if file.read(2) in UTF16_BOMS:
            return "utf-16", "The file was UTF-16 (Unicode text); it was read as such.", _sha256(source)
        file.seek(0)
        for line in file:
            line_number += 1
            _stop_if_cancelled(name, cancel)
            digest.update(line)
            if utf8:
                try:
                    decoder.decode(line)
                except UnicodeDecodeError:
                    utf8 = False
            if not utf8:
                bad = next((b for b in line if b in CP1252_UNDEFINED), None)
                if bad is not None:
                    raise FileRefused(
                        f"{name} is neither UTF-8 nor Windows-1252: line {line_number} holds the byte "
                        f"0x{bad:02X}. Save it again as CSV UTF-8."
                    )
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRefused(
                f"{name} ends in the middle of a character on line {line_number}: the file was cut off. "
                "Save it again as CSV UTF-8 and upload the whole file."
            ) from None
        return "utf-8-sig", "", digest.hexdigest()
    note = "The file was not UTF-8; it was read as Windows-1252 (what Excel on Windows writes)."
    return "cp1252", note, digest.hexdigest()


def _sha256(source: "_Source") -> str:
    digest = hashlib.sha256()
    with source.stream() as file:
        for block in iter(lambda: file.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _text(source: "_Source", encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(source.stream(), encoding=encoding, newline="")


def _delimiter(source: "_Source", encoding: str) -> str:
    """A comma, or a tab for the tab-separated "Unicode text" that Excel saves."""
    with _text(source, encoding) as file:
        header = file.readline()
    return "\t" if "\t" in header and "," not in header else ","


def _open_csv_file(name: str, source: "_Source", limits: Limits, cancel: threading.Event | None) -> Upload:
    encoding, note, digest = _file_encoding(name, source, cancel)
    delimiter = _delimiter(source, encoding)

    def records() -> Iterator[Row]:
        with _text(source, encoding) as file:
            yield from _parse(name, file, delimiter)

    total, same_password = _check(name, records(), limits, cancel)
    return Upload(
        name=name,
        sha256=digest,
        total_rows=total,
        note=note,
        read_rows=lambda: _data_rows(records),
        same_password=same_password,
    )


def _parse(name: str, stream: Iterable[str], delimiter: str, pad_input_columns: bool = False) -> Iterator[Row]:
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, shape_cells(cells, pad_input_columns)
    except csv.Error as error:
        raise FileRefused(f"{name}, line {reader.line_num}: {error}. Check the quotes on that line.") from None


def shape_cells(cells: list[str], pad_input_columns: bool = False) -> list[str]:
    """Trailing empty cells past the template's columns dropped (a trailing comma on every
    line, empty columns a spreadsheet kept); with `pad_input_columns`, a row of exactly the
    columns a clerk fills gets empty status, cccid and message (rows pasted from A to S)."""
    while len(cells) > len(TEMPLATE_COLUMNS) and not cells[-1].strip():
        cells.pop()
    if pad_input_columns and len(cells) == INPUT_COLUMNS:
        cells.extend([""] * (len(TEMPLATE_COLUMNS) - INPUT_COLUMNS))
    return cells


def _data_rows(records: Callable[[], Iterator[Row]]) -> Iterator[Row]:
    iterator = records()
    next(iterator, None)
    return (row for row in iterator if not is_blank(row[1]))


def _open_delimited(
    name: str,
    data: bytes,
    delimiter: str,
    limits: Limits,
    cancel: threading.Event | None = None,
    pad_input_columns: bool = False,
) -> Upload:
    text = data.decode("utf-8")
    digest = hashlib.sha256(data).hexdigest()

    def records() -> Iterator[Row]:
        return _parse(name, io.StringIO(text, newline=""), delimiter, pad_input_columns)

    total, same_password = _check(name, records(), limits, cancel)
    return Upload(
        name=name,
        sha256=digest,
        total_rows=total,
        note="",
        read_rows=lambda: _data_rows(records),
        same_password=same_password,
    )


MIN_SHARED_STEM = 6
"""Passwords that differ only in digits and symbols at their ends count as one password when
what is between is this long: shorter stems of random passwords may meet by chance."""


class _PasswordReuse:
    """ACC-6b: which rows of one upload share a password. Only digests keyed with a secret
    made for this upload are kept, and only while the file is checked."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._same: dict[bytes, list[int]] = {}
        self._stems: dict[bytes, list[tuple[int, bytes]]] = {}

    def _digest(self, text: str) -> bytes:
        return hmac.digest(self._key, text.encode("utf-8", "surrogatepass"), "sha256")

    def add(self, number: int, cells: list[str]) -> None:
        if len(cells) != len(TEMPLATE_COLUMNS) or cells[CCCID_INDEX].strip() or not cells[PASSWORD_INDEX]:
            return
        password = cells[PASSWORD_INDEX]
        digest = self._digest(password)
        self._same.setdefault(digest, []).append(number)
        stem = password_stem(password)
        if len(stem) >= MIN_SHARED_STEM:
            self._stems.setdefault(self._digest(stem), []).append((number, digest))

    def messages(self) -> dict[int, str]:
        """For each row sharing its password, the hint of its BULK-4 message."""
        found: dict[int, str] = {}
        for group in self._stems.values():
            if len({digest for _, digest in group}) > 1:
                rows = [number for number, _ in group]
                text = "the same password, but for digits or symbols at the ends, is on rows " + _row_list(rows)
                found.update(dict.fromkeys(rows, text))
        for rows in self._same.values():
            if len(rows) > 1 and not all(row in found for row in rows):
                found.update(dict.fromkeys(rows, "the same password is on rows " + _row_list(rows)))
        self._same.clear()
        self._stems.clear()
        return found


def _row_list(rows: list[int]) -> str:
    shown = ", ".join(str(row) for row in rows[:10])
    return shown if len(rows) <= 10 else f"{shown} and {len(rows) - 10:,} more"


def _check(
    name: str, records: Iterator[Row], limits: Limits, cancel: threading.Event | None = None
) -> tuple[int, dict[int, str]]:
    """Read everything once: the header, the quoting, the number of rows, and which rows
    share a password (ACC-6b); stopped by `cancel` (BULK-8)."""
    first = next(records, None)
    if first is None:
        raise FileRefused(f"{name} is empty: it needs the template's header and at least one row")
    problem = header_problem(first[1])
    if problem:
        raise FileRefused(problem)
    total = 0
    reuse = _PasswordReuse()
    for number, cells in records:
        _stop_if_cancelled(name, cancel)
        if not is_blank(cells):
            total += 1
            if total > limits.max_rows:
                raise FileRefused(f"{name} has more than {limits.max_rows:,} rows: split it and upload the parts")
            reuse.add(number, cells)
    if total == 0:
        raise FileRefused(f"{name} has the header but no rows to process")
    return total, reuse.messages()


BOOLEAN_COLUMNS = frozenset({"accepted-terms", "homeless", "use_temp_password"})
POSTAL_INDEX, COUNTRY_INDEX = TEMPLATE_COLUMNS.index("postal"), TEMPLATE_COLUMNS.index("country")
ZIP_LENGTH, ZIP4_LENGTH = 5, 9


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _whole_number(value: object) -> int | None:
    """A number cell holding a whole number (not a boolean cell), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value)


def _column_text(column: str, value: object) -> str:
    """A cell as text, read as its column means it (BULK-7a): 1 and 0 in a boolean column
    (LibreOffice saves TRUE as the number 1 with a `TRUE()` formula) are TRUE and FALSE; a
    date of birth keeps a time of day and a doubtful early date, for its check to explain."""
    if column in BOOLEAN_COLUMNS and _whole_number(value) in (0, 1):
        return "TRUE" if value else "FALSE"
    if column == "dob" and isinstance(value, date):
        return date_cell_text(value)
    return _cell_text(value)


def _postal_text(value: object, country: str) -> str | None:
    """A US postal code stored as a number: its lost leading zeros back, and a 9-digit
    number as ZIP+4. None when the cell is not such a number."""
    number = _whole_number(value)
    if number is None or number < 0 or country.strip().upper() != "US":
        return None
    digits = str(number)
    if len(digits) < ZIP_LENGTH:
        return digits.zfill(ZIP_LENGTH)
    if len(digits) == ZIP4_LENGTH:
        return f"{digits[:ZIP_LENGTH]}-{digits[ZIP_LENGTH:]}"
    return None


def _xlsx_cells(values: tuple[object, ...]) -> list[str]:
    """One row's cells as text: the template's columns, then any stray cells up to the last
    one that holds something (so the row reports its number of columns)."""
    width = len(TEMPLATE_COLUMNS)
    if values.count(None) == len(values):
        return []
    extra = values[width:]
    if extra.count(None) == len(extra):
        values = values[:width]
    cells = [
        _column_text(TEMPLATE_COLUMNS[index], value) if index < width else _cell_text(value)
        for index, value in enumerate(values)
    ]
    if len(cells) > COUNTRY_INDEX:
        postal = _postal_text(values[POSTAL_INDEX], cells[COUNTRY_INDEX])
        if postal is not None:
            cells[POSTAL_INDEX] = postal
    return shape_cells(cells)


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""How an OLE compound file starts: what a password-protected .xlsx is (or an old .xls)."""


def _decrypted(name: str, source: "_Source", password: str | None) -> _MemorySource:
    """The workbook inside a password-protected .xlsx (ECMA-376 agile or standard encryption,
    as Excel, LibreOffice and this app write it), decrypted in memory."""
    import msoffcrypto
    from msoffcrypto import exceptions

    not_xlsx = FileRefused(f"{name} is not a readable .xlsx workbook: if it is an old .xls, save it as .xlsx")
    with source.stream() as stream:
        try:
            office = msoffcrypto.OfficeFile(stream)
            encrypted = office.is_encrypted()
        except Exception:  # olefile and msoffcrypto raise many kinds for a damaged file
            raise not_xlsx from None
        if not encrypted or office.format != "ooxml":
            raise not_xlsx
        if not password:
            raise PasswordNeeded(f"{name} is protected by a password: give the password to open it")
        plain = io.BytesIO()
        try:
            office.load_key(password=password, verify_password=True)
            office.decrypt(plain)
        except exceptions.InvalidKeyError:
            raise WrongPassword(f"{name}: wrong password") from None
        except Exception as error:  # a damaged or unsupported encryption
            raise FileRefused(f"{name} cannot be decrypted ({type(error).__name__})") from None
    return _MemorySource(plain.getvalue())


def _open_xlsx(
    name: str, encrypted_or_plain: "_Source", limits: Limits, password: str | None, cancel: threading.Event | None
) -> Upload:
    import openpyxl  # loaded only for .xlsx uploads: 15 MB a CSV import never needs

    if not openpyxl.DEFUSEDXML:
        raise FileRefused("reading .xlsx needs defusedxml, which is not installed")
    file_digest = _sha256(encrypted_or_plain)
    source: _Source | _MemorySource = encrypted_or_plain
    if encrypted_or_plain.starts_with(OLE_MAGIC):
        source = _decrypted(name, encrypted_or_plain, password)
    try:
        with source.stream() as stream, zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise FileRefused(f"{name} is not a readable .xlsx workbook") from None
    if len(members) > XLSX_MAX_MEMBERS:
        raise FileRefused(f"{name} holds {len(members):,} files, more than a workbook of its kind should")
    # zipfile never gives more than a member's declared size, so the declared sizes bound the reading.
    expanded = sum(info.file_size for info in members)
    if expanded > limits.max_bytes * XLSX_EXPANSION:
        raise FileRefused(f"{name} expands to {expanded:,} bytes, more than a workbook of its kind should")
    last_row = limits.max_rows + 1 + XLSX_BLANK_ROWS

    def records(deadline: float | None = None) -> Iterator[Row]:
        with source.stream() as stream:
            try:
                workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
            except Exception as error:  # openpyxl raises many kinds for a damaged workbook
                raise FileRefused(f"{name} is not a readable .xlsx workbook ({type(error).__name__})") from None
            try:
                sheet = workbook.worksheets[0]
                # The dimension a sheet states is only a claim (`A1:XFD1048576` in a 5 KB file): forget
                # it, so that rows are as long as their cells and no row is made up below the last.
                sheet.reset_dimensions()
                rows = sheet.iter_rows(max_col=XLSX_COLUMNS, values_only=True)
                for index, values in enumerate(rows, start=1):
                    if index > last_row:
                        raise FileRefused(
                            f"{name} has rows beyond row {last_row:,}; at most {limits.max_rows:,} rows are "
                            "read: delete the rows below the data, or split the file"
                        )
                    if deadline is not None and index % 512 == 0 and time.monotonic() > deadline:
                        raise FileRefused(
                            f"{name} took more than {limits.xlsx_seconds:.0f} s to read: save it as CSV UTF-8 "
                            "and upload that"
                        )
                    yield index, _xlsx_cells(values)
            finally:
                workbook.close()

    total, same_password = _check(name, records(time.monotonic() + limits.xlsx_seconds), limits, cancel)
    return Upload(
        name=name,
        sha256=file_digest,
        total_rows=total,
        note="",
        read_rows=lambda: _data_rows(records),
        same_password=same_password,
    )
