"""Helpers of the audit tests: an attacker with raw SQL, forged events, parallel threads."""

# The raw SQL here is built from the model's own table and column names, never from input.
# ruff: noqa: S608

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

from tsunagu.audit.chain import compute_hash
from tsunagu.audit.models import HEAD_ID, AuditEvent, AuditHead

EVENT_TABLE = AuditEvent._meta.db_table
HEAD_TABLE = AuditHead._meta.db_table
_FIELDS = {f.name: f for f in AuditEvent._meta.concrete_fields}


def columns_and_params(values: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """Quoted column names and database-ready parameters for raw SQL on the event table."""
    columns, params = [], []
    for name, value in values.items():
        model_field = _FIELDS[name]
        columns.append(connection.ops.quote_name(model_field.column or name))
        params.append(model_field.get_db_prep_save(value, connection))
    return columns, params


class Tamper:
    """Changes rows behind the application's back, as someone with table access could.

    On PostgreSQL the guard triggers are disabled for the statement (inside the test's
    transaction, so the change of DDL is rolled back with it).
    """

    def _execute(self, sql: str, params: list[Any]) -> int:
        pg = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            if pg:
                cursor.execute(f"ALTER TABLE {EVENT_TABLE} DISABLE TRIGGER USER")
                cursor.execute(f"ALTER TABLE {HEAD_TABLE} DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            count: int = cursor.rowcount
            if pg:
                cursor.execute(f"ALTER TABLE {EVENT_TABLE} ENABLE TRIGGER USER")
                cursor.execute(f"ALTER TABLE {HEAD_TABLE} ENABLE TRIGGER USER")
        return count

    def update(self, seq: int, **values: Any) -> None:
        columns, params = columns_and_params(values)
        assignments = ", ".join(f"{column} = %s" for column in columns)
        count = self._execute(
            f"UPDATE {EVENT_TABLE} SET {assignments} WHERE seq = %s", [*params, seq]
        )
        assert count == 1

    def delete(self, seq: int) -> None:
        assert self._execute(f"DELETE FROM {EVENT_TABLE} WHERE seq = %s", [seq]) == 1

    def insert(self, values: dict[str, Any]) -> None:
        columns, params = columns_and_params(values)
        placeholders = ", ".join(["%s"] * len(columns))
        self._execute(
            f"INSERT INTO {EVENT_TABLE} ({', '.join(columns)}) VALUES ({placeholders})",
            params,
        )

    def swap(self, seq_a: int, seq_b: int, fields: tuple[str, ...] | None = None) -> None:
        """Exchange two events' fields (all but ``seq`` unless ``fields`` names some)."""
        names = fields or tuple(f.name for f in AuditEvent._meta.concrete_fields if f.name != "seq")
        a = AuditEvent.objects.values(*names).get(seq=seq_a)
        b = AuditEvent.objects.values(*names).get(seq=seq_b)
        self.update(seq_a, **b)
        self.update(seq_b, **a)

    def set_head(self, **values: Any) -> None:
        assignments = ", ".join(f"{name} = %s" for name in values)
        count = self._execute(
            f"UPDATE {HEAD_TABLE} SET {assignments} WHERE id = %s",
            [*values.values(), HEAD_ID],
        )
        assert count == 1

    def delete_head(self) -> None:
        self._execute(f"DELETE FROM {HEAD_TABLE}", [])


def forged_event(seq: int, prev_hash: str, **overrides: Any) -> dict[str, Any]:
    """A well-formed event with a correct hash, made without audit_record."""
    template = AuditEvent.objects.values().order_by("seq").first()
    assert template is not None
    values = {**template, "seq": seq, "prev_hash": prev_hash, "action": "auth.login"}
    values.update(overrides)
    values["hash"] = compute_hash(values)
    return values


def run_in_threads(targets: list[Callable[[], Any]]) -> list[Any]:
    """Run the callables in parallel threads; return their results or raise their error."""
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []

    def run(index: int, target: Callable[[], Any]) -> None:
        try:
            results[index] = target()
        except BaseException as error:  # re-raised in the main thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, target)) for i, target in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    assert not any(thread.is_alive() for thread in threads)
    return results
