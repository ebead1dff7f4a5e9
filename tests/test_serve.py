"""`openccc-tui serve`: a real textual-serve server on loopback, a browser session driven
over its websocket, and the warning when it listens beyond this machine."""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from openccc_tui.cli import main, scrub_environment
from openccc_tui.store import migrate
from openccc_tui.store.engine import make_engine
from tests.terminal import free_port

ANSI = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[@-Z\\-_])")


def start_server(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, OPENCCC_LOG_FILE=str(tmp_path / "serve.log"))
    database = f"sqlite:///{tmp_path / 'served.db'}"
    engine = make_engine(database)
    migrate.upgrade(engine)
    engine.dispose()
    process = subprocess.Popen(
        [sys.executable, "-m", "openccc_tui", "serve", "--db", database, "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        if process.poll() is not None:
            raise AssertionError(process.stderr.read() if process.stderr else "")
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not listen within 30 s")


def stop(process: subprocess.Popen) -> tuple[str, str]:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        return process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()


async def screen_text_until(websocket, wanted: str, seconds: float = 40) -> str:
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted not in ANSI.sub(b"", seen).decode("utf-8", "replace"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{wanted!r} never appeared; saw {ANSI.sub(b'', seen)[-400:]!r}")
        message = await websocket.receive(timeout=remaining)
        if message.type == aiohttp.WSMsgType.BINARY:
            seen += message.data
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            raise AssertionError(f"the session closed before {wanted!r} appeared")
    return ANSI.sub(b"", seen).decode("utf-8", "replace")


def test_serve_gives_each_browser_session_the_app_on_loopback(tmp_path):
    process, port = start_server(tmp_path)

    async def browse() -> None:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/") as page:
                assert page.status == 200
                assert f"ws://127.0.0.1:{port}/ws" in await page.text()
            async with http.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24") as websocket:
                await websocket.send_json(["resize", {"width": 80, "height": 24}])
                await screen_text_until(websocket, "Staff Sign In")
                await websocket.send_json(["focus"])  # the user clicks into the page's terminal
                await websocket.send_json(["stdin", "nobody"])
                await screen_text_until(websocket, "nobody")

    try:
        asyncio.run(browse())
    finally:
        out, err = stop(process)
    assert f"Serving OpenCCC (staff mode, sqlite:///{tmp_path / 'served.db'}) on http://127.0.0.1:{port}/" in out
    assert "warning" not in err
    assert "Traceback" not in out + err


URL = re.compile(
    r"""(?:src|href)\s*=\s*["']([^"']*)["']|url\(\s*["']?([^"')]*)|((?:[a-z][a-z0-9+.-]*:)?//[^\s"'<>)]+)""", re.I
)


def named_urls(html: str) -> set[str]:
    """Every address the page names: src and href attributes, CSS url(…), and anything //host."""
    return {group for match in URL.finditer(html) for group in match.groups() if group}


def test_serve_page_names_no_other_host(tmp_path):
    """A kiosk with no internet shows the first screen at once: the page loads nothing from
    another host (no web font), and every file it names is served here."""
    process, port = start_server(tmp_path)
    own = f"127.0.0.1:{port}"

    async def fetch_page() -> tuple[str, dict[str, int]]:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://{own}/") as page:
                html = await page.text()
            statuses = {}
            for url in sorted(u for u in named_urls(html) if "/static/" in u):
                async with http.get(url) as response:
                    statuses[url] = response.status
            return html, statuses

    try:
        html, statuses = asyncio.run(fetch_page())
    finally:
        stop(process)
    elsewhere = {u for u in named_urls(html) if "//" in u and u.split("//", 1)[1].split("/", 1)[0] != own}
    assert elsewhere == set()
    assert "googleapis" not in html and "fonts.g" not in html
    assert {u.rsplit("/", 1)[1] for u in statuses} >= {"textual.js", "xterm.css", "RobotoMono-VariableFont_wght.ttf"}
    assert set(statuses.values()) == {200}


def test_serve_warns_when_it_listens_beyond_this_machine(tmp_path):
    process, _ = start_server(tmp_path, "--host", "0.0.0.0")  # noqa: S104 - the warning is the subject
    _, err = stop(process)
    assert "warning: serving on 0.0.0.0: textual-serve has no sign-in of its own" in err


def test_served_flag_is_refused_outside_textual_serve(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    monkeypatch.setenv("OPENCCC_LOG_FILE", str(tmp_path / "x.log"))
    code = main(["--db", f"sqlite:///{tmp_path / 'x.db'}", "--served", "--mode", "kiosk"])
    assert code == 2 and "--served is set by `openccc-tui serve`" in capsys.readouterr().err


def test_term_2_a_served_kiosk_keeps_only_the_web_driver():
    environ = {
        "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
        "TEXTUAL_FPS": "60",
        "TEXTUAL_COLOR_SYSTEM": "truecolor",
        "TEXTUAL": "debug,devtools",
        "TEXTUAL_ALLOW_SIGNALS": "1",
    }
    scrub_environment(environ, served=True)
    assert environ == {
        "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
        "TEXTUAL_FPS": "60",
        "TEXTUAL_COLOR_SYSTEM": "truecolor",
    }
    hostile = {"TEXTUAL_DRIVER": "evil.module:Driver"}
    scrub_environment(hostile, served=True)
    assert hostile == {}


@pytest.mark.parametrize("port", ["0", "70000"])
def test_serve_refuses_a_port_out_of_range(monkeypatch, capsys, tmp_path, port):
    monkeypatch.setenv("OPENCCC_LOG_FILE", str(tmp_path / "x.log"))
    code = main(["serve", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--port", port])
    assert code == 2 and "--port takes a number from 1 to 65535" in capsys.readouterr().err
