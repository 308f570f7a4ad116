"""Shell completion scripts for completions/: `python -m caseyos_cli.completions`.

The scripts are thin shims that ask `caseyos` itself for candidates (Typer's protocol, via
the _CASEYOS_COMPLETE variable), so they stay right as commands are added.
"""

from __future__ import annotations

from pathlib import Path

SHELLS = {"bash": "caseyos.bash", "zsh": "_caseyos", "fish": "caseyos.fish"}
OUT = Path(__file__).resolve().parent.parent / "completions"


def script(shell: str) -> str:
    from typer._completion_shared import get_completion_script

    text = get_completion_script(prog_name="caseyos", complete_var="_CASEYOS_COMPLETE", shell=shell)
    return text.rstrip("\n") + "\n"


def write(out: Path = OUT) -> list[Path]:
    out.mkdir(exist_ok=True)
    written = []
    for shell, name in SHELLS.items():
        path = out / name
        path.write_text(script(shell))
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write():
        print(p)
