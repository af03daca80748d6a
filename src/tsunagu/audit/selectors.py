"""Reads of the audit log."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Q, QuerySet

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


AUDIT_PAGE_SIZE = 50


def audit_events_search(
    *,
    actor: str = "",
    obj_type: str = "",
    obj_id: str = "",
    action: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before_seq: int | None = None,
    limit: int = AUDIT_PAGE_SIZE,
) -> list[AuditEvent]:
    """Events matching every given filter, newest first, at most ``limit`` of them.

    ``actor`` matches the actor's id exactly or a part of their label (name or user name);
    ``action`` is a prefix ("case." finds every case action); ``since`` / ``until`` bound
    ``occurred_at`` (until exclusive). Pages are keyed by ``seq``: pass the last event's
    ``seq`` as ``before_seq`` for the next (older) page, which stays stable while new
    events are appended.

    >>> [e.action for e in audit_events_search(action="case.my_number", limit=2)]
    ... # doctest: +SKIP
    ['case.my_number_reveal', 'case.my_number_reveal']
    """
    if limit < 0:
        raise ValueError("limit must not be negative")
    qs = AuditEvent.objects.all()
    if actor:
        qs = qs.filter(Q(actor_id=actor) | Q(actor_label__icontains=actor))
    if obj_type:
        qs = qs.filter(obj_type=obj_type)
    if obj_id:
        qs = qs.filter(obj_id=obj_id)
    if action:
        qs = qs.filter(action__startswith=action)
    if since is not None:
        qs = qs.filter(occurred_at__gte=since)
    if until is not None:
        qs = qs.filter(occurred_at__lt=until)
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    return list(qs.order_by("-seq")[:limit])
