"""The daemon's log file: one JSON object per line, written here and read by the CLI.

    {"time": "2026-11-25T10:00:00.123-05:00", "level": "INFO", "logger": "daemon",
     "message": "daemon 0.1.0 listening on ..."}

JSON lines rather than text, because the file is read by programs (`caseyos daemon logs`
renders it for people and passes it on with `--json`): a message may hold newlines and a
traceback and still be one record, the time carries its offset, and nothing has to be
guessed from where a colon falls. A traceback is part of its record's message, after a
line break. The time is this machine's local time with its offset: the log belongs to the
machine, and it must be readable when no daemon (and so no workspace's zone) is there.

The file can also hold other lines: what the process itself wrote to stderr (a crash
before logging started), and lines in the text format of earlier versions. `parse` reads
all three; a line it cannot place becomes a record of its own with only a message.
Standard library only: the CLI imports it.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import Any

FIELDS = ("time", "level", "logger", "message")

# Earlier versions: "2026-11-25 10:00:00,123 INFO daemon.jobs: job 1 started".
_TEXT = re.compile(
    r"(?P<time>[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}),(?P<ms>[0-9]{3}) "
    r"(?P<level>[A-Z]+) (?P<logger>[^\s:]+): (?P<message>.*)"
)


class JsonLines(logging.Formatter):
    """A log record as one line of JSON, its exception (if any) inside the message."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            message += "\n" + self.formatStack(record.stack_info)
        when = datetime.fromtimestamp(record.created).astimezone()
        return json.dumps(
            {
                "time": when.isoformat(timespec="milliseconds"),
                "level": record.levelname,
                "logger": record.name,
                "message": message,
            },
            ensure_ascii=False,
        )


def parse(line: str) -> dict[str, Any]:
    """One line of the log file as a record with the four FIELDS (None where unknown)."""
    text = line.rstrip("\r\n")
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and "message" in obj:
            return {key: obj.get(key) for key in FIELDS}
    match = _TEXT.fullmatch(text)
    if match:
        # Written in this machine's local time, without an offset: add the local one.
        naive = datetime.fromisoformat(f"{match['time']}.{match['ms']}")
        return {
            "time": naive.astimezone().isoformat(timespec="milliseconds"),
            "level": match["level"],
            "logger": match["logger"],
            "message": match["message"],
        }
    return {"time": None, "level": None, "logger": None, "message": text}
