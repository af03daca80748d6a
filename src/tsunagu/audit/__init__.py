"""The audit log: append-only, hash-chained events of who did what to which object.

Write with ``services.audit_record``, read with ``selectors``, check with
``verify.audit_verify`` or ``tsunagu audit verify``. Operating notes (database privileges,
triggers, transactions, the canonical form that is hashed): README.md in this directory.
"""
