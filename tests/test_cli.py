"""The command line, in-process and as the installed console script."""

import io
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from pydantic import SecretStr
from sqlmodel import select

from openccc_tui.cli import build_parser, main, parse_arguments
from openccc_tui.store.engine import make_engine, read_session
from openccc_tui.store.models import Staff
from tests import factories


@pytest.fixture(autouse=True)
def log_file(tmp_path, monkeypatch):
    path = tmp_path / "cli.log"
    monkeypatch.setenv("OPENCCC_LOG_FILE", str(path))
    return path


@pytest.fixture(autouse=True)
def settings_file(tmp_path, monkeypatch):
    """`init` writes the new totp_key to the settings file: the user's own, which it makes,
    in a configuration folder of this test's own (a file named by OPENCCC_CONFIG must exist)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("OPENCCC_CONFIG", raising=False)
    monkeypatch.delenv("OPENCCC_TOTP_KEY", raising=False)
    return tmp_path / "config" / "openccc-tui" / "openccc.toml"


def run(monkeypatch, capsys, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_then_staff_add_on_a_fresh_database(database_url, monkeypatch, capsys):
    code, out, err = run(
        monkeypatch,
        capsys,
        "init",
        "--db",
        database_url,
        "--college",
        "861",
        "--college-name",
        "Test College",
        "--director",
        "jdir",
        "--name",
        "Jo Director",
        "--password-stdin",
        stdin="Str0ng#Pass\n",
    )
    assert (code, err) == (0, "")
    director_uri = out.strip().splitlines()[-1]
    assert pyotp.parse_uri(director_uri).issuer == "OpenCCC"

    code, out, err = run(
        monkeypatch,
        capsys,
        "staff",
        "add",
        "cory",
        "--name",
        "Cory Creator",
        "--college",
        "861",
        "--roles",
        "creator,support",
        "--password-stdin",
        "--db",
        database_url,
        stdin="An0ther#Pass\n",
    )
    assert (code, err) == (0, "")
    assert "cory added with roles creator,support" in out
    assert out.strip().splitlines()[-1].startswith("otpauth://totp/OpenCCC:cory%40861?secret=")
    engine = make_engine(database_url)
    with read_session(engine) as session:
        assert sorted(s.username for s in session.exec(select(Staff))) == ["cory", "jdir"]
    engine.dispose()


def test_database_url_comes_from_the_environment(database_url, monkeypatch, capsys):
    monkeypatch.setenv("OPENCCC_DATABASE_URL", database_url)
    code, out, _ = run(monkeypatch, capsys, "db", "upgrade")
    assert code == 0 and "revision 0010" in out


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (
            ["staff", "add", "x", "--college", "861", "--roles", "creator", "--name", "X", "--password-stdin"],
            "Str0ng#Pass\n",
            "no college with MIS code 861",
        ),
        (
            ["staff", "add", "x", "--college", "861", "--roles", "wizard", "--name", "X", "--password-stdin"],
            "Str0ng#Pass\n",
            "unknown role 'wizard'",
        ),
        (
            [
                "init",
                "--college",
                "861",
                "--college-name",
                "T",
                "--director",
                "dee",
                "--name",
                "Dee",
                "--password-stdin",
            ],
            "weak\n",
            "password: rules not met: at least 8 characters",
        ),
        (
            [
                "init",
                "--college",
                "861",
                "--college-name",
                "T",
                "--director",
                "dee",
                "--name",
                "Dee",
                "--password-stdin",
            ],
            "",
            "no password was given on standard input",
        ),
    ],
)
def test_bad_values_give_one_line_and_exit_1(database_url, monkeypatch, capsys, argv, stdin, message):
    code, out, err = run(monkeypatch, capsys, *argv, "--db", database_url, stdin=stdin)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("openccc-tui: error: ") and message in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    "argv",
    [["--bogus"], ["init"], ["staff"], ["staff", "remove", "x"], ["--mode", "party"], ["db"]],
)
def test_usage_errors_give_one_line_and_exit_2(monkeypatch, capsys, argv):
    code, _, err = run(monkeypatch, capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("openccc-tui: error: ")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--db", "sqlite:///x.db"],
        ["--mode", "kiosk", "--db", "postgresql://h/db"],
        ["--mode=staff"],
        ["--db", "init"],
        ["--mo", "trainer"],
        ["init", "--college", "111", "--college-name", "C", "--director", "d", "--name", "D", "--password-stdin"],
        ["--db", "sqlite:///x.db", "outbox", "--last", "3"],
        ["--mode", "kiosk", "db", "upgrade"],
    ],
)
def test_starting_the_app_is_parsed_without_the_commands_and_as_the_whole_parser_does(argv):
    """`openccc-tui [--db URL] [--mode MODE]` is parsed without building every command's
    parser (start-up time); whatever it gives, the whole parser gives too."""
    assert parse_arguments(argv) == build_parser().parse_args(argv)


def test_unreachable_database_gives_one_line(monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "db", "upgrade", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert code == 1
    assert err.startswith("openccc-tui: error: database postgresql://nobody@127.0.0.1:1/none: ")
    assert err.count("\n") == 1


def test_bad_configuration_gives_one_line(monkeypatch, capsys):
    monkeypatch.setenv("OPENCCC_POLICY_PROFILE", "lax")
    code, _, err = run(monkeypatch, capsys, "db", "upgrade", "--db", "sqlite://")
    assert code == 1 and err.startswith("openccc-tui: error: configuration policy_profile: ")


def test_the_app_refuses_to_start_without_a_terminal(database_url, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "--db", database_url)
    assert code == 1 and "the app needs a terminal" in err


def test_demo_seed_only_prints_the_demo_staff(monkeypatch, capsys, tmp_path):
    code, out, _ = run(monkeypatch, capsys, "demo", "--dir", str(tmp_path / "demo"), "--seed-only")
    assert code == 0
    assert "dana.director" in out and "cory.creator" in out and "sam.support" in out
    assert (tmp_path / "demo" / "openccc-demo.db").exists()
    code, _, _ = run(monkeypatch, capsys, "demo", "--dir", str(tmp_path / "demo"), "--seed-only")
    assert code == 0  # always a fresh database


def test_unexpected_errors_go_to_the_log_not_the_screen(monkeypatch, capsys, log_file):
    def explode(*_args, **_kwargs):
        raise RuntimeError("boom with secret Str0ng#Pass")

    monkeypatch.setattr("openccc_tui.cli.cmd_db_upgrade", explode)
    monkeypatch.setitem(__import__("openccc_tui.cli").cli.COMMANDS, ("db", "upgrade"), explode)
    code, out, err = run(monkeypatch, capsys, "db", "upgrade", "--db", "sqlite://")
    assert code == 1
    assert "Traceback" not in out + err and "boom" not in err
    assert "RuntimeError" in log_file.read_text()


@pytest.mark.parametrize(
    "command", [[str(Path(sys.executable).parent / "openccc-tui")], [sys.executable, "-m", "openccc_tui"]]
)
def test_console_script_and_module_entry_points(command):
    result = subprocess.run([*command, "--help"], capture_output=True, text=True, check=True)
    assert "init" in result.stdout and "staff" in result.stdout and "demo" in result.stdout


def test_acc_7_no_plaintext_password_in_the_database_file_or_the_log(tmp_path, monkeypatch, capsys, log_file):
    database = tmp_path / "secrets.db"
    url = f"sqlite:///{database}"
    run(
        monkeypatch,
        capsys,
        "init",
        "--db",
        url,
        "--college",
        "861",
        "--college-name",
        "T",
        "--director",
        "jdir",
        "--name",
        "Jo Director",
        "--password-stdin",
        stdin="Pl41n#Secret\n",
    )
    code, out, err = run(
        monkeypatch,
        capsys,
        "staff",
        "add",
        "cory",
        "--name",
        "Cory Creator",
        "--college",
        "861",
        "--roles",
        "creator",
        "--password-stdin",
        "--db",
        url,
        stdin="Pl41n#Other\n",
    )
    assert code == 0
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("secrets.db*"))
    for secret in ("Pl41n#Secret", "Pl41n#Other"):
        assert secret.encode() not in stored
        assert secret not in out + err
        assert not log_file.exists() or secret not in log_file.read_text()


def test_code_2_outbox_command_prints_recent_messages(database_url, monkeypatch, capsys, tmp_path):
    from openccc_tui.services import notify
    from openccc_tui.store.engine import write_session
    from tests.conftest import make_runtime, make_settings

    runtime = make_runtime(make_settings(database_url, tmp_path))
    with write_session(runtime.engine) as session:
        notify.queue(
            session, runtime, channel="email", to="winnie@test.com", subject="Code", body="Your code is 123456"
        )
        notify.queue(session, runtime, channel="sms", to="+19164452841", subject="Code", body="Your code is 654321")
    runtime.engine.dispose()
    code, out, _ = run(monkeypatch, capsys, "outbox", "--db", database_url, "--to", "(916) 445-2841")
    assert code == 0 and "654321" in out and "123456" not in out
    code, out, _ = run(monkeypatch, capsys, "outbox", "--db", database_url, "--last", "1")
    assert "654321" in out and "winnie" not in out
    code, _, err = run(monkeypatch, capsys, "outbox", "--db", database_url, "--last", "0")
    assert code == 2 and err.startswith("openccc-tui: error: --last")


def test_bulk_8_headless_import_and_template(database_url, monkeypatch, capsys, tmp_path):
    import csv as csv_module

    from tests.conftest import make_runtime, make_settings
    from tests.services.test_bulk import row

    runtime = make_runtime(make_settings(database_url, tmp_path))
    factories.staff_actor(runtime, "cory", "creator")
    factories.console_ready(runtime, "cory")
    runtime.engine.dispose()
    code, out, _ = run(monkeypatch, capsys, "template", str(tmp_path))
    template = tmp_path / "bulkAccountCreateTemplate.csv"
    assert code == 0 and str(template) in out
    with template.open("a", newline="") as file:
        csv_module.writer(file).writerows([row(1), row(2, email="bad")])
    code, out, err = run(monkeypatch, capsys, "import", str(template), "--as", "cory", "--db", database_url)
    assert code == 0 and out.strip().startswith("Processed 2 of 2 rows: 1 Success, 1 Failure.")
    assert (tmp_path / "bulkAccountCreateTemplate-results.csv").exists()
    code, _, err = run(
        monkeypatch, capsys, "import", str(tmp_path / "missing.csv"), "--as", "cory", "--db", database_url
    )
    assert code == 1 and "refused" in err
    code, _, err = run(
        monkeypatch,
        capsys,
        "import",
        str(template),
        "--as",
        "cory",
        "--out",
        str(tmp_path / "r.xlsx"),
        "--db",
        database_url,
    )
    assert code == 2 and "--results-password-stdin" in err
    code, out, _ = run(
        monkeypatch,
        capsys,
        "import",
        str(template),
        "--as",
        "cory",
        "--out",
        str(tmp_path / "r.xlsx"),
        "--results-password-stdin",
        "--db",
        database_url,
        stdin="Sheet#Pass1234\n",
    )
    assert code == 0 and (tmp_path / "r.xlsx").exists()


def test_bulk_8_kill_9_in_the_middle_then_the_same_file_finishes_without_second_accounts(tmp_path, monkeypatch):
    import csv as csv_module
    import os
    import signal
    import time

    from sqlmodel import func

    from openccc_tui.domain.template import TEMPLATE_COLUMNS
    from openccc_tui.store.models import BulkRow, StudentAccount
    from tests.conftest import make_runtime, make_settings
    from tests.services.test_bulk import row

    url = f"sqlite:///{tmp_path / 'crash.db'}"
    runtime = make_runtime(make_settings(url, tmp_path))
    from openccc_tui.store import migrate

    migrate.upgrade(runtime.engine)
    factories.staff_actor(runtime, "cory", "creator")
    factories.console_ready(runtime, "cory")
    source = tmp_path / "students.csv"
    with source.open("w", newline="") as file:
        writer = csv_module.writer(file)
        writer.writerow(TEMPLATE_COLUMNS)
        writer.writerows(row(n) for n in range(150))
    command = [str(Path(sys.executable).parent / "openccc-tui"), "import", str(source), "--as", "cory", "--db", url]
    env = os.environ | {"OPENCCC_LOG_FILE": str(tmp_path / "log")}
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with read_session(runtime.engine) as session:
            if session.exec(select(func.count()).select_from(BulkRow)).one() > 0:
                break
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with read_session(runtime.engine) as session:
        before = {a.email: a.cccid for a in session.exec(select(StudentAccount))}
    assert 0 < len(before) < 150, "the import must be killed in the middle"
    finished = subprocess.run(command, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("Processed 150 of 150 rows: 150 Success, 0 Failure.")
    with read_session(runtime.engine) as session:
        after = {a.email: a.cccid for a in session.exec(select(StudentAccount))}
    assert len(after) == 150 and all(after[email] == cccid for email, cccid in before.items())
    results = list(csv_module.reader((tmp_path / "students-results.csv").open(encoding="utf-8-sig")))
    assert {r[0]: r[-2] for r in results[1:]} == after
    runtime.engine.dispose()


def test_term_4_trainer_mode_refuses_a_database_the_demo_did_not_make(database_url, monkeypatch, capsys):
    run(
        monkeypatch,
        capsys,
        "init",
        "--db",
        database_url,
        "--college",
        "861",
        "--college-name",
        "Test College",
        "--director",
        "jdir",
        "--name",
        "Jo Director",
        "--password-stdin",
        stdin="Str0ng#Pass\n",
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code = main(["--db", database_url, "--mode", "trainer"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "trainer mode shows every code sent, so it opens only a demo database" in err


def test_bulk_8_import_as_a_creator_who_cannot_act_is_refused_and_the_host_user_is_audited(
    database_url, monkeypatch, capsys, tmp_path
):
    import csv as csv_module
    import getpass

    from openccc_tui.domain.template import TEMPLATE_COLUMNS
    from openccc_tui.store.models import AuditEvent
    from tests.conftest import make_runtime, make_settings
    from tests.services.test_bulk import row

    runtime = make_runtime(make_settings(database_url, tmp_path))
    factories.staff_actor(runtime, "cory", "creator")
    source = tmp_path / "students.csv"
    with source.open("w", newline="") as file:
        csv_module.writer(file).writerows([TEMPLATE_COLUMNS, row(1)])
    code, _, err = run(monkeypatch, capsys, "import", str(source), "--as", "cory", "--db", database_url)
    assert code == 1 and err.count("\n") == 1
    assert "cory cannot make accounts: the authenticator (TOTP) is not enrolled" in err
    assert not (tmp_path / "students-results.csv").exists()

    factories.console_ready(runtime, "cory")
    code, out, _ = run(monkeypatch, capsys, "import", str(source), "--as", "cory", "--db", database_url)
    assert code == 0 and out.startswith("Processed 1 of 1 rows: 1 Success")
    with read_session(runtime.engine) as session:
        created = session.exec(select(AuditEvent).where(AuditEvent.action == "account.create")).one()
    assert (created.actor, created.terminal) == ("cory", f"cli:{getpass.getuser()}")
    runtime.engine.dispose()


def test_staff_6_init_writes_a_totp_key_owner_only_and_every_later_command_uses_it(
    tmp_path, monkeypatch, capsys, settings_file
):
    import stat

    url = f"sqlite:///{tmp_path / 'keyed.db'}"
    init = [
        "init",
        "--db",
        url,
        "--college",
        "861",
        "--college-name",
        "T",
        "--name",
        "J Dir",
        "--director",
        "jdir",
        "--password-stdin",
    ]
    code, out, err = run(monkeypatch, capsys, *init, stdin="Str0ng#Pass\n")
    assert (code, err) == (
        0,
        "",
    ) and f"A new totp_key, the key of the staff authenticator secrets, was written to {settings_file}." in out
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600
    key = settings_file.read_text().split('totp_key = "')[1].split('"')[0]
    assert key not in out
    secret = pyotp.parse_uri(out.strip().splitlines()[-1]).secret
    code, out, err = run(
        monkeypatch,
        capsys,
        "staff",
        "add",
        "cory",
        "--college",
        "861",
        "--roles",
        "creator",
        "--name",
        "Cory Creator",
        "--password-stdin",
        "--db",
        url,
        stdin="An0ther#Pass\n",
    )
    assert (code, err) == (0, "")
    engine = make_engine(url)
    with read_session(engine) as session:
        stored = {s.username: s.totp_secret for s in session.exec(select(Staff))}
    engine.dispose()
    assert all(value.startswith("v1:") for value in stored.values()) and secret not in stored["jdir"]
    code, out, _ = run(
        monkeypatch, capsys, *init[:-3], "--director", "jdir2", "--password-stdin", stdin="Str0ng#Pass\n"
    )
    assert code == 0 and "A new totp_key" not in out and settings_file.read_text().count("totp_key") == 1


def test_staff_6_db_upgrade_encrypts_plaintext_secrets_with_the_configured_key(
    tmp_path, monkeypatch, capsys, settings_file
):
    from openccc_tui.services.credentials import totp_secrets
    from openccc_tui.store.engine import write_session

    url = f"sqlite:///{tmp_path / 'old.db'}"
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(f'database_url = "{url}"\n')
    init = [
        "init",
        "--college",
        "861",
        "--college-name",
        "T",
        "--director",
        "jdir",
        "--name",
        "J Dir",
        "--password-stdin",
    ]
    assert run(monkeypatch, capsys, *init, stdin="Str0ng#Pass\n")[0] == 0
    key = settings_file.read_text().split('totp_key = "')[1].split('"')[0]
    engine = make_engine(url)
    with write_session(engine) as session:
        session.exec(select(Staff)).one().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # as before STAFF-6
    settings_file.write_text(f'database_url = "{url}"\n')  # the key is not configured yet
    code, out, err = run(monkeypatch, capsys, "db", "upgrade")
    assert code == 1 and err.count("\n") == 1
    assert "1 staff authenticator secret(s) are stored in plaintext and the settings have no totp_key" in err
    settings_file.write_text(f'database_url = "{url}"\ntotp_key = "{key}"\n')
    code, out, _ = run(monkeypatch, capsys, "db", "upgrade")
    assert code == 0 and "1 staff authenticator secret(s) encrypted with the configured totp_key." in out
    with read_session(engine) as session:
        stored = session.exec(select(Staff)).one().totp_secret
    engine.dispose()
    assert (
        stored.startswith("v1:") and totp_secrets.unseal(stored, SecretStr(key)) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    )


def test_term_4_demo_makes_its_own_key_and_settings_to_open_it_again(tmp_path, monkeypatch, capsys):
    import stat

    code, out, _ = run(monkeypatch, capsys, "demo", "--dir", str(tmp_path / "demo"), "--seed-only")
    demo_settings = tmp_path / "demo" / "openccc-demo.toml"
    assert code == 0 and f"OPENCCC_CONFIG={demo_settings} openccc-tui --mode trainer" in out
    assert stat.S_IMODE(demo_settings.stat().st_mode) == 0o600 and "totp_key" in demo_settings.read_text()


@pytest.mark.parametrize("command", [["init", "--college-name", "T", "--director", "dee"], ["staff", "add", "x"]])
def test_staff_1_a_staff_account_needs_a_full_name(database_url, monkeypatch, capsys, command):
    argv = [*command, "--college", "861", "--password-stdin", "--db", database_url]
    if command[0] == "staff":
        argv += ["--roles", "creator"]
    code, _, err = run(monkeypatch, capsys, *argv, stdin="Str0ng#Pass\n")
    assert code == 2 and "--name" in err
    code, _, err = run(monkeypatch, capsys, *argv, "--name", "  ", stdin="Str0ng#Pass\n")
    assert code == 1 and err.strip() == "openccc-tui: error: give the person's full name with --name"


def test_bulk_7a_import_of_a_protected_workbook_reads_its_password_from_the_first_line(
    database_url, monkeypatch, capsys, tmp_path
):
    from tests.conftest import make_runtime, make_settings
    from tests.services.test_bulk_workbooks import encrypted, with_cells, workbook_bytes

    runtime = make_runtime(make_settings(database_url, tmp_path))
    factories.staff_actor(runtime, "cory", "creator")
    factories.console_ready(runtime, "cory")
    runtime.engine.dispose()
    source = tmp_path / "locked.xlsx"
    source.write_bytes(encrypted(workbook_bytes([with_cells(1), with_cells(2, email="bad")]), "File pass 2026"))
    command = ("import", str(source), "--as", "cory", "--db", database_url)
    code, _, err = run(monkeypatch, capsys, *command)
    assert code == 1 and "locked.xlsx is protected by a password" in err and "--file-password-stdin" in err
    code, _, err = run(monkeypatch, capsys, *command, "--file-password-stdin", stdin="File pass 2025\n")
    assert code == 1 and err.strip().endswith("locked.xlsx: wrong password")
    results = tmp_path / "locked-results.xlsx"
    code, out, err = run(
        monkeypatch,
        capsys,
        *command,
        "--file-password-stdin",
        "--results-password-stdin",
        "--out",
        str(results),
        stdin="File pass 2026\nResults pass 2026\n",
    )
    assert code == 0 and out.startswith("Processed 2 of 2 rows: 1 Success, 1 Failure."), err
    from openccc_tui.domain.bulk import STATUS_INDEX
    from openccc_tui.services.bulk.bulk_uploads import WrongPassword, open_upload
    from tests.services.test_bulk import LIMITS

    with pytest.raises(WrongPassword):
        open_upload(results, LIMITS, password="File pass 2026")
    statuses = [cells[STATUS_INDEX] for _, cells in open_upload(results, LIMITS, password="Results pass 2026").rows()]
    assert statuses == ["Success", "Failure"]


def test_track_2_letters_headless_as_a_staff_member_who_can_act_audited_with_the_host_user(
    database_url, monkeypatch, capsys, tmp_path
):
    import getpass
    import stat

    from pypdf import PdfReader

    from openccc_tui.store.models import AuditEvent
    from tests.conftest import make_runtime, make_settings

    monkeypatch.setenv("OPENCCC_EXPORT_DIR", str(tmp_path))
    runtime = make_runtime(make_settings(database_url, tmp_path))
    actor = factories.staff_actor(runtime, "sam", "support")
    factories.stored_student(runtime, cccid="AAA1111", email="jose@test.com", first_name="José", last_name="Nuñez")
    factories.stored_student(
        runtime,
        cccid="AAA2222",
        email="anna@test.com",
        first_name="Анна",
        last_name="Иванова",
        created_for_college_id=actor.college_id,
    )
    out = tmp_path / "hand-over.pdf"
    argv = ("letters", "--cccid", "AAA1111", "aaa2222", "--as", "sam", "--out", str(out), "--db", database_url)
    code, _, err = run(monkeypatch, capsys, *argv)
    assert code == 1 and err.count("\n") == 1 and "sam cannot write hand-over letters" in err
    assert "the authenticator (TOTP) is not enrolled" in err and not out.exists()

    factories.console_ready(runtime, "sam")
    code, printed, err = run(monkeypatch, capsys, *argv)
    assert (code, err) == (0, "")
    assert printed.startswith(f"2 letter(s) written to {out} (owner-only).") and "shred" in printed
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and len(PdfReader(out).pages) == 2
    with read_session(runtime.engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "account.letter")).all()
    assert {(e.actor, e.terminal) for e in events} == {("sam", f"cli:{getpass.getuser()}")} and len(events) == 2

    code, _, err = run(monkeypatch, capsys, "letters", "--cccid", "ZZZ9999", "--as", "sam", "--db", database_url)
    assert code == 1 and err == "openccc-tui: error: no account with CCCID ZZZ9999\n"
    runtime.engine.dispose()
