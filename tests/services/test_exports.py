"""TRACK-1 tracking sheet and the STAFF-5 audit export: filters, CSV, encrypted .xlsx."""

import csv
import io
import zipfile
from datetime import date, timedelta

import msoffcrypto
import openpyxl
import pytest
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from openccc_tui.services import account_creation
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.staff import audit_reader, tracking
from tests import factories
from tests.conftest import NOW


@pytest.fixture
def creator(runtime):
    return factories.staff_actor(runtime, "cory", "creator", "director")


def add(runtime, actor, n, **changes):
    values = (
        factories.STUDENT_FORM
        | {"email": f"s{n}@test.com", "email-confirm": f"s{n}@test.com", "first": f"Student{'abcdefgh'[n]}"}
        | changes
    )
    return account_creation.add_user(runtime, actor, values, permission_reference="form")


def test_track_1_rows_for_the_college_in_the_date_range(runtime, creator):
    first = add(runtime, creator, 0)
    runtime.clock = lambda: NOW + timedelta(days=3)
    add(runtime, creator, 1)
    other_college = factories.staff_actor(runtime, "remote", "creator", mis_code="862")
    add(runtime, other_college, 2)
    account_creation.record_credentials_given(runtime, creator, first.account_id, date(2026, 11, 25), "handed over")
    rows = tracking.tracking_rows(runtime, creator, date(2026, 11, 24), date(2026, 11, 24))
    assert [r.cccid for r in rows] == [first.cccid]
    assert rows[0].created_by == "cory" and rows[0].credentials_given == "2026-11-25" and rows[0].notes == "handed over"
    assert len(tracking.tracking_rows(runtime, creator, date(2026, 11, 1), date(2026, 11, 30))) == 2
    with pytest.raises(ServiceError, match="before the start"):
        tracking.tracking_rows(runtime, creator, date(2026, 11, 30), date(2026, 11, 1))


def test_track_1_csv_has_no_password_and_neutralises_formulas(runtime, creator, tmp_path):
    add(runtime, creator, 0)
    created = add(runtime, creator, 1)
    account_creation.record_credentials_given(
        runtime, creator, created.account_id, date(2026, 11, 25), "=cmd|' /C calc'!A0"
    )
    path = tmp_path / "sheet.csv"
    assert tracking.export_tracking(runtime, creator, date(2026, 11, 1), date(2026, 11, 30), path) == 2
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(tracking.HEADER)
    assert rows[2][-1] == "'=cmd|' /C calc'!A0"
    assert "Hunny#Pot9" not in text and "argon2" not in text
    assert path.stat().st_mode & 0o777 == 0o600


def test_track_1_xlsx_is_encrypted_with_the_typed_password(runtime, creator, tmp_path):
    created = add(runtime, creator, 0)
    path = tmp_path / "sheet.xlsx"
    tracking.export_tracking(runtime, creator, date(2026, 11, 1), date(2026, 11, 30), path, password="Sheet#Pass1")
    with pytest.raises((InvalidFileException, zipfile.BadZipFile)):
        openpyxl.load_workbook(path)
    office = msoffcrypto.OfficeFile(path.open("rb"))
    assert office.is_encrypted()
    plain = io.BytesIO()
    office.load_key(password="Sheet#Pass1")
    office.decrypt(plain)
    sheet = openpyxl.load_workbook(plain).active
    assert isinstance(sheet, Worksheet)
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == list(tracking.HEADER) and values[1][1] == created.cccid
    assert b"Sheet#Pass1" not in path.read_bytes()
    with pytest.raises(ServiceError, match="needs a password"):
        tracking.export_tracking(runtime, creator, date(2026, 11, 1), date(2026, 11, 30), tmp_path / "x.xlsx")


def test_staff_5_audit_search_filters_and_export(runtime, creator, tmp_path):
    created = add(runtime, creator, 0)
    helper = factories.staff_actor(runtime, "sam", "support")
    from openccc_tui.services.staff import support

    support.find_accounts(runtime, helper, support.Search(cccid=created.cccid))
    everything = audit_reader.search_audit(runtime, creator, audit_reader.AuditFilter())
    assert {"account.create", "account.view", "staff.create"} <= {r.action for r in everything}
    by_staff = audit_reader.search_audit(runtime, creator, audit_reader.AuditFilter(staff="SAM"))
    assert [(r.action, r.cccid) for r in by_staff] == [("account.view", created.cccid)]
    by_account = audit_reader.search_audit(runtime, creator, audit_reader.AuditFilter(cccid=created.cccid.lower()))
    assert {r.action for r in by_account} == {"account.create", "account.view"}
    assert (
        audit_reader.search_audit(runtime, creator, audit_reader.AuditFilter(action="account.cr"))[0].action
        == "account.create"
    )
    assert audit_reader.search_audit(runtime, creator, audit_reader.AuditFilter(start=date(2026, 11, 25))) == []
    path = tmp_path / "audit.csv"
    count = audit_reader.export_audit(runtime, creator, audit_reader.AuditFilter(), path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == list(audit_reader.HEADER) and len(rows) == count + 1
