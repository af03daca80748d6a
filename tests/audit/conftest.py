"""Fixtures of the audit tests: a recorded chain, an attacker, parallel writers."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from tsunagu.audit.models import AuditEvent, AuditHead
from tsunagu.audit.services import audit_record

from .helpers import Tamper


@pytest.fixture
def tamper(db: None) -> Tamper:
    return Tamper()


@pytest.fixture
def chain(db: None) -> list[AuditEvent]:
    """Five recorded events, seq 1 to 5."""
    return [
        audit_record(
            action="application.submit",
            obj_type="application",
            obj_id=n,
            summary={"status": ["draft", "submitted"], "n": n},
            role="resident",
        )
        for n in range(1, 6)
    ]


@pytest.fixture
def parallel_database(
    transactional_db: None, tmp_path: Any
) -> Callable[[], AbstractContextManager[None]]:
    """A context manager giving the current thread its own connection to a shared database.

    PostgreSQL: the test database, committed to (``transactional_db``). SQLite: the test
    database is in memory and cannot be shared between connections with real locking, so
    the threads use a file with the project's settings (WAL, ``BEGIN IMMEDIATE``).
    """
    if connection.vendor != "sqlite":

        @contextmanager
        def use_default() -> Iterator[None]:
            try:
                yield
            finally:
                connections.close_all()  # this thread's connections

        return use_default

    default = connections[DEFAULT_DB_ALIAS]
    file_settings = copy.deepcopy(default.settings_dict)
    file_settings["NAME"] = str(tmp_path / "audit.sqlite3")
    wrapper_class = type(default)

    setup = wrapper_class(copy.deepcopy(file_settings), DEFAULT_DB_ALIAS)
    with setup.schema_editor() as editor:
        editor.create_model(AuditEvent)
        editor.create_model(AuditHead)
    setup.close()

    @contextmanager
    def use_file() -> Iterator[None]:
        assert threading.current_thread() is not threading.main_thread()
        own = wrapper_class(copy.deepcopy(file_settings), DEFAULT_DB_ALIAS)
        connections[DEFAULT_DB_ALIAS] = own
        try:
            yield
        finally:
            own.close()

    return use_file
