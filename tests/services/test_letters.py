"""Hand-over letters (SPEC TRACK-2): one owner-only PDF, a page per student, each with a fresh
one-time password of REC-2's kind that signs in through the real sign-in service."""

import re
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from openccc_tui.domain.letters import LETTER_ALPHABET, is_letter_password, letter_password
from openccc_tui.services.errors import NotFound, PermissionDenied, ServiceError
from openccc_tui.services.records import saved_id
from openccc_tui.services.staff.letter_pdf import FontMissing
from openccc_tui.services.staff.letters import HANDOVER_NOTE, accounts_by_cccid, job_accounts, write_letters
from openccc_tui.services.student.sign_in import SignInFlow, Step
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent, BulkJob, BulkRow, OneTimePassword, StudentAccount
from tests import factories
from tests.conftest import NOW

PASSWORD = factories.STUDENT_PASSWORD
NEW_PASSWORD = "Fresh#Start8"
LOOK_ALIKES = "O0QDIl1L|S5B8Z2G6UV"
ONE_TIME = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b")


def student(runtime, college_id: int | None, cccid: str, email: str, first: str, last: str) -> int:
    return factories.stored_student(
        runtime,
        cccid=cccid,
        email=email,
        email_validated=True,
        first_name=first,
        last_name=last,
        created_for_college_id=college_id,
    )


def pages(path: Path) -> list[str]:
    """Each page's text without spaces; pypdf also reads a NUL before each glyph of the CJK font
    (Noto Sans CJK is CID-keyed, two bytes a glyph), which no printed page shows."""
    return [re.sub(r"[\s\x00]+", "", page.extract_text()) for page in PdfReader(path).pages]


def one_time_passwords(path: Path) -> list[str]:
    return [ONE_TIME.findall(page.extract_text())[0] for page in PdfReader(path).pages]


def sign_in(runtime, email: str, password: str) -> SignInFlow:
    flow = SignInFlow(runtime)
    flow.submit_identifier(email)
    flow.submit_password(password)
    return flow


def stored(runtime, account_id: int) -> StudentAccount:
    with read_session(runtime.engine) as db:
        return db.get_one(StudentAccount, account_id)


@pytest.fixture
def creator(runtime):
    return factories.staff_actor(runtime, "cory", "creator")


def test_track_2_letters_print_accented_cyrillic_and_cjk_names_owner_only(runtime, creator, tmp_path):
    people = [
        ("AAA1111", "jose@test.com", "José", "Nuñez"),
        ("AAA2222", "anna@test.com", "Анна", "Иванова"),
        ("AAA3333", "meiling@test.com", "美玲", "王"),
    ]
    ids = [student(runtime, creator.college_id, *person) for person in people]
    written = write_letters(runtime, creator, ids, tmp_path / "letters.pdf")

    assert (written.count, written.valid_until) == (3, (NOW + timedelta(days=30)).date())
    assert stat.S_IMODE(written.path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".letters")) == []
    texts = pages(written.path)
    assert len(texts) == 3
    for text, (cccid, email, first, last) in zip(texts, people, strict=True):
        assert f"{first}{last}" in text and cccid in text and email in text
        assert "College861" in text and "EditAccount" in text and "ValidationCode" in text
    passwords = one_time_passwords(written.path)
    assert len(set(passwords)) == 3 and all(is_letter_password(p) for p in passwords)
    with read_session(runtime.engine) as db:
        accounts = [db.get_one(StudentAccount, i) for i in ids]
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "account.letter")).all()
    assert all(a.credentials_given_at is not None and a.credentials_note == HANDOVER_NOTE for a in accounts)
    assert sorted(e.account_id or 0 for e in events) == sorted(ids)
    assert not any(p in e.detail for e in events for p in passwords)


def test_track_2_the_letter_signs_in_once_and_forces_a_change_the_old_password_works_until_then(
    runtime, creator, tmp_path
):
    account_id = student(runtime, creator.college_id, "AAA1111", "jose@test.com", "José", "Nuñez")
    (one_time,) = one_time_passwords(write_letters(runtime, creator, [account_id], tmp_path / "a.pdf").path)
    account = stored(runtime, account_id)
    assert runtime.hasher.verify(PASSWORD, account.password_hash).ok and not account.must_change_password

    flow = sign_in(runtime, "jose@test.com", one_time)
    assert flow.step is Step.UPDATE_PASSWORD and stored(runtime, account_id).must_change_password
    assert sign_in(runtime, "jose@test.com", one_time).step is Step.SIGN_IN  # used up
    assert flow.submit_new_password(NEW_PASSWORD, NEW_PASSWORD) is Step.DONE
    assert sign_in(runtime, "jose@test.com", NEW_PASSWORD).step is Step.DONE
    assert sign_in(runtime, "jose@test.com", PASSWORD).step is Step.SIGN_IN


def test_track_2_the_old_password_keeps_working_and_withdraws_the_letter_as_rec_2_does(runtime, creator, tmp_path):
    account_id = student(runtime, creator.college_id, "AAA1111", "jose@test.com", "José", "Nuñez")
    (one_time,) = one_time_passwords(write_letters(runtime, creator, [account_id], tmp_path / "a.pdf").path)
    assert sign_in(runtime, "jose@test.com", PASSWORD).step is Step.DONE
    assert sign_in(runtime, "jose@test.com", one_time).step is Step.SIGN_IN


