"""Installing completion: the right shell, the script written once, and a start-up file
(~/.bashrc, ~/.zshrc) changed only after a yes typed at a real terminal (a pty here)."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from caseyos_cli import completions
from caseyos_cli.completions import ShellUnknown, detect_shell

CLI = [sys.executable, "-m", "caseyos_cli"]


def user_env(home: Path, shell: str) -> dict[str, str]:
    env = {**os.environ, "HOME": str(home), "SHELL": shell}
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "ZDOTDIR"):
        env.pop(var, None)
    return env


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
    )


def run_at_a_terminal(argv: list[str], env: dict[str, str], typed: str) -> tuple[int, str]:
    """Run with a pseudo-terminal as stdin/stdout/stderr, `typed` waiting in its input."""
    master, slave = os.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    os.write(master, typed.encode())
    chunks = []
    while True:
        # Only a guard against a hang (a prompt nobody answers), not a timing assumption.
        ready, _, _ = select.select([master], [], [], 60)
        assert ready, "no output for 60s: " + b"".join(chunks).decode(errors="replace")
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode(errors="replace")


def test_without_a_terminal_it_follows_shell_and_touches_no_rc_file(tmp_path: Path) -> None:
    env = user_env(tmp_path, "/bin/zsh")
    first = run([*CLI, "--install-completion"], env)
    assert first.returncode == 0, first.stderr
    script = tmp_path / ".zfunc" / "_caseyos"
    assert script.read_text() == completions.script("zsh")
    assert not (tmp_path / ".bashrc").exists() and not (tmp_path / ".zshrc").exists()
    line = completions.target("zsh", env).rc_line
    assert f"add this line to ~/.zshrc:\n  {line}\n" in first.stdout

    again = run([*CLI, "completion", "install"], env)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout.replace("Wrote ~/", "Up to date: ~/")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".zfunc"]


def test_bash_script_goes_where_bash_completion_looks(tmp_path: Path) -> None:
    env = user_env(tmp_path, "/bin/zsh")
    out = run([*CLI, "completion", "install", "--shell", "bash"], env)
    assert out.returncode == 0, out.stderr
    script = tmp_path / ".local/share/bash-completion/completions/caseyos"
    assert script.read_text() == completions.script("bash")
    assert "  . ~/.local/share/bash-completion/completions/caseyos 2>/dev/null\n" in out.stdout
    assert not (tmp_path / ".bashrc").exists()


def test_a_home_with_spaces_is_quoted(tmp_path: Path) -> None:
    home = tmp_path / "my home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(tmp_path / "data dir")}
    line = completions.target("bash", env).rc_line
    assert line == f". '{tmp_path}/data dir/bash-completion/completions/caseyos' 2>/dev/null"
    assert completions.tilde(home / ".zfunc", env) == "~/.zfunc"


def test_fish_needs_no_rc_file(tmp_path: Path) -> None:
    out = run([*CLI, "completion", "install"], user_env(tmp_path, "/usr/bin/fish"))
    assert out.returncode == 0, out.stderr
    script = tmp_path / ".config/fish/completions/caseyos.fish"
    assert script.read_text() == completions.script("fish")
    assert "fish loads it by itself" in out.stdout


def test_at_a_terminal_a_yes_adds_the_line_once(tmp_path: Path) -> None:
    env = user_env(tmp_path, "/bin/bash")
    rc = tmp_path / ".bashrc"
    rc.write_text("alias ll='ls -l'")  # no newline at the end
    line = completions.target("bash", env).rc_line
    assert line is not None

    code, said_no = run_at_a_terminal([*CLI, "completion", "install"], env, "n\n")
    assert code == 0, said_no
    assert "Add it to" in said_no and "is unchanged" in said_no
    assert rc.read_text() == "alias ll='ls -l'"

    code, said_yes = run_at_a_terminal([*CLI, "completion", "install"], env, "y\n")
    assert code == 0, said_yes
    assert rc.read_text() == f"alias ll='ls -l'\n# caseyos shell completion\n{line}\n"

    code, again = run_at_a_terminal([*CLI, "completion", "install"], env, "y\n")
    assert code == 0, again
    assert "already loads it" in again and "Add it to" not in again
    assert rc.read_text().count(line) == 1


def test_a_bash_script_run_by_a_zsh_user_must_say_which_shell(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    caseyos = Path(sys.executable).parent / "caseyos"
    if bash is None or not caseyos.exists():
        pytest.skip("needs bash and the installed caseyos script")
    env = user_env(tmp_path, "/bin/zsh")
    # "; true" keeps bash from exec-ing caseyos, so bash stays its parent process.
    out = run([bash, "-c", f"'{caseyos}' completion install; true"], env)
    assert "runs under bash; pass --shell zsh or --shell bash" in " ".join(out.stderr.split())
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("shell_var", "parent", "expected"),
    [
        ("/bin/zsh", None, "zsh"),
        ("/usr/bin/fish", "python3", "fish"),
        ("/bin/zsh", "zsh", "zsh"),
        ("", "bash", "bash"),
        ("/bin/sh", "fish", "fish"),
    ],
)
def test_detect_shell(shell_var: str, parent: str | None, expected: str) -> None:
    assert detect_shell({"SHELL": shell_var}, parent) == expected


@pytest.mark.parametrize(
    ("shell_var", "parent", "says"),
    [
        ("/bin/zsh", "bash", "pass --shell zsh or --shell bash"),
        ("/bin/tcsh", None, "not tcsh"),
        ("", None, "$SHELL is not set"),
    ],
)
def test_detect_shell_asks_rather_than_guesses(
    shell_var: str, parent: str | None, says: str
) -> None:
    with pytest.raises(ShellUnknown, match=f".*{says.replace('$', '[$]')}"):
        detect_shell({"SHELL": shell_var}, parent)


@pytest.mark.parametrize("shell", sorted(completions.SHELLS))
def test_completion_script_prints_the_generated_script(shell: str) -> None:
    out = run([*CLI, "completion", "script", "--shell", shell], dict(os.environ))
    assert out.returncode == 0, out.stderr
    assert out.stdout == completions.script(shell)
