"""TERM-2 in a real terminal: `openccc-tui --mode kiosk` under tmux, started with
TEXTUAL_ALLOW_SIGNALS and the devtools switched on in its environment, survives every key
that would leave the student pages, and still takes input."""

import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from openccc_tui.config import Settings
from openccc_tui.services.runtime import Runtime
from openccc_tui.store import migrate
from tests.terminal import Pane

pytestmark = pytest.mark.skipif(not shutil.which("tmux"), reason="tmux is not installed (Debian: apt-get install tmux)")

KEYS = ["C-q", "C-c", "C-z", "C-\\", "C-p", "F1", "F2", "F10", "C-d", "C-s", "C-l"]


def test_term_2_kiosk_survives_every_escape_key_in_a_real_terminal(tmp_path):
    database = f"sqlite:///{tmp_path / 'kiosk.db'}"
    runtime = Runtime.open(Settings(database_url=database, log_file=tmp_path / "app.log"))
    migrate.upgrade(runtime.engine)
    runtime.engine.dispose()
    app = Path(sys.executable).parent / "openccc-tui"
    hostile = "TEXTUAL_ALLOW_SIGNALS=1 TEXTUAL=devtools,debug TEXTUAL_PRESS=ctrl+q PYTHONINSPECT=1"
    pane = Pane(f"openccc-kiosk-{os.getpid()}")
    try:
        pane.start(
            f"env {hostile} OPENCCC_LOG_FILE={tmp_path / 'app.log'} {app} --db {database} --mode kiosk; "
            "echo KIOSK-ENDED; sleep 60"
        )
        pane.wait_for("Sign In")
        pane.keys(*"wi", literal=True)
        for key in KEYS:
            pane.keys(key)
        pane.keys("nnie@test.com", literal=True)
        shown = pane.wait_for("winnie@test.com")
        assert "KIOSK-ENDED" not in shown and ">>>" not in shown
        assert "kiosk mode" in shown
        pane.keys("Enter")
        pane.wait_for("Password")
    finally:
        pane.kill()


def test_term_2_the_app_ends_when_its_terminal_closes_though_no_hang_up_reaches_it(tmp_path):
    """A wrapper such as `make demo` keeps the hang-up from the App: when its terminal goes
    away the App still ends, instead of running on with nobody at it."""
    database = f"sqlite:///{tmp_path / 'kiosk.db'}"
    runtime = Runtime.open(Settings(database_url=database, log_file=tmp_path / "app.log"))
    migrate.upgrade(runtime.engine)
    runtime.engine.dispose()
    app = Path(sys.executable).parent / "openccc-tui"
    pid_file = tmp_path / "app.pid"
    pane = Pane(f"openccc-hangup-{os.getpid()}")
    try:
        pane.start(
            f'sh -c \'echo $$ > {pid_file}; trap "" HUP; '
            f"exec env OPENCCC_LOG_FILE={tmp_path / 'app.log'} {app} --db {database} --mode kiosk'"
        )
        pane.wait_for("Sign In")
        pid = int(pid_file.read_text())
        ignored = next(
            line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("SigIgn")
        )
        assert int(ignored.split()[1], 16) & 1 << (signal.SIGHUP - 1), "the hang-up is not kept from the App"
    finally:
        pane.kill()
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists() or " Z " in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:4]:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the App ran on after its terminal closed")
