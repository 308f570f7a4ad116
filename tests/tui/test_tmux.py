"""The dashboard in a real terminal: `caseyos tui` run in tmux and driven as a person
would, keys sent with send-keys and the screen read back with capture-pane, against a real
demo daemon. The headless tests cover each key in depth; this one covers the path they
skip: the terminal driver, the console script and the process exiting."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from caseyos_cli.tui.moves import haystack
from tests.conftest import DaemonProcess

DEADLINE = 30.0

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """One tmux session on a private server, 80x24."""

    def __init__(self, where: Path):
        self.tmux = ["tmux", "-S", str(where / "tmux.sock")]
        self.rc = where / "rc"

    def start(self, command: list[str]) -> None:
        # The exit code goes to a file: the pane is gone once the command ends.
        line = f"{shlex.join(command)}; echo $? > {shlex.quote(str(self.rc))}"
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", "t", "-x", "80", "-y", "24", line],
            env=dict(os.environ),
            check=True,
        )

    def screen(self) -> str:
        out = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True
        )
        return out.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", "t", *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", "t", "-l", text], check=True)

    def until(self, condition: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + DEADLINE
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"the terminal never showed {what}; it shows:\n{screen}")
            time.sleep(0.05)

    def shows(self, text: str) -> str:
        return self.until(lambda screen: text in screen, repr(text))

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    # A short directory of its own: tmux's socket path must fit in a sockaddr_un.
    where = Path(tempfile.mkdtemp(prefix="caseyos-tmux-", dir="/tmp"))
    term = Terminal(where)
    yield term
    term.close()
    shutil.rmtree(where, ignore_errors=True)


def test_the_dashboard_in_tmux_as_a_person_uses_it(
    daemon: DaemonProcess, terminal: Terminal
) -> None:
    top = daemon.call("queue.today", {"limit": 1})["moves"][0]
    caseyos = str(Path(sys.executable).with_name("caseyos"))
    terminal.start([caseyos, "tui"])

    # The first screen: the top move under the cursor, its title in the preview.
    terminal.shows(top["title"][:40])
    terminal.shows("demo workspace")

    terminal.keys("a")
    terminal.shows("Accepted:")
    deadline = time.monotonic() + DEADLINE
    while daemon.call("queue.show", {"id": top["id"]})["move"]["status"] != "accepted":
        assert time.monotonic() < deadline, "the daemon never saw the move accepted"
        time.sleep(0.05)

    # `/` and a word: the table shows the moves that match, and the status line says so.
    everything = daemon.call("queue.today", {"limit": 1000})["moves"]
    word = (top["contact"] or top["company"] or {"name": top["title"]})["name"].split()[0]
    terminal.keys("/")
    terminal.shows("filter: words")  # as a person would, type once the field is there
    terminal.type(word.lower())
    terminal.shows(f"match “{word.lower()}”")
    # The accepted move stays on screen (marked) until the next reload, so it counts too.
    shown = [top, *everything]
    hits = sum(word.lower() in haystack(m) for m in shown)
    assert 0 < hits < len(shown)
    terminal.shows(f"{hits} of {len(shown)} moves match")
    terminal.keys("Escape")
    terminal.until(lambda s: "match “" not in s, "the filter cleared")

    terminal.keys("?")
    # The whole help fits 80x24, from its title to its last line, without scrolling (a
    # toast from the accept above may cover the last line for a few seconds).
    terminal.until(
        lambda s: "CaseyOS dashboard" in s and "reconnects on its own." in s, "the whole help"
    )
    terminal.keys("Escape")
    terminal.until(lambda s: "CaseyOS dashboard" not in s, "the help closed")

    terminal.keys("q")
    deadline = time.monotonic() + DEADLINE
    while not (terminal.rc.exists() and terminal.rc.read_text().strip()):
        assert time.monotonic() < deadline, f"the dashboard did not quit:\n{terminal.screen()}"
        time.sleep(0.05)
    assert terminal.rc.read_text().strip() == "0"
