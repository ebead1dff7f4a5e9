"""deploy/ssh/openccc.conf with a real OpenSSH server on a loopback high port: a staff
member connects with `ssh -tt` under tmux, signs in to the console, and quits, which ends
the SSH session (TERM-1)."""

import getpass
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest

from openccc_tui.config import Settings
from openccc_tui.services.audit import command_line_actor
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.setup import seed_demo
from tests.conftest import TOTP_KEY
from tests.terminal import Pane, free_port

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "deploy" / "ssh" / "openccc.conf"
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"

pytestmark = [
    pytest.mark.skipif(
        not Path(SSHD).exists(), reason="sshd is not installed (Debian: apt-get install openssh-server)"
    ),
    pytest.mark.skipif(not shutil.which("tmux"), reason="tmux is not installed (Debian: apt-get install tmux)"),
]


def keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path


def sshd_config(tmp_path: Path, port: int, app_config: Path) -> Path:
    """Test globals (a throw-away host key, key-only login, our own files) and the recipe
    as shipped, pointed at this checkout's console script and matched to this user."""
    recipe = (
        RECIPE.read_text()
        .replace("/opt/openccc-tui/bin/openccc-tui", str(Path(sys.executable).parent / "openccc-tui"))
        .replace("/etc/openccc-tui/openccc.toml", str(app_config))
        .replace("Group openccc-staff", f"User {getpass.getuser()}")
    )
    globals_ = f"""
Port {port}
ListenAddress 127.0.0.1
HostKey {keygen(tmp_path / "host_key")}
PidFile {tmp_path / "sshd.pid"}
AuthorizedKeysFile {tmp_path / "authorized_keys"}
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PermitUserEnvironment no
"""
    path = tmp_path / "sshd_config"
    path.write_text(globals_ + recipe)
    return path


@pytest.fixture
def demo_database(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'ssh.db'}", log_file=tmp_path / "app.log", totp_key=TOTP_KEY
    )
    runtime = Runtime.open(settings)
    staff = {member.username: member for member in seed_demo(runtime, command_line_actor("test"))}
    runtime.engine.dispose()
    config = tmp_path / "openccc.toml"
    config.write_text(
        f'database_url = "{settings.database_url}"\nlog_file = "{settings.log_file}"\ntotp_key = "{TOTP_KEY}"\n'
    )
    return config, staff["cory.creator"]


def test_term_1_staff_console_over_ssh_force_command(tmp_path, demo_database):
    try:
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation folder
    except PermissionError:
        pytest.skip("sshd needs /run/sshd, which only root can create here")
    app_config, cory = demo_database
    port = free_port()
    user_key = keygen(tmp_path / "user_key")
    (tmp_path / "authorized_keys").write_text(user_key.with_suffix(".pub").read_text())
    config = sshd_config(tmp_path, port, app_config)
    subprocess.run([SSHD, "-t", "-f", str(config)], check=True)
    sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE, text=True)
    pane = Pane(f"openccc-ssh-{port}")
    try:
        deadline = time.monotonic() + 20
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline and sshd.poll() is None, "sshd did not start"
            time.sleep(0.1)
        ssh = (
            f"ssh -tt -F /dev/null -i {user_key} -p {port} -o BatchMode=yes -o IdentitiesOnly=yes "
            f"-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "
            f"{getpass.getuser()}@127.0.0.1"
        )
        pane.start(f"env -u TMUX TERM=xterm-256color {ssh}; echo SSH-ENDED-$?; sleep 60")
        pane.wait_for("Staff Sign In")
        pane.keys(cory.username, literal=True)
        pane.keys("Tab")
        pane.keys(cory.password, literal=True)
        pane.keys("Enter")
        pane.wait_for("authenticator")
        pane.keys(pyotp.TOTP(cory.totp_secret).now(), literal=True)
        pane.keys("Enter")
        pane.wait_for("agree")
        pane.keys("Enter")
        shown = pane.wait_for("Add User")
        assert "Cory Creator" in shown or "cory.creator" in shown
        pane.keys("C-q")
        shown = pane.wait_for("SSH-ENDED-0")
        assert "Traceback" not in shown
    finally:
        pane.kill()
        sshd.terminate()
        sshd.wait(timeout=10)
    log = (tmp_path / "app.log").read_text() if (tmp_path / "app.log").exists() else ""
    assert "Traceback" not in log
