"""Engine and sessions of the app database (SQLAlchemy 1.4, as Rasa pins)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from lotse.config import get_settings

Base = declarative_base()
#: Longest an app database statement may run (hand-offs are small rows).
STATEMENT_TIMEOUT_MS = 10_000


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: the configured database); creates the tables once."""
    settings = get_settings()
    url = url or settings.database_url
    if url.startswith("sqlite:///"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=True, **_engine_options(url))
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_foreign_keys)
    # Register every table before creating them.
    import lotse.store.handoffs
    import lotse.store.workspace  # noqa: F401

    Base.metadata.create_all(engine)
    add_missing_columns(engine)
    return engine


def _sqlite_foreign_keys(connection: object, _record: object) -> None:
    """SQLite enforces foreign keys (and so ON DELETE CASCADE) only when asked, per connection."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def add_missing_columns(engine: Engine) -> list[str]:
    """Add columns that newer code declares to tables of an older database (nullable or
    defaulted columns only). Returns "table.column" for each added column."""
    added = []
    existing = inspect(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            present = {column["name"] for column in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                ddl = column.type.compile(dialect=engine.dialect)
                default = column.default.arg if column.default is not None else None
                clause = ""
                if isinstance(default, bool):
                    clause = f" NOT NULL DEFAULT {'TRUE' if default else 'FALSE'}"
                elif isinstance(default, (int, str)):
                    clause = f" NOT NULL DEFAULT {default!r}"
                connection.execute(
                    text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {ddl}{clause}')
                )
                added.append(f"{table.name}.{column.name}")
    return added


def utcnow() -> datetime:
    """Now, in UTC (timezone-aware)."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite returns naive datetimes)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def _engine_options(url: str) -> dict:
    """PostgreSQL: give up connecting after `connect_timeout`, stop statements after a while.
    SQLite: a request's session may be used from more than one worker thread (FastAPI runs a
    dependency's setup and teardown in the thread pool), one thread at a time."""
    if url.startswith("sqlite"):
        return {"connect_args": {"check_same_thread": False}}
    if not url.startswith("postgresql"):
        return {}
    timeout = get_settings().connect_timeout
    return {
        "connect_args": {
            "connect_timeout": max(1, round(timeout)),
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        }
    }


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = sessionmaker(bind=get_engine(url), future=True)()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
