"""deploy/ as shipped, on a real OpenSSH server on loopback, with real users and groups
(TERM-1, TERM-2, TERM-6): a staff member signs in to the console over SSH, puts a bulk
file into the exchange folder by SFTP, uploads it on Multi Account Creation and takes the
results back by SFTP; the exchange is confined and gives no shell; a kiosk account gets
the student Sign In through the kiosk terminal's SSH client, where `~.` does nothing.

The host is set up as the README's "Deploying over SSH" says: the app installed with the
system Python into its own folder, the groups openccc-staff, openccc-kiosk and openccc
(both kinds of account, to read the settings and share the SQLite database), a 2770
database folder, the drop-in with only its ports and folders changed. It needs root (to
add users and groups and to chroot), sshd, tmux and the system Python's venv.
"""

import csv
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest

from openccc_tui.domain.template import TEMPLATE_COLUMNS
from tests.conftest import TOTP_KEY
from tests.terminal import Pane, free_port

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "deploy" / "ssh" / "openccc.conf"
KIOSK_CLIENT = ROOT / "deploy" / "kiosk" / "ssh_config"
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
SYSTEM_PYTHON = Path("/usr/bin/python3")
GROUPS = ("openccc", "openccc-staff", "openccc-kiosk")


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root, to add users and groups and to let sshd chroot the exchange"
    if not Path(SSHD).exists():
        return "sshd is not installed (Debian: apt-get install openssh-server)"
    if not shutil.which("tmux"):
        return "tmux is not installed (Debian: apt-get install tmux)"
    if not shutil.which("useradd"):
        return "useradd is not available"
    if subprocess.run([str(SYSTEM_PYTHON), "-c", "import venv, ensurepip"], capture_output=True).returncode:
        return "the system Python has no venv (Debian: apt-get install python3-venv)"
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{command[0]} failed:\n{done.stderr}"
    return done


def keygen(path: Path) -> Path:
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path)
    return path


@dataclass
class Host:
    base: Path
    staff_user: str
    kiosk_user: str
    key: Path
    console_port: int
    exchange_port: int
    config: Path
    app_config: Path
    creator: list[str]

    def exchange(self, user: str) -> Path:
        return self.base / "exchange" / user

    def ssh(self, user: str, port: int, *extra: str) -> list[str]:
        return [
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            str(self.key),
            "-p",
            str(port),
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            *extra,
            f"{user}@127.0.0.1",
        ]

    def sftp(self, user: str, batch: str) -> subprocess.CompletedProcess:
        command = [
            "sftp",
            "-F",
            "/dev/null",
            "-i",
            str(self.key),
            "-P",
            str(self.exchange_port),
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-b",
            "-",
            f"{user}@127.0.0.1",
        ]
        return subprocess.run(command, input=batch, capture_output=True, text=True, timeout=60)


