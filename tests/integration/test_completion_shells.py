"""The scripts in completions/, sourced in real bash, zsh and fish, against a real daemon.

bash: the completion function called with COMP_WORDS/COMP_CWORD set, as readline would.
zsh: an interactive zsh on a pseudo-terminal (zpty) with compinit, the script found on
$fpath and a real TAB; compadd is wrapped to report the matches instead of inserting
them. fish: `complete -C`, fish's own "what would TAB offer".
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon import paths
from tests.conftest import DaemonProcess

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "completions"
BIN = Path(sys.executable).parent
SHELLS = ("bash", "zsh", "fish")

BASH = """\
source "$SCRIPT"
read -ra COMP_WORDS <<< "$LINE"
[[ $LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE=$LINE COMP_POINT=${#LINE}
_caseyos
printf '%s\\n' "${COMPREPLY[@]}"
"""

# Runs under `zsh -f`: an interactive zsh on a pty types LINE and TAB, then a key whose
# widget prints what compadd was given. Reads block until the expected text arrives.
ZSH = """\
zmodload zsh/zpty
zdot=$(mktemp -d)
cat > $zdot/.zshrc <<RC
PS1='READY> '
fpath=('$SCRIPTS' \\$fpath)
autoload -Uz compinit && compinit -u -d '$zdot/compdump'
typeset -ga seen
compadd() {
  # Callers collecting matches themselves (-O, -A, -D) get the real thing.
  if (( \\${@[(I)-[OAD]*]} )); then builtin compadd "\\$@"; return; fi
  local -a got
  builtin compadd -O got "\\$@"
  seen+=(\\$got)
}
report-matches() { print -r -- "MATCHES[\\${(j:,:)seen}]DONE" }
zle -N report-matches
bindkey '^Y' report-matches
RC
export ZDOTDIR=$zdot
zpty caseyos zsh -d -i
zpty -r caseyos out '*READY> *'
zpty -w -n caseyos "$LINE"$'\\t\\C-y'
zpty -r caseyos out '*\\]DONE*'
zpty -d caseyos
rm -rf $zdot
out=${out##*MATCHES\\[}
print -r -- ${out%%\\]DONE*}
"""


def need(shell: str) -> str:
    found = shutil.which(shell)
    if found is None:
        pytest.skip(f"{shell} is not installed (Debian: apt-get install {shell})")
    return found


def complete(shell: str, line: str, env: dict[str, str], tmp: Path) -> list[str]:
    """The values `shell` offers for TAB at the end of `line`."""
    exe = need(shell)
    env = {**env, "PATH": f"{BIN}{os.pathsep}{env['PATH']}", "LINE": line, "TERM": "xterm"}
    if shell == "bash":
        env["SCRIPT"] = str(SCRIPTS / "caseyos.bash")
        argv = [exe, "--norc", "--noprofile", "-c", BASH]
    elif shell == "zsh":
        harness = tmp / "complete.zsh"
        harness.write_text(ZSH)
        env["SCRIPTS"] = str(SCRIPTS)
        argv = [exe, "-f", str(harness)]
    else:
        argv = [exe, "--no-config", "-c", f"source {SCRIPTS / 'caseyos.fish'}; complete -C $LINE"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout.strip()
    if shell == "zsh":
        return [v for v in out.split(",") if v]
    return [row.split("\t", 1)[0] for row in out.splitlines() if row]


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One daemon on the demo workspace for this module; its environment for the shells."""
    home = tmp_path_factory.mktemp("completion") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CASEYOS_HOME", str(home))
        mp.setenv("CASEYOS_NO_AUTOSTART", "1")
        for var in ("CASEYOS_SOCKET", "CASEYOS_NOW", "CASEYOS_DATABASE_URL"):
            mp.delenv(var, raising=False)
        env = dict(os.environ)
        daemon = DaemonProcess(env).start()
        # Generous: the point is what is offered, not how fast a loaded machine answers.
        env["CASEYOS_COMPLETE_TIMEOUT"] = "20"
        try:
            with daemon.client() as client:
                moves = client.call("queue.list", {"limit": 100})["moves"]
            env["MOVE_IDS"] = ",".join(str(m["id"]) for m in moves)
            yield env
        finally:
            daemon.stop()


@pytest.mark.parametrize("shell", SHELLS)
def test_commands_and_verbs(shell: str, demo_env: dict[str, str], tmp_path: Path) -> None:
    assert complete(shell, "caseyos qu", demo_env, tmp_path) == ["queue"]
    assert complete(shell, "caseyos queue ac", demo_env, tmp_path) == ["accept"]


@pytest.mark.parametrize("shell", SHELLS)
def test_move_ids_from_the_daemon(shell: str, demo_env: dict[str, str], tmp_path: Path) -> None:
    ids = demo_env["MOVE_IDS"].split(",")
    assert len(ids) > 5
    offered = complete(shell, "caseyos queue show ", demo_env, tmp_path)
    assert sorted(offered, key=int) == sorted(ids, key=int)
    ones = complete(shell, "caseyos queue show 1", demo_env, tmp_path)
    assert sorted(ones, key=int) == sorted((i for i in ids if i.startswith("1")), key=int)


def test_values_offered_by_the_protocol(demo_env: dict[str, str]) -> None:
    def offered(*words: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "caseyos_cli", *words],
            env={**demo_env, "_CASEYOS_COMPLETE": "fish"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        return [row.split("\t", 1)[0] for row in done.stdout.splitlines()]

    assert offered("workspace", "use", "") == ["demo"]
    assert offered("queue", "list", "--status", "sn") == ["snoozed"]
    assert offered("jobs", "list", "--status", "") == [
        "running",
        "succeeded",
        "failed",
        "cancelled",
        "interrupted",
    ]
    kinds = offered("signals", "list", "--kind", "email.")
    assert "email.replied" in kinds and all(k.startswith("email.") for k in kinds)
    assert offered("import", "") == [":files"]
    jobs = subprocess.run(
        [sys.executable, "-m", "caseyos_cli", "jobs", "list", "--json"],
        env=demo_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    oldest = json.loads(jobs.stdout)["jobs"][-1]["id"]  # the demo build or the first pass
    assert oldest in offered("jobs", "show", oldest[:3])

    # Verbs offer the moves they can act on; show and explain offer every move.
    first = demo_env["MOVE_IDS"].split(",")[0]
    accepted = subprocess.run(
        [sys.executable, "-m", "caseyos_cli", "queue", "accept", first],
        env=demo_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert accepted.returncode == 0, accepted.stderr
    assert first not in offered("queue", "accept", "")
    assert first in offered("queue", "done", "") and first in offered("queue", "show", "")


def test_without_a_daemon_nothing_is_offered_and_none_starts(tmp_path: Path) -> None:
    env = {**os.environ, "CASEYOS_COMPLETE_TIMEOUT": "20"}
    env.pop("CASEYOS_NO_AUTOSTART")  # completion must not autostart even when allowed to
    assert complete("bash", "caseyos queue show ", env, tmp_path) == []
    assert not paths.socket_path().exists()
    assert complete("bash", "caseyos queue ", env, tmp_path)  # commands still complete


def test_a_daemon_that_never_answers_does_not_hang_completion(tmp_path: Path) -> None:
    path = paths.socket_path()
    paths.ensure_private_dir(path.parent)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen(8)  # accepts connections into the backlog, never reads or answers
        env = {**os.environ, "CASEYOS_COMPLETE_TIMEOUT": "0.2"}
        done = subprocess.run(
            [sys.executable, "-m", "caseyos_cli", "queue", "show", ""],
            env={**env, "_CASEYOS_COMPLETE": "bash"},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 0 and done.stdout == ""
