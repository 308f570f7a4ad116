"""Datetimes on SQLite: the fast converters write and read exactly what SQLAlchemy's would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import postgresql, sqlite

from daemon.store.models import UTCDateTime

TIMES = [
    datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Berlin")),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc),  # noqa: UP017 - the same object as UTC
]


@pytest.mark.parametrize("value", TIMES, ids=str)
def test_sqlite_text_is_what_sqlalchemy_would_store_and_reads_back(value: datetime) -> None:
    dialect = sqlite.dialect()
    to_text = UTCDateTime().bind_processor(dialect)
    from_text = UTCDateTime().result_processor(dialect, None)
    assert to_text is not None and from_text is not None
    stock = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert stock is not None
    naive_utc = value.astimezone(UTC).replace(tzinfo=None)
    assert to_text(value) == stock(naive_utc)
    back = from_text(to_text(value))
    assert back == value and back.tzinfo is UTC


def test_naive_datetimes_are_refused_and_none_passes() -> None:
    to_text = UTCDateTime().bind_processor(sqlite.dialect())
    assert to_text is not None
    with pytest.raises(ValueError, match="naive"):
        to_text(datetime(2026, 1, 1))
    assert to_text(None) is None


def test_other_databases_keep_sqlalchemys_conversion() -> None:
    dialect = postgresql.dialect()
    to_db = UTCDateTime().bind_processor(dialect)
    value = datetime(2026, 1, 2, 3, tzinfo=timezone(timedelta(hours=1)))
    converted = to_db(value) if to_db else UTCDateTime().process_bind_param(value, dialect)
    assert converted == datetime(2026, 1, 2, 2)
