"""Real terminals for end-to-end tests: a tmux pane of 80×24, driven with send-keys and
read with capture-pane, as a person at the keyboard would; and a free loopback port for
the servers they connect to."""

import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Pane:
    def __init__(self, socket_name: str) -> None:
        self.tmux = ["tmux", "-L", socket_name]

    def start(self, command: str) -> None:
        subprocess.run([*self.tmux, "new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command], check=True)

    def text(self) -> str:
        shown = subprocess.run([*self.tmux, "capture-pane", "-p", "-t", "app"], capture_output=True, text=True)
        return shown.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", "app", *(["-l"] if literal else []), *keys], check=True)
        time.sleep(0.3)  # a person's pace: each key group arrives as its own read

    def wait_for(self, wanted: str, seconds: float = 40) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if wanted in (shown := self.text()):
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{wanted!r} never appeared on:\n{self.text()}")

    def kill(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)