def test_track_2_a_second_letter_withdraws_the_first_one_time_password(runtime, creator, tmp_path):
    account_id = student(runtime, creator.college_id, "AAA1111", "jose@test.com", "José", "Nuñez")
    (first,) = one_time_passwords(write_letters(runtime, creator, [account_id], tmp_path / "1.pdf").path)
    (second,) = one_time_passwords(write_letters(runtime, creator, [account_id], tmp_path / "2.pdf").path)
    assert first != second
    with pytest.raises(ServiceError, match="exists"):
        write_letters(runtime, creator, [account_id], tmp_path / "2.pdf")
    assert one_time_passwords(tmp_path / "2.pdf") == [second]
    assert sign_in(runtime, "jose@test.com", first).step is Step.SIGN_IN
    assert sign_in(runtime, "jose@test.com", second).step is Step.UPDATE_PASSWORD


def test_track_2_the_letter_works_for_letter_password_days(runtime, creator, tmp_path):
    runtime.settings.letter_password_days = 10
    account_id = student(runtime, creator.college_id, "AAA1111", "jose@test.com", "José", "Nuñez")
    written = write_letters(runtime, creator, [account_id], tmp_path / "a.pdf")
    assert written.valid_until == (NOW + timedelta(days=10)).date()
    (one_time,) = one_time_passwords(written.path)
    runtime.clock = lambda: NOW + timedelta(days=10)
    assert sign_in(runtime, "jose@test.com", one_time).step is Step.SIGN_IN
    with read_session(runtime.engine) as db:
        offered = db.get_one(OneTimePassword, account_id)
    assert offered.expires_at - offered.issued_at == timedelta(days=10)


def test_staff_2_letters_need_creator_or_support_and_a_creator_only_their_college(runtime, creator, tmp_path):
    ours = student(runtime, creator.college_id, "AAA1111", "jose@test.com", "José", "Nuñez")
    other_creator = factories.staff_actor(runtime, "olga", "creator", mis_code="862")
    support = factories.staff_actor(runtime, "sam", "support", mis_code="862")
    director = factories.staff_actor(runtime, "dina", "director")
    with pytest.raises(PermissionDenied):
        write_letters(runtime, director, [ours], tmp_path / "d.pdf")
    with pytest.raises(PermissionDenied, match="AAA1111 was not made for your college"):
        write_letters(runtime, other_creator, [ours], tmp_path / "o.pdf")
    assert not (tmp_path / "d.pdf").exists() and not (tmp_path / "o.pdf").exists()
    with read_session(runtime.engine) as db:
        assert db.get(OneTimePassword, ours) is None
    assert write_letters(runtime, support, [ours], tmp_path / "s.pdf").count == 1


def test_track_2_letters_by_cccid_and_for_the_successful_rows_of_a_job(runtime, creator):
    first = student(runtime, creator.college_id, "AAA1111", "jose@test.com", "José", "Nuñez")
    second = student(runtime, creator.college_id, "AAA2222", "anna@test.com", "Анна", "Иванова")
    assert accounts_by_cccid(runtime, creator, ["aaa2222", "AAA1111"]) == [second, first]
    with pytest.raises(NotFound, match="AAA9999"):
        accounts_by_cccid(runtime, creator, ["AAA1111", "AAA9999"])
    with write_session(runtime.engine) as db:
        job = BulkJob(staff_id=creator.staff_id, college_id=creator.college_id, file_name="s.csv", file_sha256="0")
        db.add(job)
        db.flush()
        job_id = saved_id(job)
        db.add_all(
            [
                BulkRow(job_id=job_id, row_number=2, fingerprint="b", status="Success", account_id=second),
                BulkRow(job_id=job_id, row_number=1, fingerprint="a", status="Success", account_id=first),
                BulkRow(job_id=job_id, row_number=3, fingerprint="c", status="Failure", message="bad"),
            ]
        )
    assert job_accounts(runtime, creator, job_id) == [first, second]
    with pytest.raises(NotFound):
        job_accounts(runtime, factories.staff_actor(runtime, "olga", "creator", mis_code="862"), job_id)


def test_track_2_a_missing_font_is_a_one_line_refusal_and_changes_nothing(runtime, creator, tmp_path):
    account_id = student(runtime, creator.college_id, "AAA1111", "jose@test.com", "José", "Nuñez")
    runtime.settings.letter_fonts = [tmp_path / "gone.ttf", tmp_path / "gone-bold.ttf"]
    with pytest.raises(FontMissing) as refused:
        write_letters(runtime, creator, [account_id], tmp_path / "a.pdf")
    assert "gone.ttf" in str(refused.value) and "\n" not in str(refused.value)
    assert not (tmp_path / "a.pdf").exists()
    assert stored(runtime, account_id).credentials_given_at is None


def test_track_2_a_name_no_font_prints_is_refused(runtime, creator, tmp_path):
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    runtime.settings.letter_fonts = [dejavu / "DejaVuSans.ttf", dejavu / "DejaVuSans-Bold.ttf"]
    account_id = student(runtime, creator.college_id, "AAA3333", "meiling@test.com", "美玲", "王")
    with pytest.raises(ServiceError, match="fonts-noto-cjk"):
        write_letters(runtime, creator, [account_id], tmp_path / "a.pdf")
    assert list(tmp_path.glob("*.pdf")) == []


def test_track_2_letter_passwords_are_grouped_without_look_alikes():
    assert not set(LETTER_ALPHABET) & set(LOOK_ALIKES)
    samples = {letter_password() for _ in range(500)}
    assert len(samples) == 500
    assert all(is_letter_password(p) and len(p) == 14 for p in samples)
    assert set("".join(samples).replace("-", "")) == set(LETTER_ALPHABET)
