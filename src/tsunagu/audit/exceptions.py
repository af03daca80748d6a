"""Errors of the audit log."""

from __future__ import annotations


class AuditError(Exception):
    """Base class of every audit-log error."""


class AuditImmutableError(AuditError):
    """An attempt to change or delete a recorded event through the ORM."""


class AuditChainError(AuditError):
    """The chain cannot be extended safely (e.g. its head row is gone but events remain)."""
