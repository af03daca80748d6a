"""PostgreSQL triggers that keep the audit log append-only even outside the ORM.

- ``audit_auditevent``: UPDATE and DELETE are refused; an INSERT must extend the chain head
  (``seq = head.seq + 1`` and ``prev_hash = head.hash``).
- ``audit_audithead``: DELETE is refused; an UPDATE must advance by exactly one event to an
  event that exists with that hash.

Triggers do not stop the table owner (who can disable them) or TRUNCATE, so production runs
the application as a role without ownership that holds, on these tables, only the privileges
listed in the audit app's README.md. On SQLite this migration does nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INSTALL = [
    """
    CREATE OR REPLACE FUNCTION tsunagu_audit_event_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        head_seq bigint;
        head_hash varchar(64);
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        SELECT seq, hash INTO head_seq, head_hash FROM audit_audithead WHERE id = 1;
        IF NOT FOUND THEN
            head_seq := 0;
            head_hash := repeat('0', 64);
        END IF;
        IF NEW.seq <> head_seq + 1 OR NEW.prev_hash <> head_hash THEN
            RAISE EXCEPTION 'audit event % does not extend the chain head (seq %)',
                NEW.seq, head_seq USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER audit_event_guard
    BEFORE INSERT OR UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION tsunagu_audit_event_guard()
    """,
    """
    CREATE OR REPLACE FUNCTION tsunagu_audit_head_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'the audit chain head cannot be deleted'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS (
            SELECT 1 FROM audit_auditevent WHERE seq = NEW.seq AND hash = NEW.hash
        ) THEN
            RAISE EXCEPTION 'the audit chain head only advances to the next recorded event'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER audit_head_guard
    BEFORE UPDATE OR DELETE ON audit_audithead
    FOR EACH ROW EXECUTE FUNCTION tsunagu_audit_head_guard()
    """,
]

REMOVE = [
    "DROP TRIGGER IF EXISTS audit_head_guard ON audit_audithead",
    "DROP FUNCTION IF EXISTS tsunagu_audit_head_guard()",
    "DROP TRIGGER IF EXISTS audit_event_guard ON audit_auditevent",
    "DROP FUNCTION IF EXISTS tsunagu_audit_event_guard()",
]


def _run(statements: list[str]) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite has no roles; the ORM guards are what it gets.
        for sql in statements:
            schema_editor.execute(sql, None)  # None: "%" is not a placeholder here

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(_run(INSTALL), _run(REMOVE), elidable=False),
    ]
