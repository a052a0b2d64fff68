"""Writing many complaints at once: imported history and generated demo data.

Intake stores one complaint per transaction through the ORM. History and demo
data come by the hundred thousand, so they are written here a batch at a time:
ids are reserved up front (complainants, complaints, timeline events and survey
responses of one batch refer to each other without a round trip per row), then
each table is written with one PostgreSQL COPY, or one SQLAlchemy Core
executemany elsewhere, and the batch is committed as a whole.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

from sqlalchemy import ColumnDefault, Table, TypeDecorator, func, insert, select, text

from complaints.domain import tracking_numbers
from complaints.extensions import db
from complaints.models import Complainant, Complaint, SurveyResponse, TimelineEvent
from complaints.models.base import Base, table_of


def reserve_ids(model: type[Base], n: int) -> list[int]:
    """n ids for new rows of the model's table, taken from its sequence on PostgreSQL.

    SQLite has no sequences: the ids follow the largest one, which holds because
    SQLite lets one writer at a time hold the database (a concurrent writer that
    took one of them makes this batch fail on the primary key, nothing worse).
    """
    if n <= 0:
        return []
    table = table_of(model)
    if db.session.get_bind().dialect.name == "postgresql":
        return list(
            db.session.scalars(
                text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                {"table": table.name, "n": n},
            )
        )
    start = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + n))


class TrackingNumberAllocator:
    """Fresh tracking numbers in the DESIGN.md format, none already used.

    The numbers of a BE year already stored are read once, when that year is
    first asked for, so that a clash (35 random bits a year) is retried here
    rather than failing a whole batch on the unique constraint.
    """

    def __init__(self, prefix: str, choice: Callable = secrets.choice):
        self.prefix = prefix
        self.choice = choice
        self._used: dict[int, set[str]] = {}

    def _year(self, be_year: int) -> set[str]:
        used = self._used.get(be_year)
        if used is None:
            pattern = f"{self.prefix}-{be_year}-%"
            used = self._used[be_year] = set(
                db.session.scalars(select(Complaint.tracking_number).where(Complaint.tracking_number.like(pattern)))
            )
        return used

    def new(self, be_year: int) -> str:
        used = self._year(be_year)
        while True:
            number = tracking_numbers.generate(self.prefix, be_year, self.choice)
            if number not in used:
                used.add(number)
                return number


def _template(table: Table) -> dict:
    """Every column of the table, with its scalar Python default or None."""
    return {
        c.key: (c.default.arg if isinstance(c.default, ColumnDefault) and c.default.is_scalar else None)
        for c in table.columns
    }


TEMPLATES = {
    table.name: _template(table)
    for table in (table_of(model) for model in (Complainant, Complaint, TimelineEvent, SurveyResponse))
}


def complete(table_name: str, values: dict) -> dict:
    """A full row: the given values over the table's defaults (COPY sends every column)."""
    return {**TEMPLATES[table_name], **values}


@dataclass
class Batch:
    complainants: list[dict] = field(default_factory=list)
    complaints: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    surveys: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.complaints)


def _copy(table: Table, rows: list[dict]) -> None:
    columns = list(rows[0])
    # psycopg writes an Enum member by its name: send the value of Status.CLOSED etc.
    enums = [c for c in columns if any(isinstance(row[c], Enum) for row in rows)]
    connection = db.session.connection()
    # COPY bypasses SQLAlchemy's types: apply the columns' own bind processing, so
    # that contact data is encrypted (EncryptedText) exactly as an INSERT would.
    processors = {
        c: table.c[c].type.bind_processor(connection.dialect)
        for c in columns
        if isinstance(table.c[c].type, TypeDecorator)
    }
    driver_connection = connection.connection.driver_connection
    if driver_connection is None:  # only once the connection is closed
        raise RuntimeError("no database connection to COPY into")
    cursor = driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            for c in enums:
                if isinstance(row[c], Enum):
                    row[c] = row[c].value
            copy.write_row([processors[c](row[c]) if processors.get(c) else row[c] for c in columns])


def _write_table(table: Table, rows: list[dict]) -> None:
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        _copy(table, rows)
    else:
        db.session.execute(insert(table), rows)


def write(batch: Batch) -> None:
    """Store one batch (rows made with `complete`, ids reserved) and commit it."""
    try:
        for model, rows in (
            (Complainant, batch.complainants),
            (Complaint, batch.complaints),
            (TimelineEvent, batch.events),
            (SurveyResponse, batch.surveys),
        ):
            _write_table(table_of(model), rows)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def existing_source_keys(keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    if not keys:
        return set()
    return set(db.session.scalars(select(Complaint.source_key).where(Complaint.source_key.in_(keys))))
