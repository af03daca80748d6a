"""Reads of the audit log."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from tsunagu.audit.models import AuditEvent


def audit_events_for_object(
    *, obj_type: str, obj_id: str | int | uuid.UUID
) -> QuerySet[AuditEvent]:
    """Every event about one object, oldest first.

    >>> [e.action for e in audit_events_for_object(obj_type="application", obj_id=12)]
    ... # doctest: +SKIP
    ['application.submit', 'application.view_other']
    """
    return AuditEvent.objects.filter(obj_type=obj_type, obj_id=str(obj_id)).order_by("seq")


def audit_events_recent(*, limit: int) -> QuerySet[AuditEvent]:
    """The latest ``limit`` events, newest first.

    >>> [e.seq for e in audit_events_recent(limit=3)]  # doctest: +SKIP
    [42, 41, 40]
    """
    if limit < 0:
        raise ValueError("limit must not be negative")
    return AuditEvent.objects.order_by("-seq")[:limit]