def install_app(base: Path) -> Path:
    """README step 1: the system Python, not a per-user one, so every account can run it."""
    run(SYSTEM_PYTHON, "-m", "venv", base / "opt")
    run(base / "opt" / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", ROOT)
    return base / "opt"


def add_user(base: Path, name: str, group: str) -> None:
    home = base / "home" / name
    run("useradd", "-M", "-N", "-d", home, "-g", "openccc", "-G", group, "-s", "/bin/sh", name)
    run("usermod", "-p", "*", name)  # no password, and not locked: key-only login
    home.mkdir(parents=True)
    shutil.chown(home, name, "openccc")
    home.chmod(0o700)


def sshd_config(host: Host, app: Path) -> None:
    """Test globals (a throw-away host key, keys in our folder) and the recipe as shipped,
    with only its ports and folders moved to this test's."""
    recipe = (
        RECIPE.read_text()
        .replace("Port 2022\n", f"Port {host.exchange_port}\n")
        .replace("LocalPort 2022", f"LocalPort {host.exchange_port}")
        .replace("Port 22\n", f"Port {host.console_port}\n")
        .replace("/opt/openccc-tui", str(app))
        .replace("/etc/openccc-tui/openccc.toml", str(host.app_config))
        .replace("/srv/openccc-tui/exchange", str(host.base / "exchange"))
    )
    drop_in = host.base / "sshd_config.d" / "openccc.conf"
    drop_in.parent.mkdir()
    drop_in.write_text(recipe)
    # As Debian's sshd_config: the drop-ins first, then its own lines.
    host.config.write_text(f"""
ListenAddress 127.0.0.1
HostKey {keygen(host.base / "host_key")}
PidFile {host.base / "sshd.pid"}
AuthorizedKeysFile {host.base / "keys"}/%u
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
PermitUserEnvironment no
Include {drop_in.parent}/*.conf
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
""")


def seed_database(host: Host, app: Path) -> list[str]:
    """The demo database, made by root as the README's `init` would be, shared by the group."""
    var = host.base / "var"
    var.mkdir()
    shutil.chown(var, "root", "openccc")
    var.chmod(0o2770)
    script = (
        "import json,sys\n"
        "from openccc_tui.config import Settings\n"
        "from openccc_tui.services.audit import command_line_actor\n"
        "from openccc_tui.services.runtime import Runtime\n"
        "from openccc_tui.services.setup import seed_demo\n"
        "runtime = Runtime.open(Settings())\n"
        "staff = {m.username: m for m in seed_demo(runtime, command_line_actor('test'))}\n"
        "cory = staff['cory.creator']\n"
        "print(json.dumps([cory.username, cory.password, cory.totp_secret]))\n"
    )
    env = os.environ | {"OPENCCC_CONFIG": str(host.app_config)}
    shown = run(app / "bin" / "python", "-c", script, env=env)
    for path in var.iterdir():
        shutil.chown(path, "root", "openccc")
        path.chmod(0o660)
    return json.loads(shown.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def host() -> Iterator[Host]:
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation folder
    # A chroot's every folder must belong to root and be writable by nobody else: not /tmp.
    base = Path(tempfile.mkdtemp(prefix="openccc-ssh-", dir="/srv" if Path("/srv").is_dir() else "/opt"))
    base.chmod(0o755)
    made_groups = [g for g in GROUPS if subprocess.run(["getent", "group", g], capture_output=True).returncode]
    for group in made_groups:
        run("groupadd", group)
    tag = secrets.token_hex(3)
    staff_user, kiosk_user = f"occ{tag}staff", f"occ{tag}kiosk"
    sshd = None
    try:
        app = install_app(base)
        add_user(base, staff_user, "openccc-staff")
        add_user(base, kiosk_user, "openccc-kiosk")
        key = keygen(base / "user_key")
        keys = base / "keys"
        keys.mkdir()
        for user in (staff_user, kiosk_user):
            (keys / user).write_text(key.with_suffix(".pub").read_text())
        exchange = base / "exchange"
        exchange.mkdir(mode=0o755)
        (exchange / staff_user).mkdir(mode=0o700)
        shutil.chown(exchange / staff_user, staff_user, "openccc")
        etc = base / "etc"
        etc.mkdir()
        app_config = etc / "openccc.toml"
        app_config.write_text(
            f'database_url = "sqlite:///{base / "var" / "openccc.db"}"\n'
            f'import_dir = "{exchange}/{{user}}"\n'
            f'export_dir = "{exchange}/{{user}}"\n'
            'database_group = "openccc"\n'
            f'totp_key = "{TOTP_KEY}"\n'
        )
        shutil.chown(app_config, "root", "openccc")
        app_config.chmod(0o640)
        host = Host(
            base=base,
            staff_user=staff_user,
            kiosk_user=kiosk_user,
            key=key,
            console_port=free_port(),
            exchange_port=free_port(),
            config=base / "sshd_config",
            app_config=app_config,
            creator=[],
        )
        host.creator = seed_database(host, app)
        sshd_config(host, app)
        run(SSHD, "-t", "-f", host.config)
        sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(host.config)], stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        for port in (host.console_port, host.exchange_port):
            while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
                assert time.monotonic() < deadline and sshd.poll() is None, "sshd did not start"
                time.sleep(0.1)
        yield host
    finally:
        if sshd is not None:
            sshd.terminate()
            sshd.wait(timeout=10)
        for user in (staff_user, kiosk_user):
            subprocess.run(["userdel", user], capture_output=True)
        for group in made_groups:
            subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def bulk_file(path: Path) -> None:
    row = {c: "" for c in TEMPLATE_COLUMNS} | {
        "email": "sftp.student@college.edu",
        "first": "Sofia",
        "last": "Transfer",
        "dob": "2001-02-03",
        "accepted-terms": "TRUE",
        "homeless": "FALSE",
        "street1": "1 Main St",
        "city": "Davis",
        "state": "CA",
        "postal": "95616",
        "country": "US",
        "password": "Quiet#River26",
    }
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(TEMPLATE_COLUMNS)
        writer.writerow([row[c] for c in TEMPLATE_COLUMNS])


def test_term_6_staff_exchange_files_by_sftp_and_process_them_in_the_console(host, tmp_path):
    bulk_file(tmp_path / "students.csv")
    put = host.sftp(host.staff_user, f"put {tmp_path / 'students.csv'}\n")
    assert put.returncode == 0, put.stderr
    assert (host.exchange(host.staff_user) / "students.csv").exists()

    username, password, totp_secret = host.creator
    pane = Pane(f"openccc-ssh-{host.console_port}")
    ssh = " ".join(host.ssh(host.staff_user, host.console_port, "-tt"))
    try:
        pane.start(f"env -u TMUX TERM=xterm-256color {ssh}; echo SSH-ENDED-$?; sleep 60")
        pane.wait_for("Staff Sign In")
        pane.keys(username, literal=True)
        pane.keys("Tab")
        pane.keys(password, literal=True)
        pane.keys("Enter")
        pane.wait_for("authenticator")
        pane.keys(pyotp.TOTP(totp_secret).now(), literal=True)
        pane.keys("Enter")
        pane.wait_for("agree")
        pane.keys("Enter")
        pane.wait_for("Add User")
        pane.keys("m")
        pane.wait_for("students.csv")
        pane.keys("Down")
        pane.keys("Enter")
        pane.wait_for("Chosen:")
        pane.keys("F5")
        pane.wait_for("Done.", seconds=60)
        pane.keys("C-q")
        shown = pane.wait_for("SSH-ENDED-0")
        assert "Traceback" not in shown
    finally:
        pane.kill()

    fetched = tmp_path / "fetched"
    fetched.mkdir()
    get = host.sftp(host.staff_user, f"lcd {fetched}\nget students-results-*.csv\n")
    assert get.returncode == 0, get.stderr
    (results,) = fetched.glob("students-results-*.csv")
    rows = list(csv.DictReader(results.open(encoding="utf-8-sig")))
    assert [(r["email"], r["status"], r["password"]) for r in rows] == [("sftp.student@college.edu", "Success", "")]
    assert len(rows[0]["cccid"]) == 7
    served = host.exchange(host.staff_user) / results.name
    assert served.stat().st_mode & 0o077 == 0  # the results are the staff member's alone


def test_term_6_the_exchange_is_confined_and_gives_no_shell(host):
    listing = host.sftp(host.staff_user, "cd /\nls -1\n")
    assert listing.returncode == 0, listing.stderr
    assert host.staff_user in listing.stdout and "etc" not in listing.stdout.split()
    escape = host.sftp(host.staff_user, f"get {host.app_config}\n")
    assert escape.returncode != 0
    command = subprocess.run(
        [*host.ssh(host.staff_user, host.exchange_port), "id"], capture_output=True, text=True, timeout=30
    )
    assert "uid=" not in command.stdout
    kiosk = host.sftp(host.kiosk_user, "ls\n")
    assert kiosk.returncode != 0  # kiosk accounts have no file exchange


def test_term_1_a_command_on_the_console_port_runs_no_shell(host):
    command = subprocess.run(
        [*host.ssh(host.staff_user, host.console_port), "id"], capture_output=True, text=True, timeout=30
    )
    assert "uid=" not in command.stdout
    assert "needs a terminal" in command.stderr + command.stdout
    assert "Traceback" not in command.stderr + command.stdout


def test_term_2_client_environment_does_not_reach_the_app(host):
    for port in (host.console_port, host.exchange_port):
        effective = run(
            SSHD, "-T", "-f", host.config, "-C", f"user={host.staff_user},host=h,addr=127.0.0.1,lport={port}"
        ).stdout
        accepted = [line for line in effective.splitlines() if line.startswith("acceptenv ")]
        assert accepted == ["acceptenv OPENCCC_NO_CLIENT_ENVIRONMENT"]


def test_term_2_kiosk_terminal_client_has_no_escape_character(host, tmp_path):
    client = tmp_path / "kiosk_ssh_config"
    client.write_text(
        KIOSK_CLIENT.read_text()
        .replace("openccc.college.example", "127.0.0.1")
        .replace("Port 22", f"Port {host.console_port}")
        .replace("User kiosk1", f"User {host.kiosk_user}")
        .replace("/etc/openccc-tui/kiosk_key", str(host.key))
        + "    StrictHostKeyChecking no\n    UserKnownHostsFile /dev/null\n    LogLevel ERROR\n"
    )
    pane = Pane(f"openccc-kiosk-{host.console_port}")
    try:
        pane.start(f"env -u TMUX TERM=xterm-256color ssh -F {client} openccc-kiosk; echo SSH-ENDED-$?; sleep 60")
        pane.wait_for("Sign In")
        pane.keys("Enter")
        pane.keys("~.", literal=True)
        pane.keys("C-z")
        time.sleep(1)
        shown = pane.text()
        assert "SSH-ENDED" not in shown and "Sign In" in shown
        assert "Traceback" not in shown
    finally:
        pane.kill()
