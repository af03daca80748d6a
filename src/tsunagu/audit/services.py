"""Writes of the audit log: ``audit_record`` is the only way an event is created."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address
from django.utils.translation import gettext

from tsunagu.accounts.models import Resident
from tsunagu.audit.chain import GENESIS_HASH, clean_text, normalise_summary
from tsunagu.audit.exceptions import AuditChainError
from tsunagu.audit.models import HEAD_ID, ActorType, AuditEvent, AuditHead

Actor = Resident | AbstractBaseUser | AnonymousUser | None

# Lowercase dotted code with at least two parts: "application.submit", "auth.login_failed".
_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


def audit_record(
    *,
    action: str,
    actor: Actor = None,
    request: HttpRequest | None = None,
    obj_type: str = "",
    obj_id: str | int | uuid.UUID = "",
    summary: Mapping[str, Any] | None = None,
    role: str = "",
) -> AuditEvent:
    """Append one event to the audit log and return it.

    ``actor`` is a ``Resident``, a Django user (recorded as staff) or ``None``. With ``None``
    the actor comes from ``request``: its ``resident``, else its logged-in user, else an
    anonymous visitor; without a request it is the system. ``request`` also gives the
    request id (``RequestIdMiddleware``) and the client IP (``REMOTE_ADDR``).

    ``summary`` is a *small* before/after summary such as ``{"status": ["draft",
    "submitted"]}``: ids, codes and counts, never a copy of personal data. It must fit in
    4 KiB of JSON and may not contain floats (see ``tsunagu.audit.chain``).

    Transactions: the event is written in the caller's transaction. If the audited action
    rolls back, so does its event; an error here rolls the action back. The chain head stays
    locked until the caller's transaction ends, so record the event as the last step of a
    transaction and keep that transaction short: every audited write in the city queues on
    this lock. Locks taken after it, in another order elsewhere, can deadlock on PostgreSQL.

    >>> audit_record(action="application.submit", request=request,
    ...              obj_type="application", obj_id=app.pk,
    ...              summary={"status": ["draft", "submitted"]})  # doctest: +SKIP
    <AuditEvent: #42 application.submit>
    """
    if not _ACTION.match(action) or len(action) > 100:
        raise ValueError(f"audit action must be a dotted lowercase code, not {action!r}")
    actor_type, actor_id, actor_label = _actor_fields(actor, request)
    request_id, ip = _request_fields(request)
    clean_summary = normalise_summary(summary)

    with transaction.atomic(savepoint=False):
        head = _lock_head()
        event = AuditEvent(
            seq=head.seq + 1,
            # Taken under the lock, so times follow the chain order on one clock.
            occurred_at=timezone.now(),
            actor_type=actor_type,
            actor_id=clean_text(actor_id, 64),
            actor_label=clean_text(actor_label, 200),
            role=clean_text(role, 64),
            action=action,
            obj_type=clean_text(obj_type, 64),
            obj_id=clean_text(str(obj_id), 64),
            summary=clean_summary,
            request_id=clean_text(request_id, 64),
            ip=ip,
            prev_hash=head.hash,
        )
        event.hash = event.compute_hash()
        event.save()
        AuditHead.objects.filter(pk=HEAD_ID).update(seq=event.seq, hash=event.hash)
    return event


def _lock_head() -> AuditHead:
    """The chain head, locked until the end of the transaction."""
    head = AuditHead.objects.select_for_update().filter(pk=HEAD_ID).first()
    if head is not None:
        return head
    # A new (or flushed) database: create the head. ON CONFLICT DO NOTHING makes a
    # concurrent first writer wait for the other's commit instead of failing.
    AuditHead.objects.bulk_create(
        [AuditHead(pk=HEAD_ID, seq=0, hash=GENESIS_HASH)], ignore_conflicts=True
    )
    head = AuditHead.objects.select_for_update().get(pk=HEAD_ID)
    if head.seq == 0 and AuditEvent.objects.exists():
        # Starting a second chain next to the old one would hide whatever happened to the
        # head; refuse until an operator has run `tsunagu audit verify`.
        raise AuditChainError("the audit chain head is missing while events exist")
    return head


def _actor_fields(actor: Actor, request: HttpRequest | None) -> tuple[str, str, str]:
    if actor is None and request is not None:
        resident = getattr(request, "resident", None)
        user = getattr(request, "user", None)
        if isinstance(resident, Resident):
            actor = resident
        elif user is not None and user.is_authenticated:
            actor = user
        else:
            return ActorType.ANONYMOUS, "", ""
    if actor is None:
        return ActorType.SYSTEM, "", gettext("システム")
    if isinstance(actor, Resident):
        return ActorType.RESIDENT, str(actor.pk), str(actor)
    if isinstance(actor, AnonymousUser):
        return ActorType.ANONYMOUS, "", ""
    if isinstance(actor, AbstractBaseUser):
        full_name = getattr(actor, "get_full_name", None)
        label = (full_name() if callable(full_name) else "") or actor.get_username()
        return ActorType.STAFF, str(actor.pk), str(label)
    raise TypeError(f"unsupported audit actor: {type(actor).__name__}")


def _request_fields(request: HttpRequest | None) -> tuple[str, str | None]:
    if request is None:
        return "", None
    request_id = str(getattr(request, "request_id", "") or "")
    # REMOTE_ADDR only: behind a proxy, the server (granian) must be told the client address;
    # a forwarded header read here could be forged by the client.
    raw_ip = str(request.META.get("REMOTE_ADDR") or "")
    try:
        # Without a zone index ("fe80::1%eth0"), which the inet type does not take.
        address = ipaddress.ip_address(raw_ip.split("%", 1)[0])
    except ValueError:
        return request_id, None
    # The text GenericIPAddressField stores, so the hashed value is the one read back.
    ip = clean_ipv6_address(str(address)) if address.version == 6 else str(address)
    return request_id, ip
